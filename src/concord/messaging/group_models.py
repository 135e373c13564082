"""Telegram groups of the network: which group belongs to which event, and the RSVP polls
the bot posted in them.

A group itself is a `TelegramChat` (the bot learns of it from `my_chat_member` updates); a
region's group is `TelegramChat.region`. Imported at the end of `models.py`, so these are
ordinary models of the messaging app; the related models are named by string, so importing
this module never needs `models.py` (or the programme app) to be loaded first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventChat(models.Model):
    """The Telegram group of one event (one group may serve several events of a region)."""

    event = models.OneToOneField(
        "programme.Event",
        on_delete=models.CASCADE,
        related_name="telegram_group",
        verbose_name=_("event"),
    )
    chat = models.ForeignKey(
        "messaging.TelegramChat",
        on_delete=models.CASCADE,
        related_name="event_links",
        verbose_name=_("Telegram group"),
    )
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attached by"),
    )
    attached_at = models.DateTimeField(_("attached"), auto_now=True)

    # Declared, not implied: type checkers know the manager even before models.py imports
    # this module.
    objects: models.Manager[EventChat] = models.Manager()

    class Meta:
        verbose_name = _("event's Telegram group")
        verbose_name_plural = _("events' Telegram groups")

    def __str__(self) -> str:
        return f"{self.event} → {self.chat}"


class GroupPoll(models.Model):
    """An RSVP poll in a group. It is queued here and sent by the worker, which fills in
    Telegram's `poll_id`; votes (`poll_answer` updates) are matched to the event by it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    chat = models.ForeignKey(
        "messaging.TelegramChat",
        on_delete=models.CASCADE,
        related_name="polls",
        verbose_name=_("group"),
    )
    event = models.ForeignKey(
        "programme.Event",
        on_delete=models.CASCADE,
        related_name="telegram_polls",
        verbose_name=_("event"),
    )
    question = models.CharField(_("question"), max_length=300)
    options = models.JSONField(_("options"), default=list)
    poll_id = models.CharField(
        _("Telegram poll id"), max_length=100, unique=True, null=True, blank=True
    )
    message_id = models.BigIntegerField(_("Telegram message id"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects: models.Manager[GroupPoll] = models.Manager()

    class Meta:
        verbose_name = _("RSVP poll")
        verbose_name_plural = _("RSVP polls")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.question
