"""`make bench`: directory search and region page on a generated 50,000-person directory.

Runs every database in its own subprocess (bench.run) so each gets clean Django settings:
SQLite in var/bench/, and PostgreSQL database `concord_bench` when a server is reachable.
A small dataset (500 people) is run as well, to show that the number of queries per page
does not grow with the data. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.cache import ROOT, cache_key, postgres_key, sqlite_key
from bench.databases import postgres_url, with_database
from bench.report import print_report

BENCH_DIR = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Target:
    backend: str  # "sqlite" or "postgresql"
    label: str  # "large" or "small"
    url: str
    people: int
    organisations: int


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--organisations", type=int, default=5_000)
    parser.add_argument("--small-people", type=int, default=500)
    parser.add_argument("--small-organisations", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per case.")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed requests per case.")
    parser.add_argument("--fresh", action="store_true", help="Regenerate even if cached.")
    return parser.parse_args()


def sqlite_targets(args: argparse.Namespace) -> list[Target]:
    return [
        Target("sqlite", label, f"sqlite:///{BENCH_DIR / f'{label}.sqlite3'}", people, orgs)
        for label, people, orgs in _sizes(args)
    ]


def _sizes(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    return [
        ("small", args.small_people, args.small_organisations),
        ("large", args.people, args.organisations),
    ]


def postgres_targets(args: argparse.Namespace) -> list[Target]:
    names = {"small": "concord_bench_small", "large": "concord_bench"}
    return [
        Target("postgresql", label, postgres_url(names[label]), people, orgs)
        for label, people, orgs in _sizes(args)
    ]


def postgres_admin(url: str, statements: list[str]) -> str | None:
    """Run statements on the server's maintenance database; the error text, or None."""
    import psycopg

    try:
        with psycopg.connect(
            with_database(url, "postgres"), autocommit=True, connect_timeout=5
        ) as db:
            for statement in statements:
                db.execute(statement)  # type: ignore[arg-type]
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return None


def reset(target: Target) -> str | None:
    """Empty the target database so that it can be generated again."""
    if target.backend == "sqlite":
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        path = Path(urlsplit(target.url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return None
    name = urlsplit(target.url).path.lstrip("/")
    return postgres_admin(
        target.url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"']
    )


def stored_key(target: Target) -> str | None:
    if target.backend == "sqlite":
        return sqlite_key(Path(urlsplit(target.url).path))
    return postgres_key(target.url)


def child_env(target: Target) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=target.url,
        DJANGO_SETTINGS_MODULE="concord.settings",
        CONCORD_VAR_DIR=str(BENCH_DIR / "home"),  # own secret key; never touches var/ itself
        ALLOWED_HOSTS="testserver",
        DEBUG="0",
        LOG_LEVEL="ERROR",  # 404s of missing pages would otherwise flood the output
    )
    return env


def run_target(target: Target, args: argparse.Namespace) -> dict | None:
    key = cache_key(target.people, target.organisations)
    generate = args.fresh or stored_key(target) != key
    if generate:
        error = reset(target)
        if error:
            print(f"  {target.backend}/{target.label}: cannot create the database: {error}")
            return None
    small = target.label == "small"
    action = f"generating {target.people:,} people" if generate else "reusing cached data"
    print(f"  {target.backend}/{target.label}: {action}…", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "bench.run", f"--people={target.people}"]
        command += [f"--organisations={target.organisations}", f"--out={out}"]
        command += [f"--cache-key={key}", "--generate"] if generate else []
        command += ["--requests=3", "--warmup=1"] if small else []
        if not small:
            command += [f"--requests={args.requests}", f"--warmup={args.warmup}"]
        finished = subprocess.run(command, cwd=ROOT, env=child_env(target), check=False)
        if finished.returncode != 0 or not out.exists():
            print(f"  {target.backend}/{target.label}: failed (exit {finished.returncode})")
            return None
        return json.loads(out.read_text())


def backends(args: argparse.Namespace) -> list[list[Target]]:
    chosen = []
    if args.backend in ("all", "sqlite"):
        chosen.append(sqlite_targets(args))
    if args.backend in ("all", "postgresql"):
        targets = postgres_targets(args)
        error = postgres_admin(targets[0].url, ["SELECT 1"])
        if error:
            print(f"PostgreSQL skipped: {urlsplit(targets[0].url).netloc} not reachable ({error})")
        else:
            chosen.append(targets)
    return chosen


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    for targets in backends(args):
        print(f"== {targets[0].backend} ==", flush=True)
        runs = {target.label: run_target(target, args) for target in targets}
        print_report(targets[0].backend, runs.get("large"), runs.get("small"), args)
    print(f"make bench finished in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
