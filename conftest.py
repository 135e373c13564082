"""Project-wide pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.utils import translation

# Local fake Telegram and WhatsApp servers (`fake_telegram`, `fake_whatsapp` fixtures).
pytest_plugins = ["concord.testing.fakes.fixtures"]

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM use.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Service messages are asserted in English, the source language; a test that checks the
    Russian text switches with `translation.override("ru")` itself. Pages rendered through the
    test client or the browser still follow the request's language."""
    with translation.override("en"):
        yield
