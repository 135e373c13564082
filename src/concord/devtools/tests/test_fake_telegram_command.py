"""`concord fake_telegram` serves the fake until stopped and prints each call on one line."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from io import StringIO

import httpx
from django.core.management import call_command

from concord.devtools.management.commands.fake_telegram import DEMO_TOKEN, Command, describe_call
from concord.testing.fakes.telegram import Call


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_command_serves_until_stopped_and_logs_calls() -> None:
    out = StringIO()
    command = Command(stdout=out)
    options = {"port": 0, "limit_per_chat_seconds": 0.0, "fault_rate": 0.0}
    runner = threading.Thread(target=call_command, args=(command,), kwargs=options)
    runner.start()
    _wait_for(lambda: command.fake is not None and "Ctrl-C" in out.getvalue())
    assert command.fake is not None
    base_url = command.fake.base_url
    sent = httpx.post(
        f"{base_url}/bot{DEMO_TOKEN}/sendMessage", json={"chat_id": 1001, "text": "Здравствуйте"}
    )
    assert sent.json()["ok"] is True
    _wait_for(lambda: "sendMessage" in out.getvalue())
    command.stop_requested.set()
    runner.join(5)
    printed = out.getvalue()
    assert f"TELEGRAM_API_BASE_URL={base_url}" in printed
    assert f"TELEGRAM_BOT_TOKEN={DEMO_TOKEN}" in printed
    assert "chat 1001" in printed and "'Здравствуйте'" in printed
    assert printed.rstrip().endswith("Fake Telegram stopped.")


def test_a_call_line_shows_errors_and_long_texts_briefly() -> None:
    call = Call(
        "sendMessage",
        {"chat_id": 5, "text": "слово " * 30},
        403,
        "Forbidden: bot was blocked by the user",
        0.0,
        5,
    )
    line = describe_call(call)
    assert "403 Forbidden: bot was blocked by the user" in line
    assert line.endswith("…'")
    poll = Call("getUpdates", {"offset": 7, "timeout": 30}, 200, "", 0.0, None)
    assert describe_call(poll).endswith("offset=7 timeout=30")
