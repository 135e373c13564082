"""What the programme tells people, handed to the messaging outbox.

The programme only says *what* happened to *whom* (a template key and the ids it is about);
the messaging layer renders it in the person's language and time zone and picks the channel.
So nothing here changes when new channels arrive.
"""

from __future__ import annotations

from concord.messaging.models import OutboundMessage
from concord.messaging.services import message_enqueue
from concord.programme.models import Disruption, Registration

PRIORITY = {
    "offer": OutboundMessage.Priority.ALERT,  # a freed place is held only for a while
    "disruption": OutboundMessage.Priority.ALERT,
}


def notify_registration(*, registration: Registration, what: str) -> None:
    """One message per change of a registration (its history length makes the key unique)."""
    step = registration.transitions.count()
    message_enqueue(
        person=registration.person,
        template=f"programme.{what}",
        context={"event": registration.event_id, "registration": registration.pk},
        dedupe_key=f"programme:{what}:{registration.pk}:{step}",
        priority=PRIORITY.get(what, OutboundMessage.Priority.NORMAL),
    )


def notify_reminder(*, registration: Registration) -> None:
    """One reminder per registration and event date: a rescheduled event is reminded again."""
    day = registration.event.starts_at.date().isoformat()
    message_enqueue(
        person=registration.person,
        template="programme.reminder",
        context={"event": registration.event_id, "registration": registration.pk},
        dedupe_key=f"programme:reminder:{registration.pk}:{day}",
    )


def notify_disruption(*, disruption: Disruption, registration: Registration) -> None:
    """Exactly one message per person per disruption, whatever retries happen."""
    message_enqueue(
        person=registration.person,
        template=f"programme.disruption.{disruption.kind}",
        context={
            "event": disruption.event_id,
            "disruption": disruption.pk,
            "registration": registration.pk,
        },
        dedupe_key=f"programme:disruption:{disruption.pk}:{registration.person_id}",
        priority=OutboundMessage.Priority.ALERT,
    )
