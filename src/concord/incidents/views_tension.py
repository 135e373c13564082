"""The tension dashboard and a region's tension page (docs/incidents-tension.md).

Coordinators see their regions, police liaisons and officials their own region, monitors every
region but no case: the figures are aggregates. Everyone else gets a 403. The charts are plain
inline SVG drawn from the numbers computed here; a table under each chart gives the same
numbers to screen readers and to anyone who prefers to read them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from concord.accounts.scoping import OutOfScope, Scope
from concord.incidents import selectors
from concord.incidents.models import Case
from concord.incidents.tension import (
    RegionTension,
    region_tension,
    tension_regions,
    tension_settings,
)
from concord.incidents.views.common import local_time, scope_of
from concord.regions.models import Region

SPARK_DAYS = 28
CHART_DAYS = 90
RECENT_CASES = 20


@dataclass(frozen=True)
class Chart:
    """The geometry of one line chart, in SVG user units (0,0 is the top left corner)."""

    width: int
    height: int
    points: str  # "x,y x,y …" for a <polyline>
    top: float  # the value drawn at the top edge
    baseline_y: float | None = None
    threshold_y: float | None = None


def chart_for(
    values: Sequence[float],
    *,
    width: int,
    height: int,
    baseline: float | None = None,
    threshold: float | None = None,
) -> Chart:
    """A line through `values` from left to right, scaled so that the highest of the values,
    the baseline and the threshold touches the top (at least 1, so a quiet region stays flat
    at the bottom instead of filling the chart with noise)."""
    top = max([*values, baseline or 0.0, threshold or 0.0, 1.0])
    step = width / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return round(height - value / top * height, 1)

    points = " ".join(f"{round(n * step, 1)},{y(v)}" for n, v in enumerate(values))
    return Chart(
        width=width,
        height=height,
        points=points,
        top=top,
        baseline_y=None if baseline is None else y(baseline),
        threshold_y=None if threshold is None else y(threshold),
    )


@dataclass(frozen=True)
class DashboardRow:
    tension: RegionTension
    spark: Chart
    first_day: date


def _viewer(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    if not (scope.sees_region_cases or scope.sees_aggregates):
        raise PermissionDenied
    return scope


@login_required
def tension_dashboard(request: HttpRequest) -> HttpResponse:
    scope = _viewer(request)
    rows = []
    for tension in tension_regions(region_ids=scope.region_ids):
        recent = tension.values[-SPARK_DAYS:]
        spark = chart_for(recent, width=120, height=32)
        rows.append(DashboardRow(tension, spark, tension.days[-SPARK_DAYS]))
    context = {
        "rows": rows,
        "spark_days": SPARK_DAYS,
        "half_life": tension_settings().half_life_days,
        "all_regions": scope.region_ids is None,
    }
    return render(request, "incidents/tension.html", context)


@login_required
def tension_region_page(request: HttpRequest, code: str) -> HttpResponse:
    scope = _viewer(request)
    region = get_object_or_404(Region, code=code)
    if not scope.covers_region(region.pk):
        raise OutOfScope(kind="region", pk=code)
    tension = region_tension(region=region, days=CHART_DAYS)
    series = tension.recent(CHART_DAYS)
    chart = chart_for(
        [value for _day, value in series],
        width=720,
        height=240,
        baseline=tension.baseline,
        threshold=tension.alert_threshold,
    )
    context = {
        "region": region,
        "tension": tension,
        "chart": chart,
        "series": series,
        "chart_days": CHART_DAYS,
        "severity_counts": _severity_counts(region),
        "cases": _recent_cases(scope, region),
        "sees_cases": scope.sees_personal_data,
    }
    return render(request, "incidents/tension_region.html", context)


def _severity_counts(region: Region) -> list[tuple[int, int]]:
    """Cases opened in the chart's days by severity, invalidated ones left out: an aggregate
    that every viewer of the page may see."""
    since = timezone.now() - timedelta(days=CHART_DAYS)
    severities = (
        Case.objects.filter(region=region, opened_at__gte=since)
        .exclude(state=Case.State.INVALIDATED)
        .values_list("severity", flat=True)
    )
    counts = Counter(severities)
    return [(severity, counts.get(severity, 0)) for severity in (4, 3, 2, 1)]


@dataclass(frozen=True)
class CaseRow:
    case: Case
    opened: str


def _recent_cases(scope: Scope, region: Region) -> list[CaseRow]:
    """The region's latest cases this viewer may open; none for monitors (aggregates only)."""
    if not scope.sees_personal_data:
        return []
    cases = selectors.cases_visible(scope=scope).filter(region=region)
    latest = cases.order_by("-opened_at", "-pk")[:RECENT_CASES]
    return [CaseRow(case, local_time(case.opened_at, region)) for case in latest]
