"""Answering an invitation from the chat: real Telegram Update JSON to a changed registration
and an answer in the outbox; and once more through the fake Telegram Bot API, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from concord.bot.models import Conversation
from concord.directory.models import Person
from concord.messaging.inbound import inbound_run_once
from concord.messaging.management.commands.runbot import Poller
from concord.messaging.models import InboundEvent, OutboundMessage, TelegramChat
from concord.messaging.outbox import outbox_run_once
from concord.messaging.providers import provider_for, providers_reset
from concord.messaging.providers.base import RetryLater
from concord.programme import services
from concord.programme.models import Event, Registration
from concord.regions.models import Region
from concord.testing.fakes.telegram import FakeLimits, FakeTelegram
from concord.testing.providers import ScriptedTelegram

from .conftest import CHAT, callback_update, deliver, make_person, message_update, ru, texts

S = Registration.State


def test_accepting_from_the_invitation_registers_and_answers_in_the_chat(
    linked: TelegramChat, invitation: Registration
) -> None:
    replies = deliver(callback_update(f"rsvp:accept:{invitation.pk}"))
    invitation.refresh_from_db()
    assert invitation.state == S.REGISTERED
    # The programme's own confirmation goes to this chat: the bot does not say it twice.
    assert [m.template for m in replies] == ["programme.registered"]
    assert replies[0].person == linked.person
    outbox_run_once()
    assert [o.address for o in ScriptedTelegram.sent] == [str(CHAT), str(CHAT)]  # invitation too
    assert InboundEvent.objects.get().state == "processed"


def test_the_bot_answers_itself_when_the_programme_writes_elsewhere(
    linked: TelegramChat, invitation: Registration, person: Person
) -> None:
    person.preferred_channel = Person.Channel.EMAIL
    person.save()
    replies = deliver(callback_update(f"rsvp:accept:{invitation.pk}"))
    texts_sent = texts([m for m in replies if m.template == "text"])
    expected = ru("✅ Thank you! Your place at “%(title)s” is reserved.")
    assert expected % {"title": invitation.event.title} in texts_sent
    bot_reply = next(m for m in replies if m.template == "text")
    assert bot_reply.chat == linked
    # The title has < and &: escaped in Telegram HTML.
    assert "Тренинг &lt;для&gt; НКО &amp; полиции" in bot_reply.context["html"]


def test_declining_an_invitation(linked: TelegramChat, invitation: Registration) -> None:
    replies = deliver(callback_update(f"rsvp:decline:{invitation.pk}"))
    invitation.refresh_from_db()
    assert invitation.state == S.DECLINED
    assert ru("You declined “%(title)s”. Thank you for letting us know.") % {
        "title": invitation.event.title
    } in texts(replies)


def test_a_second_tap_changes_nothing(linked: TelegramChat, invitation: Registration) -> None:
    deliver(callback_update(f"rsvp:accept:{invitation.pk}"))
    replies = deliver(callback_update(f"rsvp:accept:{invitation.pk}"))
    invitation.refresh_from_db()
    assert invitation.state == S.REGISTERED
    assert [m.template for m in replies] == ["text"]
    assert invitation.transitions.count() == 2  # invited, registered


def test_no_after_yes_asks_before_giving_the_place_up(
    linked: TelegramChat, invitation: Registration
) -> None:
    deliver(callback_update(f"rsvp:accept:{invitation.pk}"))
    replies = deliver(callback_update(f"rsvp:decline:{invitation.pk}"))
    invitation.refresh_from_db()
    assert invitation.state == S.REGISTERED
    ids = [b["id"] for b in replies[-1].context["buttons"]]
    assert ids == [f"rsvp:cancel:{invitation.pk}", "menu:my_events"]
    deliver(callback_update(ids[0]))
    invitation.refresh_from_db()
    assert invitation.state == S.CANCELLED_BY_PERSON


def test_someone_elses_registration_is_refused_politely(
    linked: TelegramChat, training: Event, region: Region, coordinator: Any
) -> None:
    other = services.registration_invite(event=training, person=make_person(region), by=None)
    replies = deliver(callback_update(f"rsvp:accept:{other.pk}"))
    other.refresh_from_db()
    assert other.state == S.INVITED
    assert ru("Sorry, this invitation is not for you, or it no longer exists.") in texts(replies)


@pytest.mark.parametrize("data", ["rsvp:accept:", "rsvp:accept:abc", "rsvp:maybe:1", "x:y"])
def test_forged_button_data_is_not_understood(linked: TelegramChat, data: str) -> None:
    replies = deliver(callback_update(data))
    assert ru("Please choose what you need with the buttons below.") in texts(replies)


def test_an_expired_offer_is_explained(
    linked: TelegramChat, training: Event, person: Person
) -> None:
    registration = Registration.objects.create(
        event=training,
        person=person,
        state=S.OFFERED,
        offer_expires_at=timezone.now() + timedelta(hours=1),
    )
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        replies = deliver(callback_update(f"rsvp:accept:{registration.pk}"))
    registration.refresh_from_db()
    assert registration.state == S.WAITLISTED
    expired = ru("Sorry, this offer expired at %(time)s and passed to the next person.")
    assert expired.split("%(time)s")[0] in texts(replies)


def test_an_unlinked_person_tapping_a_button_is_offered_to_link(
    invitation: Registration,
) -> None:
    replies = deliver(callback_update(f"rsvp:accept:{invitation.pk}", user_id=7555))
    invitation.refresh_from_db()
    assert invitation.state == S.INVITED
    assert ru(
        "Hello! I am the bot of the network. I do not know yet who you are. "
        "Please ask your coordinator to send you your personal link, then tap it: "
        "that is all."
    ) in texts(replies)


def test_my_events_lists_invitations_with_buttons_and_coming_events(
    linked: TelegramChat, invitation: Registration, training: Event, region: Region
) -> None:
    second = services.event_create(
        year=2026,
        plan=services.EventPlan(
            kind=Event.Kind.SEMINAR,
            title="Семинар в Дербенте",
            host_region=region,
            starts_at=training.starts_at + timedelta(days=7),
            ends_at=training.ends_at + timedelta(days=7),
            host_city=training.host_city,
            capacity_in_person=10,
        ),
        by=None,
    )
    services.event_invite_regions(event=second, regions=[region], by=None)
    assert linked.person is not None
    registered = services.registration_invite(event=second, person=linked.person, by=None)
    services.registration_accept(registration=registered, by=None)
    replies = deliver(message_update(ru("📅 My events")))
    card = replies[0]
    assert training.title in card.context["text"]
    assert [b["id"] for b in card.context["buttons"]] == [
        f"rsvp:accept:{invitation.pk}",
        f"rsvp:decline:{invitation.pk}",
    ]
    assert "Семинар в Дербенте" in replies[1].context["text"]
    assert replies[-1].context["keyboard"]  # the menu comes with the last answer
    assert Conversation.objects.get(chat_key=str(CHAT)).flow == "my_events"


def test_my_events_when_there_is_nothing(linked: TelegramChat) -> None:
    replies = deliver(message_update(ru("📅 My events")))
    assert ru("You have no invitations and no coming events yet.") in texts(replies)


# --- end to end through the fake Telegram Bot API ---------------------------------------------


@pytest.fixture
def telegram_api(settings: Any) -> Iterator[FakeTelegram]:
    fake = FakeTelegram(limits=FakeLimits(per_second=0, per_chat_seconds=0)).start()
    settings.CONCORD_CHANNEL_PROVIDERS = {
        **settings.CONCORD_CHANNEL_PROVIDERS,
        "telegram": "concord.messaging.providers.telegram.TelegramProvider",
    }
    settings.TELEGRAM_API_BASE_URL = fake.base_url
    settings.TELEGRAM_BOT_TOKEN = fake.token
    settings.TELEGRAM_LIMIT_PER_CHAT_SECONDS = 0
    providers_reset()
    try:
        yield fake
    finally:
        fake.stop()
        providers_reset()


def test_rsvp_end_to_end_through_the_fake_telegram(
    telegram_api: FakeTelegram,
    linked: TelegramChat,
    invitation: Registration,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The invitation reaches the person's chat with its two buttons.
    outbox_run_once()
    sent = telegram_api.sent_messages(CHAT)
    buttons = sent[-1]["reply_markup"]["inline_keyboard"]
    accept = buttons[0][0]["callback_data"]
    assert accept == f"rsvp:accept:{invitation.pk}"
    # The person taps "Yes"; runbot fetches the update, the worker processes it.
    tap = telegram_api.push_update(telegram_api.make_callback_query_update(CHAT, accept))
    assert Poller(provider_for("telegram"), timeout=0, say=print).poll_once() == 1  # type: ignore[arg-type]
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_run_once() == 1
    invitation.refresh_from_db()
    assert invitation.state == S.REGISTERED
    # The spinner stops with the result, and the confirmation reaches the chat.
    answer = telegram_api.callback_answers()[tap["callback_query"]["id"]]
    assert invitation.event.title in answer["text"]
    outbox_run_once()
    last = telegram_api.sent_messages(CHAT)[-1]
    assert invitation.event.title in last["text"]
    assert OutboundMessage.objects.filter(state="sent").count() == 2


def test_a_failing_callback_answer_is_tolerated(
    linked: TelegramChat,
    invitation: Registration,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    answered: list[tuple[str, str]] = []

    def answer(self: Any, callback_id: str, text: str = "") -> None:
        answered.append((callback_id, text))
        raise RetryLater("Telegram answerCallbackQuery: timed out")

    monkeypatch.setattr(ScriptedTelegram, "answer_callback_query", answer, raising=False)
    update = callback_update(f"rsvp:accept:{invitation.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(update)
    assert answered[0][0] == update["callback_query"]["id"]
    invitation.refresh_from_db()
    assert invitation.state == S.REGISTERED
    assert InboundEvent.objects.get().state == "processed"
