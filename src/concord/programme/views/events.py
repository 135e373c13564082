"""The event page, creating an event and changing its status."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from concord.accounts.scoping import Scope
from concord.messaging import groups
from concord.programme import selectors, selectors_views, services
from concord.programme.forms import EventCreateForm, EventStatusForm, ParticipantFilterForm
from concord.programme.models import Event, InvitedRegion, Registration
from concord.programme.views import summaries
from concord.programme.views.common import (
    attempt,
    event_url,
    managed_event,
    page_of,
    person_of,
    scope_of,
    user_of,
)
from concord.programme.views.display import when
from concord.programme.views.participant import my_row

S = Registration.State
CONFIRMABLE = frozenset({S.REGISTERED})
CANCELLABLE = frozenset({S.INVITED, S.REGISTERED, S.WAITLISTED, S.OFFERED, S.CONFIRMED})


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    event = selectors_views.event_get_for(scope=scope, pk=pk, person=person_of(request))
    overview = selectors.event_overview(event=event)
    can_manage = scope.can_manage_event(event.host_region_id)
    invited = list(selectors_views.event_invited_regions(event=event))
    names = summaries.region_names(overview, invited)
    context = _facts(event, overview, invited, names)
    context["can_manage"] = can_manage
    mine = selectors_views.registration_on(event=event, person=person_of(request))
    if mine is not None:
        context["mine"] = my_row(mine)
    if can_manage:
        context["overrides"] = selectors_views.event_overrides(event=event)
        context["days"] = services.event_days(event)
        context["groups_panel"] = groups.event_groups_panel(scope=scope, event=event)
    if scope.sees_personal_data:
        context.update(_participants(request, scope, event, names))
    return render(request, "programme/event_detail.html", context)


def _facts(
    event: Event,
    overview: selectors.EventOverview,
    invited: list[InvitedRegion],
    names: dict[str, str],
) -> dict[str, Any]:
    """What everyone who may open the event sees: counts only, no names."""
    disruptions = selectors_views.event_disruptions(event=event)
    return {
        "event": event,
        "when": when(event),
        "agenda": selectors_views.event_agenda(event=event),
        "invited": summaries.invited_rows(invited, overview),
        "by_state": summaries.state_rows(overview),
        "by_region": summaries.region_rows(overview, names),
        "buckets": summaries.BUCKET_LABELS,
        "places": summaries.places(event, overview),
        "disruptions": summaries.disruption_rows(event, disruptions),
    }


def _participants(
    request: HttpRequest, scope: Scope, event: Event, names: dict[str, str]
) -> dict[str, Any]:
    regions = sorted(names.items(), key=lambda item: item[1])
    form = ParticipantFilterForm(request.GET, regions=regions)
    registrations = selectors.event_registrations(scope=scope, event=event, **form.values())
    return {
        "filter_form": form,
        "participants": page_of(request, registrations),
        "confirmable": CONFIRMABLE,
        "cancellable": CANCELLABLE,
    }


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    if not scope.can_create_events:
        raise Http404
    if request.method != "POST":
        hint = {"host_region": request.GET["host_region"]} if request.GET.get("host_region") else {}
        form = EventCreateForm(scope=scope, initial=hint)
        return render(request, "programme/event_form.html", {"form": form})
    form = EventCreateForm(request.POST, scope=scope)
    fields = form.SERVICE_FIELDS
    event = attempt(form, lambda: _create(request, form), fields) if form.is_valid() else None
    if event is not None:
        messages.success(request, _("Event created with its agenda. Now invite the regions."))
        return redirect(event_url(event))
    return render(request, "programme/event_form.html", {"form": form})


def _create(request: HttpRequest, form: EventCreateForm) -> Event:
    return services.event_create(
        year=form.year,
        plan=form.plan(),
        by=user_of(request),
        override_reason=form.cleaned_data.get("override_reason") or "",
    )


@login_required
def event_edit_status(request: HttpRequest, pk: int) -> HttpResponse:
    event, _scope = managed_event(request, pk)
    form = EventStatusForm(request.POST or None, initial={"status": event.status})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = attempt(
            form,
            lambda: services.event_status_set(
                event=event,
                status=data["status"],
                by=user_of(request),
                override_reason=data.get("override_reason") or "",
            ),
            default="status",
        )
        if changed is not None:
            label = Event.Status(changed.status).label
            messages.success(request, _("The event is now “%(status)s”.") % {"status": label})
            return redirect(event_url(event))
    context = {"event": event, "when": when(event), "form": form}
    return render(request, "programme/event_status.html", context)
