"""Pages of broadcasts and Telegram groups, for coordinators only (a 404 for anyone else).

Views stay thin: the scope decides what exists for the viewer, the services do the work,
and every message is only queued here; the worker sends it.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from concord.accounts.models import User
from concord.accounts.scoping import Scope, scope_for, scoped_get
from concord.directory.models import Organisation, PersonRole
from concord.messaging import broadcasts, groups
from concord.messaging.forms_broadcasts import (
    AnnounceForm,
    BroadcastForm,
    EventGroupForm,
    GroupRegionForm,
    event_label,
)
from concord.messaging.group_models import EventChat
from concord.messaging.models import Broadcast, Channel, TelegramChat
from concord.programme.models import Event
from concord.programme.selectors import event_get
from concord.regions.models import Region

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _coordinator(request: HttpRequest) -> Scope:
    scope = scope_for(_user(request))
    if not scope.is_coordinator:
        raise Http404
    return scope


def _managed_event(request: HttpRequest, pk: int) -> tuple[Event, Scope]:
    scope = _coordinator(request)
    event = event_get(pk=pk)
    if not scope.can_manage_event(event.host_region_id):
        raise Http404
    return event, scope


def _group(scope: Scope, pk: int) -> TelegramChat:
    return scoped_get(scope, groups.groups_visible(scope=scope), pk=pk)


def _event_url(event: Event) -> str:
    return reverse("programme:event", args=[event.pk])


def _fail(request: HttpRequest, error: groups.GroupError) -> None:
    messages.error(request, " ".join(error.messages))


def _back(request: HttpRequest) -> str:
    """Where a group action returns to: a page of this site, else the list of groups."""
    back = request.POST.get("back", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("broadcasts:groups")


# --- broadcasts -----------------------------------------------------------------------------


@login_required
def broadcast_list(request: HttpRequest) -> HttpResponse:
    scope = _coordinator(request)
    paginator = Paginator(broadcasts.broadcasts_visible(scope=scope), PAGE_SIZE)
    page: Page[Broadcast] = paginator.get_page(request.GET.get("page"))
    rows = [(b, broadcasts.progress_of(b)) for b in page]
    return render(request, "messaging/broadcast_list.html", {"page": page, "rows": rows})


@login_required
def broadcast_new(request: HttpRequest) -> HttpResponse:
    """Write, preview (who gets it on which channel), then send to exactly that many."""
    scope = _coordinator(request)
    if request.method != "POST":
        form = BroadcastForm(scope=scope)
        return render(request, "messaging/broadcast_form.html", {"form": form})
    form = BroadcastForm(request.POST, scope=scope)
    if not form.is_valid() or "edit" in request.POST:
        return render(request, "messaging/broadcast_form.html", {"form": form})
    segment = form.segment()
    preview = broadcasts.broadcast_preview(scope=scope, segment=segment)
    confirmed = "send" in request.POST
    if confirmed and preview.total and form.cleaned_data["expected"] == preview.total:
        broadcast = broadcasts.broadcast_send(
            scope=scope,
            segment=segment,
            title=form.cleaned_data["title"],
            text=form.cleaned_data["text"],
            by=_user(request),
        )
        messages.success(request, _("The broadcast is on its way."))
        return redirect("broadcasts:detail", pk=broadcast.pk)
    context = _preview_context(form, preview, changed=confirmed)
    return render(request, "messaging/broadcast_preview.html", context)


def _preview_context(
    form: BroadcastForm, preview: broadcasts.Preview, *, changed: bool
) -> dict[str, Any]:
    return {
        "form": form,
        "preview": preview,
        "channels": [(Channel(c).label, n) for c, n in preview.per_channel.items()],
        "segment_rows": segment_rows(form.segment()),
        "changed": changed,  # the count moved since the coordinator saw it: show it again
        "title": form.cleaned_data["title"],
        "text": form.cleaned_data["text"],
    }


def segment_rows(segment: broadcasts.Segment) -> list[tuple[str, str]]:
    """The segment in words, for the preview and the broadcast's page."""
    rows: list[tuple[str, str]] = []
    if segment.regions:
        names = Region.objects.filter(code__in=segment.regions).order_by("name_ru")
        rows.append((_("Regions"), ", ".join(r.name for r in names)))
    if segment.event is not None:
        event = Event.objects.filter(pk=segment.event).first()
        rows.append((_("Participants of the event"), event_label(event) if event else "—"))
    if segment.roles:
        labels = dict(PersonRole.Role.choices)
        rows.append((_("Roles"), ", ".join(str(labels.get(r, r)) for r in segment.roles)))
    if segment.org_kinds:
        labels = dict(Organisation.Kind.choices)
        kinds = ", ".join(str(labels.get(k, k)) for k in segment.org_kinds)
        rows.append((_("Kinds of organisation"), kinds))
    return rows or [(_("Who"), _("Everyone in your regions"))]


@login_required
def broadcast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _coordinator(request)
    broadcast = scoped_get(scope, broadcasts.broadcasts_visible(scope=scope), pk=pk)
    context = {
        "broadcast": broadcast,
        "progress": broadcasts.progress_of(broadcast),
        "segment_rows": segment_rows(broadcasts.Segment.from_json(broadcast.segment)),
        "failures": broadcasts.broadcast_failures(scope=scope, broadcast=broadcast),
    }
    return render(request, "messaging/broadcast_detail.html", context)


@login_required
def broadcast_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, which the page polls (HTMX) until nothing is waiting."""
    scope = _coordinator(request)
    broadcast = scoped_get(scope, broadcasts.broadcasts_visible(scope=scope), pk=pk)
    context = {"broadcast": broadcast, "progress": broadcasts.progress_of(broadcast)}
    return render(request, "messaging/_progress.html", context)


# --- groups ---------------------------------------------------------------------------------


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    scope = _coordinator(request)
    chats = list(groups.groups_visible(scope=scope))
    events = groups.group_events(chats=chats)
    rows = [
        (
            chat,
            events.get(chat.pk, []),
            GroupRegionForm(scope=scope, initial={"region": chat.region_id}),
        )
        for chat in chats
    ]
    return render(request, "messaging/group_list.html", {"rows": rows})


@login_required
@require_POST
def group_region(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _coordinator(request)
    chat = _group(scope, pk)
    form = GroupRegionForm(request.POST, scope=scope)
    if form.is_valid():
        try:
            region = form.cleaned_data["region"]
            groups.group_attach(chat=chat, region=region, by=_user(request))
            messages.success(
                request,
                _("“%(chat)s” is now the group of %(region)s.")
                % {"chat": chat, "region": region.name},
            )
        except groups.GroupError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Choose one of your regions."))
    return redirect("broadcasts:groups")


@login_required
@require_POST
def group_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A new invite link, shown to copy and share (Telegram answers while the person waits)."""
    scope = _coordinator(request)
    chat = _group(scope, pk)
    try:
        link = groups.group_invite_link(chat=chat, name=chat.title or "Concord")
    except groups.GroupError as error:
        _fail(request, error)
        return redirect(_back(request))
    context = {"chat": chat, "link": link, "back": _back(request)}
    return render(request, "messaging/invite_link.html", context)


@login_required
def group_announce(request: HttpRequest, pk: int) -> HttpResponse:
    """An announcement in a region's (or any visible) group."""
    scope = _coordinator(request)
    chat = _group(scope, pk)
    form = AnnounceForm(request.POST or None)
    form.fields.pop("whatsapp")  # a region's group has no list of invited people
    if request.method == "POST" and form.is_valid():
        try:
            groups.group_announce(
                chat=chat,
                text=form.cleaned_data["text"],
                by=_user(request),
                key=form.cleaned_data["key"],
            )
            messages.success(request, _("The announcement will appear in the group shortly."))
            return redirect("broadcasts:groups")
        except groups.GroupError as error:
            _fail(request, error)
    return render(request, "messaging/announce.html", {"form": form, "chat": chat})


# --- an event's group -------------------------------------------------------------------------


@login_required
@require_POST
def event_group(request: HttpRequest, pk: int) -> HttpResponse:
    event, scope = _managed_event(request, pk)
    form = EventGroupForm(request.POST, groups=groups.groups_attachable(scope=scope))
    if form.is_valid():
        try:
            groups.group_attach(chat=form.cleaned_data["chat"], event=event, by=_user(request))
            messages.success(request, _("The group is now the event's group."))
        except groups.GroupError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Choose one of the groups in the list."))
    return redirect(_event_url(event))


@login_required
def event_announce(request: HttpRequest, pk: int) -> HttpResponse:
    """The event's news: in its Telegram group, and one by one to those on WhatsApp."""
    event, _scope = _managed_event(request, pk)
    link = groups.event_group(event=event)
    form = AnnounceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = _announce(request, event, link, form)
        except groups.GroupError as error:
            _fail(request, error)
        else:
            messages.success(request, done)
            return redirect(_event_url(event))
    context = {
        "form": form,
        "event": event,
        "chat": link.chat if link else None,
        "whatsapp_count": len(groups.event_whatsapp_people(event=event)),
    }
    return render(request, "messaging/announce.html", context)


def _announce(
    request: HttpRequest, event: Event, link: EventChat | None, form: AnnounceForm
) -> str:
    text, key, by = form.cleaned_data["text"], form.cleaned_data["key"], _user(request)
    if link is None and not form.cleaned_data["whatsapp"]:
        raise groups.GroupError(_("The event has no group yet: choose WhatsApp, or add a group."))
    with transaction.atomic():
        if link is not None:
            groups.group_announce(chat=link.chat, text=text, by=by, event=event, key=key)
        sent = 0
        if form.cleaned_data["whatsapp"]:
            sent = groups.announcement_whatsapp_one_to_one(event=event, text=text, by=by, key=key)
    parts = [_("It will appear in the group shortly.")] if link else []
    if form.cleaned_data["whatsapp"]:
        line = ngettext(
            "%(n)s person on WhatsApp gets it one by one.",
            "%(n)s people on WhatsApp get it one by one.",
            sent,
        )
        parts.append(line % {"n": sent})
    return " ".join(parts)


@login_required
@require_POST
def event_poll(request: HttpRequest, pk: int) -> HttpResponse:
    event, _scope = _managed_event(request, pk)
    link = groups.event_group(event=event)
    if link is None:
        messages.error(request, _("Add a Telegram group to the event first."))
        return redirect(_event_url(event))
    try:
        groups.group_rsvp_poll(event=event, chat=link.chat, by=_user(request))
        messages.success(
            request,
            _(
                "The question “Will you come?” will appear in the group in a few seconds. "
                "Answers update the list of participants."
            ),
        )
    except groups.GroupError as error:
        _fail(request, error)
    return redirect(_event_url(event))
