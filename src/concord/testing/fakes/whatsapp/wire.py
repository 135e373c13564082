"""One HTTP call as the fake's logic sees it, and the answer it gives, free of the server."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # hold the answer back this long (a timeout after acceptance)
    disconnect: bool = False  # close the connection without answering
    after: Callable[[], None] | None = None  # queues status webhooks, before the answer
    raw: bytes | None = None  # a file's bytes instead of JSON (media downloads)
    content_type: str = "application/json; charset=UTF-8"
