"""Pure helpers: no database, no package data."""

from __future__ import annotations

import pytest

from concord.regions.admin1 import admin1_guess
from concord.regions.naming import name_fold, name_keys, name_strip_kind
from concord.regions.russian import russian_name_pick


def _town(name: str, population: int, *alternates: str) -> dict[str, object]:
    return {"name": name, "population": population, "alternatenames": list(alternates)}


@pytest.mark.parametrize(
    ("name", "alternates", "expected"),
    [
        # Tatar "Казан" also romanises to the main name; "Kazan’" decides for the Russian.
        ("Kazan", ["Kazan", "Kazan’", "Kasan", "Казан", "Казань", "Къазан", "Казањ"], "Казань"),
        # A former name spelt in more languages loses to the one that gives the main name.
        (
            "Samara",
            ["Kuybyshev", "Kujbyshev", "Kuibyshev", "Куйбышев", "Самара", "Самар"],
            "Самара",
        ),
        # Ukrainian "-ськ" and pre-1918 spellings are not Russian.
        ("Smolensk", ["Smolen'sk", "Смоленськ", "Смоленьскъ", "Смоленск"], "Смоленск"),
        ("Groznyy", ["Grozny", "Groznyj", "Грозны", "Грозный", "Грозни"], "Грозный"),
        ("Elista", ["Елиста", "Элиста"], "Элиста"),
        ("Rostov-on-Don", ["Rostov-na-Donu", "Ростов на Дон", "Ростов-на-Дону"], "Ростов-на-Дону"),
    ],
)
def test_russian_name_pick_prefers_the_russian_spelling(
    name: str, alternates: list[str], expected: str
) -> None:
    assert russian_name_pick(name=name, alternate_names=alternates) == expected


def test_russian_name_pick_lets_a_known_name_win() -> None:
    alternates = ["Moskva", "Moskova", "Маскав", "Москва", "Москова"]
    assert (
        russian_name_pick(name="Moscow", alternate_names=alternates, known=["Москва"]) == "Москва"
    )


def test_russian_name_pick_is_none_without_cyrillic() -> None:
    assert russian_name_pick(name="Obruchevo", alternate_names=["", "Obrutschewo"]) is None


@pytest.mark.parametrize(
    ("text", "folded", "stripped"),
    [
        ("Ярославская обл.", "ярославская обл", "ярославская"),
        ("Yaroslavskaya oblast'", "yaroslavskaya oblast", "yaroslavskaya"),
        ("Орёл", "орел", "орел"),
        ("Republic of  Tatarstan", "republic of tatarstan", "tatarstan"),
        ("Ханты-Мансийский АО", "ханты мансийский ао", "ханты мансийский"),
        ("Aqtöbe oblysy", "aqtobe oblysy", "aqtobe"),
        ("Бийск", "бийск", "бийск"),  # й keeps its mark
    ],
)
def test_name_fold_and_strip(text: str, folded: str, stripped: str) -> None:
    assert name_fold(text) == folded
    assert name_strip_kind(name_fold(text)) == stripped


def test_name_keys_include_the_parts_of_an_official_name() -> None:
    assert name_keys("Республика Саха (Якутия)") == {"саха якутия", "саха", "якутия"}
    assert "кузбасс" in name_keys("Кемеровская область — Кузбасс")
    assert name_keys("Tatarstan, Respublika") == {"tatarstan"}


def test_admin1_guess_uses_iso_suffixes_when_they_are_geonames_codes() -> None:
    subdivisions = {"CH-ZH": "Zürich", "CH-BE": "Bern"}
    groups = {"ZH": [_town("Zürich", 400_000)], "BE": [_town("Bern", 130_000)]}
    assert admin1_guess(subdivisions=subdivisions, groups=groups) == {"ZH": "CH-ZH", "BE": "CH-BE"}


def test_admin1_guess_pairs_names_and_leaves_ties_alone() -> None:
    subdivisions = {
        "RU-YAR": "Yaroslavskaya oblast'",
        "RU-AL": "Altay, Respublika",
        "RU-ALT": "Altayskiy kray",
        "RU-TA": "Tatarstan, Respublika",
    }
    groups = {
        "88": [_town("Yaroslavl", 600_000), _town("Rybinsk", 200_000)],
        "03": [_town("Gorno-Altaysk", 60_000)],  # like both Altay and Altayskiy
        "04": [_town("Barnaul", 630_000)],  # like neither
        "73": [_town("Kazan", 1_200_000)],  # like nothing
    }
    assert admin1_guess(subdivisions=subdivisions, groups=groups) == {"88": "RU-YAR"}


def test_admin1_guess_pairs_the_last_two_left() -> None:
    subdivisions = {"RU-YAR": "Yaroslavskaya oblast'", "RU-TA": "Tatarstan, Respublika"}
    groups = {"88": [_town("Yaroslavl", 600_000)], "73": [_town("Kazan", 1_200_000)], "00": []}
    assert admin1_guess(subdivisions=subdivisions, groups=groups) == {"88": "RU-YAR", "73": "RU-TA"}


def test_admin1_guess_uses_local_names_of_the_largest_town() -> None:
    subdivisions = {"RU-MOW": "Moskva", "RU-MOS": "Moskovskaya oblast'", "RU-YAR": "Yaroslavskaya"}
    groups = {
        "48": [_town("Moscow", 10_000_000, "Moskva", "Moscou")],
        "47": [_town("Khimki", 250_000)],
        "88": [_town("Yaroslavl", 600_000)],
    }
    guess = admin1_guess(subdivisions=subdivisions, groups=groups)
    assert guess == {"48": "RU-MOW", "88": "RU-YAR", "47": "RU-MOS"}
