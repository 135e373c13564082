"""What a test (or a person watching the demo) can ask the fake about what it received."""

from __future__ import annotations

import copy
import time
from typing import Any

from concord.testing.fakes.telegram.state import Call, ChatId, FakeState, parse_chat_id


class Inspection:
    _state: FakeState

    def sent_messages(self, chat_id: ChatId | None = None) -> list[dict[str, Any]]:
        """The Message objects the bot sent (texts and polls), oldest first, as they are now
        (edits applied). Messages accepted before a timeout or dropped connection are here."""
        wanted = None if chat_id is None else parse_chat_id(chat_id)
        with self._state.lock:
            return [
                copy.deepcopy(self._state.chats[sent_to].messages[message_id])
                for sent_to, message_id in self._state.sent
                if wanted is None or sent_to == wanted
            ]

    def wait_for_messages(
        self, count: int, *, chat_id: ChatId | None = None, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until at least `count` messages were sent (to the chat), for tests whose
        sender runs in another thread or process; raises AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while len(messages := self.sent_messages(chat_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(messages)} of {count} messages arrived in {timeout}s")
            time.sleep(0.01)
        return messages

    def calls(self, method: str | None = None) -> list[Call]:
        """Every API call (of one method, any case), oldest first, whatever its answer."""
        with self._state.lock:
            return [
                call
                for call in self._state.calls
                if method is None or call.method.lower() == method.lower()
            ]

    @property
    def count_429(self) -> int:
        """Every 429 answered, injected or not."""
        with self._state.lock:
            return self._state.count_429

    @property
    def count_limit_429(self) -> int:
        """429s the client earned: a rate limit broken, or a flood's retry_after ignored.
        A well-behaved client keeps this at 0."""
        with self._state.lock:
            return self._state.count_limit_429

    def send_times(self, chat_id: ChatId) -> list[float]:
        """time.monotonic() of each accepted new message to the chat, to check spacing."""
        with self._state.lock:
            return list(self._state.send_times.get(parse_chat_id(chat_id), []))

    def callback_answers(self) -> dict[str, dict[str, Any]]:
        """answerCallbackQuery answers by callback query id."""
        with self._state.lock:
            return copy.deepcopy(self._state.callback_answers)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates nor delivered to the webhook."""
        with self._state.lock:
            return copy.deepcopy(self._state.updates)

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Each POST to the webhook: update_id, url, status (0: no connection), error."""
        with self._state.lock:
            return copy.deepcopy(self._state.webhook_deliveries)

    def invite_links(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return copy.deepcopy(self._state.invite_links)

    def add_chat(
        self, chat_id: int, *, title: str = "", first_name: str = "", username: str = ""
    ) -> dict[str, Any]:
        """Name a chat (a person's first name, a group's title) for realistic updates."""
        with self._state.lock:
            chat = self._state.chat(chat_id)
            chat.title, chat.first_name, chat.username = title, first_name, username
            return chat.as_dict()

    def summary(self) -> dict[str, Any]:
        state = self._state
        with state.lock:
            return {
                "bot": state.bot["username"],
                "chats": len(state.chats),
                "sent_messages": len(state.sent),
                "calls": len(state.calls),
                "count_429": state.count_429,
                "count_limit_429": state.count_limit_429,
                "pending_updates": len(state.updates),
                "webhook_url": state.webhook.url,
                "blocked_chats": sorted(map(str, state.blocked)),
                "migrated_chats": {str(old): new for old, new in state.migrated.items()},
            }
