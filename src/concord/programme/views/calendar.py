"""The programme calendar: a paginated list, or a month grid."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from concord.accounts.scoping import Scope
from concord.programme import selectors_views
from concord.programme.forms import CalendarFilterForm
from concord.programme.models import Event
from concord.programme.selectors import MonthGrid
from concord.programme.views.common import page_of, scope_of
from concord.programme.views.display import rows

FILTERS = ("kind", "status", "region")


def _in_month(grid: MonthGrid) -> list[Event]:
    """Each event of the month once, in order, for the list under the grid."""
    seen: dict[int, Event] = {}
    for week in grid.weeks:
        for day, events in week:
            for event in events:
                if day.month == grid.month:
                    seen.setdefault(event.pk, event)
    return list(seen.values())


def _query(request: HttpRequest, **changes: Any) -> str:
    """The current filters with some values changed, for links between views and months."""
    params = QueryDict(mutable=True)
    for name in (*FILTERS, "year", "month", "view"):
        if request.GET.get(name):
            params[name] = request.GET[name]
    for name, value in changes.items():
        if value == "":
            params.pop(name, None)
        else:
            params[name] = str(value)
    return params.urlencode()


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    form = CalendarFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "month_view": form.is_month}
    if form.is_month:
        context.update(_month(request, form, scope))
    else:
        events = selectors_views.event_list_for(scope=scope, filters=form.to_filters())
        page = page_of(request, events)
        context.update(page=page, rows=rows(page.object_list))
    today = timezone.localdate()
    context["month_query"] = _query(request, view="month", year=today.year, month=today.month)
    context["list_query"] = _query(request, view="list", year="", month="")
    return render(request, "programme/calendar.html", context)


def _month(request: HttpRequest, form: CalendarFilterForm, scope: Scope) -> dict[str, Any]:
    today = timezone.localdate()
    values = form.values()
    year, month = values.get("year") or today.year, values.get("month") or today.month
    grid = selectors_views.event_month_for(
        scope=scope,
        filters=form.to_filters(),
        year=year,
        month=month,
        tz=timezone.get_current_timezone(),
    )
    return {
        "grid": grid,
        "month_start": date(year, month, 1),
        "month_rows": rows(_in_month(grid)),
        "previous_query": _query(request, year=grid.previous.year, month=grid.previous.month),
        "next_query": _query(request, year=grid.next.year, month=grid.next.month),
    }
