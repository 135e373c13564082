"""What the bot remembers between two messages: each chat's conversation, and link tokens."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.directory.models import Person
from concord.messaging.models import Channel


class Conversation(models.Model):
    """Where one chat is in a flow. Stored, not kept in memory: it survives restarts and is
    shared by every worker, whichever of them processes the chat's next message."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # The Telegram chat id, or the WhatsApp phone number (E.164 digits, as WhatsApp sends it).
    chat_key = models.CharField(_("chat"), max_length=64)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bot_conversations",
        verbose_name=_("person"),
    )
    flow = models.CharField(_("flow"), max_length=50, blank=True)
    step = models.CharField(_("step"), max_length=50, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bot conversation")
        verbose_name_plural = _("bot conversations")
        constraints = [
            models.UniqueConstraint(fields=["channel", "chat_key"], name="uniq_bot_conversation")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.chat_key} {self.flow}/{self.step}"


class LinkToken(models.Model):
    """A one-time deep link (`t.me/<bot>?start=<token>`) that ties a chat to a person.

    The coordinator sends the link; the person only taps it, so nobody types a code.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="link_tokens", verbose_name=_("person")
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.CharField(_("used by chat"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("link token")
        verbose_name_plural = _("link tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.person} ({self.token[:4]}…)"
