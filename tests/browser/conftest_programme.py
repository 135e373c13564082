"""Data and helpers for the programme's browser tests; test_programme.py wraps them in fixtures."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from playwright.sync_api import Page, expect

from concord.accounts.models import User
from concord.directory.models import Organisation, Person, PersonRole
from concord.programme import services
from concord.programme.models import AgendaTemplate, Event, Registration
from concord.regions.models import City, Region
from concord.testing.factories import (
    CityFactory,
    OrganisationFactory,
    PersonFactory,
    PersonRoleFactory,
    RegionFactory,
    UserFactory,
)

PASSWORD = "correct-horse-battery"


def agendas_ensure() -> None:
    """Transactional tests flush the tables, and with them the agendas a data migration made."""
    if not AgendaTemplate.objects.exists():
        migration = importlib.import_module("concord.programme.migrations.0002_agenda_templates")
        migration.create_agendas(apps, None)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("nav.main-nav")).to_be_visible()


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def sideways_overflow(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@dataclass
class Network:
    """Two regions, a coordinator and three participants with accounts."""

    yaroslavl: City
    kazan: Region
    venue: Organisation
    coordinator: User
    participants: list[Person]

    def user_of(self, person: Person) -> str:
        return f"{person.last_name.lower()}@example.org"


def _participant(region: Region, city: City | None, last_name: str, role: str) -> Person:
    person = PersonFactory.create(region=region, city=city, last_name=last_name)
    PersonRoleFactory.create(person=person, role=role)
    UserFactory.create(
        email=f"{last_name.lower()}@example.org", role=User.Role.NGO_MEMBER, person=person
    )
    return person


def network_make() -> Network:
    agendas_ensure()
    region = RegionFactory.create(
        code="RU-YAR", name_ru="Ярославская область", name_en="Yaroslavl Oblast"
    )
    yaroslavl = CityFactory.create(region=region, name_ru="Ярославль", name_en="Yaroslavl")
    kazan = RegionFactory.create(
        code="RU-TA", name_ru="Республика Татарстан", name_en="Tatarstan", kind="republic"
    )
    CityFactory.create(region=kazan, name_ru="Казань", name_en="Kazan")
    venue = OrganisationFactory.create(
        region=region, kind=Organisation.Kind.HOST, name="Дом дружбы народов Ярославля"
    )
    coordinator = UserFactory.create(email="coordinator@example.org", role=User.Role.COORDINATOR)
    leader, youth = PersonRole.Role.LEADER, PersonRole.Role.YOUTH_ACTIVIST
    participants = [
        _participant(region, yaroslavl, "Abdullaev", leader),
        _participant(kazan, None, "Bikbaev", leader),
        _participant(region, yaroslavl, "Valiev", youth),
    ]
    return Network(yaroslavl, kazan, venue, coordinator, participants)


@dataclass
class World:
    """An announced training with people in every state a page shows."""

    network: Network
    event: Event
    pending: Registration


def world_make(net: Network) -> World:
    first = date.today() + timedelta(days=20)
    tz = ZoneInfo(net.yaroslavl.timezone)
    plan = services.EventPlan(
        kind=Event.Kind.TRAINING,
        title="Межрегиональный тренинг в Ярославле",
        host_region=net.yaroslavl.region,
        host_city=net.yaroslavl,
        venue=net.venue,
        starts_at=datetime.combine(first, time(10), tzinfo=tz),
        ends_at=datetime.combine(first + timedelta(days=2), time(17), tzinfo=tz),
        capacity_in_person=1,
    )
    event = services.event_create(year=first.year, plan=plan, by=net.coordinator)
    services.event_status_set(event=event, status=Event.Status.ANNOUNCED, by=net.coordinator)
    services.event_invite_regions(
        event=event, regions=[net.yaroslavl.region, net.kazan], by=net.coordinator
    )
    first_person, second_person, third_person = net.participants
    registered = services.registration_invite(event=event, person=first_person, by=net.coordinator)
    services.registration_accept(registration=registered, by=None)
    waiting = services.registration_invite(event=event, person=second_person, by=net.coordinator)
    services.registration_accept(registration=waiting, by=None)
    pending = services.registration_invite(event=event, person=third_person, by=net.coordinator)
    return World(net, event, pending)
