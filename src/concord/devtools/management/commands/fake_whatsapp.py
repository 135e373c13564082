"""`concord fake_whatsapp`: the fake WhatsApp Cloud API in the foreground, for the demo and for
trying the WhatsApp channel by hand without Meta. Every call it receives is printed on one line."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.testing.fakes.whatsapp import FakeWhatsApp


class Command(BaseCommand):
    help = "Run a fake WhatsApp Cloud API for the demo (never in production). Ctrl-C stops it."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fake: FakeWhatsApp | None = None
        self.started = threading.Event()  # tests wait for it
        self.stop_requested = threading.Event()  # set by tests; people press Ctrl-C

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8082, help="0 picks a free port.")
        parser.add_argument(
            "--webhook", default="", help="Where to post messages and statuses, signed."
        )
        parser.add_argument(
            "--verify-token", default="", help="Check the webhook with Meta's GET handshake."
        )
        parser.add_argument(
            "--template",
            action="append",
            default=[],
            metavar="NAME[:LANG]",
            help="An approved template (repeatable). Without any, every template is accepted.",
        )
        parser.add_argument("--per-second", type=float, default=80.0)
        parser.add_argument("--pair-seconds", type=float, default=6.0)
        parser.add_argument("--pair-burst", type=int, default=1)
        parser.add_argument(
            "--status-delay", type=float, default=0.5, help="Seconds between sent/delivered/read."
        )
        parser.add_argument(
            "--no-window", action="store_true", help="Do not enforce the 24-hour window."
        )
        parser.add_argument(
            "--fault-rate", type=float, default=0.0, help="Share of calls failing at random."
        )
        parser.add_argument("--seed", type=int, default=None, help="Makes faults repeatable.")
        parser.add_argument(
            "--hang",
            type=float,
            default=12.0,
            help="Seconds a timeout fault holds its answer (above CONCORD_CHANNEL_TIMEOUT).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.fake = _build(options, log=self._print)
        self.fake.start()
        self._announce(self.fake, options)
        if options["webhook"] and options["verify_token"]:
            self.fake.subscribe_webhook(options["webhook"], options["verify_token"])
        self.started.set()
        try:
            self.stop_requested.wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.fake.stop()
            self.stdout.write("Fake WhatsApp stopped.")

    def _print(self, line: str) -> None:
        self.stdout.write(f"{time.strftime('%H:%M:%S')}  {line}")
        self.stdout.flush()

    def _announce(self, fake: FakeWhatsApp, options: dict[str, Any]) -> None:
        control = f"http://{fake.host}:{fake.port}/_fake"
        templates = ", ".join(options["template"]) or "any"
        webhook = options["webhook"] or f"none (calls kept: {control}/webhooks)"
        lines = [
            f"Fake WhatsApp Cloud API on {fake.base_url}",
            f"  limits: {fake.per_second:g}/s, one per {fake.pair_interval:g}s per person "
            f"(burst {fake.pair_burst}); 24-hour window "
            f"{'on' if fake.enforce_window else 'off'}; templates: {templates}; "
            f"fault rate {options['fault_rate']:.0%}",
            f"  webhook: {webhook}",
            "Point Concord at it:",
            *(f"  export {name}={value}" for name, value in fake.settings().items()),
            "Write to Concord as a person (this also opens the 24-hour window):",
            f"  curl -s {control}/user_says -d "
            """'{"phone": "79991234567", "text": "Здравствуйте"}'""",
            f"Tap a button: {control}/user_taps {{phone, button_id, title}}   "
            f"faults: {control}/faults {{kind, count}}",
            f"See what Concord sent: {control}/sent   counters: {control}/state",
            "Ctrl-C stops it.",
        ]
        for line in lines:
            self.stdout.write(line)
        self.stdout.flush()


def _build(options: dict[str, Any], log: Any) -> FakeWhatsApp:
    fake = FakeWhatsApp(port=options["port"], webhook=options["webhook"] or None, log=log)
    fake.per_second = options["per_second"]
    fake.pair_interval = options["pair_seconds"]
    fake.pair_burst = options["pair_burst"]
    fake.status_delay = options["status_delay"]
    fake.enforce_window = not options["no_window"]
    fake.fault_hang = options["hang"]
    # The demo's templates are approved at Meta by hand; by default trust whatever is sent.
    fake.any_template = not options["template"]
    for spec in options["template"]:
        name, _, language = spec.partition(":")
        if not name:
            raise CommandError(f"--template needs a name: {spec!r}")
        fake.approve_template(name, language or "ru")
    if options["fault_rate"]:
        fake.set_fault_rate(options["fault_rate"], seed=options["seed"])
    return fake
