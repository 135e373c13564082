"""Fetching the files people send (photos, voice messages) from a chat channel: one download
helper and one "too large" error for Telegram and WhatsApp."""

from __future__ import annotations

import httpx
from django.conf import settings

from concord.messaging.providers.base import Rejected, RetryLater

_client = httpx.Client()


class FileTooLarge(Rejected):
    """A file the channel will not hand over (over 20 MB for a Telegram bot) or that is
    larger than the caller accepts: no retry can fetch it."""


def download(
    url: str, *, max_bytes: int, what: str, headers: dict[str, str] | None = None
) -> bytes:
    """GET a file, refusing it as soon as it grows over `max_bytes` (never all in memory).
    The URL may contain a token: errors never show it."""
    timeout = float(settings.CONCORD_CHANNEL_TIMEOUT)
    try:
        with _client.stream("GET", url, headers=headers, timeout=timeout) as response:
            if response.status_code != 200:
                raise _download_error(what, response.status_code)
            return _read_at_most(response, max_bytes, what)
    except httpx.TimeoutException:
        raise RetryLater(f"{what}: download timed out") from None
    except httpx.TransportError as error:
        raise RetryLater(f"{what}: {type(error).__name__}") from None


def _read_at_most(response: httpx.Response, max_bytes: int, what: str) -> bytes:
    chunks, total = [], 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise FileTooLarge(f"{what}: larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _download_error(what: str, status: int) -> Exception:
    reason = f"{what}: download answered {status}"
    if status == 429 or status >= 500:
        return RetryLater(reason)
    return Rejected(reason)  # 401/403/404: the link expired or the file is gone
