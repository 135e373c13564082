"""The event page's figures, worked out from `event_overview` without further queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from concord.programme.models import Disruption, Event, InvitedRegion, Registration
from concord.programme.selectors import EventOverview
from concord.programme.views.display import local_time

S = Registration.State
# The states grouped the way a coordinator reads them.
BUCKETS: tuple[tuple[str, Any, frozenset[str]], ...] = (
    ("waiting_answer", _("No answer yet"), frozenset({S.INVITED})),
    ("coming", _("Coming"), frozenset({S.REGISTERED, S.CONFIRMED, S.ATTENDED})),
    ("waitlist", _("Waiting list"), frozenset({S.WAITLISTED, S.OFFERED})),
    (
        "not_coming",
        _("Not coming"),
        frozenset({S.DECLINED, S.CANCELLED_BY_PERSON, S.CANCELLED_BY_ORGANISER, S.NO_SHOW}),
    ),
)
BUCKET_LABELS = [label for _key, label, _states in BUCKETS]


def _bucketed(counts: dict[str, int]) -> list[int]:
    return [sum(counts.get(s, 0) for s in states) for _key, _label, states in BUCKETS]


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    buckets: list[int]
    total: int


def region_names(overview: EventOverview, invited: Iterable[InvitedRegion]) -> dict[str, str]:
    """Region names in the viewer's language where known (the overview has only Russian ones)."""
    names = {code: name for code, name, _counts in overview.by_region}
    names.update((row.region.code, row.region.name) for row in invited)
    return names


def region_rows(overview: EventOverview, names: dict[str, str]) -> list[RegionRow]:
    return [
        RegionRow(code, names.get(code, name), _bucketed(counts), sum(counts.values()))
        for code, name, counts in overview.by_region
    ]


def state_rows(overview: EventOverview) -> list[tuple[str, int]]:
    """Every state that occurs, in the order of the registration's life."""
    return [(str(s.label), overview.by_state[s]) for s in S if overview.by_state.get(s)]


@dataclass(frozen=True)
class InvitedRow:
    invited: InvitedRegion
    on_list: int
    coming: int


def invited_rows(invited: Iterable[InvitedRegion], overview: EventOverview) -> list[InvitedRow]:
    counts = {code: counts for code, _name, counts in overview.by_region}
    coming = BUCKETS[1][2]
    result = []
    for row in invited:
        region_counts = counts.get(row.region.code, {})
        result.append(
            InvitedRow(
                invited=row,
                on_list=sum(region_counts.values()),
                coming=sum(n for s, n in region_counts.items() if s in coming),
            )
        )
    return result


@dataclass(frozen=True)
class Places:
    in_person: tuple[int, int] | None
    online: tuple[int, int] | None


def places(event: Event, overview: EventOverview) -> Places:
    """(taken, capacity) for the room and online, where the format has them."""
    room = event.format != Event.Format.ONLINE or overview.in_person_taken
    online = event.format != Event.Format.IN_PERSON or overview.online_taken
    return Places(
        in_person=(overview.in_person_taken, event.capacity_in_person) if room else None,
        online=(overview.online_taken, event.capacity_online) if online else None,
    )


@dataclass(frozen=True)
class DisruptionRow:
    disruption: Disruption
    at: str
    changes: list[tuple[str, str, str]]


CHANGE_LABELS = {
    "city": _("City"),
    "venue": _("Venue"),
    "starts_at": _("Starts"),
    "ends_at": _("Ends"),
    "format": _("Format"),
}


def disruption_rows(event: Event, disruptions: Iterable[Disruption]) -> list[DisruptionRow]:
    return [
        DisruptionRow(d, local_time(d.at, event), _changes(event, d.before, d.after))
        for d in disruptions
    ]


def _changes(
    event: Event, before: dict[str, Any], after: dict[str, Any]
) -> list[tuple[str, str, str]]:
    return [
        (str(label), _shown(event, name, before.get(name)), _shown(event, name, after.get(name)))
        for name, label in CHANGE_LABELS.items()
        if before.get(name) != after.get(name)
    ]


def _shown(event: Event, name: str, value: Any) -> str:
    if not value:
        return "—"
    if name in ("starts_at", "ends_at"):
        return local_time(datetime.fromisoformat(value), event)
    if name == "format" and value in Event.Format.values:
        return str(Event.Format(value).label)
    return str(value)
