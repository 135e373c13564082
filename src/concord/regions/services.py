"""Loading a country pack into the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction

from concord.regions.geodata import (
    DEFAULT_MIN_POPULATION,
    CountryData,
    UnknownCountryError,
    country_data_read,
)
from concord.regions.models import City, Country, FederalDistrict, Region

__all__ = ["DEFAULT_MIN_POPULATION", "LoadReport", "RowCounts", "UnknownCountryError"]

M = TypeVar("M", bound=models.Model)
_BATCH = 500


@dataclass
class RowCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class LoadReport:
    country_code: str
    country_name: str
    country_created: bool
    districts: RowCounts = field(default_factory=RowCounts)
    regions: RowCounts = field(default_factory=RowCounts)
    cities: RowCounts = field(default_factory=RowCounts)
    # GeoNames admin1 codes that no region claims: their cities were not loaded.
    unmatched_admin1: tuple[str, ...] = ()
    regions_without_cities: tuple[str, ...] = ()


@dataclass
class _Saved:
    """Rows of one model written by an upsert, by key, with the keys created and changed."""

    objects: dict[Any, Any]
    created: set[Any]
    changed: set[Any]

    def counts(self, extra_changed: Iterable[Any] = ()) -> RowCounts:
        changed = (self.changed | set(extra_changed)) - self.created
        unchanged = len(self.objects) - len(self.created) - len(changed)
        return RowCounts(created=len(self.created), updated=len(changed), unchanged=unchanged)


def country_load(*, code: str, min_population: int = DEFAULT_MIN_POPULATION) -> LoadReport:
    """Create or update a country, its regions, districts and cities from the packages' data.

    Idempotent: rows are found by ISO code (country, region), district code and GeoNames id
    (city), and updated in place. Nothing is deleted: cities below a later, higher
    `min_population` stay, since people and organisations may point at them.
    Raises UnknownCountryError for a code that is not an ISO 3166-1 alpha-2 country.
    """
    data = country_data_read(code=code, min_population=min_population)
    with transaction.atomic():
        country, country_created = _country_save(data)
        districts = _districts_save(country, data)
        regions = _regions_save(country, data, districts.objects)
        cities = _cities_save(data, regions.objects)
        capitals_changed = _capitals_save(data, regions.objects, cities.objects)
    return LoadReport(
        country_code=data.code,
        country_name=country.name,
        country_created=country_created,
        districts=districts.counts(),
        regions=regions.counts(extra_changed=capitals_changed),
        cities=cities.counts(),
        unmatched_admin1=data.unmatched_admin1,
        regions_without_cities=_regions_without_cities(data),
    )


def _country_save(data: CountryData) -> tuple[Country, bool]:
    return Country.objects.update_or_create(
        code=data.code,
        defaults={"name_ru": data.name_ru, "name_en": data.name_en, "timezone": data.timezone},
    )


def _districts_save(country: Country, data: CountryData) -> _Saved:
    rows = {d.code: {"name_ru": d.name_ru, "name_en": d.name_en} for d in data.districts}
    return _upsert(
        FederalDistrict.objects.filter(country=country),
        key="code",
        rows=rows,
        fixed={"country_id": country.pk},
    )


def _regions_save(
    country: Country, data: CountryData, districts: Mapping[str, FederalDistrict]
) -> _Saved:
    rows = {
        r.code: {
            "country_id": country.pk,
            "name_ru": r.name_ru,
            "name_en": r.name_en,
            "kind": r.kind,
            "district_id": districts[r.district_code].pk if r.district_code else None,
            "timezone": r.timezone,
        }
        for r in data.regions
    }
    return _upsert(Region.objects.all(), key="code", rows=rows)


def _cities_save(data: CountryData, regions: Mapping[str, Region]) -> _Saved:
    rows = {
        c.geonames_id: {
            "region_id": regions[c.region_code].pk,
            "name_ru": c.name_ru,
            "name_en": c.name_en,
            "latitude": c.latitude,
            "longitude": c.longitude,
            "population": c.population,
            "timezone": c.timezone,
        }
        for c in data.cities
    }
    return _upsert(City.objects.all(), key="geonames_id", rows=rows)


def _capitals_save(
    data: CountryData, regions: Mapping[str, Region], cities: Mapping[int, City]
) -> set[str]:
    """Point each region at its administrative centre, once the cities have ids."""
    rows = {
        r.code: {"capital_id": cities[r.capital_geonames_id].pk if r.capital_geonames_id else None}
        for r in data.regions
    }
    return _upsert(Region.objects.all(), key="code", rows=rows).changed


def _regions_without_cities(data: CountryData) -> tuple[str, ...]:
    with_cities = {c.region_code for c in data.cities}
    return tuple(r.code for r in data.regions if r.code not in with_cities)


def _upsert(
    queryset: models.QuerySet[M],
    *,
    key: str,
    rows: Mapping[Any, dict[str, Any]],
    fixed: Mapping[str, Any] | None = None,
) -> _Saved:
    """Create the missing rows and update the changed ones, in bulk; keyed by a unique field."""
    existing = _existing(queryset, key, list(rows))
    new = [
        queryset.model(**{key: value, **(fixed or {}), **fields})
        for value, fields in rows.items()
        if value not in existing
    ]
    changed: dict[Any, M] = {}
    changed_fields: set[str] = set()
    for value, obj in existing.items():
        if differing := _assign(obj, rows[value]):
            changed[value] = obj
            changed_fields |= differing
    manager = queryset.model._default_manager
    manager.bulk_create(new, batch_size=_BATCH)
    if changed:
        manager.bulk_update(list(changed.values()), sorted(changed_fields), batch_size=_BATCH)
    objects = {**existing, **{getattr(obj, key): obj for obj in new}}
    return _Saved(objects, created={getattr(obj, key) for obj in new}, changed=set(changed))


def _assign(obj: models.Model, fields: Mapping[str, Any]) -> set[str]:
    """Set the fields whose values differ; return their names."""
    differing = {name for name, value in fields.items() if getattr(obj, name) != value}
    for name in differing:
        setattr(obj, name, fields[name])
    return differing


def _existing(queryset: models.QuerySet[M], key: str, values: list[Any]) -> dict[Any, M]:
    # In chunks: SQLite limits the number of parameters of one query.
    found: dict[Any, M] = {}
    for start in range(0, len(values), _BATCH):
        chunk = values[start : start + _BATCH]
        found.update({getattr(obj, key): obj for obj in queryset.filter(**{f"{key}__in": chunk})})
    return found
