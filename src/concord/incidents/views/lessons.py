"""Lessons learned from resolved cases: what coordinators and trainers bring to the trainings."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from concord.incidents import selectors
from concord.incidents.forms import SearchForm
from concord.incidents.models import Case
from concord.incidents.views.cases import contains
from concord.incidents.views.common import local_time, page_of, require, scope_of


def _with_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("region", "city")


@login_required
def lesson_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    require(scope.is_coordinator)
    search = SearchForm(request.GET or None)
    lessons = (
        selectors.cases_visible(scope=scope)
        .filter(state=Case.State.RESOLVED)
        .exclude(lesson="")
        .order_by("-resolved_at", "-pk")
    )
    for word in search.text.split()[:8]:
        lessons = lessons.filter(
            contains("lesson", word) | contains("outcome", word) | contains("summary", word)
        )
    page = page_of(request, lessons, details=_with_details)
    page.object_list = [(c, local_time(c.resolved_at, c.region)) for c in page.object_list]
    context = {"search": search, "page": page}
    return render(request, "incidents/lesson_list.html", context)
