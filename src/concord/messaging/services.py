from __future__ import annotations

from typing import Any

from django.db import transaction

from concord.directory.models import Person
from concord.messaging.models import Broadcast, OutboundMessage, TelegramChat


def message_enqueue(
    *,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    person: Person | None = None,
    chat: TelegramChat | None = None,
    priority: int = OutboundMessage.Priority.NORMAL,
    broadcast: Broadcast | None = None,
    reply_channel: str = "",
    reply_address: str = "",
) -> OutboundMessage:
    """Queue one message for a person, a group chat, or a reply address (a chat that wrote to
    us; `person` may then still be given, for the language). A dedupe key never queues twice.

    Call it inside the transaction that makes the change the message is about, so that the
    message exists if and only if the change was committed: a worker picks it up after that.
    """
    if person is not None and chat is not None:
        raise ValueError("A message goes to one person or one chat, not both.")
    if person is None and chat is None and not (reply_channel and reply_address):
        raise ValueError("A message needs a recipient.")
    with transaction.atomic():
        message, _created = OutboundMessage.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "person": person,
                "chat": chat,
                "template": template,
                "context": context,
                "priority": priority,
                "broadcast": broadcast,
                "reply_channel": reply_channel,
                "reply_address": reply_address,
            },
        )
    return message
