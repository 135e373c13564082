"""Programme benchmark: `python -m bench.programme` (docs/benchmarks.md, "Programme").

An event with 2,000 registrations: its page and its two exports, timed on each database
(SQLite in var/bench/, PostgreSQL `concord_bench_prog` when reachable), and the number of
queries of each, compared with the same event holding 20 registrations — the count must not
grow with the registrations. Always exits 0; the table marks what missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.databases import BENCH_DIR, ROOT, bench_env, databases

SQLITE_PATH = BENCH_DIR / "programme.sqlite3"
POSTGRES_NAME = "concord_bench_prog"
PAGES = ("event page", "participants.xlsx", "attendance.xlsx")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.programme", description=__doc__)
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    results = [
        r
        for label, url in databases(
            args.backend, sqlite_path=SQLITE_PATH, postgres_name=POSTGRES_NAME
        )
        if (r := run_child(label, url, args))
    ]
    print_table(results)
    return 0


def run_child(label: str, url: str, args: argparse.Namespace) -> dict[str, Any] | None:
    print(f"== {label}: preparing an event with {args.registrations} registrations ==", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "bench.programme", "--child", f"--out={out}"]
        command += [f"--registrations={args.registrations}", f"--requests={args.requests}"]
        done = subprocess.run(command, cwd=ROOT, env=bench_env(url), check=False)
        if done.returncode != 0 or not out.exists():
            print(f"  {label}: failed (exit {done.returncode})", flush=True)
            return None
        result: dict[str, Any] = json.loads(out.read_text())
        result["vendor"] = label
        return result


def print_table(results: list[dict[str, Any]]) -> None:
    print()
    print(
        f"{'database':<11} {'page':<18} {'median ms':>10} {'p95 ms':>8} {'queries':>8} "
        f"{'(20 regs)':>9}  queries independent of size"
    )
    for result in results:
        for page in PAGES:
            row = result[page]
            same = row["queries"] == row["queries_small"]
            print(
                f"{result['vendor']:<11} {page:<18} {row['median']:>10.1f} {row['p95']:>8.1f} "
                f"{row['queries']:>8} {row['queries_small']:>9}  {'yes' if same else 'NO — GROWS'}"
            )
    print()


# --- the child: runs with DATABASE_URL set to the benchmark database ----------------------


def child_main(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    big, small, client = _world(args.registrations)
    result = {page: _measure(client, page, big, small, args.requests) for page in PAGES}
    Path(args.out).write_text(json.dumps(result))
    return 0


def _world(registrations: int) -> tuple[Any, Any, Any]:
    from django.test import Client

    from bench.programme_data import event_with_registrations, region_and_coordinator

    region, city, coordinator = region_and_coordinator()
    big = event_with_registrations(region, city, coordinator, registrations, "Большой тренинг")
    small = event_with_registrations(region, city, coordinator, 20, "Малый семинар")
    client = Client(HTTP_HOST="localhost")
    client.force_login(coordinator)
    return big, small, client


def _url(page: str, event: Any) -> str:
    from django.urls import reverse

    names = {
        "event page": "programme:event",
        "participants.xlsx": "programme:export_participants",
        "attendance.xlsx": "programme:export_attendance",
    }
    return reverse(names[page], args=[event.pk])


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries)


def _measure(client: Any, page: str, big: Any, small: Any, requests: int) -> dict[str, Any]:
    url = _url(page, big)
    client.get(url)  # warm-up
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p95": timings[min(len(timings) - 1, int(len(timings) * 0.95))],
        "queries": _queries(client, url),
        "queries_small": _queries(client, _url(page, small)),
    }


if __name__ == "__main__":
    sys.exit(main())
