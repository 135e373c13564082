from __future__ import annotations

import pytest

from concord.accounts.models import User
from concord.programme import services
from concord.programme.models import Attendance, Event, Registration
from concord.programme.tests.conftest import person_in

S = Registration.State


@pytest.fixture
def registered(training: Event, coordinator: User) -> Registration:
    registration = services.registration_invite(
        event=training, person=person_in(training.host_region), by=coordinator
    )
    return services.registration_accept(registration=registration, by=None)


def test_check_in_once_per_day_and_a_second_tap_is_harmless(
    training: Event, registered: Registration, coordinator: User
) -> None:
    day = services.event_days(training)[0]
    _attendance, created = services.attendance_check_in(
        registration=registered, day=day, by=coordinator
    )
    _again, created_again = services.attendance_check_in(
        registration=registered, day=day, by=coordinator
    )
    assert (created, created_again) == (True, False)
    registered.refresh_from_db()
    assert registered.state == S.ATTENDED
    assert Attendance.objects.count() == 1


def test_check_in_of_someone_not_registered_is_refused(training: Event, coordinator: User) -> None:
    invited = services.registration_invite(
        event=training, person=person_in(training.host_region), by=coordinator
    )
    with pytest.raises(services.RegistrationError, match="not registered"):
        services.attendance_check_in(
            registration=invited, day=services.event_days(training)[0], by=coordinator
        )
    assert not Attendance.objects.exists()


def test_check_in_on_a_day_outside_the_event_is_refused(
    training: Event, registered: Registration, coordinator: User
) -> None:
    day_after = services.event_days(training)[-1].replace(year=2099)
    with pytest.raises(services.RegistrationError, match="not a day"):
        services.attendance_check_in(registration=registered, day=day_after, by=coordinator)


def test_undo_and_close(training: Event, registered: Registration, coordinator: User) -> None:
    days = services.event_days(training)
    assert len(days) == 3
    attendance, _ = services.attendance_check_in(
        registration=registered, day=days[0], by=coordinator
    )
    services.attendance_undo(attendance=attendance, by=coordinator)
    registered.refresh_from_db()
    assert registered.state == S.CONFIRMED
    assert services.event_attendance_close(event=training, by=coordinator) == 1
    registered.refresh_from_db()
    training.refresh_from_db()
    assert (registered.state, training.status) == (S.NO_SHOW, Event.Status.HELD)
