"""The case list: the cases the viewer may see (selectors.cases_visible), filtered, searched,
sorted and paged."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from concord.accounts.scoping import Scope
from concord.incidents import selectors
from concord.incidents.forms import CaseFilterForm
from concord.incidents.models import CLOSED_STATES, Case, Report
from concord.incidents.views.common import is_htmx, local_time, page_of, require, scope_of
from concord.regions.models import Region

SORTS = {
    "newest": ("-opened_at", "-pk"),
    "severity": ("-severity", "-opened_at", "-pk"),
    "region": ("region__name_ru", "-opened_at", "-pk"),
}
NUMBER_RE = re.compile(r"^\s*(?:№|#|n|no\.?)?\s*(\d{1,9})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class CaseRow:
    case: Case
    opened: str  # in the case's region's time zone


def regions_in_scope(scope: Scope) -> QuerySet[Region]:
    regions = Region.objects.all()
    return regions if scope.region_ids is None else regions.filter(pk__in=scope.region_ids)


def contains(field: str, word: str) -> Q:
    # SQLite folds only ASCII letters in LIKE; its REGEXP is Python's, which folds Cyrillic.
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__iregex": re.escape(word)})
    return Q(**{f"{field}__icontains": word})


def _search(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """A case number ("12", "№ 12") finds that case; words find cases whose summary or a
    report's text has every one of them."""
    number = NUMBER_RE.match(text)
    if number:
        return cases.filter(pk=int(number.group(1)))
    for word in text.split()[:8]:
        in_reports = Report.objects.filter(contains("text", word)).values("case_id")
        cases = cases.filter(contains("summary", word) | Q(pk__in=in_reports))
    return cases


def _filtered(cases: QuerySet[Case], values: dict[str, Any]) -> QuerySet[Case]:
    if values.get("q"):
        cases = _search(cases, values["q"].strip())
    if values.get("status") == CaseFilterForm.OPEN:
        cases = cases.exclude(state__in=CLOSED_STATES)
    elif values.get("status") == CaseFilterForm.CLOSED:
        cases = cases.filter(state__in=CLOSED_STATES)
    for name in ("state", "region", "severity", "category"):
        if values.get(name):
            cases = cases.filter(**{name: values[name]})
    order = SORTS.get(values.get("sort") or "newest", SORTS["newest"])
    return cases.order_by(*order)


def _with_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a card shows, read for one page only."""
    return cases.select_related("region", "city", "owner").annotate(report_count=Count("reports"))


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    require(scope.sees_personal_data)
    form = CaseFilterForm(request.GET or None, regions=regions_in_scope(scope))
    values = form.values()
    cases = _filtered(selectors.cases_visible(scope=scope), values)
    page = page_of(request, cases, details=_with_details)
    page.object_list = [CaseRow(c, local_time(c.opened_at, c.region)) for c in page.object_list]
    context = {
        "form": form,
        "page": page,
        "filtered": any(values.get(name) for name in form.fields if name != "sort"),
        "can_report": can_report(scope),
    }
    template = "incidents/_case_results.html" if is_htmx(request) else "incidents/case_list.html"
    return render(request, template, context)


def can_report(scope: Scope) -> bool:
    """The web report form is for NGO members and coordinators (the others use the bot)."""
    return scope.is_coordinator or scope.role == "ngo_member"
