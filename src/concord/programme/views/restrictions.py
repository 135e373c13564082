"""Regional restrictions on gatherings: the current ones, and a form to record a new one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from concord.programme import selectors, services
from concord.programme.forms import RestrictionForm
from concord.programme.views.common import attempt, scope_of, user_of


@login_required
def restrictions(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    if not scope.is_coordinator:
        raise Http404
    form = RestrictionForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = attempt(
            form,
            lambda: services.restriction_create(
                region=data["region"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                max_participants=data["max_participants"],
                reason=data.get("reason") or "",
                by=user_of(request),
            ),
        )
        if created is not None:
            messages.success(
                request, _("Restriction recorded for %(region)s.") % {"region": created.region.name}
            )
            return redirect("programme:restrictions")
    current = selectors.restrictions_current(region_ids=scope.region_ids)
    return render(request, "programme/restrictions.html", {"form": form, "current": current})
