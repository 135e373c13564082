"""Incidents: reports of tension, the cases they form, who is alerted and who takes them.

A `Report` is what one person said (in the bot, on the web, or by phone to a coordinator). Reports
about the same place and time join one `Case`; the case has the state machine, the severity and
the owner, and every change to it is an immutable `CaseEntry` of its timeline. The people alerted
about a case are its `Alert` rows; whom to alert comes from the region's `CircleMember` rows
(docs/incidents.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from concord.directory.models import EthnicCommunity, Person
from concord.messaging.models import TelegramChat
from concord.regions.models import City, Region


class Category(models.TextChoices):
    """The taxonomy of interethnic incidents (docs/incidents.md explains each one)."""

    EVERYDAY_DISPUTE = "everyday_dispute", _("everyday dispute")
    INTERCOMMUNITY_CONFLICT = "intercommunity_conflict", _("conflict between communities")
    HATE_SPEECH = "hate_speech", _("hate speech or incitement")
    THREATS = "threats", _("threats")
    VANDALISM = "vandalism", _("vandalism of a community's property")
    VIOLENCE = "violence", _("violence")
    MASS_GATHERING = "mass_gathering", _("mass gathering or protest")
    RUMOUR = "rumour", _("rumour or disinformation")


class Source(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    WEB = "web", _("web form")
    PHONE = "phone", _("phone call to a coordinator")


class Report(models.Model):
    """One account of an incident, as the reporter gave it."""

    class When(models.TextChoices):
        NOW = "now", _("happening now")
        PAST = "past", _("already happened")
        EXPECTED = "expected", _("expected (rumours of a planned clash)")

    class Crowd(models.TextChoices):
        UNKNOWN = "unknown", _("unknown")
        FEW = "few", _("fewer than 10 people")
        TENS = "tens", _("10 to 50 people")
        MANY = "many", _("more than 50 people")

    class Hurt(models.TextChoices):
        UNKNOWN = "unknown", _("unknown")
        NO = "no", _("nobody is hurt")
        YES = "yes", _("someone is hurt")

    case = models.ForeignKey(
        "Case", on_delete=models.PROTECT, related_name="reports", verbose_name=_("case")
    )
    source = models.CharField(_("received through"), max_length=10, choices=Source.choices)
    reporter = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident_reports",
        verbose_name=_("reporter"),
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=200, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    reporter_chat = models.ForeignKey(
        TelegramChat,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident_reports",
        verbose_name=_("reporter's Telegram chat"),
    )
    reply_channel = models.CharField(_("answer through"), max_length=10, blank=True)
    reply_address = models.CharField(_("answer to"), max_length=64, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    text = models.TextField(_("what happened"), blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="incident_reports", verbose_name=_("region")
    )
    city = models.ForeignKey(
        City,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident_reports",
        verbose_name=_("city"),
    )
    address = models.CharField(_("address or place"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    when = models.CharField(_("when"), max_length=10, choices=When.choices, default=When.NOW)
    crowd = models.CharField(
        _("how many people"), max_length=10, choices=Crowd.choices, default=Crowd.UNKNOWN
    )
    hurt = models.CharField(
        _("anyone hurt"), max_length=10, choices=Hurt.choices, default=Hurt.UNKNOWN
    )
    communities = models.ManyToManyField(
        EthnicCommunity,
        blank=True,
        related_name="incident_reports",
        verbose_name=_("communities involved"),
    )
    named_consent = models.BooleanField(_("may be named to police and officials"), default=False)
    category = models.CharField(_("proposed category"), max_length=32, choices=Category.choices)
    severity = models.PositiveSmallIntegerField(_("proposed severity"))
    inbound_key = models.CharField(
        _("inbound key"), max_length=100, null=True, blank=True, unique=True, editable=False
    )
    received_at = models.DateTimeField(_("received"), db_index=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["region", "received_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk}"


class ReportAttachment(models.Model):
    """A photo, voice message or file sent with a report; fetched from the channel by a worker."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        VOICE = "voice", _("voice message")
        VIDEO = "video", _("video")
        DOCUMENT = "document", _("file")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be fetched")
        STORED = "stored", _("stored")
        TOO_LARGE = "too_large", _("too large to fetch")
        FAILED = "failed", _("could not be fetched")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("report")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    file_id = models.CharField(_("file id at the channel"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    mime_type = models.CharField(_("type"), max_length=100, blank=True)
    file = models.FileField(_("file"), upload_to="incidents/%Y/%m/", blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class Case(models.Model):
    """One incident as the network handles it: the reports about it, its state and its owner."""

    class State(models.TextChoices):
        NEW = "new", _("new")
        ACKNOWLEDGED = "acknowledged", _("taken")
        VERIFIED = "verified", _("verified")
        INVALIDATED = "invalidated", _("invalidated")
        ACTION_TAKEN = "action_taken", _("action taken")
        RESOLVED = "resolved", _("resolved")
        REOPENED = "reopened", _("reopened")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="cases", verbose_name=_("region")
    )
    city = models.ForeignKey(
        City,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("city"),
    )
    address = models.CharField(_("address or place"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    severity = models.PositiveSmallIntegerField(_("severity"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NEW)
    communities = models.ManyToManyField(
        EthnicCommunity, blank=True, related_name="cases", verbose_name=_("communities involved")
    )
    owner = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases_owned",
        verbose_name=_("taken by"),
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases_owned",
        verbose_name=_("taken by (user)"),
    )
    # The escalation plan, fixed when the case is opened: [{"tier": 0, "after": minutes,
    # "people": [person ids], "label": "circle"}, …] (services.escalation_plan).
    escalation_plan = models.JSONField(_("escalation plan"), default=list, editable=False)
    escalation_tier = models.PositiveSmallIntegerField(_("alerted up to tier"), default=0)
    next_escalation_at = models.DateTimeField(
        _("next escalation"), null=True, blank=True, db_index=True
    )
    outcome = models.TextField(_("outcome"), blank=True)
    lesson = models.TextField(_("lesson learned"), blank=True)
    opened_at = models.DateTimeField(_("opened"), db_index=True)
    last_report_at = models.DateTimeField(_("last report"))
    acknowledged_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["region", "state", "last_report_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=4), name="case_severity_1_4"
            )
        ]

    def __str__(self) -> str:
        return f"№ {self.pk}"

    @property
    def number(self) -> str:
        return f"№ {self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES


CLOSED_STATES = frozenset({Case.State.RESOLVED, Case.State.INVALIDATED})


class Actor(models.TextChoices):
    """Through what an action on a case came."""

    WEB = "web", _("web")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SYSTEM = "system", _("Concord")


class CaseEntry(models.Model):
    """One line of a case's timeline. Entries are never changed or deleted."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("case opened")
        REPORT = "report", _("report added")
        TRANSITION = "transition", _("state changed")
        NOTE = "note", _("note")
        MESSAGE = "message", _("message")
        ALERT = "alert", _("alert sent")
        ESCALATION = "escalation", _("escalated")
        REMINDER = "reminder", _("reminder sent")
        NOT_MINE = "not_mine", _("declined")
        SEVERITY = "severity", _("severity changed")
        CATEGORY = "category", _("category changed")
        CLUSTER = "cluster", _("many reports in the region")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="entries", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    actor_person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by (person)"),
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by (user)"),
    )
    channel = models.CharField(_("through"), max_length=10, choices=Actor.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The timeline is a record of what happened: it is written once.
        if self.pk is not None:
            raise ValueError("A timeline entry cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("A timeline entry cannot be deleted.")


class Alert(models.Model):
    """One person alerted about one case, and what they answered."""

    class Answer(models.TextChoices):
        NONE = "", _("no answer yet")
        TAKEN = "taken", _("took it")
        NOT_MINE = "not_mine", _("not mine")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("case")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="incident_alerts", verbose_name=_("person")
    )
    tier = models.PositiveSmallIntegerField(_("tier"))
    answer = models.CharField(
        _("answer"), max_length=10, choices=Answer.choices, default=Answer.NONE, blank=True
    )
    alerted_at = models.DateTimeField(_("alerted at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="uniq_alert_case_person")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.person_id}"


class CircleMember(models.Model):
    """A member of a region's response circle. A member with a community is alerted only about
    cases that involve that community (the leaders of each community's NGOs); one without is
    alerted about every case of the region."""

    class Part(models.TextChoices):
        POLICE = "police", _("police liaison")
        OFFICIAL = "official", _("official")
        COORDINATOR = "coordinator", _("regional coordinator")
        COMMUNITY_LEADER = "community_leader", _("community leader")
        OTHER = "other", _("other")

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="circle_members", verbose_name=_("region")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="circle_places", verbose_name=_("person")
    )
    part = models.CharField(_("part in the circle"), max_length=20, choices=Part.choices)
    community = models.ForeignKey(
        EthnicCommunity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="circle_members",
        verbose_name=_("community"),
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("response circle member")
        verbose_name_plural = _("response circle members")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "person", "community"], name="uniq_circle_member"
            ),
            models.UniqueConstraint(
                fields=["region", "person"],
                condition=Q(community__isnull=True),
                name="uniq_circle_member_any_community",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.person_id}"


class EscalationPolicy(models.Model):
    """How long a case of one severity may wait for someone to take it, per tier."""

    severity = models.PositiveSmallIntegerField(_("severity"), unique=True)
    acknowledge_minutes = models.PositiveIntegerField(_("minutes to take it before escalating"))
    reminder_minutes = models.PositiveIntegerField(_("minutes between reminders"))

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        ordering = ["-severity"]

    def __str__(self) -> str:
        return str(self.severity)


class ClusterAlert(models.Model):
    """Coordinators were told that a region had many reports within a few hours."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="cluster_alerts", verbose_name=_("region")
    )
    reports = models.PositiveIntegerField(_("reports in the window"))
    window_hours = models.PositiveSmallIntegerField(_("window in hours"))
    raised_at = models.DateTimeField(_("raised"), db_index=True)

    class Meta:
        verbose_name = _("cluster alert")
        verbose_name_plural = _("cluster alerts")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.raised_at:%Y-%m-%d %H:%M}"


class TensionAlert(models.Model):
    """Coordinators were told that a region's tension index rose well above its baseline."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="tension_alerts", verbose_name=_("region")
    )
    day = models.DateField(_("day"))
    index = models.FloatField(_("index"))
    baseline = models.FloatField(_("baseline"))
    raised_at = models.DateTimeField(_("raised"))

    class Meta:
        verbose_name = _("tension alert")
        verbose_name_plural = _("tension alerts")
        constraints = [models.UniqueConstraint(fields=["region", "day"], name="uniq_tension_day")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day}"
