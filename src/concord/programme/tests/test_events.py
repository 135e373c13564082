from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from concord.accounts.models import User
from concord.directory.models import Organisation
from concord.programme import services
from concord.programme.models import Event, RegionalRestriction, RestrictionOverride
from concord.programme.tests.conftest import plan_for
from concord.regions.models import City
from concord.testing.factories import OrganisationFactory, RegionFactory


def test_training_gets_the_three_day_agenda_in_host_time(
    kaliningrad: City, coordinator: User
) -> None:
    with translation.override("ru"):  # the coordinator works in Russian
        event = services.event_create(year=2020, plan=plan_for(kaliningrad), by=coordinator)
    sessions = list(event.sessions.order_by("starts_at"))
    assert [s.day for s in sessions] == [1, 1, 1, 2, 2, 3, 3]
    first = timezone.localtime(sessions[0].starts_at, event.tz)
    assert (first.hour, first.minute) == (10, 0)
    assert first.utcoffset() == timedelta(hours=2)  # Kaliningrad, UTC+2
    assert "власти и полиции" in sessions[3].title
    assert timezone.localtime(sessions[-1].starts_at, event.tz).date() == first.date() + timedelta(
        days=2
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at_shift": -timedelta(days=3)}, "ends_at"),
        ({"format": Event.Format.ONLINE, "capacity_online": 50}, "meeting_url"),
        (
            {"format": Event.Format.HYBRID, "meeting_url": "https://meet.example.org/x"},
            "capacity_online",
        ),
        ({"capacity_in_person": 0}, "capacity_in_person"),
    ],
)
def test_bad_plans_are_refused_and_nothing_is_written(
    yaroslavl: City, coordinator: User, changes: dict[str, Any], field: str
) -> None:
    shift = changes.pop("ends_at_shift", None)
    plan = plan_for(yaroslavl, **changes)
    if shift is not None:
        plan = plan_for(yaroslavl, ends_at=plan.starts_at + shift)
    with pytest.raises(ValidationError) as error:
        services.event_create(year=2026, plan=plan, by=coordinator)
    assert field in error.value.message_dict
    assert not Event.objects.exists()


def test_venue_in_another_region_is_refused(
    yaroslavl: City, kazan: City, coordinator: User
) -> None:
    venue = OrganisationFactory.create(region=kazan.region, kind=Organisation.Kind.HOST)
    with pytest.raises(ValidationError) as error:
        services.event_create(year=2026, plan=plan_for(yaroslavl, venue=venue), by=coordinator)
    assert "not in the event's region" in error.value.message_dict["venue"][0]


def test_city_of_another_region_is_refused(yaroslavl: City, kazan: City, coordinator: User) -> None:
    plan = plan_for(yaroslavl, host_city=kazan)
    with pytest.raises(ValidationError) as error:
        services.event_create(year=2026, plan=plan, by=coordinator)
    assert "host_city" in error.value.message_dict


def test_inviting_a_region_twice_is_refused(
    training: Event, yaroslavl: City, coordinator: User
) -> None:
    other = RegionFactory.create()
    with pytest.raises(ValidationError, match="Already invited"):
        services.event_invite_regions(
            event=training, regions=[other, yaroslavl.region], by=coordinator
        )
    assert training.invited_regions.count() == 1  # the other region was not half-added


def restriction(city: City, max_participants: int) -> RegionalRestriction:
    today = date.today()
    return services.restriction_create(
        region=city.region,
        starts_on=today,
        ends_on=today + timedelta(days=60),
        max_participants=max_participants,
        reason="Указ губернатора",
        by=None,
    )


def test_restriction_blocks_an_event_until_overridden_with_a_reason(
    yaroslavl: City, coordinator: User
) -> None:
    restriction(yaroslavl, max_participants=30)
    plan = plan_for(yaroslavl, capacity=40)
    with pytest.raises(services.RestrictionConflict, match="at most 30 people"):
        services.event_create(year=2026, plan=plan, by=coordinator)
    assert not Event.objects.exists()
    event = services.event_create(
        year=2026, plan=plan, by=coordinator, override_reason="Зал на 40 мест, согласовано"
    )
    override = RestrictionOverride.objects.get(event=event)
    assert override.reason == "Зал на 40 мест, согласовано"
    assert override.by == coordinator


def test_restriction_allows_a_small_or_online_event(yaroslavl: City, coordinator: User) -> None:
    restriction(yaroslavl, max_participants=30)
    services.event_create(year=2026, plan=plan_for(yaroslavl, capacity=30), by=coordinator)
    online = plan_for(
        yaroslavl,
        format=Event.Format.ONLINE,
        capacity_in_person=0,
        capacity_online=100,
        meeting_url="https://meet.example.org/a",
    )
    services.event_create(year=2026, plan=online, by=coordinator)
    assert Event.objects.count() == 2


def test_confirming_checks_restrictions_recorded_after_creation(
    training: Event, yaroslavl: City, coordinator: User
) -> None:
    restriction(yaroslavl, max_participants=0)
    with pytest.raises(services.RestrictionConflict):
        services.event_status_set(event=training, status=Event.Status.CONFIRMED, by=coordinator)
    training.refresh_from_db()
    assert training.status == Event.Status.DRAFT
    services.event_status_set(
        event=training, status=Event.Status.CONFIRMED, by=coordinator, override_reason="Согласовано"
    )
    training.refresh_from_db()
    assert training.status == Event.Status.CONFIRMED


def test_the_agenda_follows_the_coordinators_language(yaroslavl: City, coordinator: User) -> None:
    event = services.event_create(year=2026, plan=plan_for(yaroslavl), by=coordinator)
    titles = list(event.sessions.order_by("starts_at").values_list("title", flat=True))
    assert titles[0] == "Introductions"
