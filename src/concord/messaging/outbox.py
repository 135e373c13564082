"""The outbox worker: claim due messages, respect each channel's limits, send, and record.

Claiming marks rows `sending` with a lease; a worker killed mid-send leaves its rows to be
recovered when the lease expires. A message can therefore arrive twice in two cases: its worker
was killed while it was in flight, or the channel accepted it but the answer was lost to a
timeout or a dropped connection (and it was sent again). Telegram has no idempotency key.
PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so any number of workers share the queue
without two ever taking the same row; SQLite serialises writers.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta
from threading import Event

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from concord.messaging import limits
from concord.messaging.models import (
    ContactStatus,
    OutboundMessage,
    TelegramChat,
    WhatsAppContact,
)
from concord.messaging.providers import provider_for
from concord.messaging.providers.base import (
    ChatMigrated,
    NeedsTemplate,
    Outgoing,
    Provider,
    Rejected,
    RetryLater,
    SendResult,
    Undeliverable,
)
from concord.messaging.rendering import UnknownTemplate, render
from concord.messaging.routing import Route, route_for

logger = logging.getLogger(__name__)
M = OutboundMessage
MAX_ATTEMPTS = 12
WINDOW = timedelta(hours=24)


def lease() -> timedelta:
    """How long a claimed row stays with its worker before others may take it back."""
    return timedelta(seconds=settings.CONCORD_OUTBOX_LEASE_SECONDS)


def outbox_claim(*, limit: int) -> list[int]:
    """Take up to `limit` due messages, alerts first, and lease them to this worker."""
    now = timezone.now()
    due = Q(state__in=[M.State.QUEUED, M.State.FAILED_RETRYABLE]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    with transaction.atomic():
        rows = M.objects.filter(due).order_by("priority", "pk")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.values_list("pk", flat=True)[:limit])
        M.objects.filter(pk__in=ids).update(
            state=M.State.SENDING, lease_expires_at=now + lease(), updated_at=now
        )
    return ids


def outbox_recover() -> int:
    """Rows whose worker died while sending go back to the queue. Each recovery counts as an
    attempt, so a message that kills its worker every time ends failed, not in a loop."""
    expired = M.objects.filter(state=M.State.SENDING, lease_expires_at__lt=timezone.now())
    expired.filter(attempts__gte=MAX_ATTEMPTS - 1).update(
        state=M.State.FAILED_PERMANENT,
        lease_expires_at=None,
        last_error="Its worker stopped while sending it, again and again.",
    )
    return expired.update(
        state=M.State.QUEUED,
        lease_expires_at=None,
        attempts=F("attempts") + 1,
        last_error="The worker stopped while sending; sent again (it may arrive twice).",
    )


def outbox_send(pk: int) -> str:
    """Send one claimed message; returns its new state."""
    message = M.objects.select_related("person__region", "person__city", "chat").get(pk=pk)
    route = route_for(message)
    if route is None:
        return _fail(message, "No channel reaches this person.")
    paused = limits.channel_paused_until(route.channel)
    if paused is not None:
        return _defer(message, paused)
    provider = provider_for(route.channel)
    keys = _limit_keys(message, route, provider)
    start = limits.slots_reserve(keys)
    if start is None:
        return _defer(message, limits.slots_next_free(keys))
    _sleep_until(start)
    return _attempt(message, route, provider)


def _attempt(message: OutboundMessage, route: Route, provider: Provider) -> str:
    window_open = _window_open(route)
    try:
        outgoing = render(
            message, channel=route.channel, address=route.address, window_open=window_open
        )
        result = _send_with_recovery(provider, outgoing, message)
    except RetryLater as error:
        return _retry(message, route, error)
    except Undeliverable as error:
        return _unreachable(message, route, str(error))
    except (Rejected, UnknownTemplate) as error:
        return _fail(message, f"{route.channel}: {error!r}")
    except Exception as error:  # a bug must not lose the message: retry, and log it
        logger.exception("Sending message %s failed unexpectedly", message.pk)
        return _retry(message, route, RetryLater(repr(error)))
    return _sent(message, route, outgoing, result)


def _send_with_recovery(
    provider: Provider, outgoing: Outgoing, message: OutboundMessage
) -> SendResult:
    """One send, plus the two answers that say exactly how to send it right away."""
    try:
        return provider.send(outgoing)
    except NeedsTemplate:
        closed = Outgoing(**{**outgoing.__dict__, "extra": {"window_open": False}})
        return provider.send(closed)
    except ChatMigrated as moved:
        _chat_migrated(message, moved.new_chat_id)
        return provider.send(Outgoing(**{**outgoing.__dict__, "address": str(moved.new_chat_id)}))


def _limit_keys(message: OutboundMessage, route: Route, provider: Provider) -> dict[str, float]:
    rate = provider.limits
    keys = {route.channel: 1.0 / rate.per_second}
    group = message.chat is not None and message.chat.kind != TelegramChat.Kind.PRIVATE
    gap = 60.0 / rate.per_group_per_minute if group else rate.per_chat_seconds
    if gap > 0:
        keys[f"{route.channel}:chat:{route.address}"] = gap
    return keys


def _sleep_until(start: datetime) -> None:
    wait = (start - timezone.now()).total_seconds()
    if wait > 0:
        time.sleep(wait)


def _window_open(route: Route) -> bool:
    if route.channel != "whatsapp":
        return True
    since = timezone.now() - WINDOW
    return WhatsAppContact.objects.filter(phone=route.address, last_inbound_at__gte=since).exists()


def _save(message: OutboundMessage, **fields: object) -> str:
    for name, value in fields.items():
        setattr(message, name, value)
    message.lease_expires_at = None
    message.save()
    return message.state


def _sent(message: OutboundMessage, route: Route, outgoing: Outgoing, result: SendResult) -> str:
    return _save(
        message,
        state=M.State.SENT,
        channel=route.channel,
        address=route.address,
        provider_message_id=result.provider_message_id,
        body=outgoing.text,
        sent_at=timezone.now(),
        attempts=message.attempts + 1,
        last_error="",
    )


def _defer(message: OutboundMessage, until: datetime) -> str:
    """Not an attempt: the channel or the chat is busy; come back when it is free."""
    return _save(message, state=M.State.QUEUED, next_attempt_at=until)


def backoff(attempts: int) -> timedelta:
    seconds = min(2**attempts, 3600) * random.uniform(1.0, 1.2)
    return timedelta(seconds=seconds)


def _retry(message: OutboundMessage, route: Route, error: RetryLater) -> str:
    if error.pause_channel:
        limits.channel_pause(
            channel=route.channel, seconds=error.retry_after or 1, reason=str(error)
        )
        # A 429 is the channel's pace, not this message's fault: it costs no attempt.
        until = timezone.now() + timedelta(seconds=error.retry_after or 1)
        return _save(
            message, state=M.State.FAILED_RETRYABLE, next_attempt_at=until, last_error=str(error)
        )
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        return _fail(message, f"Gave up after {attempts} attempts: {error}")
    wait = timedelta(seconds=error.retry_after) if error.retry_after else backoff(attempts)
    return _save(
        message,
        state=M.State.FAILED_RETRYABLE,
        attempts=attempts,
        next_attempt_at=timezone.now() + wait,
        last_error=f"{route.channel}: {error}",
    )


def _unreachable(message: OutboundMessage, route: Route, reason: str) -> str:
    """Mark the contact unreachable on this channel; the next claim tries the next channel."""
    if message.person_id is None or message.reply_channel:
        return _fail(message, f"{route.channel}: {reason}")
    ContactStatus.objects.get_or_create(
        person_id=message.person_id,
        channel=route.channel,
        defaults={"unreachable_since": timezone.now(), "reason": reason[:300]},
    )
    return _save(
        message, state=M.State.QUEUED, next_attempt_at=None, last_error=f"{route.channel}: {reason}"
    )


def _fail(message: OutboundMessage, reason: str) -> str:
    logger.warning("Message %s failed for good: %s", message.pk, reason)
    return _save(message, state=M.State.FAILED_PERMANENT, last_error=reason)


def _chat_migrated(message: OutboundMessage, new_chat_id: int) -> None:
    """The group became a supergroup: remember its new id for every later message."""
    if message.chat_id:
        TelegramChat.objects.filter(pk=message.chat_id).update(
            migrated_to=new_chat_id, kind=TelegramChat.Kind.SUPERGROUP
        )


# --- delivery statuses --------------------------------------------------------------------

STATUS_RANK: dict[str, int] = {M.State.SENT: 1, M.State.DELIVERED: 2, M.State.READ: 3}
STATUS_TIME_FIELD: dict[str, str] = {M.State.DELIVERED: "delivered_at", M.State.READ: "read_at"}


def delivery_status_record(
    *, provider_message_id: str, status: str, at: datetime, error: str = ""
) -> bool:
    """Apply a provider's status (sent, delivered, read, failed); never moves backwards,
    whatever order the statuses arrive in. Returns whether anything changed."""
    status = {"failed": M.State.FAILED_PERMANENT}.get(status, status)
    with transaction.atomic():
        message = (
            M.objects.select_for_update().filter(provider_message_id=provider_message_id).first()
        )
        if message is None:
            return False
        if status == M.State.FAILED_PERMANENT:
            return _status_failed(message, error)
        if STATUS_RANK.get(status, 0) <= STATUS_RANK.get(message.state, 0):
            return False
        message.state = status
        if status in STATUS_TIME_FIELD:
            setattr(message, STATUS_TIME_FIELD[status], at)
        message.save(update_fields=["state", "delivered_at", "read_at", "updated_at"])
    return True


def _status_failed(message: OutboundMessage, error: str) -> bool:
    # A failure reported after delivery is stale news: delivered stays delivered.
    if message.state != M.State.SENT:
        return False
    message.state = M.State.FAILED_PERMANENT
    message.last_error = error[:2000]
    message.save(update_fields=["state", "last_error", "updated_at"])
    return True


# --- the loop ---------------------------------------------------------------------------------


def outbox_run_once(*, batch: int = 20) -> int:
    """Claim and send one batch; returns how many were claimed.

    The lease covers the whole batch: rows whose turn comes after half of it has gone go back
    to the queue, so that no other worker can recover and send them while this one still does.
    """
    claimed_at = timezone.now()
    ids = outbox_claim(limit=batch)
    for n, pk in enumerate(ids):
        if timezone.now() >= claimed_at + lease() / 2:
            M.objects.filter(pk__in=ids[n:], state=M.State.SENDING).update(
                state=M.State.QUEUED, lease_expires_at=None
            )
            break
        outbox_send(pk)
    return len(ids)


def outbox_loop(stop: Event, *, idle_sleep: float = 0.2, recover_every: float = 10.0) -> None:
    """Run until `stop` is set; polls every `idle_sleep` when idle, so a committed message
    starts sending within a fraction of a second."""
    next_recovery = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_recovery:
            outbox_recover()
            next_recovery = time.monotonic() + recover_every
        try:
            claimed = outbox_run_once()
        except Exception:
            logger.exception("The outbox loop failed; it goes on")
            claimed = 0
        close_old_connections()
        if not claimed:
            stop.wait(idle_sleep)
