"""`concord fake_telegram`: the fake Telegram Bot API in the foreground, for the demo and for
trying the bot by hand without Telegram. Every call it receives is printed on one line."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from concord.testing.fakes.telegram import Call, FakeLimits, FakeTelegram

# A fixed token so that the environment of `make run` and of a second terminal agree; it opens
# nothing but this local fake.
DEMO_TOKEN = "1000001:concord-demo-token-not-a-secret"
SNIPPET = 70


def describe_call(call: Call) -> str:
    """One readable line: time, method, chat, answer, and what was said."""
    clock = time.strftime("%H:%M:%S", time.localtime(call.at))
    chat = f"chat {call.chat_id}" if call.chat_id is not None else ""
    answer = str(call.status) if call.status == 200 else f"{call.status} {call.description}"
    return f"{clock}  {call.method:<22} {chat:<18} {answer}  {_gist(call.params)}".rstrip()


def _gist(params: dict[str, Any]) -> str:
    for key in ("text", "question", "url", "name", "callback_query_id", "file_id"):
        if params.get(key):
            value = " ".join(str(params[key]).split())
            shown = value if len(value) <= SNIPPET else value[: SNIPPET - 1] + "…"
            return f"{key}={shown!r}" if key != "text" else repr(shown)
    if "offset" in params or "timeout" in params:
        return f"offset={params.get('offset')} timeout={params.get('timeout')}"
    return ""


class Command(BaseCommand):
    help = "Run a fake Telegram Bot API for the demo (never in production). Ctrl-C stops it."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fake: FakeTelegram | None = None
        self.stop_requested = threading.Event()  # set by tests; people press Ctrl-C
        self._print_lock = threading.Lock()  # calls arrive on many server threads

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8081, help="0 picks a free port.")
        parser.add_argument("--token", default=DEMO_TOKEN)
        parser.add_argument("--limit-per-second", type=float, default=30.0)
        parser.add_argument("--limit-per-chat-seconds", type=float, default=1.0)
        parser.add_argument("--limit-group-per-minute", type=float, default=20.0)
        parser.add_argument(
            "--fault-rate", type=float, default=0.0, help="Share of calls failing at random."
        )
        parser.add_argument("--seed", type=int, default=None, help="Makes faults repeatable.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.fake = _build(options, on_call=self._print_call)
        self.fake.start()
        self._announce(self.fake, options)
        try:
            self.stop_requested.wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.fake.stop()
            self.stdout.write("Fake Telegram stopped.")

    def _print_call(self, call: Call) -> None:
        with self._print_lock:
            self.stdout.write(describe_call(call))
            self.stdout.flush()

    def _announce(self, fake: FakeTelegram, options: dict[str, Any]) -> None:
        control = f"{fake.base_url}/_fake"
        per_chat, per_group = options["limit_per_chat_seconds"], options["limit_group_per_minute"]
        limits = (
            f"{options['limit_per_second']:g}/s overall, one per {per_chat:g}s per private chat, "
            f"{per_group:g}/min per group"
        )
        for line in (
            f"Fake Telegram Bot API on {fake.base_url}  (limits: {limits}; "
            f"fault rate {options['fault_rate']:.0%})",
            "Point Concord at it:",
            f"  export TELEGRAM_API_BASE_URL={fake.base_url}",
            f"  export TELEGRAM_BOT_TOKEN={fake.token}",
            "Write to the bot as a person:",
            f"  curl -s {control}/updates/message -H 'Content-Type: application/json' "
            """-d '{"chat_id": 1001, "text": "/start"}'""",
            f"See what the bot sent: {control}/sent   calls: {control}/calls   state: {control}/",
            "Ctrl-C stops it.",
        ):
            self.stdout.write(line)
        self.stdout.flush()


def _build(options: dict[str, Any], on_call: Callable[[Call], None]) -> FakeTelegram:
    limits = FakeLimits(
        per_second=options["limit_per_second"],
        per_chat_seconds=options["limit_per_chat_seconds"],
        per_group_per_minute=options["limit_group_per_minute"],
    )
    fake = FakeTelegram(
        token=options["token"],
        limits=limits,
        host=options["host"],
        port=options["port"],
        on_call=on_call,
    )
    if options["fault_rate"]:
        fake.set_fault_rate(options["fault_rate"], seed=options["seed"])
    return fake
