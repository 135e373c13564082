"""Two people accept the last place at the same moment: capacity is never exceeded.

Real concurrent transactions on separate connections: on PostgreSQL the event row lock
(SELECT … FOR UPDATE) serialises them; on SQLite the IMMEDIATE write transactions do.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from concord.accounts.models import User
from concord.programme import services
from concord.programme.models import Event, Registration
from concord.programme.tests.conftest import person_in, plan_for
from concord.regions.models import City

pytestmark = pytest.mark.django_db(transaction=True)


def accept_together(registrations: list[Registration]) -> list[str]:
    barrier = threading.Barrier(len(registrations))
    outcomes: list[str] = []

    def accept(registration: Registration) -> None:
        try:
            barrier.wait(timeout=10)
            services.registration_accept(registration=registration, by=None)
            outcomes.append("ok")
        except services.RegistrationError as error:
            outcomes.append(error.code or "refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(r,)) for r in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


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
