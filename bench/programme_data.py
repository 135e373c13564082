"""Data for the programme benchmark, made fast with bulk inserts (not through the services,
whose per-registration work is not what is measured here)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone


def region_and_coordinator() -> tuple[Any, Any, Any]:
    from concord.accounts.models import User
    from concord.regions.models import City, Country, Region

    country, _ = Country.objects.get_or_create(
        code="RU", defaults={"name_ru": "Россия", "name_en": "Russia"}
    )
    region = Region.objects.create(
        country=country,
        code="RU-YAR",
        name_ru="Ярославская область",
        name_en="Yaroslavl Oblast",
        timezone="Europe/Moscow",
    )
    city = City.objects.create(
        region=region,
        name_ru="Ярославль",
        name_en="Yaroslavl",
        latitude=57.6,
        longitude=39.9,
        timezone="Europe/Moscow",
    )
    coordinator = User.objects.create_user(
        email="bench@example.org", password="x", role=User.Role.COORDINATOR
    )
    return region, city, coordinator


def event_with_registrations(region: Any, city: Any, by: Any, count: int, title: str) -> Any:
    from concord.directory.models import Organisation, Person, PersonRole
    from concord.programme import services
    from concord.programme.models import Attendance, Registration

    start = timezone.now() + timedelta(days=1)
    plan = services.EventPlan(
        kind="training",
        title=title,
        host_region=region,
        host_city=city,
        starts_at=start,
        ends_at=start + timedelta(days=2),
        capacity_in_person=count,
    )
    event = services.event_create(year=start.year, plan=plan, by=by)
    services.event_invite_regions(event=event, regions=[region], by=by)
    org = Organisation.objects.create(kind="ethnic_ngo", name=f"НКО {title}", region=region)
    people = Person.objects.bulk_create(
        Person(
            last_name=f"Участник{n:05d}",
            first_name="Имя",
            region=region,
            city=city,
            phone=f"+7916{event.pk:02d}{n:05d}",
            search_text=f"участник{n:05d}",
        )
        for n in range(count)
    )
    PersonRole.objects.bulk_create(PersonRole(person=p, role="leader") for p in people)
    org.memberships.bulk_create(org.memberships.model(person=p, organisation=org) for p in people)
    registrations = Registration.objects.bulk_create(
        Registration(event=event, person=p, state="confirmed") for p in people
    )
    day = timezone.localtime(event.starts_at, event.tz).date()
    Attendance.objects.bulk_create(
        Attendance(registration=r, day=day, checked_in_at=event.starts_at)
        for r in registrations[::2]
    )
    return event
