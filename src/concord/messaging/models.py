from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from concord.directory.models import Person
from concord.regions.models import Region


class Channel(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("email")


class TelegramChat(models.Model):
    """A Telegram chat the bot talks in: a person's private chat, or a group of the network."""

    class Kind(models.TextChoices):
        PRIVATE = "private", _("private chat")
        GROUP = "group", _("group")
        SUPERGROUP = "supergroup", _("supergroup")
        CHANNEL = "channel", _("channel")

    chat_id = models.BigIntegerField(_("chat id"), unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255, blank=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="telegram_chats",
        verbose_name=_("person"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="telegram_chats",
        verbose_name=_("region's group"),
    )
    migrated_to = models.BigIntegerField(_("moved to chat id"), null=True, blank=True)
    bot_is_admin = models.BooleanField(_("the bot is an administrator"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Telegram chat")
        verbose_name_plural = _("Telegram chats")

    def __str__(self) -> str:
        return self.title or str(self.chat_id)


class WhatsAppContact(models.Model):
    """A WhatsApp number that wrote to us: the 24-hour customer-service window runs from its
    last message, and the bot's conversation is keyed by it."""

    phone = models.CharField(_("phone"), max_length=20, unique=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="whatsapp_contacts",
        verbose_name=_("person"),
    )
    last_inbound_at = models.DateTimeField(_("last message from them"), null=True, blank=True)

    class Meta:
        verbose_name = _("WhatsApp contact")
        verbose_name_plural = _("WhatsApp contacts")

    def __str__(self) -> str:
        return self.phone


class OutboundMessage(models.Model):
    """One message to one person (or one group chat), written in the same transaction as
    its cause, with a unique dedupe key.

    The message is stored as a template key plus context, not as text: it is rendered at
    sending time in the recipient's language and time zone, for the channel it goes through.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        READ = "read", _("read")
        FAILED_RETRYABLE = "failed_retryable", _("failed, will retry")
        FAILED_PERMANENT = "failed_permanent", _("failed")

    class Priority(models.IntegerChoices):
        ALERT = 0, _("alert")
        NORMAL = 5, _("normal")
        BULK = 9, _("bulk")

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_messages",
        verbose_name=_("to"),
    )
    chat = models.ForeignKey(
        TelegramChat,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_messages",
        verbose_name=_("to the group"),
    )
    template = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # A reply goes back exactly where the person wrote from (e.g. the WhatsApp number of a
    # chat not yet linked to anyone), not through the person's preferred channel.
    reply_channel = models.CharField(
        _("reply through"), max_length=16, choices=Channel.choices, blank=True
    )
    reply_address = models.CharField(_("reply to"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    provider_message_id = models.CharField(
        _("provider's message id"), max_length=200, blank=True, db_index=True
    )
    body = models.TextField(_("text as sent"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    broadcast = models.ForeignKey(
        "Broadcast",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("broadcast"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["priority", "created_at"]
        indexes = [
            models.Index(fields=["state", "priority", "next_attempt_at"]),
            models.Index(fields=["state", "lease_expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(chat__isnull=False) | ~Q(reply_address=""),
                name="outbound_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.person_id or self.chat_id} ({self.state})"


class ContactStatus(models.Model):
    """A channel that failed permanently for a person (blocked the bot, unknown number)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="channel_statuses", verbose_name=_("person")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    unreachable_since = models.DateTimeField(_("unreachable since"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("unreachable contact")
        verbose_name_plural = _("unreachable contacts")
        constraints = [
            models.UniqueConstraint(fields=["person", "channel"], name="uniq_contact_status")
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.channel}"


class ChannelPause(models.Model):
    """A channel told us to slow down (HTTP 429): nothing is sent on it until `until`."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, unique=True)
    until = models.DateTimeField(_("paused until"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("channel pause")
        verbose_name_plural = _("channel pauses")

    def __str__(self) -> str:
        return f"{self.channel} until {self.until:%H:%M:%S}"


class RateSlot(models.Model):
    """The next moment a send may start for one limit key ("telegram", "telegram:chat:42").

    Shared by every worker through the database, so the limits hold for all of them together.
    """

    key = models.CharField(_("key"), max_length=120, unique=True)
    next_at = models.DateTimeField(_("next send at"))

    class Meta:
        verbose_name = _("rate slot")
        verbose_name_plural = _("rate slots")

    def __str__(self) -> str:
        return self.key


class InboundEvent(models.Model):
    """Every update that arrives, stored first under its unique external id, then processed."""

    class State(models.TextChoices):
        RECEIVED = "received", _("received")
        PROCESSED = "processed", _("processed")
        IGNORED = "ignored", _("ignored")
        FAILED = "failed", _("failed")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=200)
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["state", "received_at"])]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="uniq_inbound_event")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class Broadcast(models.Model):
    """A coordinator's message to a segment of the network."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    segment = models.JSONField(_("segment"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


# Group chats of events and the RSVP polls posted in them.
from concord.messaging.group_models import EventChat, GroupPoll  # noqa: E402, F401
