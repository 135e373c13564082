"""Relocate, switch format, cancel: a form with a reason, then a confirmation that says how
many people will be told. The change is tried (and rolled back) before the confirmation, so
a refusal is shown on the form, not after the person has confirmed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.core.forms import ConfirmForm
from concord.programme import selectors_views, services
from concord.programme.forms import EventCancelForm, RelocateForm, SwitchFormatForm
from concord.programme.models import Event
from concord.programme.views.common import attempt, dry_run, event_url, managed_event, user_of
from concord.programme.views.display import when


def _summary(form: forms.Form) -> list[tuple[str, str]]:
    """What the person typed, as label and value, for the confirmation page."""
    shown = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name == "confirmed" or value in (None, ""):
            continue
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            value = dict(field.choices).get(value, value)  # type: ignore[arg-type]
        shown.append((str(field.label), str(value)))
    return shown


def _flow(
    request: HttpRequest,
    event: Event,
    form: ConfirmForm,
    *,
    title: Any,
    perform: Callable[[], object],
    done: str,
) -> HttpResponse:
    fields = getattr(form, "SERVICE_FIELDS", {})
    context: dict[str, Any] = {"event": event, "when": when(event), "form": form, "title": title}
    if request.method != "POST" or not form.is_valid() or "edit" in request.POST:
        return render(request, "programme/disruption_form.html", context)
    if not form.is_confirmed:
        if not dry_run(form, perform, fields):
            return render(request, "programme/disruption_form.html", context)
        context["summary"] = _summary(form)
        context["notified"] = selectors_views.event_people_to_notify(event=event)
        return render(request, "programme/disruption_confirm.html", context)
    if attempt(form, perform, fields) is None:
        return render(request, "programme/disruption_form.html", context)
    messages.success(request, done)
    return redirect(event_url(event))


@login_required
def event_relocate(request: HttpRequest, pk: int) -> HttpResponse:
    event, scope = managed_event(request, pk)
    hint = {"region": request.GET["region"]} if request.GET.get("region") else {}
    form = RelocateForm(request.POST or None, scope=scope, event=event, initial=hint)

    def perform() -> object:
        data = form.cleaned_data
        return services.event_relocate(
            event=event,
            reason=data["reason"],
            by=user_of(request),
            city=data.get("city"),
            venue=data.get("venue"),
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            override_reason=data.get("override_reason") or "",
        )

    title = gettext_lazy("Move the event")
    done = _("The event has been moved; everyone on the list will be told.")
    return _flow(request, event, form, title=title, perform=perform, done=done)


@login_required
def event_switch_format(request: HttpRequest, pk: int) -> HttpResponse:
    event, _scope = managed_event(request, pk)
    form = SwitchFormatForm(request.POST or None)

    def perform() -> object:
        data = form.cleaned_data
        return services.event_switch_format(
            event=event,
            format=data["format"],
            reason=data["reason"],
            by=user_of(request),
            meeting_url=data.get("meeting_url") or "",
            capacity_online=data.get("capacity_online"),
        )

    title = gettext_lazy("Switch the format")
    done = _("The format has been changed; everyone on the list will be told.")
    return _flow(request, event, form, title=title, perform=perform, done=done)


@login_required
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event, _scope = managed_event(request, pk)
    form = EventCancelForm(request.POST or None)

    def perform() -> object:
        reason = form.cleaned_data["reason"]
        return services.event_cancel(event=event, reason=reason, by=user_of(request))

    title = gettext_lazy("Cancel the event")
    done = _("The event has been cancelled; everyone on the list will be told.")
    return _flow(request, event, form, title=title, perform=perform, done=done)
