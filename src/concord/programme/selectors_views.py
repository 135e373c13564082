"""Reads that the programme's web pages need beyond `selectors`.

Like `selectors`, every list of people starts from the viewer's `Scope`. Drafts are plans that
only coordinators (and people already on their list) may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from concord.accounts.scoping import Scope
from concord.directory.models import Person, fold_for_search
from concord.directory.selectors import people_with_details
from concord.programme.models import (
    Attendance,
    Disruption,
    Event,
    InvitedRegion,
    Registration,
    RestrictionOverride,
    Session,
)
from concord.programme.selectors import (
    EventFilter,
    MonthGrid,
    event_get,
    event_list,
    event_month,
    event_registrations,
)
from concord.programme.services.attendance import CHECKABLE
from concord.programme.services.registrations import ACTIVE


def _hides_drafts(scope: Scope) -> bool:
    return not scope.is_coordinator


def event_list_for(*, scope: Scope, filters: EventFilter) -> QuerySet[Event]:
    events = event_list(filters=filters)
    if _hides_drafts(scope):
        events = events.exclude(status=Event.Status.DRAFT)
    return events


def event_month_for(
    *, scope: Scope, filters: EventFilter, year: int, month: int, tz: ZoneInfo
) -> MonthGrid:
    grid = event_month(filters=filters, year=year, month=month, tz=tz)
    if _hides_drafts(scope):
        grid.weeks = [
            [(day, [e for e in events if e.status != Event.Status.DRAFT]) for day, events in week]
            for week in grid.weeks
        ]
    return grid


def event_get_for(*, scope: Scope, pk: int, person: Person | None) -> Event:
    """The event, unless it is a draft the viewer is neither coordinating nor invited to."""
    event = event_get(pk=pk)
    if event.status == Event.Status.DRAFT and _hides_drafts(scope):
        invited = person is not None and event.registrations.filter(person=person).exists()
        if not invited:
            raise Http404
    return event


@dataclass(frozen=True)
class AgendaDay:
    number: int
    day: date
    sessions: list[Session]


def event_agenda(*, event: Event) -> list[AgendaDay]:
    """The sessions day by day (with their speakers), in two queries."""
    sessions = event.sessions.prefetch_related(
        Prefetch("speakers", queryset=Person.objects.order_by("last_name", "first_name"))
    ).order_by("starts_at", "pk")
    days: dict[int, AgendaDay] = {}
    for session in sessions:
        if session.day not in days:
            local_day = timezone.localtime(session.starts_at, event.tz).date()
            days[session.day] = AgendaDay(number=session.day, day=local_day, sessions=[])
        days[session.day].sessions.append(session)
    return [days[number] for number in sorted(days)]


def event_invited_regions(*, event: Event) -> QuerySet[InvitedRegion]:
    return event.invited_regions.select_related("region").order_by("group", "region__name_ru")


def event_disruptions(*, event: Event) -> QuerySet[Disruption]:
    return event.disruptions.select_related("by").order_by("-at", "-pk")


def event_overrides(*, event: Event) -> QuerySet[RestrictionOverride]:
    return event.overrides.select_related("restriction", "restriction__region", "by").order_by(
        "at", "pk"
    )


def event_people_to_notify(*, event: Event) -> int:
    """How many people a disruption of the event will message (those still expecting it)."""
    return event.registrations.filter(state__in=ACTIVE).count()


def invite_candidates(
    *, scope: Scope, event: Event, text: str = "", region_code: str = "", role: str = ""
) -> QuerySet[Person]:
    """People of the invited regions whom the viewer may see and who are not on the list yet."""
    people = (
        scope.people()
        .filter(region_id__in=event.invited_regions.values("region_id"))
        .exclude(registrations__event=event)
    )
    if text:
        people = people.filter(search_text__contains=fold_for_search(text.strip()))
    if region_code:
        people = people.filter(region__code=region_code)
    if role:
        people = people.filter(roles__role=role)
    return people_with_details(people.order_by("last_name", "first_name", "pk"))


def registration_on(*, event: Event, person: Person | None) -> Registration | None:
    """The viewer's own registration for the event, if any."""
    if person is None:
        return None
    return event.registrations.filter(person=person).first()


def registration_of_person(*, person: Person | None, pk: int) -> Registration:
    """One of the person's own registrations; anyone else's is a 404."""
    if person is None:
        raise Http404
    queryset = Registration.objects.select_related(
        "event", "event__host_city", "event__host_region", "person"
    )
    return get_object_or_404(queryset, pk=pk, person=person)


def registration_for_manager(*, scope: Scope, pk: int) -> Registration:
    """A registration the viewer may act on as the event's coordinator (else a 404)."""
    registration = get_object_or_404(Registration.objects.select_related("event", "person"), pk=pk)
    if not scope.can_manage_event(registration.event.host_region_id):
        raise Http404
    visible = event_registrations(scope=scope, event=registration.event)
    if not visible.filter(pk=pk).exists():
        raise Http404
    return registration


def event_registration(*, scope: Scope, event: Event, pk: int) -> Registration:
    """One registration of the event whose person the viewer may see (else a 404)."""
    registration = event_registrations(scope=scope, event=event).filter(pk=pk).first()
    if registration is None:
        raise Http404
    return registration


def checkin_list(*, scope: Scope, event: Event, text: str = "") -> QuerySet[Registration]:
    """People who may be checked in (registered, confirmed, attended, or marked absent)."""
    return event_registrations(scope=scope, event=event, text=text).filter(state__in=CHECKABLE)


def attendance_on(*, registration: Registration, day: date) -> Attendance | None:
    return registration.attendances.filter(day=day).first()
