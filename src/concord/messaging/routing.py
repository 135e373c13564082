"""Which channel and address a message goes to.

A person's preferred channel first; if it is unreachable (blocked the bot, unknown number),
not configured on this installation, or has no address for them, the next one that works.
"""

from __future__ import annotations

from dataclasses import dataclass

from concord.directory.models import Person
from concord.messaging.models import Channel, ContactStatus, OutboundMessage, TelegramChat
from concord.messaging.providers import provider_for

FALLBACK_ORDER = (Channel.TELEGRAM, Channel.WHATSAPP, Channel.EMAIL)


@dataclass(frozen=True)
class Route:
    channel: str
    address: str


def person_channels(person: Person) -> list[str]:
    preferred = [person.preferred_channel] if person.preferred_channel in Channel.values else []
    return preferred + [c for c in FALLBACK_ORDER if c not in preferred]


def person_address(person: Person, channel: str) -> str:
    if channel == Channel.TELEGRAM:
        chat = (
            TelegramChat.objects.filter(person=person, kind=TelegramChat.Kind.PRIVATE)
            .order_by("-created_at")
            .first()
        )
        return str(chat.chat_id) if chat else ""
    if channel == Channel.WHATSAPP:
        return person.whatsapp
    if channel == Channel.EMAIL:
        return person.email
    return ""


def route_for(message: OutboundMessage) -> Route | None:
    """The channel to use now, or None when the person cannot be reached anywhere."""
    if message.reply_channel and message.reply_address:
        return Route(message.reply_channel, message.reply_address)
    if message.chat_id and message.chat:
        return Route(Channel.TELEGRAM, str(message.chat.migrated_to or message.chat.chat_id))
    person = message.person
    if person is None:
        return None
    unreachable = set(ContactStatus.objects.filter(person=person).values_list("channel", flat=True))
    for channel in person_channels(person):
        if channel in unreachable or not provider_for(channel).is_configured():
            continue
        address = person_address(person, channel)
        if address:
            return Route(channel, address)
    return None
