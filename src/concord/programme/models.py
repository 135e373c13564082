from __future__ import annotations

import secrets
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.directory.models import Organisation, Person
from concord.regions.models import City, Region


class ProgrammeYear(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title or str(self.year)


class Event(models.Model):
    class Kind(models.TextChoices):
        TRAINING = "training", _("interregional training")
        SEMINAR = "seminar", _("regional seminar")
        CONFERENCE = "conference", _("conference")
        ONLINE_CONFERENCE = "online_conference", _("online conference")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        ONLINE = "online", _("online")
        HYBRID = "hybrid", _("hybrid")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ANNOUNCED = "announced", _("announced")
        CONFIRMED = "confirmed", _("confirmed")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    programme_year = models.ForeignKey(
        ProgrammeYear, on_delete=models.PROTECT, related_name="events", verbose_name=_("year")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    host_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="hosted_events",
        verbose_name=_("host region"),
    )
    host_city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_events",
        verbose_name=_("host city"),
    )
    venue = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="venue_events",
        verbose_name=_("venue"),
    )
    host_partner = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_events",
        verbose_name=_("host partner"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    format = models.CharField(
        _("format"), max_length=12, choices=Format.choices, default=Format.IN_PERSON
    )
    meeting_url = models.URLField(_("meeting link"), blank=True)
    capacity_in_person = models.PositiveIntegerField(_("places in the room"), default=0)
    capacity_online = models.PositiveIntegerField(_("places online"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def timezone_name(self) -> str:
        """The host city's time zone: every date of the event is shown in it."""
        if self.host_city_id and self.host_city:
            return self.host_city.timezone
        return self.host_region.timezone or settings.TIME_ZONE

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone_name)


class AgendaTemplate(models.Model):
    """The standard agenda of a kind of event, laid out when such an event is created."""

    kind = models.CharField(
        _("kind of event"), max_length=20, choices=Event.Kind.choices, unique=True
    )
    days = models.PositiveSmallIntegerField(_("days"), default=1)

    class Meta:
        verbose_name = _("agenda template")
        verbose_name_plural = _("agenda templates")

    def __str__(self) -> str:
        return self.get_kind_display()


class AgendaTemplateItem(models.Model):
    template = models.ForeignKey(
        AgendaTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("template")
    )
    day = models.PositiveSmallIntegerField(_("day"))
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    title_ru = models.CharField(_("title in Russian"), max_length=300)
    title_en = models.CharField(_("title in English"), max_length=300)

    class Meta:
        verbose_name = _("agenda template item")
        verbose_name_plural = _("agenda template items")
        ordering = ["template", "day", "start_time"]

    def __str__(self) -> str:
        return f"{self.day}: {self.title_en}"


class Session(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event")
    )
    day = models.PositiveSmallIntegerField(_("day"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    title = models.CharField(_("title"), max_length=300)
    place = models.CharField(_("place"), max_length=300, blank=True)
    speakers = models.ManyToManyField(
        Person, blank=True, related_name="sessions_spoken", verbose_name=_("speakers")
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["event", "starts_at"]

    def __str__(self) -> str:
        return self.title


class InvitedRegion(models.Model):
    class Group(models.TextChoices):
        MAIN = "main", _("NGO leaders")
        YOUTH = "youth", _("youth activists")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="invited_regions", verbose_name=_("event")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    group = models.CharField(_("group"), max_length=8, choices=Group.choices, default=Group.MAIN)
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        verbose_name = _("invited region")
        verbose_name_plural = _("invited regions")
        constraints = [
            models.UniqueConstraint(fields=["event", "region", "group"], name="uniq_invited_region")
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.region}"


class Registration(models.Model):
    class State(models.TextChoices):
        INVITED = "invited", _("invited")
        REGISTERED = "registered", _("registered")
        WAITLISTED = "waitlisted", _("on the waiting list")
        OFFERED = "offered", _("offered a freed place")
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED_BY_PERSON = "cancelled_by_person", _("cancelled by the person")
        CANCELLED_BY_ORGANISER = "cancelled_by_organiser", _("cancelled by the organiser")
        DECLINED = "declined", _("declined the invitation")
        ATTENDED = "attended", _("attended")
        NO_SHOW = "no_show", _("did not come")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("in the room")
        ONLINE = "online", _("online")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("person")
    )
    group = models.CharField(
        _("group"),
        max_length=8,
        choices=InvitedRegion.Group.choices,
        default=InvitedRegion.Group.MAIN,
    )
    mode = models.CharField(
        _("takes part"), max_length=12, choices=Mode.choices, default=Mode.IN_PERSON
    )
    state = models.CharField(
        _("state"), max_length=24, choices=State.choices, default=State.INVITED
    )
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="uniq_registration")
        ]
        indexes = [models.Index(fields=["event", "state"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.event}: {self.state}"


class RegistrationTransition(models.Model):
    """Immutable history: every change of a registration's state, by whom, when and why."""

    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("registration"),
    )
    from_state = models.CharField(_("from"), max_length=24, blank=True)
    to_state = models.CharField(_("to"), max_length=24)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("registration change")
        verbose_name_plural = _("registration changes")
        ordering = ["registration", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class Attendance(models.Model):
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("registration"),
    )
    day = models.DateField(_("day"))
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["registration", "day"], name="uniq_attendance_day")
        ]

    def __str__(self) -> str:
        return f"{self.registration.person} {self.day}"


class Disruption(models.Model):
    """A relocation, reschedule, format switch or cancellation, with its reason."""

    class Kind(models.TextChoices):
        RELOCATION = "relocation", _("relocated")
        RESCHEDULE = "reschedule", _("rescheduled")
        FORMAT_SWITCH = "format_switch", _("format switched")
        CANCELLATION = "cancellation", _("cancelled")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="disruptions", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("disruption")
        verbose_name_plural = _("disruptions")
        ordering = ["event", "at"]

    def __str__(self) -> str:
        return f"{self.event}: {self.get_kind_display()}"


class RegionalRestriction(models.Model):
    """A limit on gatherings in a region for a period (for example at most 30 people, or none)."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="restrictions", verbose_name=_("region")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    max_participants = models.PositiveIntegerField(
        _("at most this many people"), help_text=_("0 means no gatherings at all.")
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("regional restriction")
        verbose_name_plural = _("regional restrictions")
        ordering = ["region", "starts_on"]

    def __str__(self) -> str:
        return f"{self.region}: ≤{self.max_participants} ({self.starts_on}–{self.ends_on})"


class RestrictionOverride(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("event")
    )
    restriction = models.ForeignKey(
        RegionalRestriction,
        on_delete=models.CASCADE,
        related_name="overrides",
        verbose_name=_("restriction"),
    )
    reason = models.CharField(_("reason"), max_length=500)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("restriction override")
        verbose_name_plural = _("restriction overrides")

    def __str__(self) -> str:
        return f"{self.event}: {self.reason}"


def _new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A person's private calendar address: calendar apps cannot log in, so a secret token."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("person")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=_new_feed_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.person)
