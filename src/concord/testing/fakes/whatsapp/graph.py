"""What the Graph API says when it refuses a call: status, code, title and details.

The codes, titles and HTTP statuses follow Meta's "WhatsApp error codes" reference, so that a
provider written against the fake handles the real API the same way. Only the codes the fake
can produce are listed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

# Titles of the codes that may also arrive later, in a "failed" status webhook.
ASYNC_TITLES: dict[int, tuple[str, str]] = {
    131026: (
        "Message undeliverable",
        "Unable to deliver message: the number is not on WhatsApp, or the app is outdated.",
    ),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "Meta chose not to deliver this message.",
    ),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
}


@dataclass(frozen=True)
class GraphError:
    """One refusal; `body()` is the JSON the Graph API answers with."""

    http_status: int
    code: int
    title: str
    details: str = ""
    transient: bool = False
    retry_after: float | None = None  # sent as a Retry-After header when set
    numbered: bool = True  # "(#code) title", as for every code but the token's

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": f"(#{self.code}) {self.title}" if self.numbered else self.title,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": _trace_id(),
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.transient:
            error["is_transient"] = True
        return {"error": error}


def _trace_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(12)).decode().rstrip("=")


def new_wamid() -> str:
    """An id shaped like WhatsApp's: "wamid." and base64 of opaque bytes."""
    return "wamid." + base64.b64encode(secrets.token_bytes(30)).decode()


def whatsapp_signature(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 header Meta puts on every webhook POST."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def invalid_token() -> GraphError:
    # Graph's answer to a missing, malformed or expired token has no "(#190)" prefix.
    return GraphError(
        401, 190, "Invalid OAuth access token - Cannot parse access token", numbered=False
    )


def unknown_path() -> GraphError:
    return GraphError(400, 2500, "Unknown path components")


def unknown_object(object_id: str) -> GraphError:
    return GraphError(
        400,
        100,
        "Unsupported post request",
        f"Object with ID '{object_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation.",
    )


def invalid_parameter(details: str) -> GraphError:
    return GraphError(400, 100, "Invalid parameter", details)


def template_missing(name: str, language: str) -> GraphError:
    return GraphError(
        404,
        132001,
        "Template name does not exist in the translation",
        f"template name ({name}) does not exist in {language}",
    )


def template_params(expected: int, got: int) -> GraphError:
    return GraphError(
        400,
        132000,
        "Number of parameters does not match the expected number of params",
        f"body: number of localizable_params ({got}) does not match the expected "
        f"number of params ({expected})",
    )


def re_engagement() -> GraphError:
    title, details = ASYNC_TITLES[131047]
    return GraphError(400, 131047, title, details)


def undeliverable() -> GraphError:
    title, details = ASYNC_TITLES[131026]
    return GraphError(400, 131026, title, details)


def not_allowed_recipient() -> GraphError:
    return GraphError(
        400,
        131030,
        "Recipient phone number not in allowed list",
        "Recipient phone number not in allowed list: add it to the test numbers first.",
    )


def throughput(retry_after: float | None) -> GraphError:
    return GraphError(
        429,
        130429,
        "Rate limit hit",
        "Cloud API message throughput has been reached.",
        retry_after=retry_after,
    )


def pair_rate(retry_after: float | None) -> GraphError:
    return GraphError(
        400,
        131056,
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
        retry_after=retry_after,
    )


def unknown_error() -> GraphError:
    return GraphError(500, 1, "An unknown error occurred", transient=True)


def service_unavailable() -> GraphError:
    return GraphError(503, 2, "Service temporarily unavailable", transient=True)
