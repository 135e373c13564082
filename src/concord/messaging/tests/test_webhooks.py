"""The webhooks: who may post, what is stored, and that nothing ever answers 500."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from concord.messaging import views
from concord.messaging.models import InboundEvent

SECRET = "s3cret-token_ABC"
APP_SECRET = "meta-app-secret"
VERIFY = "verify-me"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def secrets(settings: Any) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY


def update(update_id: int = 5001, text: str = "Привет") -> dict[str, Any]:
    user = {"id": 42, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
    message = {
        "message_id": 7,
        "from": user,
        "chat": {"id": 42, "type": "private", "first_name": "Анна"},
        "date": 1767000000,
        "text": text,
    }
    return {"update_id": update_id, "message": message}


def post_telegram(client: Client, body: bytes | str, secret: str | None = SECRET) -> Any:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return client.post(
        reverse("messaging:telegram_webhook"),
        data=body,
        content_type="application/json",
        headers=headers,
    )


# --- Telegram -------------------------------------------------------------------------------


def test_a_good_update_is_stored_and_answered_at_once(client: Client) -> None:
    response = post_telegram(client, json.dumps(update()))
    assert response.status_code == 200
    assert response.json() == {}
    event = InboundEvent.objects.get()
    assert (event.channel, event.external_id, event.state) == ("telegram", "5001", "received")
    assert event.payload["message"]["text"] == "Привет"


def test_the_webhooks_live_under_hooks() -> None:
    assert reverse("messaging:telegram_webhook") == "/hooks/telegram/"
    assert reverse("messaging:whatsapp_webhook") == "/hooks/whatsapp/"


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_stored(
    client: Client, secret: str | None
) -> None:
    assert post_telegram(client, json.dumps(update()), secret=secret).status_code == 403
    assert not InboundEvent.objects.exists()


def test_an_unset_secret_refuses_everything(client: Client, settings: Any) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    assert post_telegram(client, json.dumps(update()), secret="").status_code == 403
    assert post_telegram(client, json.dumps(update()), secret=None).status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_redelivered_update_is_stored_once(client: Client) -> None:
    for _ in range(3):
        assert post_telegram(client, json.dumps(update())).status_code == 200
    post_telegram(client, json.dumps(update(update_id=5002)))
    assert InboundEvent.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"\xff\xfe garbage", b"[1, 2, 3]", b'"text"', b"null"],
)
def test_malformed_bodies_are_400(client: Client, body: bytes) -> None:
    assert post_telegram(client, body).status_code == 400
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("update_id", [None, "5001", 5.5, True])
def test_an_update_without_an_integer_update_id_is_400(client: Client, update_id: Any) -> None:
    body = update()
    body["update_id"] = update_id
    assert post_telegram(client, json.dumps(body)).status_code == 400
    assert not InboundEvent.objects.exists()


def test_a_huge_body_is_413(client: Client) -> None:
    body = json.dumps(update(text="я" * 600_000))  # 1.2 MB in UTF-8
    assert post_telegram(client, body).status_code == 413
    assert not InboundEvent.objects.exists()


def test_an_unknown_update_type_is_stored_for_the_worker_to_ignore(client: Client) -> None:
    body = {"update_id": 9, "business_connection": {"id": "x"}}
    assert post_telegram(client, json.dumps(body)).status_code == 200
    assert InboundEvent.objects.get().external_id == "9"


def test_a_database_that_cannot_store_asks_for_redelivery(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**kwargs: Any) -> bool:
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(views, "inbound_store", down)
    assert post_telegram(client, json.dumps(update())).status_code == 503


def test_get_is_not_allowed(client: Client) -> None:
    assert client.get(reverse("messaging:telegram_webhook")).status_code == 405


# --- WhatsApp -------------------------------------------------------------------------------


def wa_payload(*, messages: list[dict[str, Any]] = (), statuses: list[dict[str, Any]] = ()) -> Any:  # type: ignore[assignment]
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1234567"},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": "Anna"}, "wa_id": "79161234567"}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    change = {"value": value, "field": "messages"}
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [change]}]}


def wa_text(wamid: str = "wamid.AAA", text: str = "Привет") -> dict[str, Any]:
    return {
        "from": "79161234567",
        "id": wamid,
        "timestamp": "1767000000",
        "type": "text",
        "text": {"body": text},
    }


def wa_status(wamid: str, status: str) -> dict[str, Any]:
    return {"id": wamid, "status": status, "timestamp": "1767000000", "recipient_id": "7916"}


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_whatsapp(client: Client, body: bytes, signature: str | None) -> Any:
    headers = {} if signature is None else {"X-Hub-Signature-256": signature}
    return client.post(
        reverse("messaging:whatsapp_webhook"),
        data=body,
        content_type="application/json",
        headers=headers,
    )


def test_the_verification_handshake_echoes_the_challenge(client: Client) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    response = client.get(reverse("messaging:whatsapp_webhook"), query)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_a_wrong_handshake_is_403(client: Client, query: dict[str, str]) -> None:
    assert client.get(reverse("messaging:whatsapp_webhook"), query).status_code == 403


def test_an_unset_verify_token_refuses_the_handshake(client: Client, settings: Any) -> None:
    settings.WHATSAPP_VERIFY_TOKEN = ""
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert client.get(reverse("messaging:whatsapp_webhook"), query).status_code == 403


def test_a_signed_call_stores_each_message_and_status(client: Client) -> None:
    payload = wa_payload(
        messages=[wa_text("wamid.A"), wa_text("wamid.B")],
        statuses=[wa_status("wamid.OUT", "sent"), wa_status("wamid.OUT", "delivered")],
    )
    body = json.dumps(payload).encode()
    assert post_whatsapp(client, body, sign(body)).status_code == 200
    ids = sorted(InboundEvent.objects.values_list("external_id", flat=True))
    assert ids == ["status:wamid.OUT:delivered", "status:wamid.OUT:sent", "wamid.A", "wamid.B"]
    message = InboundEvent.objects.get(external_id="wamid.A").payload
    assert message["kind"] == "message"
    assert message["contact"]["profile"]["name"] == "Anna"


def test_a_redelivered_call_stores_nothing_new(client: Client) -> None:
    body = json.dumps(wa_payload(messages=[wa_text()])).encode()
    for _ in range(2):
        assert post_whatsapp(client, body, sign(body)).status_code == 200
    assert InboundEvent.objects.count() == 1


def test_a_bad_signature_is_403_and_nothing_stored(client: Client) -> None:
    body = json.dumps(wa_payload(messages=[wa_text()])).encode()
    assert post_whatsapp(client, body, sign(body, "other-secret")).status_code == 403
    assert post_whatsapp(client, body, None).status_code == 403
    assert post_whatsapp(client, body, "sha256=").status_code == 403
    assert post_whatsapp(client, body, sign(body).replace("sha256=", "sha1=")).status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_tampered_body_is_403(client: Client) -> None:
    body = json.dumps(wa_payload(messages=[wa_text(text="Привет")]), ensure_ascii=False).encode()
    signature = sign(body)
    tampered = body.replace("Привет".encode(), "Пока!!".encode())
    assert tampered != body
    assert post_whatsapp(client, tampered, signature).status_code == 403
    # Even a change that parses to the same JSON breaks the signature: it covers the bytes.
    assert post_whatsapp(client, body + b" ", signature).status_code == 403
    assert not InboundEvent.objects.exists()


def test_an_unset_app_secret_refuses_every_call(client: Client, settings: Any) -> None:
    settings.WHATSAPP_APP_SECRET = ""
    body = json.dumps(wa_payload(messages=[wa_text()])).encode()
    assert post_whatsapp(client, body, sign(body, "")).status_code == 403
    assert not InboundEvent.objects.exists()


def test_signed_garbage_is_400_and_odd_shapes_are_ignored(client: Client) -> None:
    assert post_whatsapp(client, b"{oops", sign(b"{oops")).status_code == 400
    odd = json.dumps({"object": "x", "entry": [{"changes": "nope"}, 5]}).encode()
    assert post_whatsapp(client, odd, sign(odd)).status_code == 200
    no_id = json.dumps(wa_payload(messages=[{"type": "text"}])).encode()
    assert post_whatsapp(client, no_id, sign(no_id)).status_code == 200
    assert not InboundEvent.objects.exists()


def test_a_huge_whatsapp_body_is_413(client: Client) -> None:
    body = b'{"x": "' + b"a" * (1024 * 1024) + b'"}'
    assert post_whatsapp(client, body, sign(body)).status_code == 413
    assert not InboundEvent.objects.exists()
