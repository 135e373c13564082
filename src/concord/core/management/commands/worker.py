from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from concord.core.worker import default_worker_id, worker_run


class Command(BaseCommand):
    help = "Run a Concord worker: queued tasks plus a heartbeat for /healthz. Stop with Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--worker-id", default=None, help="Defaults to host:pid.")
        parser.add_argument("--interval", type=float, default=0.5, help="Idle poll, seconds.")
        parser.add_argument("--heartbeat", type=float, default=10.0, help="Heartbeat, seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or default_worker_id()
        self.stdout.write(f"Concord worker {worker_id} started.")
        worker_run(
            worker_id=worker_id,
            interval=options["interval"],
            heartbeat_interval=options["heartbeat"],
        )
