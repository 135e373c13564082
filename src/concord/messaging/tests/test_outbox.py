from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from concord.directory.models import Person
from concord.messaging import outbox
from concord.messaging.models import ChannelPause, ContactStatus, OutboundMessage, TelegramChat
from concord.messaging.providers import providers_reset
from concord.messaging.providers.base import Rejected, RetryLater, Undeliverable
from concord.messaging.services import message_enqueue
from concord.testing.factories import PersonFactory
from concord.testing.providers import ScriptedEmail, ScriptedTelegram, ScriptedWhatsApp

M = OutboundMessage


@pytest.fixture(autouse=True)
def scripted(settings: object) -> Iterator[None]:
    settings.CONCORD_CHANNEL_PROVIDERS = {  # type: ignore[attr-defined]
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
def person(db: None) -> Person:
    person = PersonFactory.create(
        preferred_channel=Person.Channel.TELEGRAM, email="p@example.org", whatsapp="+79160000001"
    )
    TelegramChat.objects.create(chat_id=1001, kind=TelegramChat.Kind.PRIVATE, person=person)
    return person


def queue(person: Person, key: str = "k1", text: str = "Привет") -> OutboundMessage:
    return message_enqueue(person=person, template="text", context={"text": text}, dedupe_key=key)


def run() -> list[str]:
    return [outbox.outbox_send(pk) for pk in outbox.outbox_claim(limit=50)]


def test_the_same_dedupe_key_queues_once(person: Person) -> None:
    assert queue(person) == queue(person)
    assert M.objects.count() == 1


def test_sent_through_the_preferred_channel(person: Person) -> None:
    message = queue(person)
    assert run() == [M.State.SENT]
    message.refresh_from_db()
    assert (message.channel, message.address, message.body) == ("telegram", "1001", "Привет")
    assert message.provider_message_id.startswith("telegram-")
    assert ScriptedTelegram.sent[0].address == "1001"


def test_two_claims_never_share_a_row(person: Person) -> None:
    for n in range(5):
        queue(person, key=f"k{n}")
    first, second = outbox.outbox_claim(limit=3), outbox.outbox_claim(limit=3)
    assert len(first) == 3 and len(second) == 2
    assert not set(first) & set(second)


def test_alerts_go_first(person: Person) -> None:
    queue(person, key="bulk")
    alert = message_enqueue(
        person=person,
        template="text",
        context={"text": "!"},
        dedupe_key="alert",
        priority=M.Priority.ALERT,
    )
    assert outbox.outbox_claim(limit=1) == [alert.pk]


def test_temporary_failure_retries_with_backoff(person: Person) -> None:
    message = queue(person)
    ScriptedTelegram.script.append(RetryLater("HTTP 502"))
    assert run() == [M.State.FAILED_RETRYABLE]
    message.refresh_from_db()
    assert message.attempts == 1 and message.next_attempt_at is not None
    assert run() == []  # not due yet
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        assert run() == [M.State.SENT]


def test_429_pauses_the_channel_without_costing_an_attempt(person: Person) -> None:
    first, second = queue(person, key="a"), queue(person, key="b")
    ScriptedTelegram.script.append(RetryLater("429", retry_after=30, pause_channel=True))
    states = run()
    assert states == [M.State.FAILED_RETRYABLE, M.State.QUEUED]
    assert ChannelPause.objects.get(channel="telegram").until > timezone.now() + timedelta(
        seconds=25
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.attempts == 0
    assert second.next_attempt_at is not None  # deferred until the pause ends
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert sorted(run()) == [M.State.SENT, M.State.SENT]


def test_blocked_bot_falls_back_to_the_next_channel(person: Person) -> None:
    message = queue(person)
    ScriptedTelegram.script.append(Undeliverable("Forbidden: bot was blocked by the user"))
    assert run() == [M.State.QUEUED]
    assert ContactStatus.objects.filter(person=person, channel="telegram").exists()
    assert run() == [M.State.SENT]
    message.refresh_from_db()
    assert (message.channel, message.address) == ("whatsapp", "+79160000001")
    queue(person, key="later")
    run()
    assert len(ScriptedTelegram.sent) == 0  # telegram is not tried again for this person


def test_nobody_reachable_fails_for_good(db: None) -> None:
    lonely = PersonFactory.create(email="", whatsapp="", preferred_channel=Person.Channel.PHONE)
    message = queue(lonely)
    assert run() == [M.State.FAILED_PERMANENT]
    message.refresh_from_db()
    assert "No channel" in message.last_error


def test_a_rejected_message_is_not_retried(person: Person) -> None:
    queue(person)
    ScriptedTelegram.script.append(Rejected("Bad Request: message is too long"))
    assert run() == [M.State.FAILED_PERMANENT]


def test_unconfigured_channels_are_skipped(person: Person) -> None:
    ScriptedTelegram.configured = False
    message = queue(person)
    assert run() == [M.State.SENT]
    message.refresh_from_db()
    assert message.channel == "whatsapp"


def test_a_worker_killed_while_sending_leaves_rows_to_recover(person: Person) -> None:
    message = queue(person)
    outbox.outbox_claim(limit=10)  # claimed, and the worker dies here
    assert outbox.outbox_recover() == 0  # the lease still runs
    with time_machine.travel(timezone.now() + outbox.lease() + timedelta(seconds=1)):
        assert outbox.outbox_recover() == 1
        message.refresh_from_db()
        assert message.state == M.State.QUEUED
        assert "may arrive twice" in message.last_error
        assert run() == [M.State.SENT]


def test_per_chat_spacing_defers_the_second_message(person: Person, settings: object) -> None:
    ScriptedTelegram.limits = type(ScriptedTelegram.limits)(per_second=1000.0, per_chat_seconds=5.0)
    try:
        queue(person, key="one")
        queue(person, key="two")
        assert run() == [M.State.SENT, M.State.QUEUED]
    finally:
        ScriptedTelegram.limits = ScriptedEmail.limits


def test_delivery_statuses_never_go_backwards(person: Person) -> None:
    message = queue(person)
    run()
    message.refresh_from_db()
    key, now = message.provider_message_id, timezone.now()
    assert outbox.delivery_status_record(provider_message_id=key, status="read", at=now)
    assert not outbox.delivery_status_record(provider_message_id=key, status="delivered", at=now)
    assert not outbox.delivery_status_record(provider_message_id=key, status="failed", at=now)
    message.refresh_from_db()
    assert message.state == M.State.READ and message.read_at == now


def test_group_messages_follow_a_migration(db: None) -> None:
    from concord.messaging.providers.base import ChatMigrated

    group = TelegramChat.objects.create(
        chat_id=-100, kind=TelegramChat.Kind.GROUP, title="Ярославль"
    )
    message = message_enqueue(
        chat=group, template="text", context={"text": "Собрание"}, dedupe_key="g"
    )
    ScriptedTelegram.script.append(ChatMigrated("upgraded", new_chat_id=-1009))
    assert run() == [M.State.SENT]
    group.refresh_from_db()
    message.refresh_from_db()
    assert group.migrated_to == -1009
    assert ScriptedTelegram.sent[-1].address == "-1009"
    message_enqueue(chat=group, template="text", context={"text": "Ещё"}, dedupe_key="g2")
    run()
    assert ScriptedTelegram.sent[-1].address == "-1009"


def test_a_message_that_keeps_killing_its_worker_ends_failed(person: Person) -> None:
    message = queue(person)
    M.objects.filter(pk=message.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    outbox.outbox_claim(limit=1)
    with time_machine.travel(timezone.now() + outbox.lease() + timedelta(seconds=1)):
        outbox.outbox_recover()
    message.refresh_from_db()
    assert message.state == M.State.FAILED_PERMANENT


def test_a_slow_batch_gives_back_what_it_cannot_send_within_its_lease(
    person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        queue(person, key=f"slow{n}")
    with time_machine.travel(timezone.now(), tick=False) as clock:

        def slow_send(pk: int) -> str:
            clock.shift(outbox.lease() / 2)  # every send takes half a lease
            return M.State.SENT

        monkeypatch.setattr(outbox, "outbox_send", slow_send)
        assert outbox.outbox_run_once(batch=3) == 3
    states = sorted(M.objects.values_list("state", flat=True))
    assert states == [M.State.QUEUED, M.State.QUEUED, M.State.SENDING]
    assert M.objects.filter(state=M.State.QUEUED, lease_expires_at__isnull=True).count() == 2
