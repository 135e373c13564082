"""`concord runbot`: receive Telegram updates by long polling, for installations without a
public address (behind NAT, on a laptop). It only stores the updates; the worker answers them.

Each update is stored before the offset moves past it, so a crash or a restart loses nothing,
and the dedupe on `update_id` makes an update fetched twice a no-op.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from concord.messaging.inbound import TELEGRAM_ALLOWED_UPDATES, inbound_store
from concord.messaging.models import Channel
from concord.messaging.providers import provider_for
from concord.messaging.providers.base import RetryLater

logger = logging.getLogger(__name__)
MAX_WAIT = 60.0


class Polling(Protocol):
    def is_configured(self) -> bool: ...

    def get_updates(
        self, offset: int | None, timeout: int, allowed_updates: list[str] | None = None
    ) -> list[dict[str, Any]]: ...

    def delete_webhook(self) -> Any: ...


class Poller:
    """getUpdates in a loop: offset = last update_id + 1 confirms what was stored."""

    def __init__(self, provider: Polling, *, timeout: int, say: Callable[[str], None]) -> None:
        self.provider = provider
        self.timeout = timeout
        self.say = say
        self.offset: int | None = None
        self.failures = 0
        self.webhook_deleted = False

    def poll_once(self) -> int:
        """One long poll; returns how many new updates were stored."""
        if not self.webhook_deleted:
            # Telegram refuses getUpdates while a webhook is set (409).
            self.provider.delete_webhook()
            self.webhook_deleted = True
        updates = self.provider.get_updates(
            offset=self.offset, timeout=self.timeout, allowed_updates=TELEGRAM_ALLOWED_UPDATES
        )
        stored = 0
        for update in updates:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                logger.warning("An update without update_id was skipped: %.200r", update)
                continue
            stored += inbound_store(
                channel=Channel.TELEGRAM, external_id=str(update_id), payload=update
            )
            self.offset = max(self.offset or 0, update_id + 1)
        return stored

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
                self.failures = 0
            except Exception as error:  # the poller outlives any one failure
                self.failures += 1
                stop.wait(self.explain(error))
            finally:
                close_old_connections()

    def explain(self, error: Exception) -> float:
        """Say what went wrong in words an administrator can act on; the seconds to wait."""
        wait = min(2.0 ** min(self.failures, 6), MAX_WAIT)
        text = str(error)
        if isinstance(error, RetryLater) and error.retry_after:
            wait = max(float(error.retry_after), 1.0)
        if "401" in text or "Unauthorized" in text:
            raise CommandError("Telegram does not accept TELEGRAM_BOT_TOKEN; check it.") from error
        if "409" in text or "Conflict" in text:
            self.webhook_deleted = "webhook" not in text.lower()  # delete it again if set anew
            self.say(
                "Telegram refused (409 Conflict): another `concord runbot` (on this or another "
                f"machine) or a webhook is receiving this bot's updates. Only one may. "
                f"Retrying in {wait:.0f} s."
            )
        else:
            self.say(f"Telegram could not be reached ({error!r}); retrying in {wait:.0f} s.")
        return wait


class Command(BaseCommand):
    help = (
        "Receive Telegram updates by long polling (no public address needed) and store them "
        "for the worker. Stop with Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=int, default=30, help="Long-poll seconds (25-50).")

    def handle(self, *args: Any, **options: Any) -> None:
        provider: Polling = provider_for(Channel.TELEGRAM)  # type: ignore[assignment]
        if not provider.is_configured():
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        poller = Poller(
            provider, timeout=max(1, min(options["timeout"], 50)), say=self.stderr.write
        )
        self.stdout.write("Receiving Telegram updates by long polling. Stop with Ctrl-C.")
        previous = _stop_on_sigterm()
        try:
            poller.run(threading.Event())
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> Any:
    """systemd stops with SIGTERM: stop like Ctrl-C, at once, even in the middle of a poll
    (what was stored stays stored; the rest comes again at the next start). Returns the
    handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)
