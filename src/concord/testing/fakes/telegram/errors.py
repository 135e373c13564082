"""Error answers in the Bot API's own shape: `{"ok": false, "error_code", "description",
"parameters"}`. The descriptions are the ones the real API sends, because clients match on them
("bot was blocked by the user", "chat not found", "message is not modified")."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """One error answer. `from_limits` marks a 429 caused by the client breaking a rate limit
    (rather than one a test injected), so tests can assert a well-behaved client never does."""

    def __init__(
        self,
        status: int,
        description: str,
        parameters: dict[str, Any] | None = None,
        *,
        from_limits: bool = False,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters or {}
        self.from_limits = from_limits

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}", parameters)


def too_many_requests(retry_after: float, *, from_limits: bool) -> ApiError:
    shown = int(retry_after) if float(retry_after).is_integer() else retry_after
    return ApiError(
        429,
        f"Too Many Requests: retry after {shown}",
        {"retry_after": shown},
        from_limits=from_limits,
    )


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


# 403 descriptions by the reason a chat refuses the bot.
FORBIDDEN = {
    "blocked": "Forbidden: bot was blocked by the user",
    "kicked": "Forbidden: bot was kicked from the group chat",
    "deactivated": "Forbidden: user is deactivated",
}
