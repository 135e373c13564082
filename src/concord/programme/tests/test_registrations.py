from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from concord.accounts.models import User
from concord.messaging.models import OutboundMessage
from concord.programme import services
from concord.programme.models import Event, Registration
from concord.programme.services.registrations import offer_window
from concord.programme.tests.conftest import person_in
from concord.regions.models import City, Region
from concord.testing.factories import RegionFactory

S = Registration.State


def invite(
    event: Event, coordinator: User, region: Region | None = None, **kwargs: Any
) -> Registration:
    person = person_in(region or event.host_region, **kwargs)
    return services.registration_invite(event=event, person=person, by=coordinator)


def states(*registrations: Registration) -> list[str]:
    for registration in registrations:
        registration.refresh_from_db()
    return [r.state for r in registrations]


def test_invitation_is_recorded_and_queued(training: Event, coordinator: User) -> None:
    registration = invite(training, coordinator)
    transition = registration.transitions.get()
    assert (transition.from_state, transition.to_state, transition.by) == (
        "",
        S.INVITED,
        coordinator,
    )
    message = OutboundMessage.objects.get(person=registration.person)
    assert message.template == "programme.invitation"
    assert message.context == {"event": training.pk, "registration": registration.pk}


def test_people_of_regions_not_invited_cannot_be_invited(
    training: Event, coordinator: User
) -> None:
    outsider = person_in(RegionFactory.create())
    with pytest.raises(services.RegistrationError, match="not invited"):
        services.registration_invite(event=training, person=outsider, by=coordinator)
    assert not Registration.objects.exists()


def test_registering_a_person_twice_is_refused(training: Event, coordinator: User) -> None:
    registration = invite(training, coordinator)
    with pytest.raises(services.RegistrationError, match="already on the list"):
        services.registration_invite(event=training, person=registration.person, by=coordinator)
    assert Registration.objects.count() == 1


def test_accept_until_full_then_waitlist(training: Event, coordinator: User) -> None:
    first, second, third = (invite(training, coordinator) for _ in range(3))
    for registration in (first, second, third):
        services.registration_accept(registration=registration, by=None)
    assert states(first, second, third) == [S.REGISTERED, S.REGISTERED, S.WAITLISTED]
    assert services.places_left(training, Registration.Mode.IN_PERSON) == 0


def test_accepting_twice_changes_nothing(training: Event, coordinator: User) -> None:
    registration = invite(training, coordinator)
    services.registration_accept(registration=registration, by=None)
    services.registration_accept(registration=registration, by=None)
    assert registration.transitions.count() == 2


def test_every_transition_records_who_when_and_why(training: Event, coordinator: User) -> None:
    registration = invite(training, coordinator)
    services.registration_accept(registration=registration, by=None)
    services.registration_cancel(
        registration=registration, by=coordinator, by_organiser=True, reason="Ошибка в списке"
    )
    history = list(registration.transitions.values_list("from_state", "to_state", "reason"))
    assert history == [
        ("", S.INVITED, ""),
        (S.INVITED, S.REGISTERED, ""),
        (S.REGISTERED, S.CANCELLED_BY_ORGANISER, "Ошибка в списке"),
    ]


def full_training_with_waitlist(
    training: Event, coordinator: User, kazan: City
) -> tuple[Registration, ...]:
    services.event_invite_regions(event=training, regions=[kazan.region], by=coordinator)
    holders = [invite(training, coordinator) for _ in range(2)]
    waiting_other = invite(training, coordinator, region=kazan.region)
    waiting_same = invite(training, coordinator)
    for registration in (*holders, waiting_other, waiting_same):
        services.registration_accept(registration=registration, by=None)
    return (*holders, waiting_other, waiting_same)


def test_freed_place_goes_to_same_region_first(
    training: Event, coordinator: User, kazan: City
) -> None:
    holder, _holder2, waiting_other, waiting_same = full_training_with_waitlist(
        training, coordinator, kazan
    )
    services.registration_cancel(registration=holder, by=None, by_organiser=False)
    assert states(waiting_same, waiting_other) == [S.OFFERED, S.WAITLISTED]
    offer = OutboundMessage.objects.get(person=waiting_same.person, template="programme.offer")
    assert offer.priority == OutboundMessage.Priority.ALERT


def test_offer_not_accepted_in_time_passes_on(
    training: Event, coordinator: User, kazan: City
) -> None:
    holder, _holder2, waiting_other, waiting_same = full_training_with_waitlist(
        training, coordinator, kazan
    )
    services.registration_cancel(registration=holder, by=None, by_organiser=False)
    waiting_same.refresh_from_db()
    assert waiting_same.offer_expires_at is not None
    with time_machine.travel(waiting_same.offer_expires_at + timedelta(minutes=1)):
        assert services.offers_expire() == 1
    assert states(waiting_same, waiting_other) == [S.WAITLISTED, S.OFFERED]


def test_accepting_an_expired_offer_is_refused_and_passes_it_on(
    training: Event, coordinator: User, kazan: City
) -> None:
    holder, _holder2, waiting_other, waiting_same = full_training_with_waitlist(
        training, coordinator, kazan
    )
    services.registration_cancel(registration=holder, by=None, by_organiser=False)
    waiting_same.refresh_from_db()
    expired = waiting_same.offer_expires_at + timedelta(seconds=1)  # type: ignore[operator]
    with (
        time_machine.travel(expired),
        pytest.raises(services.RegistrationError, match="expired"),
    ):
        services.registration_accept(registration=waiting_same, by=None)
    assert states(waiting_same, waiting_other) == [S.WAITLISTED, S.OFFERED]


def test_accepting_an_offer_in_time_confirms(
    training: Event, coordinator: User, kazan: City
) -> None:
    holder, _holder2, _other, waiting_same = full_training_with_waitlist(
        training, coordinator, kazan
    )
    services.registration_cancel(registration=holder, by=None, by_organiser=False)
    services.registration_accept(registration=waiting_same, by=None)
    assert states(waiting_same) == [S.CONFIRMED]
    taken = services.places_taken(training, Registration.Mode.IN_PERSON)
    assert taken == training.capacity_in_person


def test_offer_window_is_shorter_close_to_the_event(training: Event) -> None:
    with time_machine.travel(training.starts_at - timedelta(hours=10)):
        window = offer_window(training)
    assert window == timedelta(hours=5)


def test_registrations_close_when_cancelled(training: Event, coordinator: User) -> None:
    registration = invite(training, coordinator)
    services.event_cancel(event=training, reason="Карантин", by=coordinator)
    with pytest.raises(services.RegistrationError, match="closed"):
        services.registration_accept(registration=registration, by=None)


def test_more_places_go_to_the_waiting_list_at_once(training: Event, coordinator: User) -> None:
    first, second, third = (invite(training, coordinator) for _ in range(3))
    for registration in (first, second, third):
        services.registration_accept(registration=registration, by=None)
    services.event_capacity_set(
        event=training, capacity_in_person=3, capacity_online=0, by=coordinator
    )
    assert states(third) == [S.OFFERED]


def test_places_already_taken_cannot_be_removed(training: Event, coordinator: User) -> None:
    for _ in range(2):
        services.registration_accept(registration=invite(training, coordinator), by=None)
    with pytest.raises(ValidationError, match="already hold"):
        services.event_capacity_set(
            event=training, capacity_in_person=1, capacity_online=0, by=coordinator
        )
    training.refresh_from_db()
    assert training.capacity_in_person == 2


def test_switching_format_needs_room_for_everyone(training: Event, coordinator: User) -> None:
    for _ in range(2):
        services.registration_accept(registration=invite(training, coordinator), by=None)
    with pytest.raises(ValidationError, match="make room"):
        services.event_switch_format(
            event=training,
            format=Event.Format.ONLINE,
            meeting_url="https://meet.example.org/x",
            capacity_online=1,
            reason="Карантин",
            by=coordinator,
        )
    training.refresh_from_db()
    assert training.format == Event.Format.IN_PERSON
