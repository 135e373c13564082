"""`reply_markup` as the Bot API accepts it: an inline keyboard, a reply keyboard, a keyboard
removal or a forced reply. Anything else is refused with the API's own error text."""

from __future__ import annotations

import json
from typing import Any

from concord.testing.fakes.telegram.errors import ApiError, bad_request

# An inline button does exactly one of these when tapped.
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_CALLBACK_DATA_BYTES = 64


def _unparsable() -> ApiError:
    return bad_request("can't parse reply keyboard markup JSON object")


def parse_reply_markup(raw: object) -> dict[str, Any] | None:
    """The checked markup, or None when the request has none. Form-encoded requests carry it
    as a JSON string, JSON requests as an object; both are accepted, as by the API."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise _unparsable() from None
    if not isinstance(raw, dict):
        raise _unparsable()
    return _check_markup(raw)


def _check_markup(markup: dict[str, Any]) -> dict[str, Any]:
    if "inline_keyboard" in markup:
        _check_rows(markup["inline_keyboard"], _check_inline_button)
    elif "keyboard" in markup:
        _check_rows(markup["keyboard"], _check_reply_button)
    elif markup.get("remove_keyboard") is not True and markup.get("force_reply") is not True:
        raise _unparsable()
    return markup


def _check_rows(rows: object, check_button: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _unparsable()
    for row in rows:
        for button in row:
            check_button(button)


def _check_inline_button(button: object) -> None:
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [name for name in _INLINE_ACTIONS if name in button]
    if len(actions) != 1:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = str(button["callback_data"]).encode("utf-8")
        if not 1 <= len(data) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not str(button["url"]).startswith(("http://", "https://", "tg://")):
        raise bad_request(
            f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL"
        )


def _check_reply_button(button: object) -> None:
    text = button.get("text") if isinstance(button, dict) else button
    if not isinstance(text, str) or not text.strip():
        raise bad_request("keyboard button text must be non-empty")


def inline_keyboard_of(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only an inline keyboard is part of the Message the API answers with."""
    if markup and "inline_keyboard" in markup:
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None
