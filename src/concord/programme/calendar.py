"""iCalendar (.ics) for one event and for a person's own events.

Each event keeps one UID for life and a SEQUENCE that every relocation, reschedule, format
switch or cancellation raises, so calendar apps update the entry in place instead of adding one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from concord.programme.models import Event

PRODID = "-//Concord//Programme//RU"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _location(event: Event) -> str:
    parts = [
        event.venue.name if event.venue else "",
        event.host_city.name if event.host_city else "",
    ]
    if event.format != Event.Format.IN_PERSON and event.meeting_url:
        parts.append(event.meeting_url)
    return ", ".join(part for part in parts if part)


def _vevent(event: Event) -> CalendarEvent:
    entry = CalendarEvent()
    entry.add("uid", f"{event.uid}@{settings.CONCORD_CALENDAR_DOMAIN}")
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", event.updated_at or timezone.now())
    entry.add("dtstart", timezone.localtime(event.starts_at, event.tz))
    entry.add("dtend", timezone.localtime(event.ends_at, event.tz))
    entry.add("summary", event.title)
    entry.add("location", _location(event))
    if event.meeting_url:
        entry.add("url", event.meeting_url)
    if event.description:
        entry.add("description", event.description)
    entry.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
    return entry


def events_ics(events: Iterable[Event], *, name: str) -> bytes:
    calendar = _calendar(name)
    for event in events:
        calendar.add_component(_vevent(event))
    calendar.add_missing_timezones()
    return calendar.to_ical()
