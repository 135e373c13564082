"""pytest fixtures that run the fake chat APIs and point Concord's settings at them.

Registered for the whole project by `pytest_plugins = ["concord.testing.fakes.fixtures"]` in
the root conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from concord.messaging.providers import providers_reset
from concord.testing.fakes.telegram import FakeTelegram
from concord.testing.fakes.whatsapp import FakeWhatsApp


@pytest.fixture
def fake_telegram(settings: Any) -> Iterator[FakeTelegram]:
    """A fresh fake Telegram Bot API on a free port, with TELEGRAM_API_BASE_URL and
    TELEGRAM_BOT_TOKEN pointing at it for the test (pytest-django restores them after)."""
    fake = FakeTelegram().start()
    settings.TELEGRAM_API_BASE_URL = fake.base_url
    settings.TELEGRAM_BOT_TOKEN = fake.token
    providers_reset()  # providers built before read other settings
    try:
        yield fake
    finally:
        fake.stop()
        providers_reset()


@pytest.fixture
def fake_whatsapp(settings: Any) -> Iterator[FakeWhatsApp]:
    """A fresh fake WhatsApp Cloud API on a free port, with the WHATSAPP_* settings pointing
    at it for the test. Set `fake_whatsapp.webhooks.target` to receive its webhooks."""
    fake = FakeWhatsApp().start()
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    providers_reset()
    try:
        yield fake
    finally:
        fake.stop()
        providers_reset()
