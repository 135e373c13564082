"""Webhook mode: when a webhook is set, pushed updates are POSTed to it with the
`X-Telegram-Bot-Api-Secret-Token` header instead of waiting for getUpdates.

Delivery is synchronous, in the thread that pushes, so a test knows the update has reached
its webhook when `push_update` returns. A failed delivery leaves the update queued (Telegram
keeps retrying) and shows in getWebhookInfo's `last_error_message`; the next push, or
`deliver_webhook()`, tries again.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from concord.testing.fakes.telegram.state import FakeState

_client = httpx.Client(timeout=10.0)


class WebhookDelivery:
    _state: FakeState
    _deliver_lock: threading.Lock

    def deliver_webhook(self) -> int:
        """POST waiting updates to the webhook, oldest first, stopping at the first failure
        (it stays queued, as Telegram keeps retrying). Returns how many were delivered."""
        delivered = 0
        with self._deliver_lock:
            while (target := self._next_delivery()) is not None:
                status, error = _post_update(*target)
                if not self._delivery_done(target[2], target[0], status, error):
                    break
                delivered += 1
        return delivered

    def _next_delivery(self) -> tuple[str, str, dict[str, Any]] | None:
        with self._state.lock:
            hook = self._state.webhook
            if not hook.url or not self._state.updates:
                return None
            return hook.url, hook.secret_token, dict(self._state.updates[0])

    def _delivery_done(self, update: dict[str, Any], url: str, status: int, error: str) -> bool:
        ok = 200 <= status < 300
        with self._state.lock:
            self._state.webhook_deliveries.append(
                {"update_id": update["update_id"], "url": url, "status": status, "error": error}
            )
            if ok:
                self._state.updates = [
                    queued
                    for queued in self._state.updates
                    if queued["update_id"] != update["update_id"]
                ]
            else:
                self._state.webhook.last_error_date = int(time.time())
                self._state.webhook.last_error_message = error
        return ok


def _post_update(url: str, secret: str, update: dict[str, Any]) -> tuple[int, str]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    try:
        response = _client.post(url, json=update, headers=headers)
    except httpx.HTTPError as error:
        return 0, f"Connection failed: {error}"
    return response.status_code, (
        ""
        if response.is_success
        else f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
    )
