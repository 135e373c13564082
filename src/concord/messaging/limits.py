"""Channel limits shared by every worker through the database.

Two mechanisms: `ChannelPause` (the channel said 429: nobody sends on it until then) and
`RateSlot` spacing (each key — a channel, or one chat on it — has the next moment a send may
start; reserving a slot moves it on by the key's interval). Because the slots live in the
database, three workers together still send at most the configured rate.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from concord.messaging.models import ChannelPause, RateSlot

# A send waits in the worker for a slot at most this long; a later slot defers the message.
MAX_WAIT = timedelta(milliseconds=500)


def channel_paused_until(channel: str) -> datetime | None:
    pause = ChannelPause.objects.filter(channel=channel, until__gt=timezone.now()).first()
    return pause.until if pause else None


def channel_pause(*, channel: str, seconds: float, reason: str) -> None:
    until = timezone.now() + timedelta(seconds=seconds)
    with transaction.atomic():
        pause, created = ChannelPause.objects.select_for_update().get_or_create(
            channel=channel, defaults={"until": until, "reason": reason[:300]}
        )
        if not created and pause.until < until:
            pause.until, pause.reason = until, reason[:300]
            pause.save(update_fields=["until", "reason"])


def slots_reserve(keys: dict[str, float]) -> datetime | None:
    """Reserve one slot on every key (key → seconds between sends) together.

    Returns the moment the send may start (now or within MAX_WAIT), or None when some key is
    busy for longer: then nothing is reserved and the caller defers the message until
    `slots_next_free(keys)`.
    """
    now = timezone.now()
    with transaction.atomic():
        slots = {key: _slot_locked(key, now) for key in sorted(keys)}
        start = max(now, *(slot.next_at for slot in slots.values()))
        if start - now > MAX_WAIT:
            return None
        for key, slot in slots.items():
            slot.next_at = start + timedelta(seconds=keys[key])
            slot.save(update_fields=["next_at"])
    return start


def slots_next_free(keys: dict[str, float]) -> datetime:
    now = timezone.now()
    latest = RateSlot.objects.filter(key__in=keys).order_by("-next_at").first()
    return max(now, latest.next_at) if latest else now


def _slot_locked(key: str, now: datetime) -> RateSlot:
    slot, _created = RateSlot.objects.select_for_update().get_or_create(
        key=key, defaults={"next_at": now}
    )
    return slot
