"""Files of the programme: an event's .ics, a person's calendar feed, and the event exports.

Thin: who may have which file is decided by `Scope`; the files are built in `calendar` and
`exporting`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from concord.accounts.models import User
from concord.accounts.scoping import OutOfScope, Scope, scope_for
from concord.directory.exporting import ExportFile
from concord.programme import exporting, selectors
from concord.programme.calendar import events_ics
from concord.programme.models import CalendarFeed, Event

ICS = "text/calendar; charset=utf-8"
FEED_CACHE = "private, max-age=300"


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _attachment(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    response["Content-Disposition"] = disposition or "attachment"
    return response


def _file(export: ExportFile) -> HttpResponse:
    return _attachment(export.content, filename=export.filename, content_type=export.content_type)


def _managed_event(request: HttpRequest, pk: int) -> tuple[Scope, Event]:
    """The event, if the viewer plans it; otherwise a 404 written to the audit log."""
    scope = scope_for(_user(request))
    event = selectors.event_get(pk=pk)
    if not scope.can_manage_event(event.host_region_id):
        raise OutOfScope(kind="event", pk=pk)
    return scope, event


@require_safe
@login_required
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(pk=pk)
    content = events_ics([event], name=event.title)
    return _attachment(content, filename=exporting.file_name(event, "", "ics"), content_type=ICS)


@require_safe  # calendar apps may ask with HEAD first
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login (calendar apps cannot log in): the unguessable token is the key."""
    calendar_feed = get_object_or_404(CalendarFeed.objects.select_related("person"), token=token)
    events = selectors.person_calendar_events(person=calendar_feed.person)
    response = HttpResponse(events_ics(events, name=_("My Concord events")), content_type=ICS)
    response["Cache-Control"] = FEED_CACHE
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
@login_required
def export_participants(request: HttpRequest, pk: int) -> HttpResponse:
    scope, event = _managed_event(request, pk)
    path = request.get_full_path()
    return _file(
        exporting.participants_export(scope=scope, actor=_user(request), event=event, path=path)
    )


@require_GET
@login_required
def export_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    scope, event = _managed_event(request, pk)
    path = request.get_full_path()
    return _file(
        exporting.attendance_export(scope=scope, actor=_user(request), event=event, path=path)
    )


@require_GET
@login_required
def export_counts(request: HttpRequest, pk: int) -> HttpResponse:
    if not scope_for(_user(request)).sees_aggregates:
        raise Http404
    return _file(exporting.counts_export(event=selectors.event_get(pk=pk)))
