"""Check-in on a phone at the door: search, then one tap per person (and an undo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from concord.accounts.scoping import Scope
from concord.programme import selectors_views, services
from concord.programme.models import Attendance, Event, Registration
from concord.programme.views.common import is_htmx, managed_event, user_of
from concord.programme.views.display import when


@dataclass(frozen=True)
class CheckinRow:
    registration: Registration
    attendance: Attendance | None
    error: str = ""


def _row(registration: Registration, day: date, error: str = "") -> CheckinRow:
    here = next((a for a in registration.attendances.all() if a.day == day), None)
    return CheckinRow(registration, here, error)


def _parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return None


def _default_day(event: Event, days: list[date]) -> date:
    today = timezone.localtime(timezone.now(), event.tz).date()
    return today if today in days else days[0]


@login_required
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    event, scope = managed_event(request, pk)
    days = services.event_days(event)
    if request.method == "POST":
        day = _parse_day(request.POST.get("day")) or _default_day(event, days)
        return _tap(request, event, scope, day)
    chosen = _parse_day(request.GET.get("day"))
    day = chosen if chosen in days else _default_day(event, days)
    text = request.GET.get("q", "").strip()
    registrations = selectors_views.checkin_list(scope=scope, event=event, text=text)
    rows = [_row(r, day) for r in registrations]
    context: dict[str, Any] = {
        "event": event,
        "when": when(event),
        "days": days,
        "day": day,
        "q": text,
        "rows": rows,
        "here": sum(1 for row in rows if row.attendance),
    }
    template = "programme/_checkin_list.html" if is_htmx(request) else "programme/checkin.html"
    return render(request, template, context)


def _tap(request: HttpRequest, event: Event, scope: Scope, day: date) -> HttpResponse:
    raw = request.POST.get("registration", "")
    pk = int(raw) if raw.isdigit() else 0
    registration = selectors_views.event_registration(scope=scope, event=event, pk=pk)
    error = ""
    try:
        _apply(request, registration, day)
    except ValidationError as refused:
        error = " ".join(refused.messages)
    if is_htmx(request):
        fresh = selectors_views.event_registration(scope=scope, event=event, pk=pk)
        context = {"row": _row(fresh, day, error), "event": event, "day": day}
        return render(request, "programme/_checkin_row.html", context)
    if error:
        messages.error(request, error)
    url = reverse("programme:checkin", args=[event.pk])
    return redirect(f"{url}?day={day.isoformat()}")


def _apply(request: HttpRequest, registration: Registration, day: date) -> None:
    by = user_of(request)
    if request.POST.get("action") == "undo":
        attendance = selectors_views.attendance_on(registration=registration, day=day)
        if attendance is not None:
            services.attendance_undo(attendance=attendance, by=by)
        return
    services.attendance_check_in(registration=registration, day=day, by=by)
