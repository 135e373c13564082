from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from concord.accounts.models import AuditEntry
from concord.accounts.scoping import scope_for
from concord.accounts.services import audit_record
from concord.directory import selectors
from concord.directory.forms import DirectorySearchForm
from concord.directory.pagination import Details, SearchPaginator


def _search_page(
    request: HttpRequest, items: QuerySet[Any], details: Details, *, one_pass: bool
) -> Page[Any]:
    """One page of results; the cards' related rows are fetched for that page only."""
    size = settings.CONCORD_PAGE_SIZE
    paginator = SearchPaginator(items, size, details=details, one_pass=one_pass)
    return paginator.get_page(request.GET.get("page"))


def _require_personal_data(request: HttpRequest) -> None:
    if not scope_for(request.user).sees_personal_data:  # type: ignore[arg-type]
        raise Http404


def _export_query(request: HttpRequest, tab: str) -> str:
    """The export page's parameters for what the search shows (see forms_io.ExportForm)."""
    params = QueryDict(mutable=True)
    params["kind"] = tab
    for name in ("q", "region", "community", "role"):
        if request.GET.get(name):
            params[name] = request.GET[name]
    if request.GET.get("kind"):
        params["org_kind"] = request.GET["kind"]
    return params.urlencode()


@login_required
def search(request: HttpRequest) -> HttpResponse:
    _require_personal_data(request)
    scope = scope_for(request.user)  # type: ignore[arg-type]
    form = DirectorySearchForm(request.GET or None)
    query = form.to_query()
    tab = form.tab_value
    broad = query.is_broad(tab)
    if tab == "organisations":
        organisations = selectors.organisation_search(scope=scope, query=query)
        details = selectors.organisations_with_details
        page = _search_page(request, organisations, details, one_pass=broad)
    else:
        people = selectors.person_search(scope=scope, query=query)
        page = _search_page(request, people, selectors.people_with_details, one_pass=broad)
    context = {
        "form": form,
        "page": page,
        "tab": tab,
        "query": query,
        "export_query": _export_query(request, tab),
    }
    template = "directory/_results.html" if request.htmx else "directory/search.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    _require_personal_data(request)
    scope = scope_for(request.user)  # type: ignore[arg-type]
    regions = selectors.regions_overview(scope=scope)
    return render(request, "directory/region_list.html", {"regions": regions})


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)  # type: ignore[arg-type]
    region = selectors.region_get(scope=scope, code=code)
    directory = selectors.region_directory(scope=scope, region=region)
    return render(request, "directory/region_detail.html", {"d": directory, "region": region})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)  # type: ignore[arg-type]
    person = selectors.person_get(scope=scope, pk=pk)
    path = request.get_full_path()
    audit_record(actor=request.user, action=AuditEntry.Action.VIEW_PERSON, person=person, path=path)  # type: ignore[arg-type]
    ethnicity = selectors.person_ethnicity(scope=scope, person=person)
    if ethnicity is not None:
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action=AuditEntry.Action.VIEW_ETHNICITY,
            person=person,
            path=path,
        )
    context = {"person": person, "ethnicity": ethnicity, "scope": scope}
    return render(request, "directory/person_detail.html", context)


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)  # type: ignore[arg-type]
    organisation = selectors.organisation_get(scope=scope, pk=pk)
    people = selectors.organisation_people(scope=scope, organisation=organisation)
    context = {"organisation": organisation, "people": people}
    return render(request, "directory/organisation_detail.html", context)


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)  # type: ignore[arg-type]
    if not scope.sees_aggregates:
        raise Http404
    rows = selectors.network_figures(scope=scope)
    totals = {
        "organisations": sum(r.organisations for r in rows),
        "ngos": sum(r.ngos for r in rows),
        "people": sum(r.people for r in rows),
        "with_agreement": sum(r.with_agreement for r in rows),
    }
    return render(request, "directory/figures.html", {"rows": rows, "totals": totals})
