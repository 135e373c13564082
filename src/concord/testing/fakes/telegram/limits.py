"""Telegram's documented flood limits, enforced the way a strict server would.

A well-behaved client sends at most `per_second` messages in any one-second window, leaves
`per_chat_seconds` between two messages to one private chat, and sends at most
`per_group_per_minute` messages to one group in any sixty-second window. The real servers are
a little more forgiving (short bursts pass); the fake is strict so that tests catch a client
that only works by luck. `slack` absorbs the difference between the moment a client decides to
send and the moment the request arrives here, which no client controls.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class FakeLimits:
    per_second: float = 30.0  # the whole bot; 0 switches the limit off
    per_chat_seconds: float = 1.0  # gap between two messages to one private chat
    per_group_per_minute: float = 20.0  # messages to one group or supergroup
    slack: float = 0.05  # seconds of network jitter forgiven on every window


class RateLimiter:
    """Remembers accepted sends and says how long a new one would have to wait.

    Not thread-safe on its own: the fake calls it with its state lock held.
    """

    def __init__(self, limits: FakeLimits) -> None:
        self.limits = limits
        self._recent: deque[float] = deque()
        self._last_private: dict[int | str, float] = {}
        self._groups: dict[int | str, deque[float]] = {}

    def wait_needed(self, chat_id: int | str, *, is_group: bool, now: float) -> float:
        """Seconds until a send to this chat is allowed; 0 when it is allowed now."""
        waits = [self._global_wait(now)]
        if is_group:
            waits.append(self._group_wait(chat_id, now))
        else:
            waits.append(self._private_wait(chat_id, now))
        return max(waits)

    def record(self, chat_id: int | str, *, is_group: bool, now: float) -> None:
        self._recent.append(now)
        if is_group:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            self._last_private[chat_id] = now

    def _global_wait(self, now: float) -> float:
        return _window_wait(self._recent, self.limits.per_second, 1.0, self.limits.slack, now)

    def _group_wait(self, chat_id: int | str, now: float) -> float:
        times = self._groups.setdefault(chat_id, deque())
        limit = self.limits.per_group_per_minute
        return _window_wait(times, limit, 60.0, self.limits.slack, now)

    def _private_wait(self, chat_id: int | str, now: float) -> float:
        gap = self.limits.per_chat_seconds
        last = self._last_private.get(chat_id)
        if gap <= 0 or last is None or now - last >= gap - self.limits.slack:
            return 0.0
        return last + gap - now


def _window_wait(
    times: deque[float], limit: float, window: float, slack: float, now: float
) -> float:
    """Sliding window: forget sends older than the window, then wait for the oldest to leave
    if the window is full."""
    if limit <= 0:
        return 0.0
    while times and times[0] <= now - (window - slack):
        times.popleft()
    if len(times) < limit:
        return 0.0
    oldest_that_must_leave = times[len(times) - max(1, math.floor(limit))]
    return max(oldest_that_must_leave + window - now, 0.001)


def retry_after_seconds(wait: float) -> int:
    """The API reports whole seconds, rounded up, never 0."""
    return max(1, math.ceil(wait))
