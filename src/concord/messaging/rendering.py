"""From an outbox row to an `Outgoing` for one channel, in the recipient's language and zone.

Each app registers what its messages say (`register`), Sentry-style: a template key maps to
a function that builds the `Content` from the row's context. The outbox calls `render` at
sending time, so a message queued in the morning still shows the event's current place.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

from concord.directory.models import Person
from concord.messaging.models import OutboundMessage
from concord.messaging.providers.base import Button, Outgoing, WhatsAppTemplate


@dataclass(frozen=True)
class Content:
    """What a message says, before it is shaped for a channel."""

    text: str
    html: str = ""
    subject: str = ""
    buttons: tuple[Button, ...] = ()
    keyboard: tuple[tuple[str, ...], ...] = ()
    whatsapp_template: WhatsAppTemplate | None = None


@dataclass(frozen=True)
class RenderContext:
    message: OutboundMessage
    channel: str
    language: str
    tz: ZoneInfo
    data: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[RenderContext], Content]
_BUILDERS: dict[str, Builder] = {}


def register(key: str) -> Callable[[Builder], Builder]:
    """Decorator: `@register("programme.invitation")` on a function building its Content."""

    def decorate(builder: Builder) -> Builder:
        _BUILDERS[key] = builder
        return builder

    return decorate


class UnknownTemplate(LookupError):
    pass


def person_language(person: Person | None) -> str:
    """The person's interface language: English only when they read English but not Russian."""
    if person is None:
        return settings.LANGUAGE_CODE
    codes = [code.strip() for code in person.languages.split(",") if code.strip()]
    if "en" in codes and "ru" not in codes:
        return "en"
    return settings.LANGUAGE_CODE


def person_timezone(person: Person | None) -> ZoneInfo:
    if person is not None:
        if person.city_id and person.city and person.city.timezone:
            return ZoneInfo(person.city.timezone)
        if person.region.timezone:
            return ZoneInfo(person.region.timezone)
    return ZoneInfo(settings.TIME_ZONE)


def render(message: OutboundMessage, *, channel: str, address: str, window_open: bool) -> Outgoing:
    builder = _BUILDERS.get(message.template)
    if builder is None:
        raise UnknownTemplate(message.template)
    person = message.person
    language, tz = person_language(person), person_timezone(person)
    context = RenderContext(message, channel, language, tz, dict(message.context))
    with translation.override(language), timezone.override(tz):
        content = builder(context)
    return Outgoing(
        address=address,
        text=content.text,
        html=content.html if channel == "telegram" else "",
        subject=content.subject,
        buttons=content.buttons,
        keyboard=content.keyboard if channel == "telegram" else (),
        whatsapp_template=content.whatsapp_template,
        extra={"window_open": window_open},
    )


def esc(value: object) -> str:
    """Escape text from people for Telegram's HTML parse mode."""
    return html.escape(str(value), quote=False)


@register("text")
def _plain(context: RenderContext) -> Content:
    """A message whose words were written when it was queued (bot replies, broadcasts)."""
    data = context.data
    buttons = tuple(Button(b["id"], b["title"]) for b in data.get("buttons", []))
    keyboard = tuple(tuple(row) for row in data.get("keyboard", []))
    text = str(data.get("text", ""))
    return Content(
        text=text,
        html=str(data.get("html") or esc(text)),
        subject=str(data.get("subject", "")),
        buttons=buttons,
        keyboard=keyboard,
    )


def with_subject(content: Content, subject: str) -> Content:
    return replace(content, subject=subject)
