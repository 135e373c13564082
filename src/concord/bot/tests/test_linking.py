"""Linking a chat to a person with a one-time deep link: valid, reused, expired, unknown."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from concord.accounts.models import User
from concord.bot.models import Conversation
from concord.bot.services import LinkError, chat_link, link_token_create, link_url
from concord.directory.models import Person
from concord.messaging.models import TelegramChat, WhatsAppContact
from concord.regions.models import Region

from .conftest import CHAT, deliver, make_person, menu_ru, message_update, ru, texts


def test_a_token_is_random_url_safe_and_valid_for_two_weeks(
    person: Person, coordinator: User
) -> None:
    first = link_token_create(person=person, by=coordinator)
    second = link_token_create(person=person, by=coordinator)
    assert first.token != second.token
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", first.token)
    assert first.expires_at - first.created_at == pytest.approx(
        timedelta(days=14), abs=timedelta(seconds=5)
    )
    assert first.created_by == coordinator


def test_the_link_opens_the_bot_with_the_token(person: Person, settings: object) -> None:
    token = link_token_create(person=person, by=None)
    assert link_url(token) == f"https://t.me/concord_test_bot?start={token.token}"
    settings.TELEGRAM_BOT_USERNAME = ""  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured):
        link_url(token)


def test_a_valid_token_links_the_chat_once(person: Person) -> None:
    token = link_token_create(person=person, by=None)
    assert chat_link(channel="telegram", chat_key=str(CHAT), token=token.token) == person
    chat = TelegramChat.objects.get(chat_id=CHAT)
    assert (chat.person, chat.kind) == (person, "private")
    token.refresh_from_db()
    assert token.used_at is not None and token.used_by == f"telegram:{CHAT}"
    with pytest.raises(LinkError, match="already been used"):
        chat_link(channel="telegram", chat_key="7002", token=token.token)
    assert not TelegramChat.objects.filter(chat_id=7002).exists()


def test_an_expired_or_unknown_token_is_refused(person: Person) -> None:
    token = link_token_create(person=person, by=None)
    with (
        time_machine.travel(timezone.now() + timedelta(days=15)),
        pytest.raises(LinkError, match="expired"),
    ):
        chat_link(channel="telegram", chat_key=str(CHAT), token=token.token)
    with pytest.raises(LinkError, match="not valid"):
        chat_link(channel="telegram", chat_key=str(CHAT), token="no-such-token-at-all")
    assert not TelegramChat.objects.filter(person=person).exists()


def test_a_whatsapp_number_can_be_linked(person: Person) -> None:
    token = link_token_create(person=person, by=None)
    chat_link(channel="whatsapp", chat_key="+79161234567", token=token.token)
    assert WhatsAppContact.objects.get(phone="+79161234567").person == person


# --- through the bot --------------------------------------------------------------------------


def test_start_with_a_token_links_and_greets_in_the_persons_language(person: Person) -> None:
    token = link_token_create(person=person, by=None)
    replies = deliver(message_update(f"/start {token.token}"))
    assert TelegramChat.objects.get(chat_id=CHAT).person == person
    assert ru("Hello, %(name)s! I know you now.") % {"name": "Анна"} in texts(replies)
    assert all(m.chat is not None and m.chat.chat_id == CHAT for m in replies)
    keyboard = replies[-1].context["keyboard"]
    assert keyboard == menu_ru("📅 My events", "📞 Whom to call", "🆘 Report a problem", "❓ Help")
    assert Conversation.objects.get(chat_key=str(CHAT)).person == person


def test_a_reused_link_is_refused_politely(person: Person, region: Region) -> None:
    token = link_token_create(person=person, by=None)
    deliver(message_update(f"/start {token.token}"))
    other = make_person(region)
    replies = deliver(message_update(f"/start {token.token}", chat_id=7002))
    assert ru("This link has already been used.") in texts(replies)
    assert TelegramChat.objects.get(chat_id=7002).person is None
    assert other.telegram_chats.count() == 0


def test_an_expired_link_through_the_bot(person: Person) -> None:
    token = link_token_create(person=person, by=None)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        replies = deliver(message_update(f"/start {token.token}"))
    assert ru("This link has expired.") in texts(replies)
    assert TelegramChat.objects.get(chat_id=CHAT).person is None


def test_an_unknown_link_through_the_bot(db: None) -> None:
    replies = deliver(message_update("/start forged-token-123456"))
    assert ru("This link is not valid.") in texts(replies)


def test_an_unlinked_chat_is_told_how_to_get_a_link_and_may_report_a_problem(db: None) -> None:
    replies = deliver(message_update("/start", lang="en"))
    assert "ask your coordinator to send you your personal link" in texts(replies)
    assert replies[-1].context["keyboard"] == [["🆘 Report a problem"], ["❓ Help"]]
    replies = deliver(message_update("/start", chat_id=7003))  # a Russian app: Russian
    assert replies[-1].context["keyboard"] == menu_ru("🆘 Report a problem", "❓ Help")


def test_an_unlinked_chat_asking_for_events_is_offered_to_link(db: None) -> None:
    replies = deliver(message_update("📅 My events", lang="en"))
    assert "personal link" in texts(replies)
    replies = deliver(message_update("/help", lang="en"))
    assert "ask your coordinator for your personal link" in texts(replies)


def test_a_linked_chat_is_greeted_again(linked: TelegramChat) -> None:
    replies = deliver(message_update("/start"))
    assert ru("Hello, %(name)s!") % {"name": "Анна"} in texts(replies)
    assert replies[-1].context["keyboard"][0] == [ru("📅 My events")]
