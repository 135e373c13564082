from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from icalendar import Calendar

from concord.accounts.models import User
from concord.messaging.models import OutboundMessage
from concord.programme import services
from concord.programme.calendar import events_ics
from concord.programme.models import Disruption, Event, Registration
from concord.programme.tests.conftest import person_in
from concord.regions.models import City

S = Registration.State


@pytest.fixture
def crowd(training: Event, coordinator: User) -> dict[str, Registration]:
    """One person in each state the issue names, plus people who should not be told."""
    people = {}
    for name in ("registered", "waitlisted_a", "invited", "declined", "cancelled", "third"):
        person = person_in(training.host_region)
        people[name] = services.registration_invite(event=training, person=person, by=coordinator)
    for name in ("registered", "cancelled", "third", "waitlisted_a"):
        services.registration_accept(registration=people[name], by=None)
    services.registration_decline(registration=people["declined"], by=None)
    services.registration_cancel(registration=people["cancelled"], by=None, by_organiser=False)
    # "cancelled" freed a place: "waitlisted_a" was offered it.
    for registration in people.values():
        registration.refresh_from_db()
    return people


def disruption_messages() -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(template__startswith="programme.disruption")


def test_relocation_tells_each_expecting_person_exactly_once(
    training: Event, crowd: dict[str, Registration], kazan: City, coordinator: User
) -> None:
    expecting = {r.person_id for r in crowd.values() if r.state in services.ACTIVE}
    assert {r.state for r in crowd.values() if r.person_id in expecting} >= {
        S.REGISTERED,
        S.OFFERED,
        S.INVITED,
    }
    services.event_relocate(
        event=training, city=kazan, reason="Карантин в Ярославле", by=coordinator
    )
    messages = disruption_messages()
    assert sorted(m.person_id or 0 for m in messages) == sorted(expecting)
    assert {m.template for m in messages} == {"programme.disruption.relocation"}
    training.refresh_from_db()
    assert (training.host_city, training.host_region, training.venue) == (kazan, kazan.region, None)


def test_second_disruption_is_a_second_message(
    training: Event, crowd: dict[str, Registration], kazan: City, coordinator: User
) -> None:
    services.event_relocate(event=training, city=kazan, reason="Карантин", by=coordinator)
    services.event_switch_format(
        event=training,
        format=Event.Format.ONLINE,
        meeting_url="https://meet.example.org/t",
        capacity_online=100,
        reason="Самоизоляция",
        by=coordinator,
    )
    expecting = sum(1 for r in crowd.values() if r.state in services.ACTIVE)
    assert disruption_messages().count() == 2 * expecting
    assert set(training.registrations.values_list("mode", flat=True)) == {Registration.Mode.ONLINE}


def test_reschedule_moves_the_agenda_with_its_local_times(
    training: Event, coordinator: User
) -> None:
    first_before = timezone.localtime(
        training.sessions.order_by("starts_at")[0].starts_at, training.tz
    )
    services.event_relocate(
        event=training,
        starts_at=training.starts_at + timedelta(days=7),
        ends_at=training.ends_at + timedelta(days=7),
        reason="Зал занят",
        by=coordinator,
    )
    training.refresh_from_db()
    first_after = timezone.localtime(
        training.sessions.order_by("starts_at")[0].starts_at, training.tz
    )
    assert first_after.date() - first_before.date() == timedelta(days=7)
    assert first_after.time() == first_before.time()
    assert training.disruptions.get().kind == Disruption.Kind.RESCHEDULE


def test_relocation_to_another_time_zone_keeps_the_clock_time(
    training: Event, kaliningrad: City, coordinator: User
) -> None:
    services.event_relocate(event=training, city=kaliningrad, reason="Перенос", by=coordinator)
    training.refresh_from_db()
    first = timezone.localtime(training.sessions.order_by("starts_at")[0].starts_at, training.tz)
    assert (first.hour, first.utcoffset()) == (10, timedelta(hours=2))


def test_disruption_without_reason_or_change_is_refused(training: Event, coordinator: User) -> None:
    with pytest.raises(ValidationError, match="Say why"):
        services.event_cancel(event=training, reason=" ", by=coordinator)
    with pytest.raises(ValidationError, match="Nothing changes"):
        services.event_relocate(event=training, reason="Просто так", by=coordinator)
    assert not Disruption.objects.exists()


def test_cancel_releases_everyone_and_tells_them(
    training: Event, crowd: dict[str, Registration], coordinator: User
) -> None:
    expecting = [r for r in crowd.values() if r.state in services.ACTIVE]
    services.event_cancel(event=training, reason="Отмена по решению властей", by=coordinator)
    for registration in expecting:
        registration.refresh_from_db()
        assert registration.state == S.CANCELLED_BY_ORGANISER
    assert disruption_messages().count() == len(expecting)
    with pytest.raises(ValidationError, match="cancelled"):
        services.event_relocate(
            event=training,
            reason="x",
            by=coordinator,
            starts_at=training.starts_at + timedelta(days=1),
        )


def vevent(event: Event) -> Any:
    event.refresh_from_db()
    calendar = Calendar.from_ical(events_ics([event], name="test"))
    return next(c for c in calendar.walk("VEVENT"))


def test_calendar_entry_keeps_uid_and_raises_sequence(
    training: Event, kazan: City, coordinator: User
) -> None:
    before = vevent(training)
    services.event_relocate(event=training, city=kazan, reason="Карантин", by=coordinator)
    after = vevent(training)
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert "Kazan" in str(after["location"]) or "Казань" in str(after["location"])
    services.event_cancel(event=training, reason="Отмена", by=coordinator)
    cancelled = vevent(training)
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) == int(before["sequence"]) + 2


def test_calendar_times_are_in_the_host_time_zone(kaliningrad: City, coordinator: User) -> None:
    from concord.programme.tests.conftest import plan_for

    event = services.event_create(year=2020, plan=plan_for(kaliningrad), by=coordinator)
    start = vevent(event)["dtstart"].dt
    assert str(start.tzinfo) == "Europe/Kaliningrad"
    assert start.hour == 10
