"""Webhook payloads in the shape Meta sends them, and the thread that posts them, signed.

Every POST carries `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>` keyed with the
app secret, exactly as Meta signs it, so the receiving view can be tested for real. Without a
target the calls pile up and a test takes them (`take`) to post them itself, for example
through Django's test client in the test's own thread and transaction.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from concord.testing.fakes.whatsapp.graph import (
    ASYNC_TITLES,
    ERROR_CODES_URL,
    new_wamid,
    whatsapp_signature,
)

WebhookSink = Callable[[bytes, dict[str, str]], int]
WebhookTarget = str | WebhookSink


@dataclass(frozen=True)
class Business:
    """Who the fake is: the numbers and ids Meta puts in every payload's metadata."""

    phone_number_id: str
    display_phone_number: str
    waba_id: str


@dataclass(frozen=True)
class WebhookCall:
    kind: str  # "message" or "status"
    body: bytes
    headers: dict[str, str]
    summary: str

    def json(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.body)
        return payload


@dataclass(frozen=True)
class Delivery:
    call: WebhookCall
    status: int | None  # None when the target could not be reached
    error: str = ""


def envelope(business: Business, value: dict[str, Any]) -> dict[str, Any]:
    """The common wrapper: one entry for the business account, one change of field messages."""
    metadata = {
        "display_phone_number": business.display_phone_number,
        "phone_number_id": business.phone_number_id,
    }
    full_value = {"messaging_product": "whatsapp", "metadata": metadata, **value}
    change = {"value": full_value, "field": "messages"}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": business.waba_id, "changes": [change]}],
    }


def inbound(business: Business, phone: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
    contact = {"profile": {"name": name}, "wa_id": phone}
    return envelope(business, {"contacts": [contact], "messages": [message]})


def user_message(phone: str, kind: str, at: float, content: Any) -> dict[str, Any]:
    """One entry of `messages[]`: who, when, which type, and the content under the type."""
    return {
        "from": phone,
        "id": new_wamid(),
        "timestamp": str(int(at)),
        "type": kind,
        kind: content,
    }


def status(
    business: Business,
    *,
    wamid: str,
    state: str,
    recipient: str,
    at: float,
    error_code: int | None = None,
    callback_data: str = "",
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": wamid,
        "status": state,
        "timestamp": str(int(at)),
        "recipient_id": recipient,
    }
    if callback_data:
        entry["biz_opaque_callback_data"] = callback_data
    if state in {"sent", "delivered"}:
        entry["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility"}
    if state == "failed":
        entry["errors"] = [_status_error(error_code or 131000)]
    return envelope(business, {"statuses": [entry]})


def _status_error(code: int) -> dict[str, Any]:
    title, details = ASYNC_TITLES.get(code, ("Message failed", "The fake was asked to fail."))
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_CODES_URL,
    }


class WebhookSender:
    """Posts webhook calls one at a time from a background thread, each when it falls due."""

    def __init__(self, app_secret: str, log: Callable[[str], None]) -> None:
        self.app_secret = app_secret
        self.target: WebhookTarget | None = None
        self.calls: list[WebhookCall] = []  # every call made, for inspection
        self.deliveries: list[Delivery] = []
        self._log = log
        self._http: httpx.Client | None = None  # built on first use: it costs ~30 ms
        self._pending: list[WebhookCall] = []  # no target: kept for `take`
        self._heap: list[tuple[float, int, WebhookCall]] = []
        self._order = itertools.count()
        self._busy = 0
        self._stopped = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(
            target=self._run, name="fake-whatsapp-webhooks", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        if self._http is not None:
            self._http.close()

    def submit(self, kind: str, payload: dict[str, Any], summary: str, delay: float = 0.0) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "facebookexternalua",
            "X-Hub-Signature-256": whatsapp_signature(body, self.app_secret),
        }
        self.post(WebhookCall(kind, body, headers, summary), delay)

    def post(self, call: WebhookCall, delay: float = 0.0) -> None:
        """Queue a call; the same call again is how Meta's redeliveries look."""
        with self._cond:
            self.calls.append(call)
            if self.target is None:
                self._pending.append(call)
                return
            due = time.monotonic() + delay
            heapq.heappush(self._heap, (due, next(self._order), call))
            self._cond.notify_all()

    def take(self) -> list[WebhookCall]:
        """The calls made while no target was set, oldest first; they are not sent again."""
        with self._cond:
            taken, self._pending = self._pending, []
        return taken

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued call has been delivered (True) or the timeout passed."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._heap and not self._busy, timeout)

    def _run(self) -> None:
        while (call := self._next_due()) is not None:
            try:
                self._deliver(call)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _next_due(self) -> WebhookCall | None:
        with self._cond:
            while not self._stopped:
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait <= 0:
                    self._busy += 1
                    return heapq.heappop(self._heap)[2]
                self._cond.wait(wait)
            return None

    def _deliver(self, call: WebhookCall) -> None:
        target = self.target
        try:
            if callable(target):
                code: int | None = target(call.body, dict(call.headers))
            elif target is not None:
                self._http = self._http or httpx.Client(timeout=10)
                code = self._http.post(target, content=call.body, headers=call.headers).status_code
            else:  # the target was removed after the call was queued
                code = None
            delivery = Delivery(call, code)
        except Exception as error:  # a broken receiver must not kill the sender thread
            delivery = Delivery(call, None, f"{type(error).__name__}: {error}")
        self.deliveries.append(delivery)
        self._log(f"webhook {call.summary} → {delivery.status or delivery.error}")
