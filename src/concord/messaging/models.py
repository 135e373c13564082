from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.directory.models import Person


class OutboundMessage(models.Model):
    """One message to one person, written in the same transaction as its cause.

    The message is stored as a template key plus context, not as text: it is rendered at
    sending time in the recipient's language and time zone, through their preferred channel.
    The workers that send it arrive with the messaging capability; until then rows wait.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        FAILED_RETRYABLE = "failed_retryable", _("failed, will retry")
        FAILED_PERMANENT = "failed_permanent", _("failed")

    class Priority(models.IntegerChoices):
        ALERT = 0, _("alert")
        NORMAL = 5, _("normal")
        BULK = 9, _("bulk")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="outbound_messages", verbose_name=_("to")
    )
    template = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["priority", "created_at"]
        indexes = [models.Index(fields=["state", "priority", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.template} → {self.person_id} ({self.state})"
