"""Media people send: `GET /{version}/{media-id}` and the short-lived download URL.

As on the Cloud API, a media message's webhook carries only the media id (with its MIME type
and sha256); the business asks `GET /{media-id}` with its token for a URL (valid 5 minutes),
the MIME type, the sha256 and the size (a string), then GETs that URL with the same token.
An unknown or forgotten media id answers Graph error 100; an expired URL answers 404.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from concord.testing.fakes.whatsapp import graph
from concord.testing.fakes.whatsapp.wire import Reply, Request

URL_VALID_SECONDS = 300
DOWNLOAD_PATH = "/whatsapp_business/attachments/"
SAMPLE_CONTENT = {
    "image": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9",
    "audio": b"OggS\x00\x02" + b"\x00" * 20,
    "video": b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 12,
    "document": b"%PDF-1.4\n%%EOF\n",
}


@dataclass
class Media:
    media_id: str
    content: bytes
    mime_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


class MediaStore:
    """The media half of FakeWhatsApp (mixed in; uses its token, clock and base URL)."""

    token: str
    host: str
    port: int
    _lock: threading.RLock

    def now(self) -> float:
        raise NotImplementedError

    def _init_media(self) -> None:
        self.media: dict[str, Media] = {}

    def add_media(self, kind: str, mime_type: str, content: bytes | None = None) -> Media:
        media = Media(
            str(10**15 + secrets.randbelow(9 * 10**15)),
            SAMPLE_CONTENT.get(kind, b"") if content is None else content,
            mime_type,
        )
        with self._lock:
            self.media[media.media_id] = media
        return media

    def forget_media(self, media_id: str) -> None:
        """The media is gone (Meta keeps received media 30 days): its id answers error 100."""
        with self._lock:
            self.media.pop(media_id, None)

    def media_info(self, request: Request, media_id: str) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _refusal(graph.invalid_token())
        with self._lock:
            media = self.media.get(media_id)
        if media is None:
            return _refusal(_unknown_media(media_id))
        expires = int(self.now()) + URL_VALID_SECONDS
        url = (
            f"http://{self.host}:{self.port}{DOWNLOAD_PATH}"
            f"?mid={media.media_id}&ext={expires}&hash={secrets.token_urlsafe(12)}"
        )
        return Reply(200, _info(media, url))

    def media_download(self, request: Request) -> Reply:
        """The URL works with the business's token only, and for 5 minutes."""
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "Unauthorized"})
        media_id = (request.query.get("mid") or [""])[-1]
        expires = (request.query.get("ext") or ["0"])[-1]
        with self._lock:
            media = self.media.get(media_id)
        if media is None or not expires.isdigit() or int(expires) < self.now():
            return Reply(404, {"error": "Not Found"})
        return Reply(200, None, raw=media.content, content_type=media.mime_type)


def _info(media: Media, url: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": str(len(media.content)),
        "id": media.media_id,
    }


def _unknown_media(media_id: str) -> graph.GraphError:
    return graph.GraphError(
        400,
        100,
        "Unsupported get request",
        f"Object with ID '{media_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation.",
    )


def _refusal(error: graph.GraphError) -> Reply:
    return Reply(error.http_status, error.body())
