from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from concord.accounts.models import AuditEntry, User
from concord.accounts.scoping import scope_for
from concord.directory import services
from concord.directory.exporting import directory_export
from concord.directory.importing import import_run
from concord.directory.models import (
    Consent,
    EthnicAffiliation,
    EthnicCommunity,
    Organisation,
    Person,
)
from concord.directory.selectors import DirectoryQuery
from concord.regions.models import Region
from concord.testing.factories import (
    CityFactory,
    EthnicCommunityFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    tatarstan: Region
    bashkortostan: Region
    tatars: EthnicCommunity
    coordinator: User
    people: list[Person]


_numbers = iter(range(100, 10_000))


def make_person(
    region: Region, *, organisation: Organisation | None = None, **extra: Any
) -> Person:
    n = next(_numbers)
    values: dict[str, Any] = {
        "last_name": f"Фамилия{n:05d}",
        "first_name": "Имя",
        "region": region,
        "phone": f"+7916123{n:04d}",
        "email": f"p{n}@example.org",
        "roles": ["leader"],
        "memberships": [services.MembershipInput(organisation, "член")] if organisation else [],
    }
    return services.person_create(**(values | extra))


def give_ethnicity(person: Person, community: EthnicCommunity, by: User) -> None:
    services.consent_record(
        person=person, purpose=Consent.Purpose.ETHNICITY, method="paper", recorded_by=by
    )
    services.ethnic_affiliation_set(person=person, communities=[community], by=by)


@pytest.fixture
def world() -> World:
    tatarstan = RegionFactory.create(
        code="RU-TA", name_ru="Республика Татарстан", name_en="Tatarstan"
    )
    bashkortostan = RegionFactory.create(
        code="RU-BA", name_ru="Республика Башкортостан", name_en="Bashkortostan"
    )
    tatars = EthnicCommunityFactory.create(slug="tatars", name_ru="Татары", name_en="Tatars")
    coordinator = UserFactory.create(role=User.Role.COORDINATOR)
    autonomy = OrganisationFactory.create(name="Татарская автономия", region=tatarstan)
    kazan = make_person(tatarstan, organisation=autonomy, notes="звонить после обеда")
    give_ethnicity(kazan, tatars, coordinator)
    ufa = make_person(bashkortostan)
    OrganisationFactory.create(name="Дом дружбы Уфы", region=bashkortostan)
    AuditEntry.objects.all().delete()
    return World(tatarstan, bashkortostan, tatars, coordinator, [kazan, ufa])


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def export(user: User, **kwargs: Any) -> list[list[str]]:
    kwargs = {"kind": "people", "fmt": "csv"} | kwargs
    content, _name, _type = directory_export(scope=scope_for(user), actor=user, **kwargs)
    return read_csv(content)


@pytest.fixture
def russian() -> Iterator[None]:
    with translation.override("ru"):
        yield


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- Format -------------------------------------------------------------------------------------


def test_csv_opens_in_russian_excel(world: World, russian: None) -> None:
    content, filename, content_type = directory_export(
        scope=scope_for(world.coordinator), actor=world.coordinator, kind="people", fmt="csv"
    )
    assert content.startswith(b"\xef\xbb\xbf")
    header = content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Фамилия;Имя;Отчество;Регион;")
    assert filename == f"concord-people-{timezone.localdate():%Y-%m-%d}.csv"
    assert content_type == "text/csv; charset=utf-8"
    rows = read_csv(content)
    assert len(rows) == 3


def test_csv_in_english_uses_commas(world: World, english: None) -> None:
    content, _filename, _type = directory_export(
        scope=scope_for(world.coordinator), actor=world.coordinator, kind="organisations", fmt="csv"
    )
    assert content.decode("utf-8-sig").splitlines()[0].startswith("Name,Kind,Region,City,")


def test_xlsx_cells_are_text(world: World, english: None) -> None:
    content, filename, content_type = directory_export(
        scope=scope_for(world.coordinator), actor=world.coordinator, kind="people", fmt="xlsx"
    )
    assert filename.endswith(".xlsx") and "spreadsheetml" in content_type
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:4] == ["Last name", "First name", "Patronymic", "Region"]
    phone = rows[1][header.index("Phone")]
    assert phone == world.people[0].phone


def test_formulas_are_neutralised_and_read_back(world: World, english: None) -> None:
    world.people[0].notes = '=HYPERLINK("http://evil.example","click")'
    world.people[0].save()
    rows = export(world.coordinator)
    notes = rows[0].index("Notes")
    assert rows[1][notes] == '\'=HYPERLINK("http://evil.example","click")'
    phone = rows[0].index("Phone")
    assert rows[1][phone].startswith("+7916")  # numbers are safe and stay as they are
    content, _n, _t = directory_export(
        scope=scope_for(world.coordinator), actor=world.coordinator, kind="people", fmt="xlsx"
    )
    cell = load_workbook(io.BytesIO(content)).worksheets[0].cell(row=2, column=notes + 1)
    assert cell.data_type == "s" and cell.value == world.people[0].notes


# --- Scope --------------------------------------------------------------------------------------


def test_regional_coordinator_exports_only_their_regions(world: World, english: None) -> None:
    regional = UserFactory.create(role=User.Role.REGIONAL_COORDINATOR)
    regional.regions.set([world.tatarstan])
    people = export(regional)
    assert [row[0] for row in people[1:]] == [world.people[0].last_name]
    organisations = export(regional, kind="organisations")
    assert [row[0] for row in organisations[1:]] == ["Татарская автономия"]
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("pk").last()
    assert entry is not None and entry.actor == regional and entry.detail["rows"] == 1


def test_ngo_member_gets_no_coordinator_columns(world: World, english: None) -> None:
    member = UserFactory.create(role=User.Role.NGO_MEMBER, person=world.people[0])
    rows = export(member)
    assert "Notes" not in rows[0] and "Consents" not in rows[0]
    assert "Digital skills" not in rows[0]
    assert [row[0] for row in rows[1:]] == [world.people[0].last_name]


def test_monitor_and_anonymous_cannot_export(world: World) -> None:
    monitor = UserFactory.create(role=User.Role.MONITOR)
    with pytest.raises(PermissionDenied):
        export(monitor)
    with pytest.raises(PermissionDenied):
        directory_export(scope=scope_for(None), actor=None, kind="people", fmt="csv")
    assert not AuditEntry.objects.exists()


def test_filters(world: World, english: None) -> None:
    rows = export(world.coordinator, query=DirectoryQuery(region=world.bashkortostan))
    assert [row[0] for row in rows[1:]] == [world.people[1].last_name]
    rows = export(world.coordinator, query=DirectoryQuery(role="official"))
    assert rows[1:] == []
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("pk").last()
    assert entry is not None and entry.detail["filters"] == {"role": "official"}


# --- Ethnic affiliation -------------------------------------------------------------------------


def test_ethnicity_only_when_asked(world: World, english: None) -> None:
    rows = export(world.coordinator)
    assert "Ethnic affiliation" not in rows[0]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT_ETHNICITY).exists()

    rows = export(world.coordinator, include_ethnicity=True)
    column = rows[0].index("Ethnic affiliation")
    assert [row[column] for row in rows[1:]] == ["Tatars", ""]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT_ETHNICITY)
    assert entry.actor == world.coordinator
    assert entry.detail == {"rows": 2, "person_ids": [world.people[0].pk]}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count() == 2


def test_ethnicity_without_active_consent_is_not_exported(world: World, english: None) -> None:
    # Withdrawal deletes affiliations (services.consent_withdraw); a row left behind by any
    # other path must still not leave the system.
    Consent.objects.filter(purpose=Consent.Purpose.ETHNICITY).update(withdrawn_at=timezone.now())
    assert EthnicAffiliation.objects.exists()
    rows = export(world.coordinator, include_ethnicity=True)
    column = rows[0].index("Ethnic affiliation")
    assert [row[column] for row in rows[1:]] == ["", ""]


@pytest.mark.parametrize("role", [User.Role.NGO_MEMBER, User.Role.MONITOR])
def test_ethnicity_refused_to_non_coordinators(world: World, role: str) -> None:
    user = UserFactory.create(role=role, person=world.people[0])
    with pytest.raises(PermissionDenied):
        export(user, include_ethnicity=True)
    assert not AuditEntry.objects.exists()


def test_regional_coordinator_exports_ethnicity_of_their_regions(
    world: World, english: None
) -> None:
    regional = UserFactory.create(role=User.Role.REGIONAL_COORDINATOR)
    regional.regions.set([world.bashkortostan])
    rows = export(regional, include_ethnicity=True)
    assert len(rows) == 2 and rows[1][0] == world.people[1].last_name
    assert rows[1][rows[0].index("Ethnic affiliation")] == ""


# --- Queries ------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_rows(world: World) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            export(world.coordinator, include_ethnicity=True)
            export(world.coordinator, kind="organisations")
        return len(queries)

    before = count()
    organisation = OrganisationFactory.create(region=world.tatarstan)
    organisation.communities.add(world.tatars)
    for _ in range(5):
        person = make_person(
            world.tatarstan,
            organisation=organisation,
            city=CityFactory.create(region=world.tatarstan),
        )
        give_ethnicity(person, world.tatars, world.coordinator)
    assert count() == before


# --- Round trip ---------------------------------------------------------------------------------


def _people_snapshot() -> list[tuple[Any, ...]]:
    return sorted(
        (
            p.last_name,
            p.first_name,
            p.patronymic,
            p.region.code,
            p.city.name_en if p.city else "",
            p.phone,
            p.whatsapp,
            p.email,
            p.telegram_username,
            p.preferred_channel,
            p.languages,
            p.digital_skill,
            p.notes,
            tuple(sorted(p.roles.values_list("role", flat=True))),
            tuple(sorted(p.memberships.values_list("organisation__name", "position"))),
            tuple(
                sorted(
                    (c.purpose, c.method, f"{timezone.localtime(c.given_at):%Y-%m-%d}")
                    for c in p.consents.all()
                )
            ),
            tuple(sorted(p.ethnic_affiliations.values_list("community__slug", flat=True))),
        )
        for p in Person.objects.select_related("region", "city")
    )


def _organisations_snapshot() -> list[tuple[Any, ...]]:
    fields = (
        *("name", "kind", "region__code", "city__name_en", "serves", "cooperation", "phone"),
        *("email", "website", "telegram", "address", "description"),
    )
    return sorted(
        (
            *values,
            tuple(
                sorted(
                    EthnicCommunity.objects.filter(organisations__name=values[0]).values_list(
                        "slug", flat=True
                    )
                )
            ),
        )
        for values in Organisation.objects.values_list(*fields)
    )


def _rich_directory(world: World) -> None:
    kazan = CityFactory.create(region=world.tatarstan, name_ru="Казань", name_en="Kazan")
    house = services.organisation_create(
        kind="host",
        name="Дом дружбы народов, Казань",
        region=world.tatarstan,
        city=kazan,
        communities=[world.tatars],
        serves="both",
        cooperation="agreement",
        phone="+78432000000",
        email="house@example.org",
        website="https://house.example.org",
        telegram="house_kazan",
        address="ул. Пушкина, 1",
        description="=не формула",
    )
    person = make_person(
        world.tatarstan,
        city=kazan,
        patronymic="Маратович",
        whatsapp="+79160000001",
        telegram_username="rinat_kh",
        preferred_channel="whatsapp",
        languages="ru, tt",
        digital_skill=1,
        roles=["leader", "trainer"],
        memberships=[
            services.MembershipInput(house, ""),
            services.MembershipInput(Organisation.objects.get(name="Татарская автономия"), "член"),
        ],
    )
    given = timezone.make_aware(datetime(2024, 3, 31, 10, 0))
    for purpose in ("directory", "messaging", "ethnicity"):
        services.consent_record(
            person=person, purpose=purpose, method="paper", given_at=given, recorded_by=None
        )
    services.ethnic_affiliation_set(person=person, communities=[world.tatars], by=None)


@pytest.mark.parametrize(("language", "fmt"), [("ru", "csv"), ("en", "xlsx")])
def test_export_then_import_gives_the_same_directory(world: World, language: str, fmt: str) -> None:
    _rich_directory(world)
    # Consents given on different days come back with the date of the latest one.
    Consent.objects.update(given_at=timezone.make_aware(datetime(2024, 3, 31, 10, 0)))
    Consent.objects.update(method="paper")
    people_before, organisations_before = _people_snapshot(), _organisations_snapshot()
    scope = scope_for(world.coordinator)
    with translation.override(language):
        organisations = directory_export(
            scope=scope, actor=world.coordinator, kind="organisations", fmt=fmt
        )
        people = directory_export(
            scope=scope, actor=world.coordinator, kind="people", fmt=fmt, include_ethnicity=True
        )
    EthnicAffiliation.objects.all().delete()
    Person.objects.all().delete()
    Organisation.objects.all().delete()
    with translation.override("en"):
        for kind, (content, filename, _type) in (
            ("organisations", organisations),
            ("people", people),
        ):
            result = import_run(kind=kind, data=content, filename=filename, actor=world.coordinator)
            assert result.ok, [str(p) for p in result.problems]
    assert _organisations_snapshot() == organisations_before
    assert _people_snapshot() == people_before
