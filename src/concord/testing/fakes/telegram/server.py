"""`FakeTelegram`: a local Telegram Bot API server for tests and the demo.

    fake = FakeTelegram().start()        # http://127.0.0.1:<free port>
    fake.base_url, fake.token            # point TELEGRAM_API_BASE_URL / TELEGRAM_BOT_TOKEN here
    fake.push_update(fake.make_message_update(42, "/start"))
    fake.fail_next("flood", retry_after=2)
    fake.sent_messages(42), fake.calls("sendMessage"), fake.count_429
    fake.stop()

It serves `/bot<token>/<method>` and `/file/bot<token>/<path>` like api.telegram.org, and
`/_fake/…` for tests and people driving it from outside (see control.py).
"""

from __future__ import annotations

import bisect
import copy
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from concord.testing.fakes.telegram.api import METHODS, conflict
from concord.testing.fakes.telegram.errors import (
    ApiError,
    bad_request,
    not_found,
    too_many_requests,
    unauthorized,
)
from concord.testing.fakes.telegram.faults import FaultBook, FaultControls
from concord.testing.fakes.telegram.handler import FakeTelegramServer
from concord.testing.fakes.telegram.inspection import Inspection
from concord.testing.fakes.telegram.limits import FakeLimits, RateLimiter
from concord.testing.fakes.telegram.state import Call, ChatId, FakeState, parse_chat_id
from concord.testing.fakes.telegram.updates import UpdateBuilders
from concord.testing.fakes.telegram.webhook import WebhookDelivery

_TERMINATED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
_WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@dataclass
class Outcome:
    """How the server answers one API call."""

    status: int = 200
    body: Any = None  # the JSON answer
    raw: bytes = b""  # or a non-JSON page (a proxy's 502)
    content_type: str = "application/json"
    after: str = ""  # "timeout" or "drop": accepted, then no answer at all
    stall: float = 0.0


def _new_token() -> str:
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:AA{secrets.token_urlsafe(25)}"


def _server_error(status: int) -> Outcome:
    if status == 500:
        return Outcome(500, ApiError(500, "Internal Server Error").body())
    # A gateway error comes from the proxy in front of the API, as an HTML page.
    phrase = HTTPStatus(status).phrase
    page = (
        f"<html><head><title>{status} {phrase}</title></head><body>"
        f"<center><h1>{status} {phrase}</h1></center><hr><center>nginx</center></body></html>\n"
    )
    return Outcome(status, raw=page.encode(), content_type="text/html")


def _int_param(params: dict[str, Any], name: str, default: int | None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(float(str(value)))
    except ValueError:
        raise bad_request(f"invalid {name}") from None


def _call_chat(params: dict[str, Any]) -> ChatId | None:
    try:
        return parse_chat_id(params.get("chat_id")) if "chat_id" in params else None
    except ApiError:
        return None


class FakeTelegram(UpdateBuilders, Inspection, FaultControls, WebhookDelivery):
    def __init__(
        self,
        *,
        token: str | None = None,
        limits: FakeLimits | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "concord_fake_bot",
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self.token = token or _new_token()
        self._state = FakeState(
            token=self.token, limits=limits or FakeLimits(), bot_username=bot_username
        )
        self._faults = FaultBook()
        self._address = (host, port)
        self._stopping = threading.Event()
        self._deliver_lock = threading.Lock()
        self._server: FakeTelegramServer | None = None
        self._thread: threading.Thread | None = None
        self.on_call = on_call

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        self._stopping.clear()
        self._server = FakeTelegramServer(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-telegram-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; stalled answers and waiting long polls are released at once."""
        self._stopping.set()
        with self._state.updates_changed:
            self._state.updates_changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The fake Telegram server is not running; call start().")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL should be (no trailing slash)."""
        return f"http://{self._address[0]}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/bot{self.token}"

    # --- serving (the HTTP handler calls these) --------------------------------------------

    def api_call(self, token: str, method: str, params: dict[str, Any]) -> Outcome:
        started = time.time()
        try:
            outcome = self._answer(token, method.lower(), params)
        except ApiError as error:
            outcome = self._error(error)
        self._record(
            Call(method, params, outcome.status, _description(outcome), started, _call_chat(params))
        )
        return outcome

    def _answer(self, token: str, name: str, params: dict[str, Any]) -> Outcome:
        if token != self.token:
            raise unauthorized()
        if name not in METHODS and name != "getupdates":
            raise not_found()
        with self._state.lock:
            fault = self._faults.draw(name)
        if fault and fault.kind == "flood":
            self._flood(fault.retry_after)
        if fault and fault.kind == "server_error":
            return _server_error(fault.status)
        try:
            outcome = Outcome(body={"ok": True, "result": self._run(name, params)})
        except ApiError as error:
            outcome = self._error(error)
        if fault:  # timeout or drop: the work is done, the answer never arrives
            outcome.after, outcome.stall = fault.kind, fault.stall
        return outcome

    def _run(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getupdates":
            return self._get_updates(params)
        with self._state.lock:
            return METHODS[name](self._state, params)

    def _flood(self, retry_after: float) -> None:
        """An injected 429 floods the bot for `retry_after`, like the real flood control."""
        with self._state.lock:
            until = time.monotonic() + float(retry_after)
            self._state.flood_until = max(self._state.flood_until, until)
        raise too_many_requests(retry_after, from_limits=False)

    def _error(self, error: ApiError) -> Outcome:
        if error.status == 429:
            with self._state.lock:
                self._state.count_429 += 1
                self._state.count_limit_429 += int(error.from_limits)
        return Outcome(error.status, error.body())

    def _record(self, call: Call) -> None:
        with self._state.lock:
            self._state.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling: answer at once when updates wait, else when one arrives or `timeout`
        seconds pass. A newer getUpdates ends an older one with 409, as on the real API."""
        offset = _int_param(params, "offset", None)
        limit = min(max(_int_param(params, "limit", 100) or 100, 1), 100)
        deadline = time.monotonic() + max(_int_param(params, "timeout", 0) or 0, 0)
        state = self._state
        with state.updates_changed:
            if state.webhook.url:
                raise conflict(_WEBHOOK_ACTIVE)
            state.poll_generation += 1
            generation = state.poll_generation
            state.updates_changed.notify_all()
            while True:
                batch = state.take_updates(offset, limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._stopping.is_set():
                    return batch
                state.updates_changed.wait(remaining)
                if state.poll_generation != generation:
                    raise conflict(_TERMINATED)

    def download(self, token: str, file_path: str) -> bytes | None:
        if token != self.token:
            return None
        with self._state.lock:
            found = [f for f in self._state.files.values() if f.file_path == file_path]
        return found[0].content if found else None

    def wait_stall(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # --- updates ---------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates, or POST it to the webhook when one is set."""
        state = self._state
        with state.updates_changed:
            update = copy.deepcopy(update)
            update["update_id"] = int(update.get("update_id") or state.allocate_update_id())
            state.next_update_id = max(state.next_update_id, update["update_id"])
            if "callback_query" in update:
                state.callbacks_known.add(str(update["callback_query"]["id"]))
            bisect.insort(state.updates, update, key=lambda queued: queued["update_id"])
            state.updates_changed.notify_all()
            webhook = bool(state.webhook.url)
        if webhook:
            self.deliver_webhook()
        return update

    def set_limits(self, limits: FakeLimits) -> None:
        """Enforce other limits from now on (forgetting the sends counted so far)."""
        with self._state.lock:
            self._state.limits = limits
            self._state.limiter = RateLimiter(limits)

    def reset(self) -> None:
        """Back to a fresh server (same address and token)."""
        with self._state.lock:
            self._faults = FaultBook()
            self._state.reset()


def _description(outcome: Outcome) -> str:
    if isinstance(outcome.body, dict):
        return str(outcome.body.get("description", ""))
    return HTTPStatus(outcome.status).phrase
