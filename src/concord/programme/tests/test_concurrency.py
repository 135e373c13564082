"""Two people accept the last place at the same moment: capacity is never exceeded.

Real concurrent transactions on separate connections: on PostgreSQL the event row lock
(SELECT … FOR UPDATE) serialises them; on SQLite the IMMEDIATE write transactions do.
"""

from __future__ import annotations

import functools

import pytest

from concord.accounts.models import User
from concord.programme import services
from concord.programme.models import Event, Registration
from concord.programme.tests.conftest import person_in, plan_for
from concord.regions.models import City
from concord.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def accept_together(registrations: list[Registration]) -> list[str]:
    def accept(registration: Registration) -> str:
        try:
            services.registration_accept(registration=registration, by=None)
        except services.RegistrationError as error:
            return error.code or "refused"
        return "ok"

    outcomes = run_together([functools.partial(accept, r) for r in registrations])
    return [o if isinstance(o, str) else repr(o) for o in outcomes]


@pytest.mark.parametrize("attempt", range(3))
def test_two_accepts_for_the_last_place(yaroslavl: City, coordinator: User, attempt: int) -> None:
    event = services.event_create(year=2026, plan=plan_for(yaroslavl, capacity=1), by=coordinator)
    services.event_invite_regions(event=event, regions=[yaroslavl.region], by=coordinator)
    invited = [
        services.registration_invite(
            event=event, person=person_in(yaroslavl.region), by=coordinator
        )
        for _ in range(4)
    ]
    assert accept_together(invited) == ["ok"] * 4
    states = sorted(Registration.objects.filter(event=event).values_list("state", flat=True))
    assert states == ["registered", "waitlisted", "waitlisted", "waitlisted"]
    assert services.places_taken(Event.objects.get(pk=event.pk), "in_person") == 1
