"""Run actions at the same moment, each in its own thread and database connection: for tests
of row locks (SELECT … FOR UPDATE on PostgreSQL, IMMEDIATE transactions on SQLite)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connections

T = TypeVar("T")
START_TIMEOUT = 10.0  # bounds on waits, never expectations
JOIN_TIMEOUT = 60.0


def run_together(actions: list[Callable[[], T]]) -> list[T | BaseException]:
    """Start every action behind one barrier; each result, or the exception it raised, in the
    order the actions finished."""
    barrier = threading.Barrier(len(actions))
    results: list[T | BaseException] = []

    def run(action: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=START_TIMEOUT)
            results.append(action())
        except Exception as error:
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    return results
