"""Reliability of the outbox under real conditions: `concord worker` processes against the test
database, a FakeTelegram in this process, and the worst that happens to them — a worker killed
with SIGKILL in the middle of a run, a fifth of all calls failing, three workers at once.

Every wait is bounded (poll with a deadline, fail with the workers' logs); no test asserts a
duration — timings belong to `make bench` (bench/messaging.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection, transaction
from django.utils import timezone

from concord.directory.models import Person
from concord.messaging.models import OutboundMessage, TelegramChat
from concord.messaging.services import message_enqueue
from concord.testing.factories import RegionFactory
from concord.testing.fakes.telegram import FakeLimits, FakeTelegram, Outcome

M = OutboundMessage
ROOT = Path(__file__).resolve().parents[4]
# Bounds on waits, never expectations: a healthy run finishes each phase far sooner.
STARTUP_SECONDS = 30.0
DRAIN_SECONDS = 90.0
POLL_SECONDS = 0.02
FIRST_CHAT_ID = 700_000_000
# Variables from the developer's shell that would change what the workers do.
INHERITED_NOISE = {"DATABASE_URL", "WHATSAPP_TOKEN", "EMAIL_HOST", "CONCORD_PRODUCTION"}
UNFINISHED = (M.State.QUEUED, M.State.SENDING, M.State.FAILED_RETRYABLE)


# --- the database, the people, the messages ------------------------------------------------


def url_of_test_database() -> str:
    """A DATABASE_URL for the database pytest-django created, for the workers we start."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + quote(name)))


def people_with_chats(count: int) -> list[TelegramChat]:
    """`count` people who prefer Telegram, each with a linked private chat."""
    region = RegionFactory.create()
    people = Person.objects.bulk_create(
        Person(
            last_name=f"Reliable{n}",
            first_name="Test",
            region=region,
            preferred_channel=Person.Channel.TELEGRAM,
        )
        for n in range(count)
    )
    return TelegramChat.objects.bulk_create(
        TelegramChat(chat_id=FIRST_CHAT_ID + n, kind=TelegramChat.Kind.PRIVATE, person=person)
        for n, person in enumerate(people)
    )


def text_of(chat: TelegramChat, round_: int) -> str:
    return f"Message {round_} to chat {chat.chat_id}"


def queue_messages(chats: list[TelegramChat], rounds: int = 1) -> None:
    """`rounds` messages to every chat, committed together like one broadcast."""
    with transaction.atomic():
        for round_ in range(rounds):
            for chat in chats:
                message_enqueue(
                    person=chat.person,
                    template="text",
                    context={"text": text_of(chat, round_)},
                    dedupe_key=f"reliability:{chat.chat_id}:{round_}",
                )


def unfinished() -> int:
    return M.objects.filter(state__in=UNFINISHED).count()


def received_per_chat(fake: FakeTelegram) -> Counter[int]:
    return Counter(int(message["chat"]["id"]) for message in fake.sent_messages())


# --- the fake and the worker processes ------------------------------------------------------------


class LostAnswerLog(FakeTelegram):
    """The fake, remembering each message it accepted but never answered (the "timeout" and
    "drop" faults): the only messages a correct client may send twice."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lost_answers: set[tuple[int, int]] = set()  # (chat id, message id)

    def api_call(self, token: str, method: str, params: dict[str, Any]) -> Outcome:
        outcome = super().api_call(token, method, params)
        if outcome.after and isinstance(outcome.body, dict) and outcome.body.get("ok"):
            result = outcome.body["result"]
            self.lost_answers.add((int(result["chat"]["id"]), int(result["message_id"])))
        return outcome


class HoldingLog(LostAnswerLog):
    """The fake, able to hold every sendMessage call once `hold_after` messages went out, so a
    test can kill a worker while it certainly waits on a call with claimed rows in hand."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.released = threading.Event()

    def api_call(self, token: str, method: str, params: dict[str, Any]) -> Outcome:
        if self._should_hold(method):
            self.holding.set()
            self.released.wait(DRAIN_SECONDS)
        return super().api_call(token, method, params)

    def _should_hold(self, method: str) -> bool:
        if self.hold_after is None or method.lower() != "sendmessage":
            return False
        return not self.released.is_set() and len(self.sent_messages()) >= self.hold_after


@dataclass
class Workers:
    """`concord worker` processes against the test database, all stopped when the test ends."""

    fake: FakeTelegram
    log_dir: Path
    started: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def env(self, **overrides: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in INHERITED_NOISE}
        env.update(
            DATABASE_URL=url_of_test_database(),
            DJANGO_SETTINGS_MODULE="concord.settings",
            PYTHONUNBUFFERED="1",
            TELEGRAM_BOT_TOKEN=self.fake.token,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
            WHATSAPP_TOKEN="",  # not configured: Telegram is the only channel
        )
        env.update(overrides)
        return env

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        log = self.log_dir / f"worker-{len(self.started) + 1}.log"
        command = [sys.executable, "-m", "concord.manage", "worker", "--heartbeat", "1"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                env=self.env(**env),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((process, log))
        return process

    def stop_all(self) -> None:
        for process, _log in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STARTUP_SECONDS)

    def report(self) -> str:
        return "\n".join(
            f"--- worker pid {process.pid} (exit {process.poll()}) ---\n"
            + log.read_text("utf-8", errors="replace")[-4000:]
            for process, log in self.started
        )

    def wait_for(self, what: str, done: Callable[[], bool], seconds: float) -> None:
        """Poll until `done()`; fail with the workers' logs if a worker dies or time runs out."""
        deadline = time.monotonic() + seconds
        while not done():
            dead = [p for p, _log in self.started if p.poll() is not None and p.returncode != -9]
            if dead:
                pytest.fail(f"a worker exited while waiting for {what}\n{self.report()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {seconds:.0f} s\n{self.report()}")
            time.sleep(POLL_SECONDS)


@pytest.fixture
def fake() -> Iterator[HoldingLog]:
    # No global limit by default (the throughput is not what these tests are about); the
    # three-worker test sets one.
    fake = HoldingLog(limits=FakeLimits(per_second=0, per_chat_seconds=1.0))
    fake.start()
    try:
        yield fake
    finally:
        fake.released.set()
        fake.stop()


@pytest.fixture
def workers(fake: FakeTelegram, tmp_path: Path) -> Iterator[Workers]:
    workers = Workers(fake, tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()


def assert_all_sent_as_recorded(fake: FakeTelegram, chats: list[TelegramChat]) -> None:
    """Every row is SENT, and the message id it recorded is one the chat really received,
    with the row's text."""
    received = {
        (int(m["chat"]["id"]), int(m["message_id"])): m["text"] for m in fake.sent_messages()
    }
    rows = list(M.objects.values_list("state", "address", "provider_message_id", "body"))
    assert Counter(state for state, *_rest in rows) == {M.State.SENT: len(rows)}
    for _state, address, provider_id, body in rows:
        assert received.get((int(address), int(provider_id))) == body, (address, provider_id)
    assert set(received_per_chat(fake)) == {chat.chat_id for chat in chats}


# --- the tests ------------------------------------------------------------------------------

KILLED_MESSAGES = 500
KILL_AFTER = 100
LEASE_SECONDS = 5.0  # short, so the second worker takes the killed worker's rows back soon


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_loses_nothing(fake: HoldingLog, workers: Workers) -> None:
    chats = people_with_chats(KILLED_MESSAGES)
    queue_messages(chats)
    env = {"CONCORD_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS), "TELEGRAM_LIMIT_PER_SECOND": "200"}
    fake.hold_after = KILL_AFTER
    first = workers.start(**env)

    # Kill it in the middle of the run: while the fake holds its call, it holds claimed rows.
    workers.wait_for(f"{KILL_AFTER} messages sent, a call held", fake.holding.is_set, DRAIN_SECONDS)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=STARTUP_SECONDS)
    fake.released.set()
    in_flight = list(M.objects.filter(state=M.State.SENDING))
    chat_of = {chat.person_id: chat.chat_id for chat in chats}
    in_flight_chats = {chat_of[message.person_id] for message in in_flight}
    assert in_flight and len(fake.sent_messages()) < KILLED_MESSAGES, "killed too late to matter"

    # The leases run out; a new worker takes the rows back as it starts, and sends the rest.
    leases_end = max(m.lease_expires_at for m in in_flight if m.lease_expires_at)
    time.sleep(max((leases_end - timezone.now()).total_seconds(), 0) + 0.2)
    workers.start(**env)
    workers.wait_for("every message sent", lambda: unfinished() == 0, DRAIN_SECONDS)

    assert_all_sent_as_recorded(fake, chats)
    # Only a message in flight at the kill may have gone out twice (Telegram has no
    # idempotency key), and only once more.
    received = received_per_chat(fake)
    assert {chat for chat, count in received.items() if count > 1} <= in_flight_chats
    assert max(received.values()) <= 2


FAULTY_MESSAGES = 200


@pytest.mark.django_db(transaction=True)
def test_every_message_gets_through_a_fifth_of_calls_failing(
    fake: LostAnswerLog, workers: Workers
) -> None:
    chats = people_with_chats(FAULTY_MESSAGES)
    queue_messages(chats)
    # Injected 429s ask for 1 s, timeouts stall 5 s: the worker gives up waiting after 1 s.
    fake.set_fault_rate(0.2, seed=13, kinds=("flood", "server_error", "timeout", "drop"))
    workers.start(CONCORD_CHANNEL_TIMEOUT="1", TELEGRAM_LIMIT_PER_SECOND="200")

    workers.wait_for("every message sent", lambda: unfinished() == 0, DRAIN_SECONDS)

    assert_all_sent_as_recorded(fake, chats)
    # A copy may only come from a message the fake accepted but never answered; every row
    # recorded the copy whose answer it did get.
    recorded = {
        (int(a), int(p)) for a, p in M.objects.values_list("address", "provider_message_id")
    }
    copies = {(int(m["chat"]["id"]), int(m["message_id"])) for m in fake.sent_messages()}
    assert copies - recorded <= fake.lost_answers
    assert fake.count_429 > 0, "the faults did not include a flood: choose another seed"
    assert fake.count_limit_429 == 0  # every retry_after was obeyed


THREE_WORKER_CHATS = 200
ROUNDS = 3  # three messages to each chat, so the per-chat limit is tested too
GLOBAL_LIMIT = 50


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent workers claim with FOR UPDATE SKIP LOCKED; SQLite runs one worker",
)
@pytest.mark.django_db(transaction=True)
def test_three_workers_never_send_a_row_twice_nor_exceed_a_limit(
    fake: LostAnswerLog, workers: Workers
) -> None:
    chats = people_with_chats(THREE_WORKER_CHATS)
    fake.set_limits(FakeLimits(per_second=GLOBAL_LIMIT, per_chat_seconds=1.0))
    queue_messages(chats, rounds=ROUNDS)
    for _ in range(3):
        workers.start(TELEGRAM_LIMIT_PER_SECOND=str(GLOBAL_LIMIT))

    workers.wait_for("every message sent", lambda: unfinished() == 0, DRAIN_SECONDS)

    assert_all_sent_as_recorded(fake, chats)
    for chat in chats:
        texts = sorted(m["text"] for m in fake.sent_messages(chat.chat_id))
        assert texts == sorted(text_of(chat, round_) for round_ in range(ROUNDS)), chat.chat_id
    assert len(fake.sent_messages()) == THREE_WORKER_CHATS * ROUNDS
    assert fake.count_429 == 0  # no fault injected: any 429 would be a limit exceeded
