"""Messaging benchmark: `python -m bench.messaging` (docs/benchmarks.md, section "Messaging").

One real `concord worker` sends through a FakeTelegram that enforces a global limit of L
messages/s and one message per second to a chat, as Telegram documents. Two measurements on
each database (SQLite in var/bench/, PostgreSQL `concord_bench_msg` when reachable):

* throughput — 2,000 messages to 2,000 chats queued in one transaction: delivered/s ÷ L
  (target ≥ 0.95) and the 429s the worker provoked (target 0);
* latency — with the worker idle, single messages committed one at a time: the time from the
  commit to the fake receiving the sendMessage call (target p95 ≤ 1 s).

Each database runs in its own process (`--child`), so Django's settings are the project's own
with DATABASE_URL pointing at the benchmark database; the parent prints one table. Always
exits 0: the markers in the table say what missed its target.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.databases import BENCH_DIR, ROOT, bench_env, databases

SQLITE_PATH = BENCH_DIR / "messaging.sqlite3"
POSTGRES_NAME = "concord_bench_msg"
FIRST_CHAT_ID = 500_000_000
STARTUP_SECONDS = 60.0
# Targets from the issue: sustained rate against the limit, 429s provoked, pickup latency.
TARGET_RATIO = 0.95
TARGET_429 = 0
TARGET_P95_SECONDS = 1.0


@dataclass(frozen=True)
class Result:
    vendor: str
    limit: float
    messages: int
    delivered: int
    send_seconds: float  # first send → last send
    drain_seconds: float  # commit → last send
    count_429: int
    count_limit_429: int
    latency_samples: int
    latency_median: float
    latency_p95: float
    latency_max: float

    @property
    def rate(self) -> float:
        """Sustained delivered/s: the gaps between the first and the last send."""
        return (self.delivered - 1) / self.send_seconds if self.send_seconds > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / self.limit


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.messaging", description=__doc__)
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--limit", type=float, default=30.0, help="L: messages/s, fake and worker")
    parser.add_argument("--messages", type=int, default=2000, help="throughput: one per chat")
    parser.add_argument("--samples", type=int, default=50, help="latency: single messages")
    parser.add_argument("--gap", type=float, default=0.3, help="latency: seconds between them")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the parent: one child per database, then the table -------------------------------------


def run_child(label: str, url: str, args: argparse.Namespace) -> Result | None:
    print(f"== {label} ==", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "bench.messaging", "--child", f"--out={out}"]
        command += [f"--limit={args.limit}", f"--messages={args.messages}"]
        command += [f"--samples={args.samples}", f"--gap={args.gap}"]
        finished = subprocess.run(command, cwd=ROOT, env=bench_env(url), check=False)
        if finished.returncode != 0 or not out.exists():
            print(f"  {label}: failed (exit {finished.returncode})", flush=True)
            return None
        return Result(**json.loads(out.read_text()))


def marker(ok: bool, text: str) -> str:
    return "" if ok else text


def print_table(results: list[Result]) -> None:
    rows = [("measure", "target", *(r.vendor for r in results))]
    rows.append(("limit L (messages/s)", "", *(f"{r.limit:g}" for r in results)))
    rows.append(("delivered", "", *(f"{r.delivered}/{r.messages}" for r in results)))
    rows.append(("commit → last send (s)", "", *(f"{r.drain_seconds:.1f}" for r in results)))
    rows.append(("delivered/s", "", *(f"{r.rate:.2f}" for r in results)))
    rows.append(
        (
            "delivered/s ÷ L",
            f"≥ {TARGET_RATIO}",
            *(
                f"{r.ratio:.3f} {marker(r.ratio >= TARGET_RATIO, 'BELOW TARGET')}".strip()
                for r in results
            ),
        )
    )
    rows.append(
        (
            "429s provoked",
            f"{TARGET_429}",
            *(
                f"{r.count_429} {marker(r.count_429 <= TARGET_429, 'OVER LIMIT')}".strip()
                for r in results
            ),
        )
    )
    rows.append(("latency samples", "", *(str(r.latency_samples) for r in results)))
    rows.append(("latency median (s)", "", *(f"{r.latency_median:.3f}" for r in results)))
    rows.append(
        (
            "latency p95 (s)",
            f"≤ {TARGET_P95_SECONDS:g}",
            *(
                f"{r.latency_p95:.3f} ({r.latency_p95 / TARGET_P95_SECONDS:.0%} of target)"
                f" {marker(r.latency_p95 <= TARGET_P95_SECONDS, 'BELOW TARGET')}".strip()
                for r in results
            ),
        )
    )
    rows.append(("latency max (s)", "", *(f"{r.latency_max:.3f}" for r in results)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    started = time.monotonic()
    print(
        f"Messaging: {args.messages:,} messages to {args.messages:,} chats at L = "
        f"{args.limit:g}/s, then {args.samples} single messages to an idle worker.",
        flush=True,
    )
    results = [
        r
        for label, url in databases(
            args.backend, sqlite_path=SQLITE_PATH, postgres_name=POSTGRES_NAME
        )
        if (r := run_child(label, url, args))
    ]
    if results:
        print()
        print_table(results)
    print(f"bench.messaging finished in {time.monotonic() - started:.0f} s")
    return 0


# --- the child: one database, in a process whose settings point at it ------------------------


def child_main(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from concord.testing.fakes.telegram import FakeLimits, FakeTelegram

    call_command("migrate", verbosity=0, interactive=False)
    chats = make_chats(max(args.messages, args.samples))
    limits = FakeLimits(per_second=args.limit, per_chat_seconds=1.0)
    with FakeTelegram(limits=limits) as fake, Worker(fake, args.limit, connection.vendor) as worker:
        worker.wait_until_running()
        throughput = measure_throughput(fake, chats[: args.messages], args.limit, worker)
        print(f"  throughput: {throughput['delivered']} delivered", flush=True)
        latencies = measure_latency(fake, chats[: args.samples], args.gap, worker)
        print(f"  latency: {len(latencies)} samples", flush=True)
        count_429, count_limit_429 = fake.count_429, fake.count_limit_429
    result = Result(
        vendor=connection.vendor,
        limit=args.limit,
        messages=args.messages,
        count_429=count_429,
        count_limit_429=count_limit_429,
        latency_samples=len(latencies),
        latency_median=statistics.median(latencies),
        latency_p95=percentile(latencies, 0.95),
        latency_max=max(latencies),
        **throughput,
    )
    args.out.write_text(json.dumps(asdict(result)))
    return 0


def make_chats(count: int) -> list[int]:
    """`count` people who prefer Telegram, each with a linked private chat; their chat ids."""
    from concord.directory.models import Person
    from concord.messaging.models import TelegramChat
    from concord.regions.models import Country, Region

    country, _created = Country.objects.get_or_create(
        code="RU", defaults={"name_ru": "Россия", "name_en": "Russia"}
    )
    region, _created = Region.objects.get_or_create(
        code="RU-MOW",
        defaults={"country": country, "name_ru": "Москва", "name_en": "Moscow"},
    )
    people = Person.objects.bulk_create(
        Person(
            last_name=f"Bench{n}",
            first_name="Bench",
            region=region,
            preferred_channel=Person.Channel.TELEGRAM,
        )
        for n in range(count)
    )
    TelegramChat.objects.bulk_create(
        TelegramChat(chat_id=FIRST_CHAT_ID + n, kind=TelegramChat.Kind.PRIVATE, person=person)
        for n, person in enumerate(people)
    )
    return [FIRST_CHAT_ID + n for n in range(count)]


def enqueue(chat_ids: list[int], tag: str) -> None:
    """One message to each chat, committed together; the text carries the tag to find it."""
    from django.db import transaction

    from concord.messaging.models import TelegramChat
    from concord.messaging.services import message_enqueue

    chats = TelegramChat.objects.filter(chat_id__in=chat_ids).select_related("person")
    people = {chat.chat_id: chat.person for chat in chats}
    with transaction.atomic():
        for chat_id in chat_ids:
            message_enqueue(
                person=people[chat_id],
                template="text",
                context={"text": f"{tag} {chat_id}"},
                dedupe_key=f"bench:{tag}:{chat_id}",
            )


class Worker:
    """One `concord worker` process pointed at the fake, limited to L messages/s."""

    def __init__(self, fake: Any, limit: float, vendor: str, *, bench: str = "messaging") -> None:
        self.log = BENCH_DIR / f"{bench}-worker-{vendor}.log"
        env = dict(os.environ)
        env.update(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            TELEGRAM_LIMIT_PER_SECOND=f"{limit:g}",
            TELEGRAM_LIMIT_PER_CHAT_SECONDS="1",
        )
        command = [sys.executable, "-m", "concord.manage", "worker", "--heartbeat", "1"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def check(self) -> None:
        if self.process.poll() is not None:
            tail = self.log.read_text("utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"the worker exited ({self.process.returncode}):\n{tail}")

    def wait_until_running(self) -> None:
        """Its heartbeat row: the worker is up, so its start-up is not counted as latency."""
        from concord.core.models import WorkerHeartbeat

        wait_until(WorkerHeartbeat.objects.exists, STARTUP_SECONDS, self.check, "worker start")


def wait_until(
    done: Callable[[], bool], seconds: float, check: Callable[[], None], what: str
) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {what} within {seconds:.0f} s")
        time.sleep(0.05)


def sends_tagged(fake: Any, tag: str) -> dict[str, float]:
    """The moment (time.time()) the fake received each accepted sendMessage with this tag."""
    return {
        str(call.params.get("text")): call.at
        for call in fake.calls("sendMessage")
        if call.status == 200 and str(call.params.get("text", "")).startswith(f"{tag} ")
    }


def measure_throughput(
    fake: Any, chat_ids: list[int], limit: float, worker: Worker
) -> dict[str, Any]:
    started = time.monotonic()
    print(f"  throughput: queueing {len(chat_ids):,} messages…", flush=True)
    enqueue(chat_ids, "bulk")
    committed = time.time()
    bound = len(chat_ids) / limit * 3 + STARTUP_SECONDS  # a bound on waiting, not a target
    wait_until(
        lambda: len(sends_tagged(fake, "bulk")) >= len(chat_ids),
        bound,
        worker.check,
        "complete delivery",
    )
    wait_until(outbox_idle, STARTUP_SECONDS, worker.check, "idle outbox")
    times = sorted(sends_tagged(fake, "bulk").values())
    print(f"  throughput: {time.monotonic() - started:.0f} s", flush=True)
    return {
        "delivered": len(times),
        "send_seconds": times[-1] - times[0],
        "drain_seconds": times[-1] - committed,
    }


def outbox_idle() -> bool:
    from concord.messaging.models import OutboundMessage as M

    waiting = (M.State.QUEUED, M.State.SENDING, M.State.FAILED_RETRYABLE)
    return not M.objects.filter(state__in=waiting).exists()


def measure_latency(fake: Any, chat_ids: list[int], gap: float, worker: Worker) -> list[float]:
    """Commit one message at a time to an idle worker; seconds from commit to the send."""
    committed: dict[str, float] = {}
    for chat_id in chat_ids:
        enqueue([chat_id], "single")
        committed[f"single {chat_id}"] = time.time()
        worker.check()
        time.sleep(gap)
    wait_until(
        lambda: len(sends_tagged(fake, "single")) >= len(chat_ids),
        STARTUP_SECONDS,
        worker.check,
        "delivery of the single messages",
    )
    received = sends_tagged(fake, "single")
    return [received[text] - at for text, at in committed.items()]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with `share` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


if __name__ == "__main__":
    sys.exit(main())
