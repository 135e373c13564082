"""The registry of channel providers: one per channel, built from settings."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from concord.messaging.providers.base import Provider


@cache
def provider_for(channel: str) -> Provider:
    """The provider of a channel, as settings.CONCORD_CHANNEL_PROVIDERS names it."""
    path = settings.CONCORD_CHANNEL_PROVIDERS[channel]
    provider: Provider = import_string(path)()
    return provider


def providers_reset() -> None:
    """Forget built providers (tests change settings between cases)."""
    provider_for.cache_clear()
