"""A fake Telegram Bot API server (see server.py for how to use it, control.py for its own
HTTP endpoints). For tests and the demo only: the product never imports it."""

from concord.testing.fakes.telegram.errors import FORBIDDEN
from concord.testing.fakes.telegram.faults import CALL_FAULT_KINDS
from concord.testing.fakes.telegram.limits import FakeLimits
from concord.testing.fakes.telegram.server import FakeTelegram, Outcome
from concord.testing.fakes.telegram.state import Call
from concord.testing.fakes.telegram.updates import make_user

__all__ = [
    "CALL_FAULT_KINDS",
    "FORBIDDEN",
    "Call",
    "FakeLimits",
    "FakeTelegram",
    "Outcome",
    "make_user",
]
