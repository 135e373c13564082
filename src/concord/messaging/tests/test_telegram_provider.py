"""The Telegram provider against the fake Bot API: what it sends, and how every kind of
failure becomes the channel error the outbox acts on."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from concord.messaging.providers import provider_for
from concord.messaging.providers.base import (
    Button,
    ChatMigrated,
    Outgoing,
    Rejected,
    RetryLater,
    Undeliverable,
)
from concord.messaging.providers.telegram import TelegramProvider
from concord.testing.fakes.fixtures import fake_telegram  # noqa: F401  (the fixture)
from concord.testing.fakes.telegram import FakeLimits, FakeTelegram

PERSON = 5151
GROUP = -4099


@pytest.fixture
def telegram(fake_telegram: FakeTelegram) -> TelegramProvider:  # noqa: F811
    # Pacing messages is the outbox's job, not the provider's: let these tests send freely.
    fake_telegram.set_limits(FakeLimits(per_chat_seconds=0))
    return TelegramProvider()


def last_params(fake: FakeTelegram, method: str = "sendMessage") -> dict[str, Any]:
    return fake.calls(method)[-1].params


# --- sending -------------------------------------------------------------------------------


def test_the_registry_builds_a_configured_provider(
    fake_telegram: FakeTelegram,  # noqa: F811
    settings: Any,
) -> None:
    provider = provider_for("telegram")
    assert isinstance(provider, TelegramProvider)
    assert provider.is_configured()
    settings.TELEGRAM_BOT_TOKEN = ""
    assert not TelegramProvider().is_configured()


def test_limits_come_from_settings(settings: Any) -> None:
    settings.TELEGRAM_LIMIT_PER_SECOND = 12
    settings.TELEGRAM_LIMIT_PER_CHAT_SECONDS = 2
    settings.TELEGRAM_LIMIT_GROUP_PER_MINUTE = 10
    limits = TelegramProvider().limits
    assert (limits.per_second, limits.per_chat_seconds, limits.per_group_per_minute) == (12, 2, 10)


def test_plain_text_is_sent_and_the_message_id_returned(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    first = telegram.send(Outgoing(address=str(PERSON), text="Здравствуйте"))
    second = telegram.send(Outgoing(address=str(PERSON), text="Ещё раз"))
    assert (first.provider_message_id, second.provider_message_id) == ("1", "2")
    assert last_params(fake_telegram) == {"chat_id": PERSON, "text": "Ещё раз"}
    assert [m["text"] for m in fake_telegram.sent_messages(PERSON)] == ["Здравствуйте", "Ещё раз"]


def test_html_is_sent_with_parse_mode(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    outgoing = Outgoing(address=str(PERSON), text="Сбор в 10:00", html="<b>Сбор</b> в 10:00")
    telegram.send(outgoing)
    assert last_params(fake_telegram)["parse_mode"] == "HTML"
    message = fake_telegram.sent_messages(PERSON)[0]
    assert message["text"] == "Сбор в 10:00"
    assert message["entities"][0]["type"] == "bold"


def test_malformed_html_is_rejected(telegram: TelegramProvider) -> None:
    # Escaping what people wrote is the renderer's job; a slip shows here, not in a chat.
    with pytest.raises(Rejected, match="can't parse entities"):
        telegram.send(Outgoing(address=str(PERSON), text="x", html="<b>Анна <Ахмед>"))


def test_buttons_become_an_inline_keyboard_one_per_row(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    buttons = (Button("rsvp:1:yes", "Приду"), Button("rsvp:1:no", "Не смогу"))
    telegram.send(Outgoing(address=str(PERSON), text="Придёте?", buttons=buttons))
    assert fake_telegram.sent_messages(PERSON)[0]["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Приду", "callback_data": "rsvp:1:yes"}],
            [{"text": "Не смогу", "callback_data": "rsvp:1:no"}],
        ]
    }


def test_a_button_id_over_64_bytes_is_rejected_before_sending(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    too_long = Button("я" * 33, "Да")  # 66 bytes in UTF-8
    with pytest.raises(Rejected, match="1-64 bytes"):
        telegram.send(Outgoing(address=str(PERSON), text="?", buttons=(too_long,)))
    assert fake_telegram.calls() == []


def test_a_keyboard_becomes_a_persistent_reply_keyboard(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    menu = (("Мои события",), ("Сообщить о проблеме", "Помощь"))
    telegram.send(Outgoing(address=str(PERSON), text="Меню", keyboard=menu))
    assert last_params(fake_telegram)["reply_markup"] == {
        "keyboard": [
            [{"text": "Мои события"}],
            [{"text": "Сообщить о проблеме"}, {"text": "Помощь"}],
        ],
        "resize_keyboard": True,
        "is_persistent": True,
    }


def test_a_keyboard_can_be_removed_and_not_mixed_with_buttons(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    telegram.send(Outgoing(address=str(PERSON), text="x", extra={"remove_keyboard": True}))
    assert last_params(fake_telegram)["reply_markup"] == {"remove_keyboard": True}
    both = Outgoing(address=str(PERSON), text="x", buttons=(Button("a", "A"),), keyboard=(("B",),))
    with pytest.raises(Rejected):
        telegram.send(both)


# --- failures ------------------------------------------------------------------------------


def _send(telegram: TelegramProvider, address: int = PERSON) -> None:
    telegram.send(Outgoing(address=str(address), text="Здравствуйте"))


def test_a_429_pauses_the_channel_for_retry_after(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    fake_telegram.fail_next("flood", retry_after=3)
    with pytest.raises(RetryLater) as caught:
        _send(telegram)
    assert (caught.value.retry_after, caught.value.pause_channel) == (3.0, True)


def test_breaking_a_rate_limit_is_a_429_too(
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    telegram = TelegramProvider()  # the fake keeps its default one message per second per chat
    _send(telegram)
    with pytest.raises(RetryLater) as caught:
        _send(telegram)
    assert caught.value.retry_after == 1.0
    assert caught.value.pause_channel
    assert fake_telegram.count_limit_429 == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_retry_without_pausing(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
    status: int,
) -> None:
    fake_telegram.fail_next("server_error", status=status)
    with pytest.raises(RetryLater) as caught:
        _send(telegram)
    assert (caught.value.retry_after, caught.value.pause_channel) == (None, False)
    assert str(status) in str(caught.value)


def test_a_timeout_after_acceptance_retries(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
    settings: Any,
) -> None:
    settings.CONCORD_CHANNEL_TIMEOUT = 0.3
    fake_telegram.fail_next("timeout", stall=5)
    with pytest.raises(RetryLater, match="timed out"):
        _send(telegram)
    # It went out anyway: the outbox must treat a retry as a possible duplicate.
    assert len(fake_telegram.sent_messages(PERSON)) == 1


def test_a_dropped_connection_retries(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    fake_telegram.fail_next("drop")
    with pytest.raises(RetryLater):
        _send(telegram)


def test_an_unreachable_server_retries(telegram: TelegramProvider, settings: Any) -> None:
    with FakeTelegram() as gone:
        settings.TELEGRAM_API_BASE_URL = gone.base_url
    with pytest.raises(RetryLater, match="ConnectError"):
        _send(telegram)


@pytest.mark.parametrize("reason", ["blocked", "kicked", "deactivated"])
def test_a_chat_that_refuses_the_bot_is_undeliverable(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
    reason: str,
) -> None:
    fake_telegram.block_chat(PERSON, reason=reason)
    with pytest.raises(Undeliverable, match="403 Forbidden"):
        _send(telegram)


def test_an_unknown_chat_is_undeliverable(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    fake_telegram.forget_chat(PERSON)
    with pytest.raises(Undeliverable, match="chat not found"):
        _send(telegram)


def test_a_migrated_group_names_its_new_id(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    new_id = fake_telegram.migrate_group(GROUP)
    with pytest.raises(ChatMigrated) as caught:
        _send(telegram, GROUP)
    assert caught.value.new_chat_id == new_id
    _send(telegram, new_id)
    assert len(fake_telegram.sent_messages(new_id)) == 1


def test_a_wrong_token_waits_and_says_so(
    telegram: TelegramProvider,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.TELEGRAM_BOT_TOKEN = "123:wrong"
    with caplog.at_level(logging.ERROR), pytest.raises(RetryLater) as caught:
        _send(telegram)
    assert caught.value.pause_channel
    assert "TELEGRAM_BOT_TOKEN" in caplog.text
    assert "123:wrong" not in caplog.text


def test_request_logs_do_not_show_the_token(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="httpx"):
        _send(telegram)
    assert "sendMessage" in caplog.text
    assert fake_telegram.token not in caplog.text


# --- the bot's other calls -------------------------------------------------------------------


def test_answer_callback_query(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    telegram.send(Outgoing(address=str(PERSON), text="?", buttons=(Button("rsvp:yes", "Да"),)))
    update = fake_telegram.push_update(fake_telegram.make_callback_query_update(PERSON, "rsvp:yes"))
    query_id = update["callback_query"]["id"]
    telegram.answer_callback_query(query_id, "Записали")
    assert fake_telegram.callback_answers()[query_id]["text"] == "Записали"
    with pytest.raises(Rejected, match="query is too old"):
        telegram.answer_callback_query(query_id)


def test_edit_message_text_is_idempotent(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    sent = telegram.send(Outgoing(address=str(PERSON), text="Придёте?"))
    message_id = int(sent.provider_message_id)
    buttons = (Button("undo", "Отменить"),)
    telegram.edit_message_text(PERSON, message_id, "<b>Вы придёте</b>", buttons)
    telegram.edit_message_text(PERSON, message_id, "<b>Вы придёте</b>", buttons)  # a retry
    message = fake_telegram.sent_messages(PERSON)[0]
    assert message["text"] == "Вы придёте"
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "undo"
    with pytest.raises(Rejected, match="message to edit not found"):
        telegram.edit_message_text(PERSON, 999, "x")


def test_send_poll_is_not_anonymous(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    message_id, poll_id = telegram.send_poll(GROUP, "Удобно ли время?", ["Да", "Нет"])
    poll = fake_telegram.sent_messages(GROUP)[0]["poll"]
    assert (message_id, poll_id) == (1, poll["id"])
    assert poll["is_anonymous"] is False
    assert [option["text"] for option in poll["options"]] == ["Да", "Нет"]


def test_create_chat_invite_link(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    link = telegram.create_chat_invite_link(GROUP, "Семинар в Казани, октябрь 2025, группа 1")
    assert link.startswith("https://t.me/+")
    assert fake_telegram.invite_links()[0]["name"] == "Семинар в Казани, октябрь 2025,"


def test_get_updates_long_polls_and_confirms(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    pushed = fake_telegram.push_update(fake_telegram.make_message_update(PERSON, "/start"))
    updates = telegram.get_updates(None, timeout=1)
    assert [u["update_id"] for u in updates] == [pushed["update_id"]]
    assert telegram.get_updates(pushed["update_id"] + 1, timeout=0) == []
    assert fake_telegram.pending_updates() == []


def test_webhook_set_and_delete(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    telegram.set_webhook("https://concord.example/hooks/telegram/", "s3cret", ["message"])
    assert fake_telegram.summary()["webhook_url"] == "https://concord.example/hooks/telegram/"
    with pytest.raises(RetryLater, match="409"):
        telegram.get_updates(None, timeout=0)
    telegram.delete_webhook()
    assert fake_telegram.summary()["webhook_url"] == ""


def test_get_file_url_downloads_what_the_person_sent(
    telegram: TelegramProvider,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    update = fake_telegram.make_voice_update(PERSON, content=b"OggS-voice")
    url = telegram.get_file_url(update["message"]["voice"]["file_id"])
    assert url.startswith(f"{fake_telegram.base_url}/file/bot{fake_telegram.token}/voice/")
    assert httpx.get(url).content == b"OggS-voice"
    with pytest.raises(Rejected, match="invalid file_id"):
        telegram.get_file_url("nope")
