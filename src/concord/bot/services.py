"""Writes of the bot: one-time links that tie a chat to a person of the directory.

The coordinator creates a link for a person and sends it (by SMS, email, on paper as a QR
code); the person taps it, Telegram opens the bot with `/start <token>`, and the chat is
theirs. Nobody types a code, and a link works once: a forwarded link cannot take over a chat.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.accounts.services import acting_user
from concord.bot.models import LinkToken
from concord.directory.models import Person
from concord.messaging.models import Channel, TelegramChat, WhatsAppContact

LINK_VALID_FOR = timedelta(days=14)


class LinkError(Exception):
    """A link that cannot be used, with a message for the person who tapped it."""


def link_token_create(*, person: Person, by: User | None) -> LinkToken:
    # 18 random bytes: 24 URL-safe characters, within Telegram's 64 for a start parameter.
    return LinkToken.objects.create(
        person=person,
        token=secrets.token_urlsafe(18),
        created_by=acting_user(by),
        expires_at=timezone.now() + LINK_VALID_FOR,
    )


def link_url(token: LinkToken | str) -> str:
    """The deep link that opens the bot and sends it `/start <token>`."""
    username = settings.TELEGRAM_BOT_USERNAME.lstrip("@")
    if not username:
        raise ImproperlyConfigured("TELEGRAM_BOT_USERNAME is not set.")
    value = token.token if isinstance(token, LinkToken) else token
    return f"https://t.me/{username}?start={value}"


def chat_link(*, channel: str, chat_key: str, token: str) -> Person:
    """Tie the chat to the token's person and use the token up; LinkError when it cannot."""
    with transaction.atomic():
        link = LinkToken.objects.select_for_update().filter(token=token.strip()).first()
        _check_usable(link)
        assert link is not None  # _check_usable refused a missing link
        link.used_at = timezone.now()
        link.used_by = f"{channel}:{chat_key}"[:80]
        link.save(update_fields=["used_at", "used_by"])
        _attach(channel=channel, chat_key=chat_key, person=link.person)
    return link.person


def _check_usable(link: LinkToken | None) -> None:
    ask = _("Please ask your coordinator to send you a new link.")
    if link is None:
        raise LinkError(_("This link is not valid.") + " " + ask)
    if link.used_at is not None:
        raise LinkError(_("This link has already been used.") + " " + ask)
    if link.expires_at <= timezone.now():
        raise LinkError(_("This link has expired.") + " " + ask)


def _attach(*, channel: str, chat_key: str, person: Person) -> None:
    if channel == Channel.TELEGRAM:
        TelegramChat.objects.update_or_create(
            chat_id=int(chat_key),
            defaults={"person": person},
            create_defaults={"person": person, "kind": TelegramChat.Kind.PRIVATE},
        )
    elif channel == Channel.WHATSAPP:
        WhatsAppContact.objects.update_or_create(phone=chat_key, defaults={"person": person})
    else:
        raise ValueError(f"Chats of {channel} cannot be linked.")
