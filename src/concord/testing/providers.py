"""A scriptable channel provider for unit tests of the outbox (never used by the product).

The real providers are tested against the local fake servers; this one lets a test say
"the next send fails like this" without any network.
"""

from __future__ import annotations

import itertools
from collections import deque

from concord.messaging.providers.base import ChannelError, Limits, Outgoing, SendResult


class ScriptedProvider:
    channel = "telegram"
    sent: list[Outgoing] = []
    script: deque[ChannelError] = deque()
    configured = True
    limits = Limits(per_second=1000.0, per_chat_seconds=0.0, per_group_per_minute=6000.0)
    _ids = itertools.count(1)

    def is_configured(self) -> bool:
        return type(self).configured

    def send(self, outgoing: Outgoing) -> SendResult:
        if type(self).script:
            raise type(self).script.popleft()
        type(self).sent.append(outgoing)
        return SendResult(provider_message_id=f"{self.channel}-{next(self._ids)}")

    @classmethod
    def reset(cls) -> None:
        cls.sent = []
        cls.script = deque()
        cls.configured = True


class ScriptedTelegram(ScriptedProvider):
    channel = "telegram"
    sent: list[Outgoing] = []
    script: deque[ChannelError] = deque()


class ScriptedWhatsApp(ScriptedProvider):
    channel = "whatsapp"
    sent: list[Outgoing] = []
    script: deque[ChannelError] = deque()


class ScriptedEmail(ScriptedProvider):
    channel = "email"
    sent: list[Outgoing] = []
    script: deque[ChannelError] = deque()
