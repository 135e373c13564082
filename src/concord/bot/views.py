"""The coordinator's side of linking: make a one-time Telegram link for a person, and send it
to them through a channel that already reaches them (WhatsApp, email)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.accounts.models import User
from concord.accounts.scoping import scope_for
from concord.bot.models import LinkToken
from concord.bot.services import link_token_create, link_url
from concord.directory import selectors as directory_selectors
from concord.directory.models import Person
from concord.messaging.services import message_enqueue


def _person_for_coordinator(request: HttpRequest, pk: int) -> tuple[User, Person]:
    user: User = request.user  # type: ignore[assignment]
    scope = scope_for(user)
    if not scope.is_coordinator:
        raise Http404
    return user, directory_selectors.person_get(scope=scope, pk=pk)


@login_required
@require_POST
def person_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    user, person = _person_for_coordinator(request, pk)
    token = link_token_create(person=person, by=user)
    try:
        url = link_url(token)
    except ImproperlyConfigured:
        messages.error(request, _("The Telegram bot is not configured (TELEGRAM_BOT_USERNAME)."))
        return redirect("directory:person", pk=person.pk)
    context = {"person": person, "url": url, "token": token}
    return render(request, "bot/link_created.html", context)


@login_required
@require_POST
def person_link_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the link through the outbox; Telegram is not linked yet, so another channel."""
    _user, person = _person_for_coordinator(request, pk)
    token = LinkToken.objects.filter(person=person, token=request.POST.get("token", "")).first()
    if token is None or token.used_at is not None:
        raise Http404
    text = _(
        "Hello! This is your personal link to the network's Telegram bot. "
        "Tap it, then press “Start”: %(url)s"
    ) % {"url": link_url(token)}
    message_enqueue(
        person=person,
        template="text",
        context={"text": text, "subject": _("Your link to the Telegram bot")},
        dedupe_key=f"bot:link:{token.pk}",
    )
    messages.success(request, _("The link is on its way to %(person)s.") % {"person": person})
    return redirect("directory:person", pk=person.pk)
