"""Dates and times as people read them: in the event's host time zone, with the zone named."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from concord.programme.models import Event


def utc_offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}" if rest else f"{sign}{hours}"


def zone_label(event: Event, at: datetime | None = None) -> str:
    """For example "Kazan time (UTC+3)"."""
    local = timezone.localtime(at or event.starts_at, event.tz)
    place = event.host_city.name if event.host_city_id and event.host_city else None
    return _("%(place)s time (UTC%(offset)s)") % {
        "place": place or event.host_region.name,
        "offset": utc_offset(local.utcoffset()),
    }


def date_range(first: date, last: date) -> str:
    """12 March 2020; 12–14 March 2020; 30 March – 2 April 2020."""
    full = dateformat.format(last, "j E Y")
    if first == last:
        return full
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{full}"
    if first.year == last.year:
        return f"{dateformat.format(first, 'j E')} – {full}"
    return f"{dateformat.format(first, 'j E Y')} – {full}"


def local_time(moment: datetime, event: Event) -> str:
    """A moment as "14 March, 18:00" in the event's zone."""
    return dateformat.format(timezone.localtime(moment, event.tz), "j E, H:i")


@dataclass(frozen=True)
class When:
    dates: str
    hours: str
    zone: str

    def __str__(self) -> str:
        return f"{self.dates}, {self.hours}, {self.zone}"


def when(event: Event) -> When:
    starts = timezone.localtime(event.starts_at, event.tz)
    ends = timezone.localtime(event.ends_at, event.tz)
    return When(
        dates=date_range(starts.date(), ends.date()),
        hours=f"{starts:%H:%M}–{ends:%H:%M}",
        zone=zone_label(event),
    )


@dataclass(frozen=True)
class EventRow:
    """An event with its dates spelled out, for lists."""

    event: Event
    when: When


def rows(events: Iterable[Event]) -> list[EventRow]:
    return [EventRow(event=e, when=when(e)) for e in events]
