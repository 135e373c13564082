"""Response circles: who is alerted about a region's incidents. Only the region's coordinators
(Scope.can_handle_case) see and change them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from concord.accounts.scoping import OutOfScope, Scope
from concord.directory import selectors as directory_selectors
from concord.directory.models import EthnicCommunity, Person
from concord.directory.selectors import DirectoryQuery
from concord.incidents import selectors, services
from concord.incidents.forms import CircleMemberForm, SearchForm
from concord.incidents.models import CircleMember
from concord.incidents.views.cases import regions_in_scope
from concord.incidents.views.common import attempt, require, scope_of, user_of
from concord.regions.models import Region

FOUND_MAX = 10


def _handled_region(request: HttpRequest, code: str) -> tuple[Region, Scope]:
    """The region, if the viewer coordinates it; a 404 (logged as refused) for anyone else."""
    scope = scope_of(request)
    region = get_object_or_404(Region, code=code)
    if not scope.can_handle_case(region.pk):
        raise OutOfScope(kind="circle", pk=code)
    return region, scope


@login_required
def circle_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    require(scope.is_coordinator)
    regions = regions_in_scope(scope).annotate(size=Count("circle_members")).order_by("name_ru")
    return render(request, "incidents/circle_list.html", {"regions": regions})


def _suggested(region: Region) -> list[tuple[Person, str, EthnicCommunity | None]]:
    """The directory's suggestions, each with its part in words."""
    return [
        (person, str(CircleMember.Part(part).label), community)
        for person, part, community in services.circle_defaults(region)
    ]


@login_required
def circle_detail(request: HttpRequest, code: str) -> HttpResponse:
    region, scope = _handled_region(request, code)
    search = SearchForm(request.GET or None)
    found = []
    if search.text:
        query = DirectoryQuery(text=search.text)
        found = list(directory_selectors.person_search(scope=scope, query=query)[:FOUND_MAX])
    members = list(selectors.circle_members(region=region))
    context = {
        "region": region,
        "members": members,
        # Until the circle is set, the directory's suggestions are alerted (services.circles).
        "defaults": [] if members else _suggested(region),
        "search": search,
        "found": found,
        "add_form": CircleMemberForm(scope=scope),
    }
    return render(request, "incidents/circle_detail.html", context)


@login_required
@require_POST
def circle_add(request: HttpRequest, code: str) -> HttpResponse:
    region, scope = _handled_region(request, code)
    form = CircleMemberForm(request.POST, scope=scope)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
        return redirect("incidents:circle", code=region.code)
    data = form.cleaned_data
    member = attempt(
        request,
        lambda: services.circle_member_add(
            region=region,
            person=data["person"],
            part=data["part"],
            community=data.get("community"),
            user=user_of(request),
        ),
    )
    if member is not None:
        messages.success(request, _("%(name)s is now in the circle.") % {"name": member.person})
    return redirect("incidents:circle", code=region.code)


@login_required
def circle_remove(request: HttpRequest, code: str, member_pk: int) -> HttpResponse:
    """Removing someone is confirmed first: they will no longer learn about incidents."""
    region, _scope = _handled_region(request, code)
    member = get_object_or_404(
        CircleMember.objects.select_related("person", "community"), pk=member_pk, region=region
    )
    if request.method != "POST":
        context = {"region": region, "member": member}
        return render(request, "incidents/circle_remove.html", context)
    services.circle_member_remove(member=member, user=user_of(request))
    messages.success(request, _("%(name)s is no longer in the circle.") % {"name": member.person})
    return redirect("incidents:circle", code=region.code)


@login_required
@require_POST
def circle_fill(request: HttpRequest, code: str) -> HttpResponse:
    region, _scope = _handled_region(request, code)
    added = services.circle_fill_from_directory(region=region, user=user_of(request))
    if added:
        text = ngettext(
            "%(count)d person from the directory added.",
            "%(count)d people from the directory added.",
            added,
        )
        messages.success(request, text % {"count": added})
    else:
        messages.info(request, _("Everyone the directory suggests is already in the circle."))
    return redirect("incidents:circle", code=region.code)
