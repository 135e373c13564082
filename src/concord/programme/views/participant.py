"""A participant's own page: what to answer, their events, and their calendar link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from concord.directory.models import Person
from concord.programme import selectors
from concord.programme.models import Event, Registration
from concord.programme.services.feeds import calendar_feed_for
from concord.programme.views.common import person_of
from concord.programme.views.display import When, local_time, when, zone_label

S = Registration.State
# What the person may still cancel themselves.
CANCELLABLE = frozenset({S.REGISTERED, S.CONFIRMED, S.WAITLISTED})
CLOSED = frozenset({Event.Status.CANCELLED, Event.Status.HELD})
ANSWERABLE = frozenset({S.INVITED, S.OFFERED})


@dataclass(frozen=True)
class MyRow:
    registration: Registration
    when: When
    offer_until: str = ""
    can_cancel: bool = False

    @property
    def choose_mode(self) -> bool:
        """A hybrid event: the person says whether they come to the room or join online."""
        return self.registration.event.format == Event.Format.HYBRID


def my_row(registration: Registration) -> MyRow:
    """The person's registration as their page shows it, with what they may still do."""
    if registration.state in ANSWERABLE:
        return _invitation(registration)
    return _own(registration, timezone.now())


def _invitation(registration: Registration) -> MyRow:
    event = registration.event
    expires = registration.offer_expires_at
    until = f"{local_time(expires, event)}, {zone_label(event, expires)}" if expires else ""
    return MyRow(registration, when(event), offer_until=until)


def _own(registration: Registration, now: Any) -> MyRow:
    event = registration.event
    open_ = event.status not in CLOSED and event.ends_at >= now
    can_cancel = open_ and registration.state in CANCELLABLE
    return MyRow(registration, when(event), can_cancel=can_cancel)


def _lists(person: Person) -> dict[str, Any]:
    now = timezone.now()
    own = [_own(r, now) for r in selectors.person_events(person=person)]
    return {
        "invitations": [_invitation(r) for r in selectors.person_invitations(person=person)],
        "upcoming": [row for row in reversed(own) if row.registration.event.ends_at >= now],
        "past": [row for row in own if row.registration.event.ends_at < now],
        "feed": calendar_feed_for(person=person),
    }


@login_required
def my(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    context: dict[str, Any] = {"person": person}
    if person is not None:
        context.update(_lists(person))
    return render(request, "programme/my.html", context)
