"""Reads of the programme. Lists of people always pass through the viewer's `Scope`."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from concord.accounts.scoping import Scope
from concord.core.i18n import pick_name
from concord.directory.models import Person
from concord.programme.models import Event, RegionalRestriction, Registration
from concord.programme.services.registrations import ACTIVE, HOLDING


@dataclass(frozen=True)
class EventFilter:
    kind: str = ""
    status: str = ""
    region_code: str = ""
    year: int | None = None
    upcoming_only: bool = False


def event_list(*, filters: EventFilter) -> QuerySet[Event]:
    events = Event.objects.select_related("host_region", "host_city", "venue", "programme_year")
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.status:
        events = events.filter(status=filters.status)
    if filters.region_code:
        events = events.filter(
            Q(host_region__code=filters.region_code)
            | Q(invited_regions__region__code=filters.region_code)
        ).distinct()
    if filters.year:
        events = events.filter(programme_year__year=filters.year)
    if filters.upcoming_only:
        events = events.filter(ends_at__gte=timezone.now())
    holding = Q(registrations__state__in=HOLDING)
    return events.annotate(
        participants=Count("registrations", filter=holding, distinct=True),
        region_count=Count("invited_regions__region", distinct=True),
    ).order_by("starts_at", "pk")


@dataclass
class MonthGrid:
    """A month as weeks of days, each day with the events on it (in the viewer's zone)."""

    year: int
    month: int
    weeks: list[list[tuple[date, list[Event]]]] = field(default_factory=list)

    @property
    def previous(self) -> date:
        return (date(self.year, self.month, 1) - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (date(self.year, self.month, 28) + timedelta(days=7)).replace(day=1)


def event_month(*, filters: EventFilter, year: int, month: int, tz: ZoneInfo) -> MonthGrid:
    first = datetime.combine(date(year, month, 1), time.min, tzinfo=tz)
    last_day = calendar.monthrange(year, month)[1]
    last = datetime.combine(date(year, month, last_day), time.max, tzinfo=tz)
    events = list(event_list(filters=filters).filter(starts_at__lte=last, ends_at__gte=first))
    grid = MonthGrid(year=year, month=month)
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        grid.weeks.append([(day, _events_on(events, day)) for day in week])
    return grid


def _events_on(events: list[Event], day: date) -> list[Event]:
    return [
        e
        for e in events
        if timezone.localtime(e.starts_at, e.tz).date()
        <= day
        <= timezone.localtime(e.ends_at, e.tz).date()
    ]


def event_get(*, pk: int) -> Event:
    queryset = Event.objects.select_related(
        "host_region", "host_city", "venue", "host_partner", "programme_year"
    )
    return get_object_or_404(queryset, pk=pk)


@dataclass
class EventOverview:
    """Registrations by state and by region, and the list the viewer may see."""

    event: Event
    by_state: dict[str, int]
    by_region: list[tuple[str, str, dict[str, int]]]
    in_person_taken: int
    online_taken: int


def event_overview(*, event: Event) -> EventOverview:
    """Counts only (no names), in two queries whatever the number of registrations."""
    rows = (
        event.registrations.values(
            "state",
            "mode",
            "person__region__code",
            "person__region__name_ru",
            "person__region__name_en",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_state: Counter[str] = Counter()
    regions: dict[str, tuple[str, Counter[str]]] = {}
    taken: Counter[str] = Counter()
    for row in rows:
        by_state[row["state"]] += row["n"]
        name = pick_name(row["person__region__name_ru"], row["person__region__name_en"])
        counts = regions.setdefault(row["person__region__code"], (name, Counter()))[1]
        counts[row["state"]] += row["n"]
        if row["state"] in HOLDING:
            taken[row["mode"]] += row["n"]
    by_region = [
        (code, name, dict(counts))
        for code, (name, counts) in sorted(regions.items(), key=lambda i: i[1][0])
    ]
    return EventOverview(
        event=event,
        by_state=dict(by_state),
        by_region=by_region,
        in_person_taken=taken[Registration.Mode.IN_PERSON],
        online_taken=taken[Registration.Mode.ONLINE],
    )


def event_registrations(
    *, scope: Scope, event: Event, state: str = "", region_code: str = "", text: str = ""
) -> QuerySet[Registration]:
    """The registrations whose person the viewer may see, with what a list row shows."""
    people = scope.people_at_event(event_id=event.pk, host_region_id=event.host_region_id)
    registrations = event.registrations.filter(person__in=people)
    if state:
        registrations = registrations.filter(state=state)
    if region_code:
        registrations = registrations.filter(person__region__code=region_code)
    if text:
        from concord.directory.models import fold_for_search

        registrations = registrations.filter(person__search_text__contains=fold_for_search(text))
    return (
        registrations.select_related("person", "person__region")
        .prefetch_related("attendances")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def person_invitations(*, person: Person) -> QuerySet[Registration]:
    """What a participant still has to answer: invitations and offers of a freed place."""
    return (
        person.registrations.filter(
            state__in=[Registration.State.INVITED, Registration.State.OFFERED],
            event__ends_at__gte=timezone.now(),
        )
        .exclude(event__status=Event.Status.CANCELLED)
        .select_related("event", "event__host_city", "event__host_region", "event__venue")
        .order_by("event__starts_at")
    )


def person_events(*, person: Person) -> QuerySet[Registration]:
    """The participant's own events: coming ones first, then past ones."""
    return (
        person.registrations.exclude(
            state__in=[Registration.State.INVITED, Registration.State.OFFERED]
        )
        .select_related("event", "event__host_city", "event__host_region", "event__venue")
        .order_by("-event__starts_at")
    )


def person_calendar_events(*, person: Person) -> QuerySet[Event]:
    """Events for the personal calendar feed: those the person still expects or attended,
    and those the organiser cancelled while the person expected them — a cancelled event must
    reach the calendar as STATUS:CANCELLED for the calendar to remove it."""
    wanted = [*ACTIVE, Registration.State.ATTENDED]
    expected = Q(registrations__person=person, registrations__state__in=wanted)
    cancelled = Q(
        status=Event.Status.CANCELLED,
        registrations__person=person,
        registrations__state=Registration.State.CANCELLED_BY_ORGANISER,
    )
    events = Event.objects.filter(pk__in=Event.objects.filter(expected | cancelled).values("pk"))
    return events.select_related("host_city", "host_region", "venue").order_by("starts_at", "pk")


def restrictions_current(
    *, region_ids: frozenset[int] | None = None
) -> QuerySet[RegionalRestriction]:
    restrictions = RegionalRestriction.objects.filter(ends_on__gte=timezone.localdate())
    if region_ids is not None:
        restrictions = restrictions.filter(region_id__in=region_ids)
    return restrictions.select_related("region").order_by("starts_on")
