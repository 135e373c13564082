"""Inbound events: stored once, processed by the worker, failures retried then recorded;
group migrations, delivery statuses, and `concord runbot`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone

from concord.messaging import inbound, outbox
from concord.messaging.inbound import (
    MAX_ATTEMPTS,
    inbound_run_once,
    inbound_store,
    telegram_chat_for,
)
from concord.messaging.management.commands import runbot
from concord.messaging.models import (
    ContactStatus,
    InboundEvent,
    OutboundMessage,
    TelegramChat,
    WhatsAppContact,
)
from concord.messaging.providers import provider_for, providers_reset
from concord.messaging.providers.base import RetryLater
from concord.messaging.services import message_enqueue
from concord.testing.factories import PersonFactory, RegionFactory
from concord.testing.fakes.telegram import FakeTelegram
from concord.testing.providers import ScriptedEmail, ScriptedTelegram, ScriptedWhatsApp

E = InboundEvent


@pytest.fixture
def scripted(settings: Any) -> Iterator[None]:
    settings.CONCORD_CHANNEL_PROVIDERS = {
        "telegram": "concord.testing.providers.ScriptedTelegram",
        "whatsapp": "concord.testing.providers.ScriptedWhatsApp",
        "email": "concord.testing.providers.ScriptedEmail",
    }
    for provider in (ScriptedTelegram, ScriptedWhatsApp, ScriptedEmail):
        provider.reset()
    providers_reset()
    yield
    providers_reset()


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """The dispatcher's registry, restored after the test."""
    registry = {kind: list(fns) for kind, fns in inbound._HANDLERS.items()}
    monkeypatch.setattr(inbound, "_HANDLERS", registry)
    return registry


def store(update: dict[str, Any]) -> None:
    external_id = str(update["update_id"])
    assert inbound_store(channel="telegram", external_id=external_id, payload=update)


def poll_answer(update_id: int) -> dict[str, Any]:
    answer = {"poll_id": "p1", "user": {"id": 5, "is_bot": False, "first_name": "A"}}
    return {"update_id": update_id, "poll_answer": {**answer, "option_ids": [0]}}


def state_of(external_id: str) -> tuple[str, int, str]:
    event = E.objects.get(external_id=external_id)
    return event.state, event.attempts, event.error


# --- storing ---------------------------------------------------------------------------------


def test_a_duplicate_external_id_is_a_no_op(db: None) -> None:
    assert inbound_store(channel="telegram", external_id="1", payload={"update_id": 1})
    assert not inbound_store(channel="telegram", external_id="1", payload={"other": True})
    assert inbound_store(channel="whatsapp", external_id="1", payload={})  # another channel
    assert E.objects.get(channel="telegram").payload == {"update_id": 1}


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_racing_store_one_row() -> None:
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(
                inbound_store(channel="telegram", external_id="77", payload={"update_id": 77})
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, False, False, True]
    assert E.objects.count() == 1


# --- processing ------------------------------------------------------------------------------


def test_unknown_and_malformed_updates_are_ignored_with_a_reason(db: None) -> None:
    store({"update_id": 1, "business_connection": {"id": "x"}})
    store({"update_id": 2, "edited_message": {"text": "x", "chat": {"id": 1}}})
    store({"update_id": 3, "message": "not an object"})
    store({"update_id": 4, "message": {"chat": "nope", "text": 5}})
    assert inbound_run_once() == 4
    assert state_of("1") == ("ignored", 0, "Not an update type we know.")
    assert state_of("2") == ("ignored", 0, "Nothing handles telegram.edited_message.")
    assert state_of("3")[0] == "ignored"
    assert state_of("4")[0] == "ignored"


def test_a_registered_handler_receives_its_kind(db: None, handlers: dict[str, list[Any]]) -> None:
    seen: list[dict[str, Any]] = []

    def record(event: InboundEvent, body: dict[str, Any]) -> bool:
        seen.append(body)
        return True

    inbound.register_update_handler("telegram.poll_answer", record)
    store(poll_answer(10))
    inbound_run_once()
    assert seen[0]["option_ids"] == [0]
    assert state_of("10") == ("processed", 0, "")


def test_a_failing_event_is_retried_later_then_marked_failed(
    db: None, handlers: dict[str, list[Any]]
) -> None:
    def broken(event: InboundEvent, body: dict[str, Any]) -> bool:
        TelegramChat.objects.create(chat_id=-1, kind="group")  # rolled back with the failure
        raise RuntimeError("the bot tripped")

    inbound.register_update_handler("telegram.poll_answer", broken)
    store(poll_answer(20))
    store({"update_id": 21, "business_connection": {}})
    assert inbound_run_once() == 2  # the failure does not stop the next event
    assert state_of("20") == ("received", 1, "RuntimeError: the bot tripped")
    assert state_of("21")[0] == "ignored"
    assert not TelegramChat.objects.exists()
    assert inbound_run_once() == 0  # not due again before its delay
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(2, MAX_ATTEMPTS + 1):
            clock.shift(timedelta(seconds=inbound.RETRY_DELAYS[attempt - 1] + 1))
            assert inbound_run_once() == 1
            assert state_of("20")[1] == attempt
        clock.shift(timedelta(hours=1))
        assert inbound_run_once() == 0
    assert state_of("20")[:2] == ("failed", MAX_ATTEMPTS)


def test_a_failure_that_goes_away_is_processed_on_retry(
    db: None, handlers: dict[str, list[Any]]
) -> None:
    calls: list[int] = []

    def flaky(event: InboundEvent, body: dict[str, Any]) -> bool:
        calls.append(event.pk)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return True

    inbound.register_update_handler("telegram.poll_answer", flaky)
    store(poll_answer(30))
    inbound_run_once()
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        inbound_run_once()
    assert state_of("30") == ("processed", 1, "")


@pytest.mark.django_db(transaction=True)
def test_the_loop_keeps_going_and_workers_never_share_an_event(
    handlers: dict[str, list[Any]],
) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def count(event: InboundEvent, body: dict[str, Any]) -> bool:
        with lock:
            seen.append(event.pk)
        if body["poll_id"] == "boom":
            raise ValueError("boom")
        return True

    inbound.register_update_handler("telegram.poll_answer", count)
    for n in range(1, 31):
        update = poll_answer(n)
        if n == 5:
            update["poll_answer"]["poll_id"] = "boom"
        store(update)
    stop = threading.Event()

    def run() -> None:
        try:
            inbound.inbound_loop(stop, idle_sleep=0.02)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _ in range(3)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 30
    while E.objects.filter(state="received", attempts=0).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
    assert E.objects.filter(state="processed").count() == 29
    assert state_of("5")[:2] == ("received", 1)
    assert sorted(seen) == sorted(set(seen))  # nobody processed an event twice


# --- Telegram bookkeeping ----------------------------------------------------------------------


def migration(update_id: int, chat_id: int, **fields: int) -> dict[str, Any]:
    chat = {"id": chat_id, "type": "group", "title": "Дагестан: НКО и полиция"}
    message = {"message_id": 3, "chat": chat, "date": 1767000000, **fields}
    return {"update_id": update_id, "message": message}


@pytest.mark.parametrize("side", ["old", "new"])
def test_a_migrated_group_keeps_receiving_messages(db: None, scripted: None, side: str) -> None:
    region = RegionFactory.create()
    group = TelegramChat.objects.create(chat_id=-4001, kind="group", region=region)
    if side == "old":
        store(migration(40, -4001, migrate_to_chat_id=-1004001))
    else:
        store(migration(40, -1004001, migrate_from_chat_id=-4001))
    inbound_run_once()
    assert state_of("40")[0] == "processed"
    group.refresh_from_db()
    assert (group.migrated_to, group.kind) == (-1004001, "supergroup")
    assert telegram_chat_for(-1004001) == group
    message_enqueue(chat=group, template="text", context={"text": "Сбор в 18:00"}, dedupe_key="g")
    outbox.outbox_run_once()
    assert ScriptedTelegram.sent[0].address == "-1004001"
    assert OutboundMessage.objects.get().state == "sent"


def member_update(update_id: int, chat: dict[str, Any], status: str) -> dict[str, Any]:
    bot = {"id": 999, "is_bot": True, "first_name": "Concord"}
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat,
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "date": 1767000000,
            "old_chat_member": {"user": bot, "status": "member"},
            "new_chat_member": {"user": bot, "status": status},
        },
    }


def test_the_bot_made_admin_of_a_group_is_recorded(db: None) -> None:
    group = {"id": -5001, "type": "supergroup", "title": "Сеть"}
    store(member_update(50, group, "administrator"))
    inbound_run_once()
    chat = TelegramChat.objects.get(chat_id=-5001)
    assert (chat.kind, chat.title, chat.bot_is_admin) == ("supergroup", "Сеть", True)


def test_a_person_who_blocks_the_bot_is_unreachable_until_unblocking(db: None) -> None:
    person = PersonFactory.create()
    TelegramChat.objects.create(chat_id=6001, kind="private", person=person)
    chat = {"id": 6001, "type": "private", "first_name": "A"}
    store(member_update(60, chat, "kicked"))
    inbound_run_once()
    assert ContactStatus.objects.filter(person=person, channel="telegram").exists()
    store(member_update(61, chat, "member"))
    inbound_run_once()
    assert not ContactStatus.objects.exists()


# --- WhatsApp bookkeeping ----------------------------------------------------------------------


def wa_status(wamid: str, status: str, at: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": wamid, "status": status, "timestamp": str(at)}
    if status == "failed":
        entry["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
    return {"kind": "status", "status": entry}


def store_status(wamid: str, status: str, at: int = 1767000000) -> None:
    inbound_store(
        channel="whatsapp",
        external_id=f"status:{wamid}:{status}",
        payload=wa_status(wamid, status, at),
    )


def test_statuses_never_move_a_message_backwards(db: None) -> None:
    person = PersonFactory.create()
    message = OutboundMessage.objects.create(
        person=person, template="text", dedupe_key="m", state="sent", provider_message_id="wamid.X"
    )
    store_status("wamid.X", "read", 1767000300)
    store_status("wamid.X", "delivered", 1767000200)
    store_status("wamid.X", "sent", 1767000100)
    store_status("wamid.X", "failed", 1767000400)
    assert inbound_run_once() == 4
    message.refresh_from_db()
    assert message.state == "read"
    assert message.read_at == datetime.fromtimestamp(1767000300, tz=UTC)
    assert set(E.objects.values_list("state", flat=True)) == {"processed"}


def test_a_failed_status_is_recorded(db: None) -> None:
    person = PersonFactory.create()
    message = OutboundMessage.objects.create(
        person=person, template="text", dedupe_key="m", state="sent", provider_message_id="wamid.F"
    )
    store_status("wamid.F", "failed")
    inbound_run_once()
    message.refresh_from_db()
    assert message.state == "failed_permanent"
    assert "131026" in message.last_error


def test_a_status_before_its_send_is_recorded_waits_for_it(db: None) -> None:
    store_status("wamid.EARLY", "delivered")
    inbound_run_once()
    assert state_of("status:wamid.EARLY:delivered")[:2] == ("received", 1)
    message = OutboundMessage.objects.create(
        person=PersonFactory.create(),
        template="text",
        dedupe_key="m",
        state="sent",
        provider_message_id="wamid.EARLY",
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        inbound_run_once()
    message.refresh_from_db()
    assert message.state == "delivered"


def test_a_status_of_a_message_we_never_sent_is_let_go(db: None) -> None:
    store_status("wamid.ALIEN", "read")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            inbound_run_once()
            clock.shift(timedelta(seconds=15))
    assert state_of("status:wamid.ALIEN:read")[0] == "ignored"


def test_a_message_opens_the_customer_service_window(db: None) -> None:
    for wamid, at in (("wamid.1", 1767000500), ("wamid.0", 1767000000)):
        message = {"from": "79161234567", "id": wamid, "timestamp": str(at), "type": "sticker"}
        inbound_store(
            channel="whatsapp", external_id=wamid, payload={"kind": "message", "message": message}
        )
    inbound_run_once()
    contact = WhatsAppContact.objects.get(phone="+79161234567")
    assert contact.last_inbound_at == datetime.fromtimestamp(1767000500, tz=UTC)


# --- concord runbot ---------------------------------------------------------------------------


@pytest.fixture
def telegram_api(settings: Any) -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    settings.TELEGRAM_API_BASE_URL = fake.base_url
    settings.TELEGRAM_BOT_TOKEN = fake.token
    providers_reset()
    try:
        yield fake
    finally:
        fake.stop()
        providers_reset()


def poller(said: list[str] | None = None) -> runbot.Poller:
    out = said if said is not None else []
    return runbot.Poller(provider_for("telegram"), timeout=0, say=out.append)  # type: ignore[arg-type]


def test_runbot_stores_each_update_once(db: None, telegram_api: FakeTelegram) -> None:
    first = telegram_api.push_update(telegram_api.make_message_update(7001, "/start"))
    telegram_api.push_update(telegram_api.make_message_update(7001, "Помощь"))
    bot = poller()
    assert bot.poll_once() == 2
    assert bot.offset == first["update_id"] + 2
    assert bot.poll_once() == 0  # confirmed: Telegram does not send them again
    telegram_api.push_update(first)  # a redelivery after a restart
    assert runbot.Poller(bot.provider, timeout=0, say=print).poll_once() == 0
    assert E.objects.filter(channel="telegram").count() == 2
    assert telegram_api.calls("getUpdates")[0].params["allowed_updates"] == [
        "message",
        "callback_query",
        "my_chat_member",
        "poll_answer",
    ]


def test_runbot_deletes_a_webhook_first(db: None, telegram_api: FakeTelegram) -> None:
    provider_for("telegram").set_webhook("https://example.org/hooks/telegram/", "abc")  # type: ignore[attr-defined]
    poller().poll_once()
    assert telegram_api.calls("deleteWebhook")
    assert telegram_api.calls("getUpdates")


def test_runbot_explains_and_backs_off_when_telegram_is_down(
    db: None, telegram_api: FakeTelegram
) -> None:
    said: list[str] = []
    bot = poller(said)
    telegram_api.stop()
    with pytest.raises(RetryLater) as error:
        bot.poll_once()
    bot.failures = 3
    assert bot.explain(error.value) == 8.0
    assert "could not be reached" in said[0]
    conflict = RetryLater("Telegram getUpdates: 409 Conflict: terminated by other getUpdates")
    bot.failures = 10
    assert bot.explain(conflict) == runbot.MAX_WAIT
    assert "Only one may" in said[1]


def test_runbot_refuses_a_wrong_token(db: None) -> None:
    with pytest.raises(CommandError):
        poller_for_unauthorized().explain(RetryLater("Telegram getUpdates: 401 Unauthorized"))


def poller_for_unauthorized() -> runbot.Poller:
    return runbot.Poller(object(), timeout=0, say=print)  # type: ignore[arg-type]


def test_runbot_needs_a_token(db: None, settings: Any) -> None:
    settings.TELEGRAM_BOT_TOKEN = ""
    providers_reset()
    with pytest.raises(CommandError, match="TELEGRAM_BOT_TOKEN"):
        call_command("runbot")
    providers_reset()


def test_runbot_stops_cleanly_on_ctrl_c(
    db: None, telegram_api: FakeTelegram, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    def interrupted(self: runbot.Poller, stop: threading.Event) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runbot.Poller, "run", interrupted)
    call_command("runbot")
    assert "Stopped." in capsys.readouterr().out
