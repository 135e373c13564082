from __future__ import annotations

from typing import Any

from django.db import transaction

from concord.directory.models import Person
from concord.messaging.models import OutboundMessage


def message_enqueue(
    *,
    person: Person,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    priority: int = OutboundMessage.Priority.NORMAL,
) -> OutboundMessage:
    """Queue one message for a person; the same dedupe key never queues twice.

    Call it inside the transaction that makes the change the message is about, so that the
    message exists if and only if the change was committed.
    """
    with transaction.atomic():
        message, _created = OutboundMessage.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "person": person,
                "template": template,
                "context": context,
                "priority": priority,
            },
        )
    return message
