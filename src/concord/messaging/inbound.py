"""Inbound updates: stored first under their unique external id, then processed by a worker.

A webhook or `concord runbot` only calls `inbound_store` (a duplicate delivery is a no-op), so
answering Telegram or Meta never waits for the bot. The worker's `inbound_loop` takes stored
events oldest first and hands each to the handlers registered for its kind
("telegram.message", "telegram.callback_query", "whatsapp.status", …): the messaging layer's
own bookkeeping below, then the bot (`concord.bot.handlers`) and any later app
(`register_update_handler`, e.g. RSVP polls for "telegram.poll_answer").

Each event is processed in its own transaction while its row is locked (`FOR UPDATE SKIP
LOCKED` on PostgreSQL; SQLite serialises writers), so any number of workers share the queue
and a worker that dies mid-event simply leaves it to the next one. A handler that raises is
rolled back to a savepoint, the event keeps its place with one more attempt, and it is tried
again after a growing delay; after MAX_ATTEMPTS it is marked failed with the error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime, timedelta
from threading import Event
from typing import Any

from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from concord.messaging.models import (
    Channel,
    ContactStatus,
    InboundEvent,
    OutboundMessage,
    TelegramChat,
    WhatsAppContact,
)
from concord.messaging.outbox import delivery_status_record

logger = logging.getLogger(__name__)
E = InboundEvent

# Seconds to wait before attempt n+1 after n failed ones; its length is the number of attempts.
RETRY_DELAYS = (0, 2, 10, 60, 300)
MAX_ATTEMPTS = len(RETRY_DELAYS)

# Telegram Update fields that carry the update itself (exactly one is present in each).
TELEGRAM_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "poll",
    "poll_answer",
    "inline_query",
    "chosen_inline_result",
    "message_reaction",
    "message_reaction_count",
    "business_message",
)

# What the bot asks Telegram for (getUpdates and setWebhook): Telegram remembers the last
# list it was given, so it is always passed explicitly. Add a kind here when a handler needs it.
TELEGRAM_ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member", "poll_answer"]

UpdateHandler = Callable[[InboundEvent, dict[str, Any]], bool]
"""Takes the event and the update's body (the Message, CallbackQuery, WhatsApp message, …);
returns whether it did something with it. It may raise: the event is then retried."""

_HANDLERS: dict[str, list[UpdateHandler]] = {}


class NotYet(Exception):
    """A handler cannot act yet (a status about a message whose send is not recorded yet):
    try the event again later, without logging a traceback."""


def register_update_handler(kind: str, fn: UpdateHandler) -> None:
    """Add a handler for one kind of update ("telegram.poll_answer"); handlers of a kind run
    in the order they were registered, all in the event's transaction."""
    handlers = _HANDLERS.setdefault(kind, [])
    if fn not in handlers:
        handlers.append(fn)


# --- storing -------------------------------------------------------------------------------


def inbound_store(*, channel: str, external_id: str, payload: dict[str, Any]) -> bool:
    """Store one update; False (and nothing changes) when it was stored before.

    The unique (channel, external_id) constraint decides, so two deliveries racing each other
    on two web processes still store one row, on SQLite and PostgreSQL alike.
    """
    try:
        with transaction.atomic():
            E.objects.create(channel=channel, external_id=external_id[:200], payload=payload)
    except IntegrityError:
        logger.info("Duplicate %s update %s ignored", channel, external_id)
        return False
    return True


def whatsapp_events(payload: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Split one Meta webhook call into the events we store: (external id, event payload).

    Each message is stored under its wamid with the sender's contact entry; each status under
    "status:<wamid>:<status>", since one message has several statuses over its life.
    """
    for value in _whatsapp_values(payload):
        contacts = {c.get("wa_id"): c for c in _dicts(value.get("contacts"))}
        for message in _dicts(value.get("messages")):
            if isinstance(message.get("id"), str) and message["id"]:
                contact = contacts.get(message.get("from"), {})
                yield message["id"], {"kind": "message", "message": message, "contact": contact}
        for status in _dicts(value.get("statuses")):
            wamid, state = status.get("id"), status.get("status")
            if isinstance(wamid, str) and wamid and isinstance(state, str):
                yield f"status:{wamid}:{state}", {"kind": "status", "status": status}


def _whatsapp_values(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") == "messages" and isinstance(value, dict):
                yield value


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# --- processing ----------------------------------------------------------------------------


def event_kind(event: InboundEvent) -> tuple[str, dict[str, Any]] | None:
    """("telegram.callback_query", the CallbackQuery) — None when the shape is not one we know."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.channel == Channel.TELEGRAM:
        key = next((k for k in TELEGRAM_KINDS if k in payload), None)
    elif event.channel == Channel.WHATSAPP:
        key = payload.get("kind") if payload.get("kind") in ("message", "status") else None
    else:
        key = None
    if key is None or not isinstance(payload.get(key), dict):
        return None
    return f"{event.channel}.{key}", payload[key]


def _due() -> Q:
    """Events not yet tried, and failed ones whose retry delay has passed."""
    now = timezone.now()
    due = Q(attempts=0)
    for attempts, delay in enumerate(RETRY_DELAYS[1:], start=1):
        due |= Q(attempts=attempts, processed_at__lte=now - timedelta(seconds=delay))
    return Q(state=E.State.RECEIVED) & due


def _claim(skip: Collection[int]) -> InboundEvent | None:
    """The oldest due event, locked for this transaction; ones another worker holds are
    skipped. Events already tried in this round (`skip`) wait for the next round."""
    events = E.objects.filter(_due()).exclude(pk__in=skip).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        events = events.select_for_update(skip_locked=True)
    return events.first()


def inbound_process(event: InboundEvent) -> str:
    """Run the handlers of one event (call inside a transaction holding its lock)."""
    found = event_kind(event)
    if found is None:
        logger.info("Ignored %s event %s: not an update type we know", event.channel, event.pk)
        return _finish(event, E.State.IGNORED, "Not an update type we know.")
    kind, body = found
    handlers = _HANDLERS.get(kind, [])
    if not handlers:
        logger.info("Ignored %s update %s: nothing handles %s", event.channel, event.pk, kind)
        return _finish(event, E.State.IGNORED, f"Nothing handles {kind}.")
    try:
        with transaction.atomic():
            handled = [handler(event, body) for handler in handlers]
    except NotYet as error:
        return _failed(event, f"Not yet: {error}")
    except Exception as error:
        logger.exception("Processing %s event %s failed", event.channel, event.pk)
        return _failed(event, f"{type(error).__name__}: {error}")
    return _finish(event, E.State.PROCESSED if any(handled) else E.State.IGNORED, "")


def _finish(event: InboundEvent, state: str, error: str) -> str:
    event.state, event.error, event.processed_at = state, error, timezone.now()
    event.save(update_fields=["state", "error", "processed_at"])
    return state


def _failed(event: InboundEvent, error: str) -> str:
    event.attempts += 1
    state = E.State.FAILED if event.attempts >= MAX_ATTEMPTS else E.State.RECEIVED
    if state == E.State.FAILED:
        logger.error("Gave up on %s event %s: %s", event.channel, event.pk, error)
    event.state, event.error, event.processed_at = state, error[:2000], timezone.now()
    event.save(update_fields=["state", "attempts", "error", "processed_at"])
    return state


def inbound_run_once(*, batch: int = 50) -> int:
    """Process up to `batch` due events, each in its own transaction; returns how many
    were taken (including those that failed and will be retried later)."""
    if not E.objects.filter(_due()).exists():
        # Idle: a plain read, so that SQLite's write lock is not taken five times a second.
        return 0
    taken: list[int] = []
    while len(taken) < batch:
        with transaction.atomic():
            event = _claim(taken)
            if event is None:
                break
            taken.append(event.pk)
            inbound_process(event)
    return len(taken)


def inbound_loop(stop: Event, *, idle_sleep: float = 0.2) -> None:
    """Run until `stop` is set (one of settings.CONCORD_WORKER_LOOPS). Nothing in one event,
    not even a database error, ends the loop: it logs, pauses and goes on."""
    while not stop.is_set():
        try:
            taken = inbound_run_once()
        except Exception:
            logger.exception("The inbound loop failed; it goes on")
            taken = 0
        close_old_connections()
        if not taken:
            stop.wait(idle_sleep)


# --- the messaging layer's own handlers ------------------------------------------------------


def telegram_chat_for(chat_id: int) -> TelegramChat | None:
    """The chat we know under this id, also when it is the new id of a migrated group."""
    return (
        TelegramChat.objects.filter(Q(chat_id=chat_id) | Q(migrated_to=chat_id))
        .order_by(F("migrated_to").desc(nulls_last=True))
        .first()
    )


def telegram_chat_migrate(*, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup with a new id: every later message goes to the new id
    (the outbox sends to `migrated_to` when it is set)."""
    changed = TelegramChat.objects.filter(chat_id=old_chat_id).update(
        migrated_to=new_chat_id, kind=TelegramChat.Kind.SUPERGROUP
    )
    if changed:
        logger.info("Telegram group %s moved to %s", old_chat_id, new_chat_id)
    return bool(changed)


def _telegram_migration(event: InboundEvent, message: dict[str, Any]) -> bool:
    """Telegram announces a migration twice: in the old group (`migrate_to_chat_id`) and
    in the new supergroup (`migrate_from_chat_id`); either one is enough."""
    chat_id = _int(_obj(message, "chat").get("id"))
    moved_to, moved_from = (
        _int(message.get("migrate_to_chat_id")),
        _int(message.get("migrate_from_chat_id")),
    )
    if chat_id is not None and moved_to is not None:
        return telegram_chat_migrate(old_chat_id=chat_id, new_chat_id=moved_to)
    if chat_id is not None and moved_from is not None:
        return telegram_chat_migrate(old_chat_id=moved_from, new_chat_id=chat_id)
    return False


def _telegram_member(event: InboundEvent, update: dict[str, Any]) -> bool:
    """The bot was added to, promoted in or removed from a chat, or blocked in a private one."""
    chat = _obj(update, "chat")
    chat_id, status = _int(chat.get("id")), _obj(update, "new_chat_member").get("status")
    if chat_id is None or not isinstance(status, str):
        return False
    if chat.get("type") == TelegramChat.Kind.PRIVATE:
        return _private_chat_status(chat_id, blocked=status == "kicked")
    kind = str(chat.get("type"))
    kind = kind if kind in TelegramChat.Kind.values else TelegramChat.Kind.GROUP
    known = telegram_chat_for(chat_id)
    if known is None:
        known = TelegramChat(chat_id=chat_id, kind=kind)
    known.title = str(chat.get("title", ""))[:255]
    known.bot_is_admin = status == "administrator"
    known.save()
    return True


def _private_chat_status(chat_id: int, *, blocked: bool) -> bool:
    """A person who blocks the bot is unreachable on Telegram (the outbox falls back to their
    next channel) until they unblock it."""
    chat = TelegramChat.objects.filter(chat_id=chat_id, person__isnull=False).first()
    if chat is None or chat.person_id is None:
        return False
    statuses = ContactStatus.objects.filter(person_id=chat.person_id, channel=Channel.TELEGRAM)
    if not blocked:
        statuses.delete()
        return True
    ContactStatus.objects.get_or_create(
        person_id=chat.person_id,
        channel=Channel.TELEGRAM,
        defaults={"unreachable_since": timezone.now(), "reason": "The person blocked the bot."},
    )
    return True


def _whatsapp_status(event: InboundEvent, status: dict[str, Any]) -> bool:
    """Delivery statuses never move a message backwards (outbox.delivery_status_record). One
    may arrive before the outbox has recorded the send it is about: try it again a little
    later, and only then let it go."""
    errors = _dicts(status.get("errors"))
    detail = "; ".join(
        f"{e.get('code', '')} {e.get('title', '')}: {_obj(e, 'error_data').get('details', '')}"
        for e in errors
    )
    changed = delivery_status_record(
        provider_message_id=str(status["id"]),
        status=str(status["status"]),
        at=_timestamp(status.get("timestamp")),
        error=detail,
    )
    if changed:
        return True
    known = _sent_message_known(str(status["id"]))
    if not known and event.attempts < 2:
        raise NotYet(f"no sent message {status['id']} yet")
    return known


def _sent_message_known(wamid: str) -> bool:
    return OutboundMessage.objects.filter(provider_message_id=wamid).exists()


def _whatsapp_message(event: InboundEvent, message: dict[str, Any]) -> bool:
    """Every message from a number opens its 24-hour customer-service window."""
    phone = whatsapp_phone(message.get("from"))
    if phone is None:
        return False
    at = _timestamp(message.get("timestamp"))
    contact, _created = WhatsAppContact.objects.get_or_create(phone=phone)
    if contact.last_inbound_at is None or contact.last_inbound_at < at:
        contact.last_inbound_at = at
        contact.save(update_fields=["last_inbound_at"])
    return True


def whatsapp_phone(wa_id: object) -> str | None:
    """Meta's `wa_id` ("79161234567") as the E.164 number the directory stores ("+7916…")."""
    if not isinstance(wa_id, str) or not wa_id.isdigit() or not 6 <= len(wa_id) <= 15:
        return None
    return f"+{wa_id}"


def _timestamp(value: object) -> datetime:
    """A Unix time as Meta and Telegram send it; now when it is missing or absurd."""
    try:
        at = datetime.fromtimestamp(int(str(value)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()
    return min(at, timezone.now())


def _obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object of an update, or {} when a malformed update has something else there."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


register_update_handler("telegram.message", _telegram_migration)
register_update_handler("telegram.my_chat_member", _telegram_member)
register_update_handler("whatsapp.status", _whatsapp_status)
register_update_handler("whatsapp.message", _whatsapp_message)
