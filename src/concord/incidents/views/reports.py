"""Reporting an incident on the web, and a coordinator writing down a report taken by phone.
Both hand a ReportDraft to services.report_submit, as the bot does."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from concord.accounts.scoping import Scope
from concord.directory import selectors as directory_selectors
from concord.directory.models import Person
from concord.directory.selectors import DirectoryQuery
from concord.incidents import selectors, services
from concord.incidents.forms import PhoneReportForm, ReportForm
from concord.incidents.models import Report, Source
from concord.incidents.views.cases import can_report
from concord.incidents.views.common import (
    attempt_on_form,
    person_of,
    require,
    scope_of,
    user_of,
)
from concord.regions.models import Region

FOUND_MAX = 10


def _done(request: HttpRequest, scope: Scope, report: Report) -> HttpResponse:
    """Say the case number; open the case if the viewer may see it."""
    text = _("Thank you. Your report is in case %(number)s; the response circle has been alerted.")
    messages.success(request, text % {"number": report.case.number})
    if selectors.cases_visible(scope=scope).filter(pk=report.case_id).exists():
        return redirect("incidents:case", pk=report.case_id)
    return redirect("incidents:list")


def _context(form: ReportForm, *, finding: bool = False, **extra: Any) -> dict[str, Any]:
    # A browser cannot keep a chosen file across a page that comes back: ask for it again.
    sent_file = form.is_bound and bool(form.files.get("attachment"))
    file_lost = sent_file and (finding or bool(form.errors))
    return {"form": form, "file_lost": file_lost, "finding": finding, **extra}


def _report_problems_add(form: ReportForm) -> None:
    """A form refused for one field also lists what the service would refuse, so that every
    problem is shown at the first try."""
    try:
        services.report_validate(form.to_draft())
    except ValidationError as error:
        for name, problems in error.message_dict.items():
            field = form.SERVICE_FIELDS.get(name, name)
            if field in form.fields and field not in form.errors:
                form.add_error(field, problems)


@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    require(can_report(scope))
    person = person_of(request)
    initial = {"region": person.region} if person is not None else {}
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        report = attempt_on_form(
            form,
            lambda: services.report_submit(
                draft=form.to_draft(), source=Source.WEB, reporter=person, user=user_of(request)
            ),
            ReportForm.SERVICE_FIELDS,
        )
        if report is not None:
            return _done(request, scope, report)
    elif request.method == "POST":
        _report_problems_add(form)
    return render(request, "incidents/report_form.html", _context(form))


def _callers_found(scope: Scope, text: str) -> list[Person]:
    if not text.strip():
        return []
    people = directory_selectors.person_search(scope=scope, query=DirectoryQuery(text=text))
    return list(people[:FOUND_MAX])


def _phone_submit(request: HttpRequest, form: PhoneReportForm) -> Report | None:
    data = form.cleaned_data
    return attempt_on_form(
        form,
        lambda: services.report_submit(
            draft=form.to_draft(),
            source=Source.PHONE,
            reporter=data.get("reporter"),
            user=user_of(request),
            reporter_name=data.get("reporter_name", ""),
            reporter_phone=data.get("reporter_phone", ""),
        ),
        PhoneReportForm.SERVICE_FIELDS,
    )


@login_required
def phone_report_create(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    require(scope.is_coordinator)
    finding = request.method == "POST" and "find_caller" in request.POST
    found = _callers_found(scope, request.POST.get("find", "")) if finding else []
    form = PhoneReportForm(
        request.POST or None, request.FILES or None, scope=scope, candidates=found
    )
    if finding:
        # Looking the caller up is not sending: nothing typed so far is "wrong" yet.
        form.is_valid()
        form.errors.clear()
    elif request.method == "POST" and form.is_valid():
        report = _phone_submit(request, form)
        if report is not None:
            return _done(request, scope, report)
    elif request.method == "POST":
        _report_problems_add(form)
    context = _context(form, finding=finding, found=found)
    return render(request, "incidents/phone_form.html", context)


@login_required
def city_options(request: HttpRequest) -> HttpResponse:
    """The city list of the chosen region, swapped in when the region changes (HTMX)."""
    sent = request.GET.get("region", "")
    region = Region.objects.filter(pk=sent).first() if sent.isdigit() else None
    form = ReportForm(initial={"region": region})
    return render(request, "incidents/_city_field.html", {"form": form})
