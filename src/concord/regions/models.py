from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.core.i18n import BilingualNameMixin


class Country(BilingualNameMixin, models.Model):  # noqa: DJ008 (__str__ from the mixin)
    code = models.CharField(_("ISO code"), max_length=2, unique=True)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    timezone = models.CharField(_("default time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["code"]


class FederalDistrict(BilingualNameMixin, models.Model):  # noqa: DJ008 (__str__ from the mixin)
    """A grouping of first-level regions, where the country has one (Russia's federal districts)."""

    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="districts", verbose_name=_("country")
    )
    code = models.CharField(_("code"), max_length=16)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)

    class Meta:
        verbose_name = _("federal district")
        verbose_name_plural = _("federal districts")
        ordering = ["country", "code"]
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="uniq_district_code"),
        ]


class Region(BilingualNameMixin, models.Model):  # noqa: DJ008 (__str__ from the mixin)
    class Kind(models.TextChoices):
        REPUBLIC = "republic", _("republic")
        OBLAST = "oblast", _("oblast")
        KRAI = "krai", _("krai")
        AUTONOMOUS_OKRUG = "autonomous_okrug", _("autonomous okrug")
        AUTONOMOUS_OBLAST = "autonomous_oblast", _("autonomous oblast")
        FEDERAL_CITY = "federal_city", _("city of federal significance")
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        OTHER = "other", _("other")

    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="regions", verbose_name=_("country")
    )
    code = models.CharField(_("ISO 3166-2 code"), max_length=10, unique=True)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.OTHER)
    district = models.ForeignKey(
        FederalDistrict,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="regions",
        verbose_name=_("federal district"),
    )
    capital = models.ForeignKey(
        "City",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("administrative centre"),
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name_ru"]


class City(BilingualNameMixin, models.Model):  # noqa: DJ008 (__str__ from the mixin)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="cities", verbose_name=_("region")
    )
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    population = models.PositiveIntegerField(_("population"), default=0)
    timezone = models.CharField(_("time zone"), max_length=64)
    geonames_id = models.PositiveIntegerField(_("GeoNames id"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["-population", "name_ru"]
        indexes = [models.Index(fields=["region", "-population"])]
