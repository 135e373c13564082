"""Builders of realistic Update JSON — what Telegram would send when a person writes, taps a
button, votes, shares a location, a photo or a voice note, or when a group becomes a
supergroup. They only build (allocating update and message ids); `push_update` delivers.

A private chat's id is the person's user id, as in Telegram.
"""

from __future__ import annotations

import time
import zlib
from typing import Any

from concord.testing.fakes.telegram.state import ChatId, FakeState

GROUP_MEMBER_ID = 100_500  # who writes in a group when a test does not say
# Tiny but well-formed enough heads of a JPEG and an Ogg file, for download tests.
SAMPLE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
SAMPLE_OGG = b"OggS\x00\x02" + b"\x00" * 20


def make_user(
    user_id: int,
    first_name: str = "Анна",
    *,
    last_name: str = "",
    username: str = "",
    language_code: str = "ru",
) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def _command_entities(text: str) -> list[dict[str, Any]]:
    """Telegram marks a leading /command, and bots route on that entity."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


class UpdateBuilders:
    _state: FakeState

    def _sender(self, chat_id: ChatId, user: dict[str, Any] | None) -> dict[str, Any]:
        if user is not None:
            return user
        chat = self._state.chat(chat_id)
        if chat.type == "private" and isinstance(chat_id, int):
            return make_user(chat_id, chat.first_name or "Анна")
        return make_user(GROUP_MEMBER_ID, "Олег")

    def _incoming(
        self, chat_id: ChatId, user: dict[str, Any] | None, **content: Any
    ) -> dict[str, Any]:
        with self._state.lock:
            chat = self._state.chat(chat_id)
            message: dict[str, Any] = {
                "message_id": chat.allocate_message_id(),
                "from": self._sender(chat_id, user),
                "chat": chat.as_dict(),
                "date": int(time.time()),
                **{key: value for key, value in content.items() if value is not None},
            }
            return {"update_id": self._state.allocate_update_id(), "message": message}

    def make_message_update(
        self, chat_id: ChatId, text: str, *, user: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        entities = _command_entities(text) or None
        return self._incoming(chat_id, user, text=text, entities=entities)

    def make_callback_query_update(
        self,
        chat_id: ChatId,
        data: str,
        *,
        message_id: int | None = None,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A tap on an inline button of the bot's message (by default its latest message in
        the chat that has an inline keyboard)."""
        with self._state.lock:
            message = self._tapped_message(chat_id, message_id)
            query = {
                "id": str(4_000_000_000_000_000 + next(self._state.ids)),
                "from": self._sender(chat_id, user),
                "message": message,
                "chat_instance": str(7_000_000_000_000_000_000 + zlib.crc32(str(chat_id).encode())),
                "data": data,
            }
            return {"update_id": self._state.allocate_update_id(), "callback_query": query}

    def _tapped_message(self, chat_id: ChatId, message_id: int | None) -> dict[str, Any]:
        chat = self._state.chat(chat_id)
        if message_id is None:
            with_keyboard = [m for m in chat.messages.values() if "reply_markup" in m]
            message_id = with_keyboard[-1]["message_id"] if with_keyboard else None
        if message_id in chat.messages:
            return dict(chat.messages[message_id])
        # A button under a message the fake never sent (e.g. one from before a restart).
        return {"message_id": message_id or 1, "chat": chat.as_dict(), "date": 0}

    def make_poll_answer_update(
        self, poll_id: str, user_id: int, option_ids: list[int], *, first_name: str = "Анна"
    ) -> dict[str, Any]:
        with self._state.lock:
            answer = {
                "poll_id": poll_id,
                "user": make_user(user_id, first_name),
                "option_ids": list(option_ids),
            }
            return {"update_id": self._state.allocate_update_id(), "poll_answer": answer}

    def make_location_update(
        self,
        chat_id: ChatId,
        latitude: float,
        longitude: float,
        *,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        return self._incoming(chat_id, user, location=location)

    def make_photo_update(
        self,
        chat_id: ChatId,
        *,
        caption: str | None = None,
        content: bytes = SAMPLE_JPEG,
        file_size: int | None = None,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A photo in two sizes, as Telegram sends them; both can be fetched with getFile
        (unless `file_size` declares the large one over 20 MB)."""
        with self._state.lock:
            sizes = []
            for width, height in ((90, 67), (1280, 960)):
                declared = file_size if width > 90 else None
                stored = self._state.add_file(content, folder="photos", suffix="jpg", size=declared)
                size = stored.as_dict()
                del size["file_path"]
                sizes.append({**size, "width": width, "height": height})
        return self._incoming(chat_id, user, photo=sizes, caption=caption)

    def make_voice_update(
        self,
        chat_id: ChatId,
        *,
        duration: int = 3,
        content: bytes = SAMPLE_OGG,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self._state.lock:
            stored = self._state.add_file(content, folder="voice", suffix="oga")
        voice = {**stored.as_dict(), "duration": duration, "mime_type": "audio/ogg"}
        del voice["file_path"]
        return self._incoming(chat_id, user, voice=voice)

    def make_file_update(
        self,
        chat_id: ChatId,
        field: str = "document",
        *,
        content: bytes = b"%PDF-1.4\n%%EOF\n",
        mime_type: str = "application/pdf",
        file_name: str | None = "report.pdf",
        file_size: int | None = None,
        caption: str | None = None,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A document, video, audio or video_note (`field`) with its file; `file_size`
        declares a large one (over 20 MB getFile refuses it)."""
        folders = {"document": "documents", "video": "videos", "audio": "music"}
        with self._state.lock:
            stored = self._state.add_file(
                content, folder=folders.get(field, "video_notes"), suffix="bin", size=file_size
            )
        file: dict[str, Any] = {**stored.as_dict()}
        del file["file_path"]
        if field != "video_note":
            file["mime_type"] = mime_type
        if file_name and field in ("document", "audio", "video"):
            file["file_name"] = file_name
        if field in ("video", "audio", "video_note"):
            file["duration"] = 5
        return self._incoming(chat_id, user, caption=caption, **{field: file})

    def make_migration_update(
        self, old_chat_id: int, new_chat_id: int, *, side: str = "old"
    ) -> dict[str, Any]:
        """The service message of a group becoming a supergroup: in the old group it carries
        `migrate_to_chat_id`; with side="new", in the supergroup, `migrate_from_chat_id`."""
        if side == "new":
            return self._incoming(new_chat_id, None, migrate_from_chat_id=old_chat_id)
        return self._incoming(old_chat_id, None, migrate_to_chat_id=new_chat_id)
