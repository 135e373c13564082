"""Finding the place of a report: a typed "City, street …", a region's name, or the nearest
city to a shared location (within NEAREST_CITY_KM)."""

from __future__ import annotations

import math
import re
from typing import Any

from django.db.models import Q

from concord.bot.flows.report.draft import Draft, draft_city, draft_region
from concord.regions.models import City, Region
from concord.regions.naming import name_fold
from concord.regions.selectors import city_match, distance_km, region_match

NEAREST_CITY_KM = 300.0
_CITY_WORDS = re.compile(r"^(?:г|гор|город|city of|city)\s+|\s+(?:city|город)$")


def nearest_city(lat: float, lon: float) -> tuple[City, float] | None:
    """The nearest city of the loaded countries and its distance, within NEAREST_CITY_KM."""
    lat_span = NEAREST_CITY_KM / 111.0 + 0.5
    cities = City.objects.filter(latitude__range=(lat - lat_span, lat + lat_span))
    lon_span = lat_span / max(math.cos(math.radians(min(abs(lat) + lat_span, 89.0))), 0.01)
    if lon - lon_span > -180 and lon + lon_span < 180:  # no box across the antimeridian
        cities = cities.filter(longitude__range=(lon - lon_span, lon + lon_span))
    found = [(distance_km(lat, lon, c.latitude, c.longitude), c.pk, c) for c in cities]
    if not found:
        return None
    km, _pk, city = min(found)
    return (city, km) if km <= NEAREST_CITY_KM else None


def city_named(text: str, prefer: Region | None) -> City | None:
    """A city of any loaded region named `text` (any case, ё or е, with "г."); one of the
    preferred region first, else the most populous of that name."""
    if prefer is not None and (city := city_match(region=prefer, text=text)):
        return city
    wanted = _CITY_WORDS.sub("", name_fold(text)).strip()
    if not wanted:
        return None
    first = wanted[0]
    candidates = City.objects.filter(
        Q(name_ru__istartswith=first)
        | Q(name_ru__startswith=first.upper())
        | Q(name_en__istartswith=first)
        | Q(name_ru__istartswith="ё" if first == "е" else first)
    ).order_by("-population", "pk")
    for city in candidates.select_related("region"):
        if wanted in {name_fold(city.name_ru), name_fold(city.name_en)}:
            return city
    return None


def place_from_text(text: str, prefer: Region | None) -> dict[str, Any] | None:
    """{"region", "city", "address"} from "City, street …", a region's name, or a city alone."""
    head, _comma, rest = text.partition(",")
    if city := city_named(head, prefer):
        return {"region": city.region_id, "city": city.pk, "address": rest.strip()[:300]}
    if region := region_match(text=text):
        return {"region": region.pk, "city": None, "address": ""}
    if rest and (region := region_match(text=head)):
        return {"region": region.pk, "city": None, "address": rest.strip()[:300]}
    return None


def place_line(draft: Draft) -> str:
    """The draft's place in one line: "City, Region, address"."""
    city, region = draft_city(draft), draft_region(draft)
    parts = [city.name if city else "", region.name if region else "", draft.get("address", "")]
    return ", ".join(p for p in parts if p)
