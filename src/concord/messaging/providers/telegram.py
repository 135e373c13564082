"""Telegram Bot API over httpx: the channel provider and the few calls the bot makes.

Every call's failure is mapped onto the base errors in one place (`_result_or_raise`):

    429                        RetryLater(retry_after, pause_channel=True)  the bot is flooded
    5xx, timeout, connection   RetryLater                                   try again with backoff
    401, 404                   RetryLater(pause_channel=True) + an error log: the token or the
                               base URL is wrong; messages wait for the fix, none are dropped
    403                        Undeliverable (blocked, kicked, deactivated account)
    400 migrate_to_chat_id     ChatMigrated(new_chat_id)
    400 chat/user not found    Undeliverable: the address is wrong, not the message
    other 400                  Rejected

A call that timed out may still have been delivered (Telegram accepted it, the answer was
lost); the outbox's dedupe and retry policy decide what to do about that, not this module.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from django.conf import settings

from concord.messaging.providers.base import (
    Button,
    ChatMigrated,
    Limits,
    Outgoing,
    Rejected,
    RetryLater,
    SendResult,
    Undeliverable,
)
from concord.messaging.providers.files import FileTooLarge, download

logger = logging.getLogger(__name__)

# One pooled client for the process; each request passes its own timeout from settings, so
# tests and deployments can change CONCORD_CHANNEL_TIMEOUT without rebuilding it.
_client = httpx.Client()

MAX_CALLBACK_DATA_BYTES = 64  # Telegram refuses longer callback_data (BUTTON_DATA_INVALID)
MAX_INVITE_LINK_NAME = 32
MISCONFIGURED_RETRY_SECONDS = 60.0
_ADDRESS_NOT_FOUND = ("chat not found", "user not found", "peer_id_invalid")
_NOT_MODIFIED = "message is not modified"
_TOKEN_IN_URL = re.compile(r"/(file/)?bot[^/\s]+")
_KEYBOARD_BUTTON_FIELDS = ("text", "request_location", "request_contact")
# Bots may download files of up to 20 MB (getFile); larger ones are refused with this.
FILE_MAX_BYTES = 20 * 1024 * 1024
_FILE_TOO_BIG = "file is too big"


class _RedactToken(logging.Filter):
    """httpx logs every request URL at INFO, and Telegram's URLs contain the bot token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_URL.sub(r"/\1bot<token>", str(arg)) if _mentions_bot(arg) else arg
                for arg in record.args
            )
        return True


def _mentions_bot(value: object) -> bool:
    return isinstance(value, (str, httpx.URL)) and "/bot" in str(value)


logging.getLogger("httpx").addFilter(_RedactToken())


def _chat_id(address: str | int) -> int | str:
    """Numeric ids go as numbers; "@channel" names stay strings."""
    text = str(address).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _callback_data(button: Button) -> str:
    if not 1 <= len(button.id.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
        raise Rejected(
            f"Telegram button id must be 1-{MAX_CALLBACK_DATA_BYTES} bytes: {button.id!r}"
        )
    return button.id


def inline_keyboard(buttons: tuple[Button, ...]) -> dict[str, Any]:
    """One button per row: wide buttons are easier to read and to hit on a small phone."""
    rows = [[{"text": button.title, "callback_data": _callback_data(button)}] for button in buttons]
    return {"inline_keyboard": rows}


def reply_keyboard(rows: tuple[tuple[str | dict[str, Any], ...], ...]) -> dict[str, Any]:
    """The bot's menu under the text field; persistent so it does not disappear after a tap.

    A row item is a label, or a KeyboardButton as a dict ({"text": "📍 Send my location",
    "request_location": True}: the tap shares the phone's location)."""
    return {
        "keyboard": [[_keyboard_button(item) for item in row] for row in rows],
        "resize_keyboard": True,
        "is_persistent": True,
    }


def _keyboard_button(item: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(item, dict):
        return {key: value for key, value in item.items() if key in _KEYBOARD_BUTTON_FIELDS}
    return {"text": item}


def _reply_markup(outgoing: Outgoing) -> dict[str, Any] | None:
    if outgoing.buttons and outgoing.keyboard:
        # A Telegram message carries one markup; choosing silently would hide a bug.
        raise Rejected("A Telegram message has either inline buttons or a reply keyboard.")
    if outgoing.buttons:
        return inline_keyboard(outgoing.buttons)
    if outgoing.keyboard:
        return reply_keyboard(outgoing.keyboard)
    if outgoing.extra.get("remove_keyboard"):
        return {"remove_keyboard": True}
    return None


def send_message_params(outgoing: Outgoing) -> dict[str, Any]:
    params: dict[str, Any] = {"chat_id": _chat_id(outgoing.address)}
    if outgoing.html:
        params.update(text=outgoing.html, parse_mode="HTML")
    else:
        params["text"] = outgoing.text
    if (markup := _reply_markup(outgoing)) is not None:
        params["reply_markup"] = markup
    return params


class TelegramProvider:
    channel = "telegram"

    def __init__(self) -> None:
        self.limits = Limits(
            per_second=settings.TELEGRAM_LIMIT_PER_SECOND,
            per_chat_seconds=settings.TELEGRAM_LIMIT_PER_CHAT_SECONDS,
            per_group_per_minute=settings.TELEGRAM_LIMIT_GROUP_PER_MINUTE,
        )

    def is_configured(self) -> bool:
        return bool(settings.TELEGRAM_BOT_TOKEN)

    def send(self, outgoing: Outgoing) -> SendResult:
        message = self.call("sendMessage", send_message_params(outgoing))
        return SendResult(provider_message_id=str(message["message_id"]))

    # --- the bot's other calls ---------------------------------------------------------------

    def answer_callback_query(self, callback_query_id: str, text: str = "") -> None:
        """Stop the button's spinner, showing `text` briefly when given."""
        params: dict[str, Any] = {"callback_query_id": callback_query_id}
        if text:
            params["text"] = text[:200]  # Telegram's limit for this notice
        self.call("answerCallbackQuery", params)

    def edit_message_text(
        self,
        chat_id: int | str,
        message_id: int,
        html: str,
        buttons: tuple[Button, ...] = (),
    ) -> None:
        """Replace a message's text (and its buttons; without buttons they disappear)."""
        params: dict[str, Any] = {
            "chat_id": _chat_id(chat_id),
            "message_id": message_id,
            "text": html,
            "parse_mode": "HTML",
        }
        if buttons:
            params["reply_markup"] = inline_keyboard(buttons)
        try:
            self.call("editMessageText", params)
        except Rejected as error:
            # The same edit arriving twice (a retry after a lost answer) is a success.
            if _NOT_MODIFIED not in str(error):
                raise

    def send_poll(self, chat_id: int | str, question: str, options: list[str]) -> tuple[int, str]:
        """A non-anonymous poll, so answers arrive as poll_answer updates naming the voter.
        Returns (message_id, poll_id)."""
        params = {
            "chat_id": _chat_id(chat_id),
            "question": question,
            "options": [{"text": option} for option in options],
            "is_anonymous": False,
        }
        message = self.call("sendPoll", params)
        return int(message["message_id"]), str(message["poll"]["id"])

    def create_chat_invite_link(self, chat_id: int | str, name: str) -> str:
        # The name only labels the link for admins; a long one is cut rather than refused.
        params = {"chat_id": _chat_id(chat_id), "name": name[:MAX_INVITE_LINK_NAME].rstrip()}
        return str(self.call("createChatInviteLink", params)["invite_link"])

    def get_updates(
        self, offset: int | None, timeout: int, allowed_updates: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Long polling: waits up to `timeout` seconds for updates after `offset`."""
        params: dict[str, Any] = {"timeout": timeout}
        if offset is not None:
            params["offset"] = offset
        if allowed_updates is not None:
            params["allowed_updates"] = allowed_updates
        # The server holds the request for `timeout` seconds before answering an empty list.
        wait = timeout + float(settings.CONCORD_CHANNEL_TIMEOUT)
        return list(self.call("getUpdates", params, timeout=wait))

    def set_webhook(self, url: str, secret: str, allowed_updates: list[str] | None = None) -> None:
        params: dict[str, Any] = {"url": url, "secret_token": secret}
        if allowed_updates is not None:
            params["allowed_updates"] = allowed_updates
        self.call("setWebhook", params)

    def delete_webhook(self) -> None:
        self.call("deleteWebhook", {})

    def get_file_url(self, file_id: str) -> str:
        """Where to download a file the bot received. The URL contains the bot token: use it,
        never store or log it."""
        file = self.call("getFile", {"file_id": file_id})
        base = settings.TELEGRAM_API_BASE_URL.rstrip("/")
        return f"{base}/file/bot{settings.TELEGRAM_BOT_TOKEN}/{file['file_path']}"

    def download_file(self, file_id: str, *, max_bytes: int = FILE_MAX_BYTES) -> bytes:
        """The content of a file a person sent (getFile, then the file link). FileTooLarge
        when Telegram refuses it as too big or it is over `max_bytes`; RetryLater for a
        timeout or a 5xx; Rejected for an unknown or expired file."""
        try:
            url = self.get_file_url(file_id)
        except Rejected as error:
            if _FILE_TOO_BIG in str(error).lower():
                raise FileTooLarge(str(error)) from None
            raise
        return download(url, max_bytes=max_bytes, what="Telegram file")

    # --- the one way to the API --------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any], *, timeout: float | None = None) -> Any:
        """Call a Bot API method and return its `result`, or raise a base channel error."""
        base = settings.TELEGRAM_API_BASE_URL.rstrip("/")
        url = f"{base}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}"
        try:
            response = _client.post(
                url, json=params, timeout=timeout or float(settings.CONCORD_CHANNEL_TIMEOUT)
            )
        except httpx.TimeoutException:
            raise RetryLater(f"Telegram {method}: timed out") from None
        except httpx.TransportError as error:
            raise RetryLater(f"Telegram {method}: {type(error).__name__}") from None
        return _result_or_raise(method, response)


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _result_or_raise(method: str, response: httpx.Response) -> Any:
    answer = _answer(response)
    if response.status_code == 200 and answer.get("ok") is True:
        return answer.get("result")
    status = response.status_code
    description = str(answer.get("description") or response.reason_phrase)
    parameters = answer.get("parameters") or {}
    reason = f"Telegram {method}: {status} {description}"
    if status == 429:
        raise RetryLater(reason, retry_after=_retry_after(parameters), pause_channel=True)
    if status in (401, 404):
        _log_misconfiguration(method, status)
        raise RetryLater(reason, retry_after=MISCONFIGURED_RETRY_SECONDS, pause_channel=True)
    if status >= 500 or not answer:  # a 5xx, or a proxy's page instead of the API's answer
        raise RetryLater(reason)
    raise _client_error(reason, status, description, parameters)


def _client_error(
    reason: str, status: int, description: str, parameters: dict[str, Any]
) -> Exception:
    if status == 403:
        return Undeliverable(reason)
    if "migrate_to_chat_id" in parameters:
        return ChatMigrated(reason, new_chat_id=int(parameters["migrate_to_chat_id"]))
    if any(phrase in description.lower() for phrase in _ADDRESS_NOT_FOUND):
        return Undeliverable(reason)
    if status == 409:  # getUpdates beside a webhook or another poller: wait, do not drop
        return RetryLater(reason)
    return Rejected(reason)


def _retry_after(parameters: dict[str, Any]) -> float | None:
    try:
        return float(parameters["retry_after"])
    except (KeyError, TypeError, ValueError):
        return None


def _log_misconfiguration(method: str, status: int) -> None:
    logger.error(
        "Telegram answered %s to %s: TELEGRAM_BOT_TOKEN or TELEGRAM_API_BASE_URL is wrong. "
        "Messages wait in the outbox until it is fixed.",
        status,
        method,
    )
