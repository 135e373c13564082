"""WhatsApp through Meta's Cloud API: one `POST /{phone_number_id}/messages` per message.

Inside the 24-hour customer-service window a message goes free-form: text, or reply buttons
(at most three). Outside it only an approved template is allowed; the caller says which case
applies with `extra["window_open"]`, and when it guessed wrong the API's 131047 comes back as
`NeedsTemplate`. Errors are mapped by Graph error `code`, as Meta advises, not by title.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from django.conf import settings

from concord.messaging.providers.base import (
    Button,
    ChannelError,
    Limits,
    NeedsTemplate,
    Outgoing,
    Rejected,
    RetryLater,
    SendResult,
    Undeliverable,
    WhatsAppTemplate,
)
from concord.messaging.providers.files import FileTooLarge, download

logger = logging.getLogger(__name__)

# One client for the process: keeps connections to graph.facebook.com open between sends.
_http = httpx.Client(headers={"User-Agent": "Concord"})

TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
CALLBACK_DATA_MAX = 512

THROUGHPUT_CODES = frozenset({4, 80007, 130429})  # the number or the app is over its limits
PAIR_RATE_CODE = 131056  # too many messages to this one person
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016})  # "unknown", "service unavailable"
UNDELIVERABLE_CODES = frozenset(
    {
        131026,  # not on WhatsApp, old app, terms not accepted
        131030,  # test number: recipient not in the allowed list
        131021,  # recipient is the business number itself
    }
)
# Our account or credentials, not the message: every send would fail the same way until
# someone fixes the configuration, so the channel pauses and the messages wait.
ACCOUNT_CODES = frozenset({0, 3, 10, 190, 368, 131005, 131031, 131042})
ACCOUNT_PAUSE_SECONDS = 300.0
THROUGHPUT_PAUSE_SECONDS = 1.0  # Meta sends no Retry-After; throughput is per second

_ONE_LINE = re.compile(r"[\n\t]+")
_LONG_SPACES = re.compile(r" {5,}")


class WhatsAppProvider:
    channel = "whatsapp"

    def __init__(self) -> None:
        self.base_url = settings.WHATSAPP_API_BASE_URL.rstrip("/")
        self.token = settings.WHATSAPP_TOKEN
        self.phone_number_id = settings.WHATSAPP_PHONE_NUMBER_ID
        self.timeout = settings.CONCORD_CHANNEL_TIMEOUT
        self.limits = Limits(
            per_second=settings.WHATSAPP_LIMIT_PER_SECOND,
            per_chat_seconds=settings.WHATSAPP_LIMIT_PER_CHAT_SECONDS,
        )

    def is_configured(self) -> bool:
        return bool(self.base_url and self.token and self.phone_number_id)

    def send(self, outgoing: Outgoing) -> SendResult:
        response = self._post(message_payload(outgoing))
        if response.is_success:
            return _result(response)
        raise self._error(response)

    def _post(self, payload: dict[str, Any]) -> httpx.Response:
        url = f"{self.base_url}/{self.phone_number_id}/messages"
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            return _http.post(url, json=payload, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException as error:
            # The message may have gone out all the same; biz_opaque_callback_data in the
            # statuses lets the inbound side recognise a late "sent" for this attempt.
            raise RetryLater(f"WhatsApp timed out after {self.timeout:g} s") from error
        except httpx.HTTPError as error:
            raise RetryLater(f"WhatsApp unreachable: {type(error).__name__}: {error}") from error

    def download_media(self, media_id: str, *, max_bytes: int) -> tuple[bytes, str]:
        """A file a person sent: `GET /{media-id}` gives a short-lived URL (and the size and
        type), then the URL is fetched with the same token. Returns (content, MIME type).
        FileTooLarge when it is over `max_bytes`; the usual channel errors otherwise."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = _http.get(
                f"{self.base_url}/{media_id}", headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException as error:
            raise RetryLater(f"WhatsApp media {media_id}: timed out") from error
        except httpx.HTTPError as error:
            raise RetryLater(f"WhatsApp media {media_id}: {type(error).__name__}") from error
        if not response.is_success:
            raise self._error(response)
        url, mime, size = _media_info(response)
        if size is not None and size > max_bytes:
            raise FileTooLarge(f"WhatsApp media {media_id}: {size} bytes")
        content = download(url, max_bytes=max_bytes, what="WhatsApp media", headers=headers)
        return content, mime

    def _error(self, response: httpx.Response) -> ChannelError:
        code, detail = _graph_error(response)
        return classify(
            response.status_code,
            code,
            detail,
            retry_after=_retry_after(response),
            pair_wait=self.limits.per_chat_seconds,
        )


def classify(
    status: int,
    code: int | None,
    detail: str,
    *,
    retry_after: float | None = None,
    pair_wait: float | None = None,
) -> ChannelError:
    """Which of the outbox's error classes one refusal belongs to.

    Throughput pauses the whole channel; the pair rate only delays this message, since the
    number may go on writing to everybody else.
    """
    reason = f"HTTP {status}, code {code}: {detail}" if code is not None else f"HTTP {status}"
    if code == PAIR_RATE_CODE:
        return RetryLater(reason, retry_after=retry_after or pair_wait)
    if code in THROUGHPUT_CODES or status == 429:
        return RetryLater(
            reason, retry_after=retry_after or THROUGHPUT_PAUSE_SECONDS, pause_channel=True
        )
    if code == 131047:
        return NeedsTemplate(reason)
    if code in UNDELIVERABLE_CODES:
        return Undeliverable(reason)
    if _account_problem(status, code):
        return _pause_for_configuration(reason)
    if status >= 500 or code in TRANSIENT_CODES:
        return RetryLater(reason, retry_after=retry_after)
    if 400 <= status < 500:
        logger.warning("WhatsApp rejected a message: %s", reason)
        return Rejected(reason)
    return RetryLater(reason, retry_after=retry_after)


def _pause_for_configuration(reason: str) -> RetryLater:
    logger.error(
        "WhatsApp refused Concord's account (%s). Check WHATSAPP_TOKEN and "
        "WHATSAPP_PHONE_NUMBER_ID; the channel pauses until then.",
        reason,
    )
    return RetryLater(reason, retry_after=ACCOUNT_PAUSE_SECONDS, pause_channel=True)


def _account_problem(status: int, code: int | None) -> bool:
    """Credentials, permissions (codes 200-299 too) or a locked account."""
    if status == 401 or (code is None and status == 403):
        return True
    return code is not None and (code in ACCOUNT_CODES or 200 <= code <= 299)


def message_payload(outgoing: Outgoing) -> dict[str, Any]:
    """The JSON body for one message: a template outside the window, else buttons or text."""
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": outgoing.address.removeprefix("+"),
    }
    template = outgoing.whatsapp_template
    if template is not None and outgoing.extra.get("window_open") is not True:
        payload.update(type="template", template=_template(template))
    elif outgoing.buttons:
        payload.update(type="interactive", interactive=_interactive(outgoing))
    else:
        body = _clip(outgoing.text, TEXT_MAX)
        payload.update(type="text", text={"body": body, "preview_url": "http" in body})
    callback = outgoing.extra.get("callback_data")
    if callback:
        payload["biz_opaque_callback_data"] = str(callback)[:CALLBACK_DATA_MAX]
    return payload


def _template(template: WhatsAppTemplate) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    if template.parameters:
        parameters = [{"type": "text", "text": _one_line(p)} for p in template.parameters]
        components.append({"type": "body", "parameters": parameters})
    for index, button in enumerate(template.buttons):
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": button.id}],
            }
        )
    return {
        "name": template.name,
        "language": {"code": template.language},
        "components": components,
    }


def _interactive(outgoing: Outgoing) -> dict[str, Any]:
    if len(outgoing.buttons) > BUTTONS_MAX:
        logger.warning(
            "WhatsApp shows at most %d reply buttons; %d were given, the rest are dropped.",
            BUTTONS_MAX,
            len(outgoing.buttons),
        )
    buttons = [_reply_button(b) for b in outgoing.buttons[:BUTTONS_MAX]]
    return {
        "type": "button",
        "body": {"text": _clip(outgoing.text, INTERACTIVE_BODY_MAX)},
        "action": {"buttons": buttons},
    }


def _reply_button(button: Button) -> dict[str, Any]:
    return {
        "type": "reply",
        "reply": {"id": button.id, "title": _clip(button.title, BUTTON_TITLE_MAX)},
    }


def _clip(text: str, limit: int) -> str:
    """Shorten to the API's limit with "…": a clipped message beats a refused one."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str) -> str:
    """Template parameters may hold no new lines, tabs or long runs of spaces; none empty."""
    flat = _LONG_SPACES.sub(" ", _ONE_LINE.sub(" ", text)).strip()
    return flat or "—"


def _result(response: httpx.Response) -> SendResult:
    try:
        wamid = response.json()["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        # Accepted, but with no id we could never match its statuses: say so loudly.
        raise Rejected(
            f"WhatsApp accepted the message without an id: {response.text[:200]}"
        ) from error
    return SendResult(provider_message_id=str(wamid))


def _media_info(response: httpx.Response) -> tuple[str, str, int | None]:
    """(url, mime_type, file_size) of a media object; Meta sends the size as a string."""
    try:
        info = response.json()
        url = str(info["url"])
    except (ValueError, KeyError, TypeError) as error:
        raise Rejected(f"WhatsApp media without a URL: {response.text[:200]}") from error
    try:
        size: int | None = int(info.get("file_size"))
    except (TypeError, ValueError):
        size = None
    return url, str(info.get("mime_type") or ""), size


def _graph_error(response: httpx.Response) -> tuple[int | None, str]:
    """The Graph error's code and the most useful words about it (details, else message)."""
    try:
        error = response.json()["error"]
        code = int(error["code"])
    except (ValueError, KeyError, TypeError):
        return None, response.text[:200]
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    return code, str(details or error.get("message", ""))[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
