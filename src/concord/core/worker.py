"""The worker process: runs queued tasks (django-tasks-db) and reports a heartbeat.

Later capabilities (the messaging outbox, escalation timers) add their loops here, so that one
`concord worker` process is all a deployment has to run, and any number of them may run at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker

from concord.core.services import worker_heartbeat, worker_stopped

logger = logging.getLogger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class PeriodicJob:
    """A function from settings.CONCORD_PERIODIC_JOBS, run every `every` seconds."""

    def __init__(self, path: str, every: float) -> None:
        self.path = path
        self.every = every
        self.function: Callable[[], object] = import_string(path)
        self.next_run = 0.0

    def run_if_due(self, now: float) -> None:
        if now < self.next_run:
            return
        self.next_run = now + self.every
        try:
            self.function()
        except Exception:
            # One failing job must not stop the heartbeat or the other jobs; it runs again
            # at its next turn, and the log says why.
            logger.exception("Periodic job %s failed", self.path)


class Heartbeat(threading.Thread):
    """Every `interval` seconds: the worker's heartbeat, then the periodic jobs that are due.

    Runs on its own thread and database connection, beside the task loop.
    """

    def __init__(self, *, worker: ConcordWorker, interval: float) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.worker = worker
        self.interval = interval
        self.stopped = threading.Event()
        self.jobs = [PeriodicJob(path, every) for path, every in settings.CONCORD_PERIODIC_JOBS]

    def run(self) -> None:
        while not self.stopped.is_set():
            self.beat()
            for job in self.jobs:
                job.run_if_due(time.monotonic())
            close_old_connections()
            self.stopped.wait(self.interval)
        close_old_connections()

    def beat(self) -> None:
        try:
            worker_heartbeat(worker_id=self.worker.worker_id, tasks_done=self.worker.tasks_done)
        except DatabaseError:
            # A busy or briefly unreachable database must not kill the worker; /healthz will
            # show the heartbeat going stale if it lasts.
            logger.exception("Could not record the worker heartbeat")
        finally:
            close_old_connections()


class ConcordWorker(Worker):
    @property
    def tasks_done(self) -> int:
        return self._run_tasks


class LoopThread(threading.Thread):
    """One of settings.CONCORD_WORKER_LOOPS (the outbox, inbound updates) on its own thread
    and database connection; it returns when `stop` is set."""

    def __init__(self, path: str, stop: threading.Event) -> None:
        super().__init__(name=path.rsplit(".", 1)[-1], daemon=True)
        self.loop: Callable[[threading.Event], None] = import_string(path)
        self.stop = stop

    def run(self) -> None:
        try:
            self.loop(self.stop)
        finally:
            close_old_connections()


def worker_run(*, worker_id: str, interval: float, heartbeat_interval: float) -> None:
    """Run until SIGINT/SIGTERM; the heartbeat row is removed on a clean stop."""
    worker = ConcordWorker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    heartbeat = Heartbeat(worker=worker, interval=heartbeat_interval)
    heartbeat.beat()
    heartbeat.start()
    loops = [LoopThread(path, heartbeat.stopped) for path in settings.CONCORD_WORKER_LOOPS]
    for loop in loops:
        loop.start()
    worker.configure_signals()
    try:
        worker.run()
    finally:
        heartbeat.stopped.set()
        for thread in [heartbeat, *loops]:
            thread.join(timeout=15)
        worker_stopped(worker_id=worker_id)
        logger.info("Worker %s stopped", worker_id)
