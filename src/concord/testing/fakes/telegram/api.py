"""The Bot API methods Concord uses, each a function of the fake's state and the call's
parameters that returns the `result` or raises `ApiError`. The server calls them with the state
lock held. getUpdates is not here: it long-polls, so the server handles it itself."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from concord.testing.fakes.telegram.errors import ApiError, bad_request
from concord.testing.fakes.telegram.keyboards import inline_keyboard_of, parse_reply_markup
from concord.testing.fakes.telegram.markup import message_text
from concord.testing.fakes.telegram.state import BOT_FILE_MAX_BYTES, Chat, FakeState, Webhook

Params = dict[str, Any]
Method = Callable[[FakeState, Params], Any]
METHODS: dict[str, Method] = {}  # keyed by lower-case name: the API ignores the case
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def api_method(name: str) -> Callable[[Method], Method]:
    def register(function: Method) -> Method:
        METHODS[name.lower()] = function
        return function

    return register


def as_bool(value: object, default: bool) -> bool:
    """Booleans arrive as JSON true/false or, form-encoded, as "true"/"false"/"1"/"0"."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def as_list(value: object) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise bad_request("can't parse JSON array") from None
    return list(value) if isinstance(value, list) else []


@api_method("getMe")
def get_me(state: FakeState, params: Params) -> Any:
    return {**state.bot, "can_join_groups": True, "can_read_all_group_messages": False}


@api_method("sendMessage")
def send_message(state: FakeState, params: Params) -> Any:
    chat = state.resolve_chat(params)
    parsed = message_text(params)
    markup = parse_reply_markup(params.get("reply_markup"))
    state.admit_send(chat)
    return state.bot_message(
        chat,
        text=parsed.text,
        entities=parsed.entities,
        reply_markup=inline_keyboard_of(markup),
    )


def _edited_inline_markup(params: Params) -> dict[str, Any] | None:
    markup = parse_reply_markup(params.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return inline_keyboard_of(markup)


def _apply_edit(message: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Edit in place; an edit that changes nothing is an error in the real API too."""
    if all(message.get(key) == value for key, value in changes.items()):
        raise bad_request(_NOT_MODIFIED)
    for key, value in changes.items():
        if value:
            message[key] = value
        else:
            message.pop(key, None)
    message["edit_date"] = int(time.time())
    return dict(message)


@api_method("editMessageText")
def edit_message_text(state: FakeState, params: Params) -> Any:
    chat = state.resolve_chat(params)
    message = state.message(chat, params.get("message_id"), "message to edit not found")
    parsed = message_text(params)
    # Without reply_markup the edited message loses its inline keyboard, as in the API.
    changes = {
        "text": parsed.text,
        "entities": parsed.entities or None,
        "reply_markup": _edited_inline_markup(params),
    }
    return _apply_edit(message, changes)


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(state: FakeState, params: Params) -> Any:
    chat = state.resolve_chat(params)
    message = state.message(chat, params.get("message_id"), "message to edit not found")
    return _apply_edit(message, {"reply_markup": _edited_inline_markup(params)})


@api_method("answerCallbackQuery")
def answer_callback_query(state: FakeState, params: Params) -> Any:
    query_id = str(params.get("callback_query_id") or "")
    if query_id not in state.callbacks_known or query_id in state.callback_answers:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = str(params.get("text") or "")
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    state.callback_answers[query_id] = {
        "text": text,
        "show_alert": as_bool(params.get("show_alert"), False),
    }
    return True


def _poll_options(raw: object) -> list[dict[str, Any]]:
    options = [
        option.get("text") if isinstance(option, dict) else option for option in as_list(raw)
    ]
    if len(options) < 2:
        raise bad_request("poll must have at least 2 option")
    if len(options) > 12:
        raise bad_request("poll can't have more than 12 options")
    if any(not isinstance(text, str) or not 1 <= len(text) <= 100 for text in options):
        raise bad_request("poll options length must not exceed 100")
    return [{"text": text, "voter_count": 0} for text in options]


@api_method("sendPoll")
def send_poll(state: FakeState, params: Params) -> Any:
    chat = state.resolve_chat(params)
    question = str(params.get("question") or "")
    if not 1 <= len(question) <= 300:
        raise bad_request(
            "poll question must be non-empty" if not question else "POLL_QUESTION_INVALID"
        )
    options = _poll_options(params.get("options"))
    state.admit_send(chat)
    poll_id = str(5_000_000_000_000_000_000 + next(state.ids))
    poll = {
        "id": poll_id,
        "question": question,
        "options": options,
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": as_bool(params.get("is_anonymous"), True),
        "type": str(params.get("type") or "regular"),
        "allows_multiple_answers": as_bool(params.get("allows_multiple_answers"), False),
    }
    markup = inline_keyboard_of(parse_reply_markup(params.get("reply_markup")))
    message = state.bot_message(chat, poll=poll, reply_markup=markup)
    state.polls[poll_id] = (chat.id, message["message_id"])
    return message


@api_method("stopPoll")
def stop_poll(state: FakeState, params: Params) -> Any:
    chat = state.resolve_chat(params)
    message = state.message(chat, params.get("message_id"), "message with poll to stop not found")
    poll = message.get("poll")
    if poll is None:
        raise bad_request("message with poll to stop not found")
    if poll["is_closed"]:
        raise bad_request("poll has already been closed")
    poll["is_closed"] = True
    return dict(poll)


@api_method("createChatInviteLink")
def create_chat_invite_link(state: FakeState, params: Params) -> Any:
    chat: Chat = state.resolve_chat(params)
    if not chat.is_group:
        raise bad_request("can't invite members to a private chat")
    name = str(params.get("name") or "")
    if len(name) > 32:
        raise bad_request("invite link name is too long")
    link: dict[str, Any] = {
        "invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}",
        "creator": dict(state.bot),
        "creates_join_request": as_bool(params.get("creates_join_request"), False),
        "is_primary": False,
        "is_revoked": False,
    }
    if name:
        link["name"] = name
    state.invite_links.append({"chat_id": chat.id, **link})
    return link


@api_method("setWebhook")
def set_webhook(state: FakeState, params: Params) -> Any:
    url = str(params.get("url") or "")
    secret = str(params.get("secret_token") or "")
    if secret and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if as_bool(params.get("drop_pending_updates"), False):
        state.updates.clear()
    allowed = as_list(params.get("allowed_updates"))
    state.webhook = Webhook(url=url, secret_token=secret if url else "", allowed_updates=allowed)
    return True


@api_method("deleteWebhook")
def delete_webhook(state: FakeState, params: Params) -> Any:
    if as_bool(params.get("drop_pending_updates"), False):
        state.updates.clear()
    state.webhook = Webhook()
    return True


@api_method("getWebhookInfo")
def get_webhook_info(state: FakeState, params: Params) -> Any:
    hook = state.webhook
    info: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if hook.url:
        info["max_connections"] = 40
        info["ip_address"] = "127.0.0.1"
    if hook.allowed_updates:
        info["allowed_updates"] = hook.allowed_updates
    if hook.last_error_date:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    return info


@api_method("getFile")
def get_file(state: FakeState, params: Params) -> Any:
    stored = state.files.get(str(params.get("file_id") or ""))
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > BOT_FILE_MAX_BYTES:
        raise bad_request("file is too big")
    return stored.as_dict()


def conflict(detail: str) -> ApiError:
    return ApiError(409, f"Conflict: {detail}")
