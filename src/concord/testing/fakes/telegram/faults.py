"""Faults that hit calls rather than chats: the next N calls fail, or a seeded share of all
calls fails at random. (Faults of a chat — blocked, unknown, migrated — are part of the state.)

Kinds:
  flood         429 Too Many Requests with `retry_after`; the bot then stays flooded until it
                passes, and a client that ignores it collects more 429s (counted as its fault)
  server_error  a 5xx: 500 with the API's JSON, 502/503/504 with a proxy's HTML page
  timeout       accepted and recorded, then no answer for `stall` seconds and a closed
                connection: the client times out not knowing the message went out
  drop          accepted and recorded, then the connection closes without an answer
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from concord.testing.fakes.telegram.errors import FORBIDDEN
from concord.testing.fakes.telegram.state import ChatId, FakeState, parse_chat_id

CALL_FAULT_KINDS = ("flood", "server_error", "timeout", "drop")
# What a fault without a `method` hits: the calls that act on a chat. Polling, webhook
# management and files are left alone unless a fault names them, so that a test injecting
# "the next send fails" is not consumed by a poller running beside it.
FAULTABLE_METHODS = frozenset(
    {
        "sendmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "answercallbackquery",
        "sendpoll",
        "stoppoll",
        "createchatinvitelink",
    }
)
DEFAULT_RANDOM_MIX = ("flood", "server_error", "drop")


@dataclass
class CallFault:
    kind: str
    remaining: int = 1
    method: str | None = None  # lower-case method name, or None for FAULTABLE_METHODS
    retry_after: float = 1
    status: int = 502
    stall: float = 30.0

    def hits(self, method: str) -> bool:
        return method == self.method if self.method else method in FAULTABLE_METHODS


class FaultBook:
    """Not thread-safe on its own: the fake holds its state lock around it."""

    def __init__(self) -> None:
        self.queue: list[CallFault] = []
        self.rate = 0.0
        self.mix: tuple[str, ...] = DEFAULT_RANDOM_MIX
        self.rng = random.Random(0)

    def add(self, fault: CallFault) -> None:
        if fault.kind not in CALL_FAULT_KINDS:
            raise ValueError(f"Unknown fault {fault.kind!r}; one of {CALL_FAULT_KINDS}")
        self.queue.append(fault)

    def set_rate(self, rate: float, *, seed: int | None, mix: tuple[str, ...] | None) -> None:
        if not 0 <= rate <= 1:
            raise ValueError("The fault rate is a probability between 0 and 1.")
        unknown = set(mix or ()) - set(CALL_FAULT_KINDS)
        if unknown:
            raise ValueError(f"Unknown faults {sorted(unknown)}; one of {CALL_FAULT_KINDS}")
        self.rate = rate
        self.mix = tuple(mix or DEFAULT_RANDOM_MIX)
        self.rng = random.Random(seed)

    def draw(self, method: str) -> CallFault | None:
        """The fault this call suffers, if any; queued faults first, then chance."""
        for fault in self.queue:
            if fault.hits(method):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.queue.remove(fault)
                return replace(fault, remaining=1)
        if self.rate and method in FAULTABLE_METHODS and self.rng.random() < self.rate:
            kind = self.rng.choice(self.mix)
            return CallFault(kind, status=self.rng.choice((500, 502, 503)), stall=5.0)
        return None

    def clear(self) -> None:
        self.queue.clear()
        self.rate = 0.0


class FaultControls:
    """The fault-injection half of FakeTelegram's public API."""

    _state: FakeState
    _faults: FaultBook

    def fail_next(
        self,
        kind: str,
        count: int = 1,
        *,
        method: str | None = None,
        retry_after: float = 1,
        status: int = 502,
        stall: float = 30.0,
    ) -> None:
        """Fail the next `count` calls (of `method`, or of any call that acts on a chat):
        "flood" (429, retry_after), "server_error" (status), "timeout" (accepted, then silent
        for `stall` seconds) or "drop" (accepted, then the connection closes)."""
        fault = CallFault(
            kind, count, method.lower() if method else None, retry_after, status, stall
        )
        with self._state.lock:
            self._faults.add(fault)

    def block_chat(self, chat_id: ChatId, *, reason: str = "blocked") -> None:
        """403 for this chat: "blocked" (the person blocked the bot), "kicked" (from a group)
        or "deactivated" (the account is gone)."""
        if reason not in FORBIDDEN:
            raise ValueError(f"reason must be one of {sorted(FORBIDDEN)}")
        with self._state.lock:
            self._state.blocked[parse_chat_id(chat_id)] = reason

    def unblock_chat(self, chat_id: ChatId) -> None:
        with self._state.lock:
            self._state.blocked.pop(parse_chat_id(chat_id), None)

    def forget_chat(self, chat_id: ChatId) -> None:
        """400 "chat not found" for this chat from now on."""
        with self._state.lock:
            self._state.unknown_chats.add(parse_chat_id(chat_id))

    def forget_file(self, file_id: str) -> None:
        """The file can no longer be had: getFile answers 400 "invalid file_id" and its old
        download link 404, as for a file_id that is no longer valid for the bot."""
        with self._state.lock:
            self._state.files.pop(file_id, None)

    def migrate_group(self, chat_id: int, new_chat_id: int | None = None) -> int:
        """The group becomes a supergroup: the old id answers 400 with migrate_to_chat_id,
        the new one (returned) works."""
        chat_id = int(chat_id)
        new_id = int(new_chat_id or f"-100{abs(chat_id)}")
        with self._state.lock:
            old = self._state.chat(chat_id)
            self._state.chat(new_id).title = old.title
            self._state.migrated[chat_id] = new_id
        return new_id

    def set_fault_rate(
        self, rate: float, *, seed: int | None = None, kinds: tuple[str, ...] | None = None
    ) -> None:
        """Fail this share of the calls that act on a chat at random (kinds from
        flood/server_error/timeout/drop; default flood, server_error, drop), reproducibly
        for a given seed."""
        with self._state.lock:
            self._faults.set_rate(rate, seed=seed, mix=kinds)

    def clear_faults(self) -> None:
        """Forget queued and random faults and any flood in progress; chats stay as they are."""
        with self._state.lock:
            self._faults.clear()
            self._state.flood_until = 0.0

    def inject(self, kind: str, **params: Any) -> Any:
        """Any fault by name, as the `/_fake/faults` endpoint takes it."""
        if kind in CALL_FAULT_KINDS:
            return self.fail_next(kind, **params)
        if kind in FORBIDDEN:
            return self.block_chat(params["chat_id"], reason=kind)
        if kind == "chat_not_found":
            return self.forget_chat(params["chat_id"])
        if kind == "migrate":
            return self.migrate_group(params["chat_id"], params.get("new_chat_id"))
        if kind == "random":
            kinds = tuple(params["kinds"]) if params.get("kinds") else None
            return self.set_fault_rate(float(params["rate"]), seed=params.get("seed"), kinds=kinds)
        raise ValueError(f"Unknown fault {kind!r}")
