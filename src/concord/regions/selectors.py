"""Finding regions and cities by what people write: ISO codes and names in Russian or English."""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from collections.abc import Iterable

import pycountry
from django.db.models import QuerySet

from concord.regions.models import City, Region
from concord.regions.naming import name_fold, name_keys, name_strip_kind

_CODE_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_SUFFIX_RE = re.compile(r"^[A-Z0-9]{1,3}$")
# Words before or after a city's name that only say it is a city ("г. Самара", "City of Kazan").
_CITY_WORDS_RE = re.compile(r"^(?:г|гор|город|city of|city)\s+|\s+(?:city|город)$")


def region_match(*, text: str, country_code: str | None = None) -> Region | None:
    """The one region that `text` names, or None when it names none or several.

    Accepts an ISO 3166-2 code ("RU-YAR", "ru-yar"; "YAR" when unique, or within
    `country_code`), or a Russian or English name in any case, with or without its kind
    ("Ярославская обл.", "Yaroslavl oblast", "Tatarstan", "Republic of Tatarstan"), ё or е.
    """
    text = text.strip()
    if not text:
        return None
    regions = _regions(country_code)
    return _code_match(text, regions, country_code) or _name_match(text, regions)


def region_suggest(*, text: str, limit: int = 3) -> list[Region]:
    """Regions whose names are close to `text`, best first: the "did you mean" of a typo."""
    folded = name_fold(text)
    index: dict[str, list[Region]] = defaultdict(list)
    for region in _regions(None):
        for key in _region_keys(region) | set(_region_full_names(region)):
            index[key].append(region)
    queries = dict.fromkeys([folded, name_strip_kind(folded)])
    found: list[Region] = []
    for query in filter(None, queries):
        for key in difflib.get_close_matches(query, list(index), n=limit * 2, cutoff=0.6):
            found.extend(r for r in index[key] if r not in found)
    return found[:limit]


def city_match(*, region: Region, text: str) -> City | None:
    """The region's city named `text` (Russian or English, any case, ё or е, with "г."), or None.

    Where two places share the name, the more populous one.
    """
    wanted = _city_fold(text)
    if not wanted:
        return None
    for city in region.cities.order_by("-population", "pk"):
        if wanted in {_city_fold(city.name_ru), _city_fold(city.name_en)}:
            return city
    return None


def _regions(country_code: str | None) -> QuerySet[Region]:
    regions = Region.objects.select_related("country")
    if country_code:
        regions = regions.filter(country__code=country_code.strip().upper())
    return regions


def _code_match(text: str, regions: QuerySet[Region], country_code: str | None) -> Region | None:
    code = text.upper().replace(" ", "")
    if _CODE_RE.match(code):
        return regions.filter(code=code).first()
    if not _SUFFIX_RE.match(code):
        return None
    if country_code:
        return regions.filter(code=f"{country_code.strip().upper()}-{code}").first()
    # A bare "YAR" without a country: only when a single country has it.
    found = list(regions.filter(code__endswith=f"-{code}")[:2])
    return found[0] if len(found) == 1 else None


def _name_match(text: str, regions: Iterable[Region]) -> Region | None:
    folded = name_fold(text)
    stripped = name_strip_kind(folded)
    candidates = list(regions)
    exact = [r for r in candidates if folded in _region_full_names(r)]
    if len(exact) == 1:
        return exact[0]
    loose = [r for r in candidates if stripped in _region_keys(r)]
    if len(loose) > 1 and stripped != folded:
        # "Moscow region" names Moscow Oblast, not the city of Moscow: prefer names with a kind.
        loose = [r for r in loose if stripped not in _region_full_names(r)]
    return loose[0] if len(loose) == 1 else None


def _region_names(region: Region) -> list[str]:
    names = [region.name_ru, region.name_en]
    # pycountry's ISO romanisation too ("Yaroslavskaya oblast'"), as official lists write it.
    subdivision = pycountry.subdivisions.get(code=region.code)
    if subdivision is not None:
        names.append(subdivision.name)
    return [name for name in names if name]


def _region_full_names(region: Region) -> list[str]:
    return [name_fold(name) for name in _region_names(region)]


def _region_keys(region: Region) -> set[str]:
    return {key for name in _region_names(region) for key in name_keys(name)}


def _city_fold(text: str) -> str:
    return _CITY_WORDS_RE.sub("", name_fold(text)).strip()


EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def neighbouring_regions(*, region: Region, count: int) -> list[Region]:
    """The `count` regions of the same country whose administrative centres lie nearest to
    this region's. The country packs carry no borders; the nearest centres stand in for them
    (documented in docs/regions.md)."""
    if region.capital is None:
        return []
    here = region.capital
    others = (
        Region.objects.filter(country_id=region.country_id, capital__isnull=False)
        .exclude(pk=region.pk)
        .select_related("capital")
    )
    distances = []
    for other in others:
        centre = other.capital
        assert centre is not None  # filtered above
        km = distance_km(here.latitude, here.longitude, centre.latitude, centre.longitude)
        distances.append((km, other.pk, other))
    return [other for _km, _pk, other in sorted(distances)[:count]]
