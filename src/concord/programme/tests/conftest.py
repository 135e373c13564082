from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from concord.accounts.models import User
from concord.directory.models import Organisation, Person
from concord.programme import services
from concord.programme.models import Event
from concord.regions.models import City, Region
from concord.testing.factories import (
    CityFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    UserFactory,
)

YAROSLAVL_TZ = ZoneInfo("Europe/Moscow")


@pytest.fixture
def yaroslavl(db: None) -> City:
    region = RegionFactory.create(
        code="RU-YAR", name_ru="Ярославская область", name_en="Yaroslavl Oblast"
    )
    return CityFactory.create(
        region=region, name_ru="Ярославль", name_en="Yaroslavl", timezone="Europe/Moscow"
    )


@pytest.fixture
def kazan(db: None) -> City:
    region = RegionFactory.create(
        code="RU-TA", name_ru="Республика Татарстан", name_en="Tatarstan", kind="republic"
    )
    return CityFactory.create(
        region=region, name_ru="Казань", name_en="Kazan", timezone="Europe/Moscow"
    )


@pytest.fixture
def kaliningrad(db: None) -> City:
    region = RegionFactory.create(
        code="RU-KGD",
        name_ru="Калининградская область",
        name_en="Kaliningrad Oblast",
        timezone="Europe/Kaliningrad",
    )
    return CityFactory.create(
        region=region, name_ru="Калининград", name_en="Kaliningrad", timezone="Europe/Kaliningrad"
    )


@pytest.fixture
def coordinator(db: None) -> User:
    return UserFactory.create(role=User.Role.COORDINATOR)


def plan_for(
    city: City, *, capacity: int = 2, days_ahead: int = 30, **changes: Any
) -> services.EventPlan:
    start = datetime.now(ZoneInfo(city.timezone)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    start += timedelta(days=days_ahead)
    values: dict[str, object] = {
        "kind": Event.Kind.TRAINING,
        "title": f"Межрегиональный тренинг в городе {city.name_ru}",
        "host_region": city.region,
        "host_city": city,
        "starts_at": start,
        "ends_at": start + timedelta(days=2, hours=7),
        "capacity_in_person": capacity,
    }
    values.update(changes)
    return services.EventPlan(**values)  # type: ignore[arg-type]


@pytest.fixture
def training(yaroslavl: City, coordinator: User) -> Event:
    venue = OrganisationFactory.create(
        region=yaroslavl.region, kind=Organisation.Kind.HOST, name="Мэрия Ярославля"
    )
    event = services.event_create(year=2026, plan=plan_for(yaroslavl, venue=venue), by=coordinator)
    services.event_invite_regions(event=event, regions=[yaroslavl.region], by=coordinator)
    return event


def person_in(region: Region, **kwargs: Any) -> Person:
    return PersonFactory.create(region=region, **kwargs)
