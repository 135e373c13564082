"""Inviting regions to an event, then people of those regions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from concord.accounts.scoping import Scope
from concord.programme import selectors_views, services
from concord.programme.forms import InviteFilterForm, InvitePeopleForm, InviteRegionsForm
from concord.programme.models import Event, InvitedRegion
from concord.programme.views.common import attempt, is_htmx, managed_event, page_of, user_of
from concord.programme.views.display import when


@login_required
def event_invite_regions(request: HttpRequest, pk: int) -> HttpResponse:
    event, _scope = managed_event(request, pk)
    form = InviteRegionsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invited = attempt(
            form,
            lambda: services.event_invite_regions(
                event=event,
                regions=data["regions"],
                by=user_of(request),
                group=data["group"],
            ),
            default="regions",
        )
        if invited is not None:
            text = ngettext(
                "Invitation sent to %(count)d region. Now invite its people.",
                "Invitation sent to %(count)d regions. Now invite their people.",
                len(invited),
            )
            messages.success(request, text % {"count": len(invited)})
            return redirect("programme:event_invite_people", pk=event.pk)
    context = {
        "event": event,
        "when": when(event),
        "form": form,
        "already": selectors_views.event_invited_regions(event=event),
    }
    return render(request, "programme/invite_regions.html", context)


def _default_group(invited: list[InvitedRegion]) -> str:
    if {row.group for row in invited} == {InvitedRegion.Group.YOUTH}:
        return InvitedRegion.Group.YOUTH
    return InvitedRegion.Group.MAIN


@login_required
def event_invite_people(request: HttpRequest, pk: int) -> HttpResponse:
    event, scope = managed_event(request, pk)
    if request.method == "POST":
        return _invite(request, event, scope)
    filters = InviteFilterForm(request.GET, event=event)
    candidates = selectors_views.invite_candidates(scope=scope, event=event, **filters.values())
    invited = list(selectors_views.event_invited_regions(event=event))
    context = {
        "event": event,
        "when": when(event),
        "filters": filters,
        "page": page_of(request, candidates),
        "form": InvitePeopleForm(scope=scope, initial={"group": _default_group(invited)}),
        "invited": invited,
    }
    template = "_invite_candidates" if is_htmx(request) else "invite_people"
    return render(request, f"programme/{template}.html", context)


def _invite(request: HttpRequest, event: Event, scope: Scope) -> HttpResponse:
    form = InvitePeopleForm(request.POST, scope=scope)
    back = request.get_full_path()
    if not form.is_valid():
        for error_list in form.errors.values():
            for message in error_list:
                messages.error(request, str(message))
        return redirect(back)
    invited, problems = services.registrations_invite_many(
        event=event,
        people=form.cleaned_data["people"],
        by=user_of(request),
        group=form.cleaned_data["group"],
    )
    if invited:
        text = ngettext(
            "Invitation sent to %(count)d person.",
            "Invitations sent to %(count)d people.",
            len(invited),
        )
        messages.success(request, text % {"count": len(invited)})
    for problem in problems:
        messages.error(request, _("Not invited: %(why)s") % {"why": problem})
    return redirect(back)
