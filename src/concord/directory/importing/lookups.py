"""Finding the regions, cities, communities and organisations that a file's cells name.

One `Lookups` serves a whole import and remembers every answer, so that a file of a thousand
rows from the same few regions costs a few queries, not thousands.
"""

from __future__ import annotations

import difflib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from concord.directory.importing.cells import name_fold, quoted_list
from concord.directory.models import EthnicCommunity, Organisation
from concord.regions.models import City, Region
from concord.regions.selectors import city_match, region_match, region_suggest


def _close(text: str, names: dict[str, str], *, limit: int = 3) -> list[str]:
    """Display names whose folded form is close to `text`; `names` maps folded -> display."""
    close = difflib.get_close_matches(name_fold(text), list(names), n=limit, cutoff=0.6)
    return [names[name] for name in close]


class Lookups:
    def __init__(self) -> None:
        self._regions: dict[str, Region | None] = {}
        self._countries: dict[int, str] = {}
        self._cities: dict[tuple[int, str], City | None] = {}
        self._communities: dict[str, EthnicCommunity] | None = None
        self._organisations: dict[int, dict[str, Organisation]] = {}

    def region(self, text: str) -> Region:
        key = name_fold(text)
        if key not in self._regions:
            self._regions[key] = region_match(text=text)
        region = self._regions[key]
        if region is None:
            raise ValidationError(self._region_unknown(text))
        return region

    def _region_unknown(self, text: str) -> str:
        suggestions = [f"{r.name} ({r.code})" for r in region_suggest(text=text, limit=3)]
        if suggestions:
            return _("unknown region “%(value)s”; did you mean %(suggestions)s?") % {
                "value": text,
                "suggestions": quoted_list(suggestions),
            }
        return _(
            "unknown region “%(value)s”; write its ISO code (such as RU-TA) or its full name"
        ) % {"value": text}

    def country_code(self, region: Region) -> str:
        """The country whose numbering plan applies to phones written without `+`."""
        if region.pk not in self._countries:
            self._countries[region.pk] = region.country.code
        return self._countries[region.pk]

    def city(self, region: Region, text: str) -> City:
        key = (region.pk, name_fold(text))
        if key not in self._cities:
            self._cities[key] = city_match(region=region, text=text)
        city = self._cities[key]
        if city is None:
            raise ValidationError(self._city_unknown(region, text))
        return city

    def _city_unknown(self, region: Region, text: str) -> str:
        cities = City.objects.filter(region=region).only("name_ru", "name_en")
        names = {name_fold(n): n for c in cities for n in (c.name_ru, c.name_en) if n}
        params = {"value": text, "region": region.name}
        if close := _close(text, names):
            params["suggestions"] = quoted_list(close)
            return _("no city “%(value)s” in %(region)s; did you mean %(suggestions)s?") % params
        return _("no city “%(value)s” in %(region)s; check the spelling or leave it empty") % params

    def community(self, text: str) -> EthnicCommunity:
        if self._communities is None:
            self._communities = {
                name_fold(name): community
                for community in EthnicCommunity.objects.all()
                for name in (community.slug, community.name_ru, community.name_en)
                if name
            }
        found = self._communities.get(name_fold(text))
        if found is None:
            names = {key: community.name for key, community in self._communities.items()}
            raise ValidationError(self._unknown_community(text, names))
        return found

    def _unknown_community(self, text: str, names: dict[str, str]) -> str:
        if close := _close(text, names):
            return _("unknown community “%(value)s”; did you mean %(suggestions)s?") % {
                "value": text,
                "suggestions": quoted_list(list(dict.fromkeys(close))),
            }
        return _(
            "unknown community “%(value)s”; coordinators add communities in the administration"
        ) % {"value": text}

    def organisations_in(self, region: Region) -> dict[str, Organisation]:
        """The region's organisations by folded name."""
        if region.pk not in self._organisations:
            self._organisations[region.pk] = {
                name_fold(o.name): o for o in Organisation.objects.filter(region=region)
            }
        return self._organisations[region.pk]

    def organisation(self, region: Region, text: str) -> Organisation:
        organisations = self.organisations_in(region)
        found = organisations.get(name_fold(text))
        if found is None:
            raise ValidationError(self._organisation_unknown(region, text, organisations))
        return found

    def _organisation_unknown(
        self, region: Region, text: str, organisations: dict[str, Organisation]
    ) -> str:
        names = {key: organisation.name for key, organisation in organisations.items()}
        params = {"value": text, "region": region.name}
        if close := _close(text, names):
            params["suggestions"] = quoted_list(close)
            return (
                _("no organisation “%(value)s” in %(region)s; did you mean %(suggestions)s?")
                % params
            )
        return (
            _("no organisation “%(value)s” in %(region)s; import the organisations first") % params
        )
