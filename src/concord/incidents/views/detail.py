"""The case page and its attachments. What the viewer may see is the selectors' CaseView; this
module only lays it out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from concord.incidents import selectors
from concord.incidents.forms import (
    CategoryForm,
    InvalidateForm,
    NoteForm,
    ReopenForm,
    ResolveForm,
    SeverityForm,
    TransitionForm,
)
from concord.incidents.models import Alert, Case, CaseEntry, ReportAttachment
from concord.incidents.selectors import CaseView
from concord.incidents.views.common import local_time, scope_of

S = Case.State
# Shown in the browser; everything else (an SVG or HTML file above all) is downloaded.
INLINE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "audio/ogg", "audio/mpeg", "audio/mp4"}
)


@dataclass(frozen=True)
class TimelineRow:
    entry: CaseEntry
    at: str
    actor: str
    change: str  # "new → taken"


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    at: str


def _state_label(value: str) -> str:
    return str(S(value).label) if value in S.values else value


def _change(entry: CaseEntry) -> str:
    if not entry.to_state:
        return ""
    if not entry.from_state:
        return _state_label(entry.to_state)
    return f"{_state_label(entry.from_state)} → {_state_label(entry.to_state)}"


def _timeline(view: CaseView) -> list[TimelineRow]:
    region = view.case.region
    return [
        TimelineRow(
            entry=e,
            at=local_time(e.created_at, region),
            actor=selectors.entry_actor_name(e),
            change=_change(e),
        )
        for e in view.timeline
    ]


def action_forms(view: CaseView) -> dict[str, Any]:
    """The forms of the actions this viewer may take, keyed by what the template shows."""
    allowed = set(view.allowed_transitions)
    forms: dict[str, Any] = {}
    if view.can_note:
        forms["note"] = NoteForm()
    for state in (S.VERIFIED, S.ACTION_TAKEN):
        if state in allowed:
            forms[state] = TransitionForm(prefix=state)
    if S.INVALIDATED in allowed:
        forms["invalidate"] = InvalidateForm()
    if S.RESOLVED in allowed:
        forms["resolve"] = ResolveForm()
    if S.REOPENED in allowed:
        forms["reopen"] = ReopenForm()
    if view.can_handle:
        case = view.case
        forms["severity"] = SeverityForm(initial={"severity": case.severity})
        forms["category"] = CategoryForm(initial={"category": case.category})
    return forms


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    case = selectors.case_get(scope=scope, pk=pk, path=request.get_full_path())
    view = selectors.case_view(scope=scope, case=case)
    context = {
        "case": case,
        "view": view,
        "opened": local_time(case.opened_at, case.region),
        "timeline": _timeline(view),
        "forms": action_forms(view),
        "alerts": [AlertRow(a, local_time(a.alerted_at, case.region)) for a in view.alerts],
    }
    return render(request, "incidents/case_detail.html", context)


def _attachment_in(view: CaseView, attachment_pk: int) -> ReportAttachment:
    for report in view.reports:
        for attachment in report.attachments:
            if attachment.pk == attachment_pk:
                return attachment
    raise Http404


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """A report's file, only to those who may open the case: never a public media address."""
    scope = scope_of(request)
    case = selectors.case_get(scope=scope, pk=pk, path=request.get_full_path())
    attachment = _attachment_in(selectors.case_view(scope=scope, case=case), attachment_pk)
    if attachment.state != ReportAttachment.State.STORED or not attachment.file:
        raise Http404
    name = attachment.file.name.rsplit("/", 1)[-1]
    inline = attachment.mime_type in INLINE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=name,
        content_type=attachment.mime_type or None,
    )
    # The file is private: no shared cache keeps it, and the browser does not guess its type.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # An uploaded file never runs as a page of ours, whatever it claims to be.
    response["Content-Security-Policy"] = "sandbox"
    return response
