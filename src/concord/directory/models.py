from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.core.i18n import BilingualNameMixin
from concord.regions.models import City, Region


def fold_for_search(*parts: str) -> str:
    """Lower-cased, ё→е text for substring search that works the same on SQLite and PostgreSQL.

    SQLite's LIKE folds case only for ASCII, so Cyrillic search needs a pre-folded column.
    """
    text = " ".join(part for part in parts if part)
    return text.casefold().replace("ё", "е")


class EthnicCommunity(BilingualNameMixin, models.Model):
    """An ethnic community that organisations serve and people may (with consent) belong to."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)

    class Meta:
        verbose_name = _("ethnic community")
        verbose_name_plural = _("ethnic communities")
        ordering = ["name_ru"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ETHNIC_NGO = "ethnic_ngo", _("ethnic NGO")
        MIGRANT_NGO = "migrant_ngo", _("NGO working with migrants")
        POLICE = "police", _("police unit")
        AUTHORITY = "authority", _("authority body")
        HOST = "host", _("host institution")
        OTHER = "other", _("other")

    class Serves(models.TextChoices):
        CITIZENS = "citizens", _("citizens")
        MIGRANTS = "migrants", _("migrants")
        BOTH = "both", _("citizens and migrants")
        NOT_APPLICABLE = "n/a", _("not applicable")

    class Cooperation(models.TextChoices):
        NONE = "none", _("none")
        OCCASIONAL = "occasional", _("occasional")
        REGULAR = "regular", _("regular")
        AGREEMENT = "agreement", _("written agreement")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=300)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("region")
    )
    city = models.ForeignKey(
        City,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("city"),
    )
    communities = models.ManyToManyField(
        EthnicCommunity,
        blank=True,
        related_name="organisations",
        verbose_name=_("communities served"),
    )
    serves = models.CharField(
        _("serves"), max_length=16, choices=Serves.choices, default=Serves.NOT_APPLICABLE
    )
    cooperation = models.CharField(
        _("cooperation with police and authorities"),
        max_length=16,
        choices=Cooperation.choices,
        default=Cooperation.NONE,
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    telegram = models.CharField(_("Telegram username"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    search_text = models.CharField(_("search text"), max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["region", "kind"]), models.Index(fields=["name"])]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="uniq_organisation_in_region"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived search column, not business logic: kept in step on every save.
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        return fold_for_search(self.name, self.address, self.email, self.telegram)


class Person(models.Model):
    class Channel(models.TextChoices):
        TELEGRAM = "telegram", _("Telegram")
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("email")
        PHONE = "phone", _("phone call")

    class DigitalSkill(models.IntegerChoices):
        LOW = 1, _("needs help with apps")
        MEDIUM = 2, _("uses messengers")
        HIGH = 3, _("confident")

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="people", verbose_name=_("region")
    )
    city = models.ForeignKey(
        City,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("city"),
    )
    organisations: models.ManyToManyField[Organisation, Membership] = models.ManyToManyField(
        Organisation,
        through="Membership",
        related_name="people",
        verbose_name=_("organisations"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    telegram_username = models.CharField(
        _("Telegram username"), max_length=64, blank=True, db_index=True
    )
    whatsapp = models.CharField(_("WhatsApp number"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=Channel.choices, default=Channel.PHONE
    )
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_("ISO 639-1 codes separated by commas, for example: ru, tt"),
    )
    digital_skill = models.PositiveSmallIntegerField(
        _("digital skills"),
        choices=DigitalSkill.choices,
        default=DigitalSkill.MEDIUM,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    notes = models.TextField(_("notes"), blank=True)
    search_text = models.CharField(_("search text"), max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["region", "last_name"]),
            models.Index(fields=["last_name", "first_name"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived search column, not business logic: kept in step on every save.
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        return fold_for_search(
            self.last_name,
            self.first_name,
            self.patronymic,
            self.email,
            self.phone,
            self.telegram_username,
        )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)


class PersonRole(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("NGO leader")
        ACTIVIST = "activist", _("activist")
        YOUTH_ACTIVIST = "youth_activist", _("youth activist")
        POLICE_LIAISON = "police_liaison", _("police liaison")
        OFFICIAL = "official", _("official")
        TRAINER = "trainer", _("trainer or expert")
        COORDINATOR = "coordinator", _("coordinator")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["person", "role"], name="uniq_person_role")]
        indexes = [models.Index(fields=["role", "person"])]

    def __str__(self) -> str:
        return self.get_role_display()


class Membership(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    position = models.CharField(_("position"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation"], name="uniq_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.organisation}"


class Consent(models.Model):
    """A person's consent to one purpose: when, how, and whether it was withdrawn."""

    class Purpose(models.TextChoices):
        DIRECTORY = "directory", _("be kept in the network's directory")
        NETWORK_LISTING = "network_listing", _("be listed to the whole network")
        MESSAGING = "messaging", _("be contacted through messengers and email")
        ETHNICITY = "ethnicity", _("store ethnic affiliation")

    class Method(models.TextChoices):
        PAPER = "paper", _("signed paper form")
        WEB = "web", _("web form")
        BOT = "bot", _("chat bot")
        PHONE = "phone", _("by phone, recorded by staff")
        EMAIL = "email", _("by email")
        IMPORT = "import", _("imported with the person's record")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    method = models.CharField(_("how it was given"), max_length=16, choices=Method.choices)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        indexes = [models.Index(fields=["purpose", "person", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class EthnicAffiliation(models.Model):
    """Special-category data: only with an active ETHNICITY consent, only for coordinators."""

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="ethnic_affiliations",
        verbose_name=_("person"),
    )
    community = models.ForeignKey(
        EthnicCommunity,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
    )
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, related_name="affiliations", verbose_name=_("consent")
    )

    class Meta:
        verbose_name = _("ethnic affiliation")
        verbose_name_plural = _("ethnic affiliations")
        constraints = [
            models.UniqueConstraint(fields=["person", "community"], name="uniq_affiliation"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.community}"
