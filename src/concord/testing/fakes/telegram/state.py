"""Everything the fake remembers: chats and the messages in them, the update queue, files,
calls, faults that belong to a chat (blocked, unknown, migrated) and the rate limiter.

One re-entrant lock guards it all; the HTTP threads, the test thread and the long-polling
`getUpdates` (which waits on `updates_changed`) all go through it.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from concord.testing.fakes.telegram.errors import FORBIDDEN, ApiError, bad_request
from concord.testing.fakes.telegram.errors import too_many_requests as flood
from concord.testing.fakes.telegram.limits import FakeLimits, RateLimiter, retry_after_seconds

ChatId = int | str
_NUMERIC = re.compile(r"-?\d+")


def parse_chat_id(raw: object) -> ChatId:
    """A chat id as the API takes it: a number (possibly sent as a string) or "@username"."""
    if raw is None or raw == "":
        raise bad_request("chat_id is empty")
    text = str(raw).strip()
    if _NUMERIC.fullmatch(text):
        return int(text)
    if text.startswith("@") and len(text) > 1:
        return text
    raise bad_request("chat not found")


def chat_type_of(chat_id: ChatId) -> str:
    """Telegram's id conventions: users are positive, basic groups negative, supergroups and
    channels -100…; "@name" addresses a public channel."""
    if isinstance(chat_id, str):
        return "channel"
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


@dataclass
class Chat:
    id: ChatId
    type: str
    title: str = ""
    first_name: str = ""
    username: str = ""
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def as_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or f"User {self.id}"
        else:
            chat["title"] = self.title or f"Group {self.id}"
        if self.username:
            chat["username"] = self.username
        return chat

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


# Bots may download files of up to 20 MB; getFile refuses larger ones ("file is too big").
BOT_FILE_MAX_BYTES = 20 * 1024 * 1024


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    declared_size: int | None = None  # a large file's size, without holding its bytes

    @property
    def size(self) -> int:
        return self.declared_size if self.declared_size is not None else len(self.content)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass(frozen=True)
class Call:
    """One Bot API call as the fake saw it."""

    method: str
    params: dict[str, Any]
    status: int
    description: str
    at: float  # time.time()
    chat_id: ChatId | None


@dataclass
class Webhook:
    url: str = ""
    secret_token: str = ""
    allowed_updates: list[str] = field(default_factory=list)
    last_error_date: int | None = None
    last_error_message: str = ""


class FakeState:
    def __init__(self, *, token: str, limits: FakeLimits, bot_username: str) -> None:
        self.lock = threading.RLock()
        self.updates_changed = threading.Condition(self.lock)
        self.token = token
        self.bot = _bot_user(token, bot_username)
        self.limits = limits
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.limiter = RateLimiter(self.limits)
            self.chats: dict[ChatId, Chat] = {}
            self.sent: list[tuple[ChatId, int]] = []  # bot messages in the order sent
            self.calls: list[Call] = []
            self.count_429 = 0
            self.count_limit_429 = 0
            self.send_times: dict[ChatId, list[float]] = {}
            self.blocked: dict[ChatId, str] = {}
            self.unknown_chats: set[ChatId] = set()
            self.migrated: dict[ChatId, int] = {}
            self.flood_until = 0.0
            self.updates: list[dict[str, Any]] = []
            self.next_update_id = 100_000
            self.poll_generation = 0
            self.callbacks_known: set[str] = set()
            self.callback_answers: dict[str, dict[str, Any]] = {}
            self.polls: dict[str, tuple[ChatId, int]] = {}
            self.files: dict[str, StoredFile] = {}
            self.webhook = Webhook()
            self.webhook_deliveries: list[dict[str, Any]] = []
            self.invite_links: list[dict[str, Any]] = []
            self.ids = itertools.count(1)

    # --- chats -----------------------------------------------------------------------------

    def chat(self, chat_id: ChatId) -> Chat:
        """The chat with this id; chats the fake has not seen yet exist (see `unknown_chats`)."""
        if chat_id not in self.chats:
            self.chats[chat_id] = Chat(id=chat_id, type=chat_type_of(chat_id))
        return self.chats[chat_id]

    def resolve_chat(self, params: dict[str, Any]) -> Chat:
        """The chat a call addresses, refusing it like the API does for an unknown, migrated or
        blocked chat."""
        chat_id = parse_chat_id(params.get("chat_id"))
        if chat_id in self.unknown_chats:
            raise bad_request("chat not found")
        if chat_id in self.migrated:
            new_id = self.migrated[chat_id]
            raise bad_request(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_id}
            )
        if chat_id in self.blocked:
            raise ApiError(403, FORBIDDEN[self.blocked[chat_id]])
        return self.chat(chat_id)

    def message(self, chat: Chat, raw_id: object, missing: str) -> dict[str, Any]:
        try:
            return chat.messages[int(str(raw_id))]
        except (KeyError, ValueError):
            raise bad_request(missing) from None

    # --- sending ---------------------------------------------------------------------------

    def admit_send(self, chat: Chat) -> None:
        """Raise a real 429 when this send would break a limit, else count it."""
        now = time.monotonic()
        wait = max(self.flood_until - now, 0.0)
        wait = max(wait, self.limiter.wait_needed(chat.id, is_group=chat.is_group, now=now))
        if wait > 0:
            raise flood(retry_after_seconds(wait), from_limits=True)
        self.limiter.record(chat.id, is_group=chat.is_group, now=now)
        self.send_times.setdefault(chat.id, []).append(now)

    def bot_message(self, chat: Chat, **content: Any) -> dict[str, Any]:
        """Store a message the bot sent and return it as the API's Message object."""
        message: dict[str, Any] = {
            "message_id": chat.allocate_message_id(),
            "from": dict(self.bot),
            "chat": chat.as_dict(),
            "date": int(time.time()),
        }
        message.update({key: value for key, value in content.items() if value})
        chat.messages[message["message_id"]] = message
        self.sent.append((chat.id, message["message_id"]))
        return message

    # --- updates and files -----------------------------------------------------------------

    def allocate_update_id(self) -> int:
        self.next_update_id += 1
        return self.next_update_id

    def take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        """Confirm updates below `offset` (a negative offset keeps only the last -offset),
        then return up to `limit` of the rest, oldest first."""
        if offset is not None and offset < 0:
            self.updates = self.updates[offset:]
        elif offset is not None:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]
        return [dict(update) for update in self.updates[:limit]]

    def add_file(
        self, content: bytes, *, folder: str, suffix: str, size: int | None = None
    ) -> StoredFile:
        """A file people sent; `size` declares a large one (its bytes are never served:
        getFile refuses files over 20 MB, as for real bots)."""
        number = next(self.ids)
        stored = StoredFile(
            file_id=f"AgAC{secrets.token_urlsafe(24)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(8)}",
            file_path=f"{folder}/file_{number}.{suffix}",
            content=content,
            declared_size=size,
        )
        self.files[stored.file_id] = stored
        return stored


def _bot_user(token: str, username: str) -> dict[str, Any]:
    bot_id = token.split(":", 1)[0]
    return {
        "id": int(bot_id) if bot_id.isdigit() else 1,
        "is_bot": True,
        "first_name": "Concord (fake)",
        "username": username,
    }
