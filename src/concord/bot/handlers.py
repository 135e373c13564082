"""From stored updates (Telegram, WhatsApp) to the engine's `Incoming`; registered with the
inbound dispatcher when the app is ready."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from concord.bot import engine
from concord.messaging.inbound import register_update_handler, whatsapp_phone
from concord.messaging.models import Channel, InboundEvent
from concord.messaging.providers import provider_for

logger = logging.getLogger(__name__)
TELEGRAM_TEXT_MAX = 4096  # Telegram's own limit for a message (a caption: 1024)
# A WhatsApp message may be far longer than Telegram's: kept whole up to this, so the flow can
# tell the person how long it is instead of silently cutting it.
WHATSAPP_TEXT_MAX = 65_536
# Telegram message fields that carry a file, and what kind of report attachment each is.
TELEGRAM_FILES = (
    ("voice", "voice"),
    ("audio", "voice"),
    ("video", "video"),
    ("video_note", "video"),
    ("animation", "video"),
    ("document", "document"),
)
WHATSAPP_FILES = {
    "image": "photo",
    "audio": "voice",
    "voice": "voice",
    "video": "video",
    "document": "document",
}


def _obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _user_id(user: dict[str, Any]) -> int | None:
    value = user.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _size(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _location(value: dict[str, Any]) -> engine.Location | None:
    """A shared location (Telegram Location, WhatsApp location), when its numbers are sane."""
    lat, lon = _number(value.get("latitude")), _number(value.get("longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return engine.Location(lat, lon)


def _telegram_attachments(message: dict[str, Any]) -> tuple[engine.Attachment, ...]:
    """The file a message carries: the largest size of a photo, or a voice note, audio,
    video, round video or document."""
    found: list[engine.Attachment] = []
    sizes = [s for s in message.get("photo") or [] if isinstance(s, dict) and s.get("file_id")]
    if sizes:
        largest = max(
            sizes, key=lambda s: (_size(s.get("width")) or 0) * (_size(s.get("height")) or 0)
        )
        found.append(
            engine.Attachment(
                "photo", _str(largest["file_id"]), _size(largest.get("file_size")), "image/jpeg"
            )
        )
    for field, kind in TELEGRAM_FILES:
        file = _obj(message, field)
        if _str(file.get("file_id")):
            mime = _str(file.get("mime_type")) or ("video/mp4" if field == "video_note" else "")
            found.append(
                engine.Attachment(kind, file["file_id"], _size(file.get("file_size")), mime)
            )
            break  # a message carries one file (an animation also comes as a document)
    return tuple(found)


def _telegram_location(message: dict[str, Any]) -> engine.Location | None:
    location = _obj(message, "location") or _obj(_obj(message, "venue"), "location")
    return _location(location) if location else None


def telegram_message(event: InboundEvent, message: dict[str, Any]) -> bool:
    """Private chats only: in groups the bot listens to the network, it does not chat."""
    chat, sender = _obj(message, "chat"), _obj(message, "from")
    if chat.get("type") != "private" or _user_id(chat) is None or sender.get("is_bot"):
        return False
    text = _str(message.get("text")) or _str(message.get("caption"))
    incoming = engine.Incoming(
        channel=Channel.TELEGRAM,
        chat_key=str(chat["id"]),
        event_id=event.pk,
        text=text[:TELEGRAM_TEXT_MAX],
        first_name=_str(sender.get("first_name"))[:64],
        language_hint=_str(sender.get("language_code")),
        attachments=_telegram_attachments(message),
        location=_telegram_location(message),
    )
    engine.handle(incoming)
    return True


def telegram_callback_query(event: InboundEvent, query: dict[str, Any]) -> bool:
    """A tapped inline button. The person is whoever tapped it (their private chat has the
    id of their user), never the chat the button was in."""
    sender = _obj(query, "from")
    user_id = _user_id(sender)
    if user_id is None:
        return False
    incoming = engine.Incoming(
        channel=Channel.TELEGRAM,
        chat_key=str(user_id),
        event_id=event.pk,
        data=_str(query.get("data"))[:64],
        callback_id=_str(query.get("id")),
        first_name=_str(sender.get("first_name"))[:64],
        language_hint=_str(sender.get("language_code")),
    )
    turn = engine.handle(incoming)
    if incoming.callback_id:
        # After the commit: the spinner on the button stops only once the answer is certain.
        transaction.on_commit(lambda: callback_answer(incoming.callback_id, turn.toast))
    return True


def callback_answer(callback_id: str, text: str) -> None:
    """Stop the button's spinner. Not a message (nothing reaches the chat), so it does not go
    through the outbox; if it fails the person still gets the answer in the chat."""
    provider = provider_for(Channel.TELEGRAM)
    answer = getattr(provider, "answer_callback_query", None)
    if answer is None:
        return
    try:
        answer(callback_id, text[:200])
    except Exception as error:
        logger.warning("answerCallbackQuery %s failed: %r", callback_id, error)


def whatsapp_message(event: InboundEvent, message: dict[str, Any]) -> bool:
    phone = whatsapp_phone(message.get("from"))
    if phone is None:
        return False
    text, data = _whatsapp_content(message)
    contact = _obj(event.payload, "contact")
    incoming = engine.Incoming(
        channel=Channel.WHATSAPP,
        chat_key=phone,
        event_id=event.pk,
        text=text[:WHATSAPP_TEXT_MAX],
        data=data[:256],
        first_name=_str(_obj(contact, "profile").get("name"))[:64],
        attachments=_whatsapp_attachments(message),
        location=_location(_obj(message, "location"))
        if message.get("type") == "location"
        else None,
    )
    engine.handle(incoming)
    return True


def _whatsapp_content(message: dict[str, Any]) -> tuple[str, str]:
    """(typed text, tapped button id): text messages, reply buttons and list rows of our
    interactive messages, and quick-reply buttons of templates (their payload is the id)."""
    kind = message.get("type")
    if kind == "text":
        return _str(_obj(message, "text").get("body")), ""
    if kind == "interactive":
        interactive = _obj(message, "interactive")
        reply = _obj(interactive, "button_reply") or _obj(interactive, "list_reply")
        return _str(reply.get("title")), _str(reply.get("id"))
    if kind == "button":
        button = _obj(message, "button")
        return _str(button.get("text")), _str(button.get("payload"))
    if kind in WHATSAPP_FILES:
        return _str(_obj(message, str(kind)).get("caption")), ""
    return "", ""


def _whatsapp_attachments(message: dict[str, Any]) -> tuple[engine.Attachment, ...]:
    """An image, voice note, audio, video or document, by its media id (no size is sent)."""
    kind = _str(message.get("type"))
    media = _obj(message, kind) if kind in WHATSAPP_FILES else {}
    if not _str(media.get("id")):
        return ()
    mime = _str(media.get("mime_type")).split(";", 1)[0].strip()
    return (engine.Attachment(WHATSAPP_FILES[kind], media["id"], None, mime),)


def register() -> None:
    register_update_handler("telegram.message", telegram_message)
    register_update_handler("telegram.callback_query", telegram_callback_query)
    register_update_handler("whatsapp.message", whatsapp_message)
