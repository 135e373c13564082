"""What the fake remembers and decides: sent messages, windows, limits, faults, counters.

No HTTP here: `FakeState.handle_send` takes a parsed request body and says how to answer.
Everything is guarded by one lock because the HTTP server answers from several threads.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from concord.testing.fakes.whatsapp import graph, rules
from concord.testing.fakes.whatsapp.graph import GraphError
from concord.testing.fakes.whatsapp.rules import Template, wa_id

WINDOW_SECONDS = 24 * 3600  # the customer-service window
STATUS_FLOW = ("sent", "delivered", "read")


class FaultKind(StrEnum):
    THROTTLE = "429"  # HTTP 429, code 130429
    SERVER_ERROR = "500"  # HTTP 500, code 1
    UNAVAILABLE = "503"  # HTTP 503, code 2
    TIMEOUT = "timeout"  # accepted and delivered, but the answer comes too late
    DISCONNECT = "disconnect"  # the connection closes without an answer; nothing is sent
    UNDELIVERABLE = "undeliverable"  # HTTP 400, code 131026
    PAIR_RATE = "pair_rate"  # HTTP 400, code 131056


RANDOM_MIX = (FaultKind.THROTTLE, FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE, FaultKind.TIMEOUT)


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    retry_after: float | None = None  # sent as Retry-After on THROTTLE and PAIR_RATE
    hang: float = 2.0  # TIMEOUT: how long the answer is held back (beyond the client's timeout)


@dataclass
class SentMessage:
    """One accepted message, as the fake received it."""

    wamid: str
    to: str  # the WhatsApp id: digits only
    type: str
    payload: dict[str, Any]
    accepted_at: float
    statuses: list[str] = field(default_factory=list)  # the statuses posted so far

    @property
    def text(self) -> str:
        """What the person reads: the text body, the interactive body, or the template name."""
        if self.type == "text":
            return str(self.payload["text"]["body"])
        if self.type == "interactive":
            return str(self.payload["interactive"]["body"]["text"])
        return str(self.payload["template"]["name"])

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(id, title) of reply buttons; (payload, "") of a template's quick replies."""
        if self.type == "interactive":
            action = self.payload["interactive"]["action"]
            return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]
        if self.type == "template":
            components = self.payload["template"].get("components", [])
            return [
                (c["parameters"][0]["payload"], "") for c in components if c["type"] == "button"
            ]
        return []

    @property
    def template(self) -> str | None:
        return str(self.payload["template"]["name"]) if self.type == "template" else None

    @property
    def parameters(self) -> list[str]:
        """A template's body parameters, in order."""
        if self.type != "template":
            return []
        components = self.payload["template"].get("components", [])
        body = [c for c in components if c["type"] == "body"]
        return [p["text"] for c in body for p in c.get("parameters", [])]

    @property
    def callback_data(self) -> str:
        return str(self.payload.get("biz_opaque_callback_data", ""))


@dataclass(frozen=True)
class Outcome:
    """How to answer one call to /messages."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    message: SentMessage | None = None
    statuses: tuple[tuple[str, int | None], ...] = ()  # (status, error code) to post
    hang: float = 0.0
    disconnect: bool = False
    summary: str = ""


class FakeState:
    """Knobs are plain attributes: a test sets `fake.per_second = 5` and carries on."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.per_second = 80.0  # messages per second for the business number
        self.pair_interval = 6.0  # seconds between two messages to one person...
        self.pair_burst = 1  # ...after a burst of this many
        self.throughput_retry_after: float | None = None  # Meta sends no Retry-After
        self.enforce_window = True
        self.window_error_async = False  # 131047 as a "failed" status instead of a 400
        self.allowed_recipients: set[str] | None = None  # a test number's allow list
        self.any_template = False
        self.status_plan: tuple[str, ...] = STATUS_FLOW
        self.status_order = "in_order"  # or "reversed", "shuffled"
        self.status_delay = 0.0  # seconds between two statuses of one message
        # The first status follows the answer by this much, as it usually does at Meta; the
        # order is not guaranteed there either, so the inbound side must not rely on it.
        self.status_lag = 0.02
        self.fault_hang = 2.0  # default hold-back of TIMEOUT faults; keep it above the client's
        self.templates: dict[tuple[str, str], Template] = {}
        self.counters: Counter[str] = Counter()
        self._sent: list[SentMessage] = []
        self._inbound_at: dict[str, float] = {}
        self._undeliverable: set[str] = set()
        self._failing: dict[str, int] = {}
        self._faults: deque[Fault] = deque()
        self._fault_rate = 0.0
        self._fault_mix: tuple[FaultKind, ...] = RANDOM_MIX
        self._rng = random.Random()
        self._recent: deque[float] = deque()  # monotonic times of the last second's sends
        self._pair: dict[str, tuple[float, float]] = {}  # wa_id -> (tokens, at)
        self._offset = 0.0

    # --- Time -----------------------------------------------------------------------------

    def now(self) -> float:
        """Wall-clock seconds as the fake sees them (follows time-machine, plus `travel`)."""
        return time.time() + self._offset

    def travel(self, seconds: float) -> None:
        """Move the fake's clock forward, e.g. past the 24-hour window."""
        with self._lock:
            self._offset += seconds

    # --- Set-up ---------------------------------------------------------------------------

    def approve_template(
        self,
        name: str,
        language: str = "ru",
        *,
        parameters: int | None = None,
        buttons: int | None = None,
    ) -> None:
        with self._lock:
            self.templates[(name, language)] = Template(name, language, parameters, buttons)

    def open_window(self, phone: str, at: float | None = None) -> None:
        """As if the person wrote to the business at `at` (default now), without a webhook."""
        with self._lock:
            self._inbound_at[wa_id(phone)] = self.now() if at is None else at

    def window_open(self, phone: str) -> bool:
        with self._lock:
            last = self._inbound_at.get(wa_id(phone))
            return last is not None and self.now() - last < WINDOW_SECONDS

    def mark_undeliverable(self, phone: str, *, asynchronous: bool = False) -> None:
        """Sends to this number fail with 131026: at once (400), or later in a status."""
        with self._lock:
            if asynchronous:
                self._failing[wa_id(phone)] = 131026
            else:
                self._undeliverable.add(wa_id(phone))

    def fail_delivery(self, phone: str, code: int = 131026) -> None:
        """Accept messages to this number, then post a "failed" status with `code`."""
        with self._lock:
            self._failing[wa_id(phone)] = code

    def fail_next(
        self,
        kind: FaultKind | str,
        count: int = 1,
        *,
        retry_after: float | None = None,
        hang: float | None = None,
    ) -> None:
        with self._lock:
            fault = Fault(FaultKind(kind), retry_after, self.fault_hang if hang is None else hang)
            self._faults.extend([fault] * count)

    def set_fault_rate(
        self, rate: float, *, seed: int | None = None, kinds: Iterable[FaultKind | str] = ()
    ) -> None:
        """Each call fails with probability `rate`, with a fault drawn from `kinds`."""
        with self._lock:
            self._fault_rate = rate
            self._rng = random.Random(seed)
            self._fault_mix = tuple(FaultKind(k) for k in kinds) or RANDOM_MIX

    def reset(self) -> None:
        """Forget messages, windows, faults and counters; keep templates and settings."""
        with self._lock:
            self._sent.clear()
            self._inbound_at.clear()
            self._undeliverable.clear()
            self._failing.clear()
            self._faults.clear()
            self._fault_rate = 0.0
            self._recent.clear()
            self._pair.clear()
            self.counters.clear()

    # --- Inspection -----------------------------------------------------------------------

    def sent_messages(self, to: str | None = None) -> list[SentMessage]:
        with self._lock:
            return [m for m in self._sent if to is None or m.to == wa_id(to)]

    def message(self, wamid: str) -> SentMessage | None:
        with self._lock:
            return next((m for m in self._sent if m.wamid == wamid), None)

    @property
    def count_429(self) -> int:
        return self.counters["http_429"]

    # --- Answering ------------------------------------------------------------------------

    def handle_send(self, body: Any) -> Outcome:
        with self._lock:
            fault = self._draw_fault()
            if fault is not None and fault.kind is not FaultKind.TIMEOUT:
                return self._fault_outcome(fault)
            error = rules.check_message(body, self.templates, self.any_template)
            if error is None:
                error = self._check_recipient(body)
            if error is None:
                error = self._check_limits(body["to"])
            if error is not None:
                return self.refuse(error)
            return self._accept(body, fault, async_window=self._window_closed(body))

    def refuse(self, error: GraphError, summary: str = "") -> Outcome:
        with self._lock:
            self.counters["refused"] += 1
            self.counters[f"http_{error.http_status}"] += 1
            self.counters[str(error.code)] += 1
        headers = {}
        if error.retry_after is not None:
            headers["Retry-After"] = f"{error.retry_after:g}"
        text = summary or f"(#{error.code}) {error.title}"
        return Outcome(error.http_status, error.body(), headers, summary=text)

    def _draw_fault(self) -> Fault | None:
        if self._faults:
            return self._faults.popleft()
        if self._fault_rate and self._rng.random() < self._fault_rate:
            return Fault(self._rng.choice(self._fault_mix), hang=self.fault_hang)
        return None

    def _fault_outcome(self, fault: Fault) -> Outcome:
        self.counters[f"fault_{fault.kind.value}"] += 1
        if fault.kind is FaultKind.DISCONNECT:
            return Outcome(0, {}, disconnect=True, summary="fault: connection closed")
        error = {
            FaultKind.THROTTLE: lambda: graph.throughput(fault.retry_after),
            FaultKind.PAIR_RATE: lambda: graph.pair_rate(fault.retry_after),
            FaultKind.SERVER_ERROR: graph.unknown_error,
            FaultKind.UNAVAILABLE: graph.service_unavailable,
            FaultKind.UNDELIVERABLE: graph.undeliverable,
        }[fault.kind]()
        return self.refuse(error, f"fault: (#{error.code}) {error.title}")

    def _check_recipient(self, body: dict[str, Any]) -> GraphError | None:
        to = wa_id(body["to"])
        if self.allowed_recipients is not None and to not in self.allowed_recipients:
            return graph.not_allowed_recipient()
        if to in self._undeliverable:
            return graph.undeliverable()
        if self._window_closed(body) and not self.window_error_async:
            return graph.re_engagement()
        return None

    def _window_closed(self, body: dict[str, Any]) -> bool:
        free_form = body["type"] in rules.FREE_FORM_TYPES
        return self.enforce_window and free_form and not self.window_open(body["to"])

    def _check_limits(self, to: str) -> GraphError | None:
        """The number's throughput (a sliding second) first, then the pair rate."""
        clock = time.monotonic()
        while self._recent and clock - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.per_second:
            return graph.throughput(self.throughput_retry_after)
        tokens, at = self._pair.get(wa_id(to), (float(self.pair_burst), clock))
        tokens = min(float(self.pair_burst), tokens + (clock - at) / self.pair_interval)
        if tokens < 1.0:
            return graph.pair_rate(None)
        self._pair[wa_id(to)] = (tokens, clock)
        return None

    def _consume_limits(self, to: str) -> None:
        clock = time.monotonic()
        self._recent.append(clock)
        tokens, _at = self._pair[wa_id(to)]
        self._pair[wa_id(to)] = (tokens - 1.0, clock)

    def _accept(self, body: dict[str, Any], fault: Fault | None, async_window: bool) -> Outcome:
        to = wa_id(body["to"])
        self._consume_limits(to)
        message = SentMessage(graph.new_wamid(), to, body["type"], body, self.now())
        self._sent.append(message)
        self.counters["accepted"] += 1
        answer: dict[str, Any] = {"id": message.wamid}
        if message.type == "template":
            answer["message_status"] = "accepted"
        response = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": to}],
            "messages": [answer],
        }
        hang = fault.hang if fault else 0.0
        if fault:
            self.counters["fault_timeout"] += 1
        summary = f"{message.type} to {to} {_gist(message.text)!r} {message.wamid[:18]}…"
        plan = self._status_plan(to, async_window)
        return Outcome(200, response, message=message, statuses=plan, hang=hang, summary=summary)

    def _status_plan(self, to: str, async_window: bool) -> tuple[tuple[str, int | None], ...]:
        if async_window:
            return (("failed", 131047),)
        if to in self._failing:
            return (("failed", self._failing[to]),)
        plan: list[tuple[str, int | None]] = [(s, None) for s in self.status_plan]
        if self.status_order == "reversed":
            plan.reverse()
        elif self.status_order == "shuffled":
            self._rng.shuffle(plan)
        return tuple(plan)


def _gist(text: str, limit: int = 60) -> str:
    """One short line of a message, for the log."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
