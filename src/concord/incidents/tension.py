"""The tension index: an early warning computed from recent cases (docs/incidents-tension.md).

A region's index at a moment t is the sum, over the reports of its cases that are not
invalidated, of

    weight(case severity) × share × 0.5 ** (age / half-life)

where `share` is 1 for the report that opened the case and CONCORD_TENSION_EXTRA_SHARE for
each further report about the same case (at most CONCORD_TENSION_EXTRA_MAX of them): a case
counts once, and a case many people report counts a little more. Each report decays from the
moment it was received, so a case that keeps being reported stays warm.

The index of a day is its value at the end of that day in the region's own time zone (for
today: now). The trend compares today with seven days ago; the baseline is the region's mean
daily index over the 28 days before the last week. A region "rises well above its baseline"
when its index today is at least max(FACTOR × baseline, baseline + FLOOR) and at least MINIMUM.

Everything is computed from one query over the reports of the window, then in Python in one
pass per region (`_series`): no query per region or per day.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from concord.directory.models import Person
from concord.incidents.models import Case, Report, TensionAlert
from concord.incidents.services.circles import national_coordinators, regional_coordinators
from concord.messaging.models import OutboundMessage
from concord.messaging.providers.base import WhatsAppTemplate
from concord.messaging.rendering import Content, RenderContext, esc, register
from concord.messaging.services import message_enqueue
from concord.regions.models import Region

TREND_DAYS = 7  # the trend compares today with this many days ago
BASELINE_DAYS = 28  # the baseline: the mean over this many days …
BASELINE_GAP = 7  # … ending this many days before today (the last week is left out)
# A series long enough for the baseline and the trend: today, the gap, the 28 days.
MIN_SERIES_DAYS = BASELINE_DAYS + BASELINE_GAP + 1
# Reports older than this many half-lives before the window are left out: 0.5**10 < 0.1 %.
HORIZON_HALF_LIVES = 10
# A change of the index counts as rising or falling when it is this big, relative and absolute.
TREND_SHARE = 0.25
TREND_POINTS = 1.0


@dataclass(frozen=True)
class TensionSettings:
    weights: tuple[float, float, float, float]  # severity 1 … 4
    half_life_days: float
    extra_share: float
    extra_max: int
    factor: float
    floor: float
    minimum: float


def tension_settings() -> TensionSettings:
    weights = tuple(float(w) for w in settings.CONCORD_TENSION_WEIGHTS)
    if len(weights) != 4:
        raise ValueError("CONCORD_TENSION_WEIGHTS needs four weights, for severity 1 to 4.")
    return TensionSettings(
        weights=weights,
        half_life_days=float(settings.CONCORD_TENSION_HALF_LIFE_DAYS),
        extra_share=float(settings.CONCORD_TENSION_EXTRA_SHARE),
        extra_max=int(settings.CONCORD_TENSION_EXTRA_MAX),
        factor=float(settings.CONCORD_TENSION_ALERT_FACTOR),
        floor=float(settings.CONCORD_TENSION_ALERT_FLOOR),
        minimum=float(settings.CONCORD_TENSION_ALERT_MINIMUM),
    )


class Trend(enum.StrEnum):
    RISING = "rising"
    STEADY = "steady"
    FALLING = "falling"


@dataclass(frozen=True)
class RegionTension:
    """One region's daily index, oldest day first; the last day is today."""

    region: Region
    days: tuple[date, ...]
    values: tuple[float, ...]
    rules: TensionSettings

    @property
    def today(self) -> date:
        return self.days[-1]

    @property
    def index(self) -> float:
        return self.values[-1]

    @property
    def week_ago(self) -> float:
        return self.values[-1 - TREND_DAYS]

    @property
    def change(self) -> float:
        return self.index - self.week_ago

    @property
    def trend(self) -> Trend:
        change = self.change
        if abs(change) < max(TREND_POINTS, TREND_SHARE * self.week_ago):
            return Trend.STEADY
        return Trend.RISING if change > 0 else Trend.FALLING

    @property
    def baseline(self) -> float:
        end = len(self.values) - BASELINE_GAP - 1  # the day before the last week
        window = self.values[end - BASELINE_DAYS : end]
        return sum(window) / BASELINE_DAYS

    @property
    def alert_threshold(self) -> float:
        """The index at which coordinators are alerted, given this region's baseline."""
        rules, baseline = self.rules, self.baseline
        return max(rules.factor * baseline, baseline + rules.floor, rules.minimum)

    @property
    def well_above_baseline(self) -> bool:
        return self.index >= self.alert_threshold

    def recent(self, days: int) -> tuple[tuple[date, float], ...]:
        """The last `days` days and their index, oldest first (for a chart)."""
        return tuple(zip(self.days[-days:], self.values[-days:], strict=True))


@dataclass(frozen=True)
class _Contribution:
    region_id: int
    at: datetime
    weight: float


# --- computing ------------------------------------------------------------------------------


def tension_regions(
    *, region_ids: Iterable[int] | None, days: int = MIN_SERIES_DAYS, now: datetime | None = None
) -> list[RegionTension]:
    """The daily index of regions over their last `days` days (at least MIN_SERIES_DAYS),
    highest index first. `region_ids=None` means every region that had a report in the window
    (regions without any have an index of 0 everywhere); otherwise exactly these regions.

    Two queries whatever the number of regions and days: the reports, then the regions."""
    now = now or timezone.now()
    days = max(days, MIN_SERIES_DAYS)
    rules = tension_settings()
    wanted = None if region_ids is None else frozenset(region_ids)
    # The earliest day of any zone starts at most 14 h before UTC's; a day more is plenty.
    since = now - timedelta(days=days + 1 + HORIZON_HALF_LIVES * rules.half_life_days)
    by_region = _contributions(region_ids=wanted, since=since, until=now, rules=rules)
    regions = Region.objects.filter(pk__in=by_region.keys() if wanted is None else wanted)
    result = []
    for region in regions:
        day_list, ends = _day_ends(region, days=days, now=now)
        values = _series(by_region.get(region.pk, []), ends, rules.half_life_days)
        result.append(RegionTension(region, day_list, values, rules))
    result.sort(key=lambda t: (-t.index, -t.change, t.region.code))
    return result


def region_tension(*, region: Region, days: int, now: datetime | None = None) -> RegionTension:
    """One region's daily index over its last `days` days (at least MIN_SERIES_DAYS)."""
    return tension_regions(region_ids=[region.pk], days=days, now=now)[0]


def _contributions(
    *, region_ids: frozenset[int] | None, since: datetime, until: datetime, rules: TensionSettings
) -> dict[int, list[_Contribution]]:
    """Each report's weight, by the region of its case, in the order received (one query).

    A case's opening report carries the full weight of its severity; its further reports a
    share each. A case opened before `since` has had its opening report left out already, so
    all its reports in the window are further reports."""
    reports = (
        Report.objects.filter(received_at__gte=since, received_at__lte=until)
        .exclude(case__state=Case.State.INVALIDATED)
        .order_by("received_at", "pk")
    )
    if region_ids is not None:
        reports = reports.filter(case__region_id__in=region_ids)
    rows = reports.values_list(
        "case_id", "case__region_id", "case__severity", "case__opened_at", "received_at"
    )
    seen: dict[int, int] = defaultdict(int)  # reports of each case met so far
    by_region: dict[int, list[_Contribution]] = defaultdict(list)
    for case_id, region_id, severity, opened_at, received_at in rows:
        weight = rules.weights[min(max(severity, 1), 4) - 1]
        extras = seen[case_id] if opened_at >= since else seen[case_id] + 1
        seen[case_id] += 1
        if extras == 0:
            by_region[region_id].append(_Contribution(region_id, received_at, weight))
        elif extras <= rules.extra_max:
            share = weight * rules.extra_share
            by_region[region_id].append(_Contribution(region_id, received_at, share))
    return by_region


def _zone(region: Region) -> ZoneInfo:
    try:
        return ZoneInfo(region.timezone or settings.TIME_ZONE)
    except (ValueError, ZoneInfoNotFoundError):  # a mistyped zone must not hide the region
        return ZoneInfo(settings.TIME_ZONE)


def _day_ends(
    region: Region, *, days: int, now: datetime
) -> tuple[tuple[date, ...], list[datetime]]:
    """The region's last `days` local dates, and the moment each ends (today: now)."""
    zone = _zone(region)
    today = timezone.localtime(now, zone).date()
    day_list = tuple(today - timedelta(days=n) for n in range(days - 1, -1, -1))
    ends = [datetime.combine(d + timedelta(days=1), time.min, tzinfo=zone) for d in day_list]
    ends[-1] = now
    return day_list, ends


def _series(
    contributions: Sequence[_Contribution], ends: Sequence[datetime], half_life_days: float
) -> tuple[float, ...]:
    """The index at each moment of `ends`, in one pass: the running sum decays between
    events, and each contribution is added when its moment comes. The last end is `now`,
    which every contribution precedes."""
    half_life = half_life_days * 86400.0
    values = []
    total, at, i = 0.0, None, 0
    for n, end in enumerate(ends):
        last = n == len(ends) - 1
        while i < len(contributions) and (last or contributions[i].at < end):
            total = _decayed(total, at, contributions[i].at, half_life) + contributions[i].weight
            at = contributions[i].at
            i += 1
        values.append(round(_decayed(total, at, end, half_life), 3))
    return tuple(values)


def _decayed(value: float, since: datetime | None, until: datetime, half_life: float) -> float:
    if since is None or value == 0.0:
        return value
    seconds = max((until - since).total_seconds(), 0.0)
    return value * 0.5 ** (seconds / half_life)


# --- the early warning ----------------------------------------------------------------------


def tension_recipients(region: Region) -> list[Person]:
    """Whom a region's tension alert goes to: its coordinators (the directory's, and the
    regional coordinator accounts in charge of it) and the national coordinators; only people
    of the directory, since a message needs a person to reach."""
    people = {p.pk: p for p in regional_coordinators(region)}
    people.update({p.pk: p for p in national_coordinators()})
    return [people[pk] for pk in sorted(people)]


def tension_check() -> int:
    """Periodic job: alert the coordinators of every region whose index rose well above its
    baseline, once per region and (local) day. Returns the number of regions alerted."""
    now = timezone.now()
    rising = [t for t in tension_regions(region_ids=None, now=now) if t.well_above_baseline]
    return sum(_tension_alert(tension=t, now=now) for t in rising)


def _tension_alert(*, tension: RegionTension, now: datetime) -> int:
    """Record today's alert of one region and queue its messages; 0 if it was raised before.

    The unique (region, day) row makes this safe in several workers at once: the second one
    finds the row and queues nothing."""
    with transaction.atomic():
        alert, created = TensionAlert.objects.get_or_create(
            region=tension.region,
            day=tension.today,
            defaults={"index": tension.index, "baseline": tension.baseline, "raised_at": now},
        )
        if not created:
            return 0
        context = {
            "region": tension.region.pk,
            "index": round(tension.index, 1),
            "baseline": round(tension.baseline, 1),
        }
        for person in tension_recipients(tension.region):
            message_enqueue(
                template="incidents.tension",
                context=context,
                person=person,
                priority=OutboundMessage.Priority.ALERT,
                dedupe_key=f"tension:{alert.region_id}:{alert.day.isoformat()}:{person.pk}",
            )
    return 1


@register("incidents.tension")
def tension_message(context: RenderContext) -> Content:
    region = Region.objects.get(pk=context.data["region"])
    values = {
        "region": region.name,
        "index": _number(context.data["index"]),
        "baseline": _number(context.data["baseline"]),
    }
    lines = (
        _("Tension is rising in %(region)s.") % values,
        _("Its tension index is %(index)s; usually it is about %(baseline)s.") % values,
        _("Please look at the region's recent cases in Concord (Incidents → Tension)."),
    )
    return Content(
        text="\n".join(lines),
        html="\n".join(esc(line) for line in lines),
        subject=_("Tension is rising: %(region)s") % values,
        whatsapp_template=WhatsAppTemplate(
            "concord_tension",
            context.language,
            (values["region"], values["index"], values["baseline"]),
        ),
    )


def _number(value: object) -> str:
    return number_format(float(str(value)), decimal_pos=1)
