"""The one small interface every channel implements, and the errors it may raise.

A provider turns an `Outgoing` (already rendered for its channel) into one API call and says
how it went: a `SendResult`, or one of the errors below, which the outbox turns into retries,
pauses, fallbacks or a permanent failure. Providers never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Button:
    """A reply button: `id` comes back to us when tapped, `title` is what the person reads."""

    id: str
    title: str


@dataclass(frozen=True)
class WhatsAppTemplate:
    """An approved template, needed outside WhatsApp's 24-hour customer-service window."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Outgoing:
    """One message ready for one channel."""

    address: str  # Telegram chat id, WhatsApp phone in E.164, or an email address
    text: str  # plain text (WhatsApp, email, and Telegram's fallback)
    html: str = ""  # Telegram HTML (every user-provided part escaped)
    subject: str = ""  # email
    buttons: tuple[Button, ...] = ()  # inline (Telegram) or reply (WhatsApp) buttons
    keyboard: tuple[tuple[str, ...], ...] = ()  # Telegram reply keyboard rows (the bot's menu)
    whatsapp_template: WhatsAppTemplate | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


class ChannelError(Exception):
    """Base of everything a provider may raise about one send."""


class RetryLater(ChannelError):
    """A timeout, a 5xx, a dropped connection: try again with backoff.

    `retry_after` (seconds) when the channel said how long to wait; `pause_channel` when the
    whole channel must wait (a 429 on the bot or the number), not just this message.
    """

    def __init__(
        self, reason: str, *, retry_after: float | None = None, pause_channel: bool = False
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.pause_channel = pause_channel


class Undeliverable(ChannelError):
    """This address will not work on this channel (blocked the bot, unknown number): stop
    retrying; the outbox marks the contact unreachable and tries the person's next channel."""


class Rejected(ChannelError):
    """The message itself is wrong for the channel (bad request): retrying cannot help, and
    another channel would not either."""


class NeedsTemplate(ChannelError):
    """WhatsApp: outside the 24-hour window a free-form message is refused; send a template."""


class ChatMigrated(ChannelError):
    """Telegram: the group became a supergroup with a new id; send there instead."""

    def __init__(self, reason: str, *, new_chat_id: int) -> None:
        super().__init__(reason)
        self.new_chat_id = new_chat_id


@dataclass(frozen=True)
class Limits:
    """How fast a channel may be used; configurable because deployments and fakes differ."""

    per_second: float  # the whole channel (the bot, the WhatsApp number)
    per_chat_seconds: float  # minimum gap between two messages to one private chat
    per_group_per_minute: float = 20.0  # Telegram groups


class Provider(Protocol):
    channel: str
    limits: Limits

    def is_configured(self) -> bool: ...

    def send(self, outgoing: Outgoing) -> SendResult: ...
