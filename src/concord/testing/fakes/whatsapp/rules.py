"""The shape rules the Cloud API applies to a `POST /messages` body, as pure functions.

Each check returns the `GraphError` the real API would answer with, or None when the body is
fine. Limits, the 24-hour window and faults are state, and live in `state.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from concord.testing.fakes.whatsapp import graph
from concord.testing.fakes.whatsapp.graph import GraphError

TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
CALLBACK_DATA_MAX = 512
FREE_FORM_TYPES = frozenset({"text", "interactive"})
_PHONE = re.compile(r"^\+?[1-9]\d{7,14}$")  # E.164: at most 15 digits
# Template parameters are one line: Meta refuses new lines, tabs and long runs of spaces.
_BAD_PARAM = re.compile(r"[\n\t]| {5,}")


@dataclass(frozen=True)
class Template:
    """An approved template; a count of None accepts any number of parameters or buttons."""

    name: str
    language: str
    parameters: int | None = None
    buttons: int | None = None


def wa_id(to: str) -> str:
    """The WhatsApp id of a number: its digits, without "+"."""
    return to.lstrip("+")


def check_message(
    body: Any, templates: Mapping[tuple[str, str], Template], any_template: bool
) -> GraphError | None:
    """Why the API would refuse this body, or None."""
    if not isinstance(body, dict):
        return graph.invalid_parameter("The request body must be a JSON object.")
    problem = _check_envelope(body)
    if problem:
        return graph.invalid_parameter(problem)
    kind = body["type"]
    if kind == "text":
        return _as_error(_check_text(body.get("text")))
    if kind == "interactive":
        return _as_error(_check_interactive(body.get("interactive")))
    return _check_template(body.get("template"), templates, any_template)


def _as_error(problem: str | None) -> GraphError | None:
    return graph.invalid_parameter(problem) if problem else None


def _check_envelope(body: dict[str, Any]) -> str | None:
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'."
    if body.get("recipient_type", "individual") != "individual":
        return "The fake only knows individual recipients."
    to = body.get("to")
    if not isinstance(to, str) or not _PHONE.match(to):
        return f"'to' is not a valid phone number: {to!r}."
    if body.get("type", "text") not in {"text", "interactive", "template"}:
        return f"Message type {body.get('type')!r} is not supported by the fake."
    body.setdefault("type", "text")  # the API's own default
    callback = body.get("biz_opaque_callback_data", "")
    if not isinstance(callback, str) or len(callback) > CALLBACK_DATA_MAX:
        return f"biz_opaque_callback_data must be a string of at most {CALLBACK_DATA_MAX} chars."
    return None


def _check_text(text: Any) -> str | None:
    if not isinstance(text, dict) or not isinstance(text.get("body"), str) or not text["body"]:
        return "text.body is required."
    if len(text["body"]) > TEXT_MAX:
        return f"text.body is longer than {TEXT_MAX} characters."
    return None


def _check_interactive(interactive: Any) -> str | None:
    if not isinstance(interactive, dict) or interactive.get("type") != "button":
        return "The fake supports interactive messages of type 'button' only."
    body = interactive.get("body")
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"]:
        return "interactive.body.text is required."
    if len(body["text"]) > INTERACTIVE_BODY_MAX:
        return f"interactive.body.text is longer than {INTERACTIVE_BODY_MAX} characters."
    action = interactive.get("action")
    buttons = action.get("buttons") if isinstance(action, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= BUTTONS_MAX:
        return f"action.buttons must hold 1 to {BUTTONS_MAX} buttons."
    return _check_buttons(buttons)


def _check_buttons(buttons: list[Any]) -> str | None:
    ids, titles = [], []
    for button in buttons:
        reply = button.get("reply") if isinstance(button, dict) else None
        if not isinstance(reply, dict) or button.get("type") != "reply":
            return "Each button must be {'type': 'reply', 'reply': {'id', 'title'}}."
        button_id, title = reply.get("id"), reply.get("title")
        if not isinstance(button_id, str) or not 1 <= len(button_id) <= BUTTON_ID_MAX:
            return f"Button id length invalid. Min length: 1, Max length: {BUTTON_ID_MAX}."
        if not isinstance(title, str) or not 1 <= len(title) <= BUTTON_TITLE_MAX:
            return f"Button title length invalid. Min length: 1, Max length: {BUTTON_TITLE_MAX}."
        ids.append(button_id)
        titles.append(title)
    if len(set(ids)) != len(ids) or len(set(titles)) != len(titles):
        return "Button ids and titles must be unique."
    return None


def _check_template(
    template: Any, templates: Mapping[tuple[str, str], Template], any_template: bool
) -> GraphError | None:
    if not isinstance(template, dict) or not isinstance(template.get("name"), str):
        return graph.invalid_parameter("template.name is required.")
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        return graph.invalid_parameter("template.language.code is required.")
    known = templates.get((template["name"], code))
    if known is None and not any_template:
        return graph.template_missing(template["name"], code)
    components = template.get("components", [])
    if not isinstance(components, list):
        return graph.invalid_parameter("template.components must be a list.")
    return _check_components(components, known)


def _check_components(components: list[Any], known: Template | None) -> GraphError | None:
    parameters: list[Any] = []
    buttons = 0
    for component in components:
        if not isinstance(component, dict):
            return graph.invalid_parameter("Each component must be an object.")
        if component.get("type") == "body":
            parameters.extend(component.get("parameters", []))
        elif component.get("type") == "button":
            problem = _check_quick_reply(component)
            if problem:
                return graph.invalid_parameter(problem)
            buttons += 1
    error = _check_parameters(parameters)
    if error:
        return error
    if known and known.parameters is not None and known.parameters != len(parameters):
        return graph.template_params(known.parameters, len(parameters))
    if known and known.buttons is not None and buttons > known.buttons:
        return graph.invalid_parameter(f"The template has only {known.buttons} buttons.")
    return None


def _check_parameters(parameters: list[Any]) -> GraphError | None:
    for parameter in parameters:
        text = parameter.get("text") if isinstance(parameter, dict) else None
        if not isinstance(text, str) or not text or parameter.get("type") != "text":
            return graph.invalid_parameter("Body parameters must be non-empty text.")
        if _BAD_PARAM.search(text):
            return GraphError(
                400,
                132018,
                "There was an issue with the parameters in your template.",
                "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
            )
    return None


def _check_quick_reply(component: dict[str, Any]) -> str | None:
    if component.get("sub_type") != "quick_reply":
        return "The fake supports template buttons of sub_type 'quick_reply' only."
    if not str(component.get("index", "")).isdigit():
        return "A template button needs its index."
    parameters = component.get("parameters")
    if not isinstance(parameters, list) or len(parameters) != 1:
        return "A quick-reply button takes exactly one payload parameter."
    payload = parameters[0]
    if not isinstance(payload, dict) or payload.get("type") != "payload":
        return "A quick-reply parameter must be {'type': 'payload', 'payload': ...}."
    if not isinstance(payload.get("payload"), str) or not payload["payload"]:
        return "A quick-reply payload must be a non-empty string."
    return None
