"""Pure helpers for `GET/POST /hooks/whatsapp/`: the handshake, the signature, the payload.

The view stays thin: it answers the verification GET with `verify_subscription`, refuses a POST
whose `X-Hub-Signature-256` fails `verify_signature` (computed on the raw body, before any JSON
parsing), stores the event, answers 200, and a worker turns the payload into typed items with
`parse_webhook`. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="

# How far a delivery status has come. "failed" ranks above "sent" (it can follow it) and below
# "delivered" (a device that received the message outranks a failure from another device).
STATUS_RANK = {"sent": 1, "failed": 2, "delivered": 3, "read": 4}


def verify_signature(raw_body: bytes, header: str | None, secret: str | None = None) -> bool:
    """True when `header` is "sha256=<hex HMAC-SHA256 of raw_body keyed with the app secret>"."""
    secret = settings.WHATSAPP_APP_SECRET if secret is None else secret
    if not secret or not header or not header.startswith(_PREFIX):
        return False  # no secret configured: nothing can be trusted
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix(_PREFIX).strip().lower())


def verify_subscription(query: Mapping[str, str], verify_token: str | None = None) -> str | None:
    """The challenge to echo for Meta's verification GET, or None to refuse it (403)."""
    token = settings.WHATSAPP_VERIFY_TOKEN if verify_token is None else verify_token
    given = query.get("hub.verify_token", "")
    if not token or query.get("hub.mode") != "subscribe":
        return None
    if not hmac.compare_digest(given.encode(), token.encode()):
        return None
    return query.get("hub.challenge", "")


def status_advances(current: str, new: str) -> bool:
    """Whether `new` moves a message's status forward; statuses arrive out of order."""
    return STATUS_RANK.get(new, 0) > STATUS_RANK.get(current, 0)


@dataclass(frozen=True)
class InboundMessage:
    """What a person sent: text, a tap on a button, a location, media…"""

    wamid: str
    sender: str  # the person's WhatsApp id: their number in digits, no "+"
    phone_number_id: str  # which of our numbers received it
    timestamp: datetime
    type: str  # text, interactive, button, location, image, audio, document, unsupported…
    text: str = ""  # the text, a caption, or a tapped button's title
    button_id: str = ""  # a reply button's id, or a template quick reply's payload
    latitude: float | None = None
    longitude: float | None = None
    media_id: str = ""
    context_wamid: str = ""  # our message the person replied to (the one with the button)
    profile_name: str = ""
    error_code: int | None = None  # e.g. 131051 for a type the Cloud API does not support

    @property
    def external_id(self) -> str:
        return self.wamid


@dataclass(frozen=True)
class StatusUpdate:
    """How far one of our messages got: sent, delivered, read or failed."""

    wamid: str
    status: str
    recipient: str
    phone_number_id: str
    timestamp: datetime
    error_code: int | None = None
    error_title: str = ""
    callback_data: str = ""  # our biz_opaque_callback_data, echoed back

    @property
    def external_id(self) -> str:
        return f"{self.wamid}:{self.status}"  # one message has several statuses


@dataclass(frozen=True)
class WebhookError:
    """A problem of the account or the app, not of one message (`value.errors`)."""

    code: int
    title: str
    details: str
    phone_number_id: str


InboundItem = InboundMessage | StatusUpdate | WebhookError


def parse_webhook(payload: Any) -> list[InboundItem]:
    """Every message, status and error in one webhook payload, in order.

    Tolerant: an entry that lacks what it needs is skipped, not fatal, because the payload was
    signed by Meta and its new fields must not stop the ones we know.
    """
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return []
    items: list[InboundItem] = []
    for value in _values(payload):
        number = str(_dict(value.get("metadata")).get("phone_number_id", ""))
        names = _profile_names(value)
        items.extend(_message(m, number, names) for m in _dicts(value.get("messages")) if "id" in m)
        items.extend(_status(s, number) for s in _dicts(value.get("statuses")) if "id" in s)
        items.extend(_account_error(e, number) for e in _dicts(value.get("errors")))
    return items


def _values(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            if change.get("field", "messages") == "messages":
                yield _dict(change.get("value"))


def _message(message: dict[str, Any], number: str, names: dict[str, str]) -> InboundMessage:
    kind = str(message.get("type", ""))
    sender = str(message.get("from", ""))
    content = _dict(message.get(kind))
    errors = _dicts(message.get("errors"))
    return InboundMessage(
        wamid=str(message["id"]),
        sender=sender,
        phone_number_id=number,
        timestamp=_time(message.get("timestamp")),
        type=kind,
        profile_name=names.get(sender, ""),
        context_wamid=str(_dict(message.get("context")).get("id", "")),
        error_code=_int(errors[0].get("code")) if errors else None,
        **_content(kind, content),
    )


def _content(kind: str, content: dict[str, Any]) -> dict[str, Any]:
    """The type-specific fields of an inbound message."""
    if kind == "text":
        return {"text": str(content.get("body", ""))}
    if kind == "interactive":  # button_reply (reply buttons) or list_reply (a list's row)
        reply = _dict(content.get("button_reply") or content.get("list_reply"))
        return {"button_id": str(reply.get("id", "")), "text": str(reply.get("title", ""))}
    if kind == "button":  # a template's quick-reply button
        return {"button_id": str(content.get("payload", "")), "text": str(content.get("text", ""))}
    if kind == "location":
        return {
            "latitude": _float(content.get("latitude")),
            "longitude": _float(content.get("longitude")),
            "text": str(content.get("name") or content.get("address") or ""),
        }
    if "id" in content:  # image, audio, video, document, sticker
        return {"media_id": str(content["id"]), "text": str(content.get("caption", ""))}
    return {}


def _status(status: dict[str, Any], number: str) -> StatusUpdate:
    errors = _dicts(status.get("errors"))
    first = errors[0] if errors else {}
    return StatusUpdate(
        wamid=str(status["id"]),
        status=str(status.get("status", "")),
        recipient=str(status.get("recipient_id", "")),
        phone_number_id=number,
        timestamp=_time(status.get("timestamp")),
        error_code=_int(first.get("code")),
        error_title=str(first.get("title", "")),
        callback_data=str(status.get("biz_opaque_callback_data", "")),
    )


def _account_error(error: dict[str, Any], number: str) -> WebhookError:
    return WebhookError(
        code=_int(error.get("code")) or 0,
        title=str(error.get("title") or error.get("message") or ""),
        details=str(_dict(error.get("error_data")).get("details", "")),
        phone_number_id=number,
    )


def _profile_names(value: dict[str, Any]) -> dict[str, str]:
    return {
        str(c.get("wa_id", "")): str(_dict(c.get("profile")).get("name", ""))
        for c in _dicts(value.get("contacts"))
    }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _time(value: Any) -> datetime:
    """Meta's timestamps are Unix seconds as strings; a missing one means "now"."""
    seconds = _int(value)
    if seconds is None:
        return timezone.now()
    return datetime.fromtimestamp(seconds, tz=UTC)
