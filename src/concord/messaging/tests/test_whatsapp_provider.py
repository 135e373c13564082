"""The WhatsApp provider against the fake Cloud API, and the webhook helpers on its payloads."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from concord.messaging.providers import provider_for, providers_reset
from concord.messaging.providers.base import (
    Button,
    ChannelError,
    NeedsTemplate,
    Outgoing,
    Rejected,
    RetryLater,
    Undeliverable,
    WhatsAppTemplate,
)
from concord.messaging.providers.whatsapp import WhatsAppProvider, classify
from concord.messaging.whatsapp_webhook import (
    InboundMessage,
    StatusUpdate,
    WebhookError,
    parse_webhook,
    status_advances,
    verify_signature,
    verify_subscription,
)
from concord.testing.fakes.whatsapp import FakeWhatsApp, FaultKind

PHONE = "+79991234567"
WA_ID = "79991234567"
INVITE = WhatsAppTemplate(
    name="concord_invitation",
    language="ru",
    parameters=("Межрегиональный тренинг", "Казань,\n12 марта"),
    buttons=(Button("rsvp:1:yes", "Приду"), Button("rsvp:1:no", "Не смогу")),
)


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeWhatsApp]:
    """A fresh fake with Concord's WHATSAPP_* settings pointing at it."""
    with FakeWhatsApp() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        settings.CONCORD_CHANNEL_TIMEOUT = 2.0
        providers_reset()
        yield server
    providers_reset()


@pytest.fixture
def provider(fake: FakeWhatsApp) -> WhatsAppProvider:
    built = provider_for("whatsapp")
    assert isinstance(built, WhatsAppProvider)
    return built


def message(**fields: Any) -> Outgoing:
    return Outgoing(**{"address": PHONE, "text": "Здравствуйте!", **fields})


def refuse_with(
    fake: FakeWhatsApp, provider: WhatsAppProvider, kind: FaultKind, **options: Any
) -> ChannelError:
    fake.open_window(PHONE)
    fake.fail_next(kind, **options)
    with pytest.raises(ChannelError) as caught:
        provider.send(message())
    return caught.value


# --- Configuration ---------------------------------------------------------------------------


def test_configured_from_settings_with_limits(fake: FakeWhatsApp, settings: Any) -> None:
    settings.WHATSAPP_LIMIT_PER_SECOND = 20
    settings.WHATSAPP_LIMIT_PER_CHAT_SECONDS = 7
    providers_reset()
    provider = provider_for("whatsapp")
    assert provider.channel == "whatsapp"
    assert provider.is_configured()
    assert (provider.limits.per_second, provider.limits.per_chat_seconds) == (20, 7)


@pytest.mark.parametrize("setting", ["WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"])
def test_not_configured_without_token_or_number(
    fake: FakeWhatsApp, settings: Any, setting: str
) -> None:
    setattr(settings, setting, "")
    providers_reset()
    assert not provider_for("whatsapp").is_configured()


# --- Each kind of message ----------------------------------------------------------------


def test_text_inside_the_window(fake: FakeWhatsApp, provider: WhatsAppProvider) -> None:
    fake.open_window(PHONE)
    result = provider.send(message(text="Семинар перенесён на завтра."))
    [sent] = fake.sent_messages(to=PHONE)
    assert result.provider_message_id == sent.wamid
    assert (sent.to, sent.type, sent.text) == (WA_ID, "text", "Семинар перенесён на завтра.")
    assert sent.payload["recipient_type"] == "individual"


def test_reply_buttons_at_most_three_with_short_titles(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.open_window(PHONE)
    buttons = (
        Button("rsvp:1:yes", "Приду"),
        Button("rsvp:1:no", "Не смогу приехать в этот раз"),
        Button("rsvp:1:maybe", "Пока не знаю"),
        Button("rsvp:1:call", "Позвоните мне"),
    )
    provider.send(message(text="Придёте на семинар?", buttons=buttons))
    [sent] = fake.sent_messages()
    assert sent.type == "interactive"
    assert sent.text == "Придёте на семинар?"
    assert sent.buttons == [
        ("rsvp:1:yes", "Приду"),
        ("rsvp:1:no", "Не смогу приехать в…"),
        ("rsvp:1:maybe", "Пока не знаю"),
    ]
    assert all(len(title) <= 20 for _id, title in sent.buttons)


def test_long_texts_are_clipped_rather_than_refused(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.open_window(PHONE)
    fake.pair_burst = 2
    provider.send(message(text="я" * 5000))
    provider.send(message(text="я" * 2000, buttons=(Button("ok", "Хорошо"),)))
    text, interactive = fake.sent_messages()
    assert len(text.text) == 4096 and text.text.endswith("…")
    assert len(interactive.text) == 1024 and interactive.text.endswith("…")


def test_a_template_outside_the_window(fake: FakeWhatsApp, provider: WhatsAppProvider) -> None:
    fake.approve_template("concord_invitation", "ru", parameters=2, buttons=2)
    provider.send(message(text="ignored outside the window", whatsapp_template=INVITE))
    [sent] = fake.sent_messages()
    assert (sent.type, sent.template) == ("template", "concord_invitation")
    assert sent.payload["template"]["language"] == {"code": "ru"}
    # Template parameters may not hold new lines: they are flattened, not refused.
    assert sent.parameters == ["Межрегиональный тренинг", "Казань, 12 марта"]
    assert sent.buttons == [("rsvp:1:yes", ""), ("rsvp:1:no", "")]


def test_inside_the_window_the_template_gives_way_to_buttons(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.open_window(PHONE)
    buttons = (Button("rsvp:1:yes", "Приду"),)
    provider.send(message(whatsapp_template=INVITE, buttons=buttons, extra={"window_open": True}))
    assert fake.sent_messages()[0].type == "interactive"


def test_free_form_outside_the_window_needs_a_template(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    with pytest.raises(NeedsTemplate, match="131047"):
        provider.send(message())
    with pytest.raises(NeedsTemplate):
        provider.send(message(whatsapp_template=INVITE, extra={"window_open": True}))
    assert fake.sent_messages() == []


def test_an_unapproved_template_is_rejected(
    fake: FakeWhatsApp, provider: WhatsAppProvider, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(Rejected, match="132001"):
        provider.send(message(whatsapp_template=INVITE))
    assert "concord_invitation" in caplog.text


# --- Each class of error ---------------------------------------------------------------------


def test_a_throughput_429_pauses_the_channel_for_retry_after(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    error = refuse_with(fake, provider, FaultKind.THROTTLE, retry_after=3)
    assert isinstance(error, RetryLater)
    assert (error.pause_channel, error.retry_after) == (True, 3.0)


def test_the_real_throughput_limit_pauses_for_a_second(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.per_second = 1
    fake.any_template = True
    provider.send(message(address="+79990000001", whatsapp_template=INVITE))
    with pytest.raises(RetryLater) as caught:
        provider.send(message(address="+79990000002", whatsapp_template=INVITE))
    assert (caught.value.pause_channel, caught.value.retry_after) == (True, 1.0)
    assert fake.count_429 == 1


def test_the_pair_rate_delays_only_this_person(
    fake: FakeWhatsApp, provider: WhatsAppProvider, settings: Any
) -> None:
    fake.open_window(PHONE)
    provider.send(message())
    with pytest.raises(RetryLater, match="131056") as caught:
        provider.send(message())
    assert caught.value.pause_channel is False
    assert caught.value.retry_after == settings.WHATSAPP_LIMIT_PER_CHAT_SECONDS


@pytest.mark.parametrize(
    "kind", [FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE, FaultKind.DISCONNECT]
)
def test_server_errors_and_dropped_connections_retry(
    fake: FakeWhatsApp, provider: WhatsAppProvider, kind: FaultKind
) -> None:
    error = refuse_with(fake, provider, kind)
    assert isinstance(error, RetryLater)
    assert error.pause_channel is False
    assert provider.send(message()).provider_message_id  # the next try goes through


def test_a_timeout_retries_although_the_message_went_out(
    fake: FakeWhatsApp, provider: WhatsAppProvider, settings: Any
) -> None:
    settings.CONCORD_CHANNEL_TIMEOUT = 0.3
    providers_reset()
    error = refuse_with(fake, WhatsAppProvider(), FaultKind.TIMEOUT, hang=1.0)
    assert isinstance(error, RetryLater)
    assert "timed out" in str(error)
    assert len(fake.sent_messages()) == 1  # why the outbox needs the callback data


def test_an_unreachable_api_retries(fake: FakeWhatsApp, provider: WhatsAppProvider) -> None:
    fake.stop()
    with pytest.raises(RetryLater, match="unreachable"):
        provider.send(message())


def test_unknown_numbers_are_undeliverable(fake: FakeWhatsApp, provider: WhatsAppProvider) -> None:
    assert isinstance(refuse_with(fake, provider, FaultKind.UNDELIVERABLE), Undeliverable)
    fake.allowed_recipients = {"79990000000"}
    with pytest.raises(Undeliverable, match="131030"):
        provider.send(message())


def test_a_wrong_token_pauses_the_channel_and_says_why(
    fake: FakeWhatsApp, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.WHATSAPP_TOKEN = "an-expired-token"
    providers_reset()
    fake.open_window(PHONE)
    with caplog.at_level(logging.ERROR), pytest.raises(RetryLater) as caught:
        provider_for("whatsapp").send(message())
    assert caught.value.pause_channel is True
    assert "190" in str(caught.value)
    assert "WHATSAPP_TOKEN" in caplog.text
    assert "an-expired-token" not in caplog.text


@pytest.mark.parametrize(
    ("status", "code", "expected", "paused"),
    [
        (400, 100, Rejected, None),
        (400, 131051, Rejected, None),  # a message type the API does not support
        (400, 132000, Rejected, None),
        (400, 4, RetryLater, True),  # the app made too many calls
        (400, 80007, RetryLater, True),  # the business account's rate limit
        (429, None, RetryLater, True),
        (500, 131000, RetryLater, False),
        (502, None, RetryLater, False),  # a proxy's HTML error page
        (403, 10, RetryLater, True),  # permission missing: configuration
        (400, 131031, RetryLater, True),  # the account is locked
        (400, 131021, Undeliverable, None),  # the recipient is our own number
        (400, 131047, NeedsTemplate, None),
    ],
)
def test_classify_by_graph_code(
    status: int, code: int | None, expected: type, paused: bool | None
) -> None:
    error = classify(status, code, "detail")
    assert type(error) is expected
    if paused is not None:
        assert isinstance(error, RetryLater)
        assert error.pause_channel is paused


# --- Webhook: signature and handshake --------------------------------------------------------


def test_signature_accepts_the_fakes_posts_and_refuses_anything_else(
    fake: FakeWhatsApp, settings: Any
) -> None:
    fake.user_says(PHONE, "Здравствуйте")
    [call] = fake.take_webhooks()
    header = call.headers["X-Hub-Signature-256"]
    assert verify_signature(call.body, header)
    assert verify_signature(call.body, header.upper().replace("SHA256=", "sha256="))
    assert not verify_signature(call.body, None)
    assert not verify_signature(call.body, "")
    assert not verify_signature(call.body, header.removeprefix("sha256="))
    assert not verify_signature(
        call.body.replace("Здравствуйте".encode(), "Привет".encode()), header
    )
    assert not verify_signature(call.body + b" ", header)
    assert not verify_signature(call.body, header, secret="another-secret")
    settings.WHATSAPP_APP_SECRET = ""
    assert not verify_signature(call.body, header)  # no secret, no trust


def test_the_verification_handshake(settings: Any) -> None:
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me"
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    assert verify_subscription(query) == "1158201444"
    assert verify_subscription({**query, "hub.verify_token": "guess"}) is None
    assert verify_subscription({**query, "hub.mode": "unsubscribe"}) is None
    settings.WHATSAPP_VERIFY_TOKEN = ""
    assert verify_subscription({**query, "hub.verify_token": ""}) is None


# --- Webhook: parsing real-shaped payloads ---------------------------------------------------


def parsed(fake: FakeWhatsApp) -> list[Any]:
    return [item for call in fake.take_webhooks() for item in parse_webhook(call.json())]


def test_parse_what_people_send(fake: FakeWhatsApp) -> None:
    text_id = fake.user_says(PHONE, "Напряжённость у рынка", name="Амина")
    fake.user_shares_location(PHONE, 55.7963, 49.1088, label="Центральный рынок")
    fake.user_sends_media(PHONE, "image", caption="Фото")
    fake.user_sends_media(PHONE, "audio")
    text, location, image, audio = parsed(fake)
    assert isinstance(text, InboundMessage)
    assert (text.wamid, text.external_id, text.sender, text.type) == (
        text_id,
        text_id,
        WA_ID,
        "text",
    )
    assert (text.text, text.profile_name, text.phone_number_id) == (
        "Напряжённость у рынка",
        "Амина",
        fake.phone_number_id,
    )
    assert text.timestamp.tzinfo is not None
    assert (location.latitude, location.longitude, location.text) == (
        55.7963,
        49.1088,
        "Центральный рынок",
    )
    assert (image.type, image.text) == ("image", "Фото")
    assert image.media_id and audio.media_id and audio.type == "audio"


def test_parse_button_taps_back_to_our_message(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.user_says(PHONE, "Здравствуйте")
    sent = provider.send(message(text="Придёте?", buttons=(Button("rsvp:1:yes", "Приду"),)))
    fake.user_taps(PHONE, "rsvp:1:yes", "Приду")
    taps = [i for i in parsed(fake) if isinstance(i, InboundMessage) and i.type == "interactive"]
    [tap] = taps
    assert (tap.button_id, tap.text, tap.context_wamid) == (
        "rsvp:1:yes",
        "Приду",
        sent.provider_message_id,
    )


def test_parse_a_tap_on_a_template_quick_reply(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.any_template = True
    sent = provider.send(message(whatsapp_template=INVITE))
    fake.user_taps(PHONE, "rsvp:1:no", "Не смогу")
    [tap] = [i for i in parsed(fake) if isinstance(i, InboundMessage)]
    assert (tap.type, tap.button_id, tap.text) == ("button", "rsvp:1:no", "Не смогу")
    assert tap.context_wamid == sent.provider_message_id


def test_parse_statuses_with_our_callback_data(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.open_window(PHONE)
    sent = provider.send(message(extra={"callback_data": "outbox:17"}))
    statuses = parsed(fake)
    assert [s.status for s in statuses] == ["sent", "delivered", "read"]
    for status in statuses:
        assert isinstance(status, StatusUpdate)
        assert (status.wamid, status.recipient, status.callback_data) == (
            sent.provider_message_id,
            WA_ID,
            "outbox:17",
        )
        assert status.error_code is None
    assert len({s.external_id for s in statuses}) == 3


def test_parse_a_failed_status_with_its_code(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.open_window(PHONE)
    fake.fail_delivery(PHONE, 131026)
    provider.send(message())
    [failed] = parsed(fake)
    assert isinstance(failed, StatusUpdate)
    assert (failed.status, failed.error_code) == ("failed", 131026)
    assert failed.error_title


def test_statuses_out_of_order_never_regress(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    fake.open_window(PHONE)
    fake.status_order = "reversed"
    provider.send(message())
    current = ""
    for status in parsed(fake):
        if status_advances(current, status.status):
            current = status.status
    assert current == "read"


@pytest.mark.parametrize(
    ("current", "new", "advances"),
    [
        ("", "sent", True),
        ("sent", "delivered", True),
        ("delivered", "read", True),
        ("read", "delivered", False),
        ("delivered", "sent", False),
        ("sent", "failed", True),
        ("delivered", "failed", False),  # another device failed, this one has it
        ("failed", "delivered", True),
        ("read", "read", False),
    ],
)
def test_status_advances(current: str, new: str, advances: bool) -> None:
    assert status_advances(current, new) is advances


def test_parse_unsupported_messages_and_account_errors() -> None:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": "1001"},
        "contacts": [{"profile": {"name": "Руслан"}, "wa_id": WA_ID}],
        "messages": [
            {
                "from": WA_ID,
                "id": "wamid.poll",
                "timestamp": "1739321024",
                "type": "unsupported",
                "errors": [{"code": 131051, "title": "Message type unknown"}],
                "unsupported": {"type": "poll_creation"},
            }
        ],
        "errors": [
            {"code": 130429, "title": "Rate limit hit", "error_data": {"details": "slow down"}}
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }
    unsupported, error = parse_webhook(payload)
    assert isinstance(unsupported, InboundMessage)
    assert (unsupported.type, unsupported.error_code, unsupported.profile_name) == (
        "unsupported",
        131051,
        "Руслан",
    )
    assert unsupported.timestamp.year == 2025
    assert error == WebhookError(130429, "Rate limit hit", "slow down", "1001")


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": None}]}]},
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"value": {"messages": [{"type": "text"}]}}]}],
        },
    ],
)
def test_parse_ignores_what_it_cannot_read(payload: Any) -> None:
    assert parse_webhook(payload) == []
