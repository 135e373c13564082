from __future__ import annotations

import pytest

from concord.regions.models import Region
from concord.regions.selectors import city_match, region_match, region_suggest
from concord.regions.services import LoadReport
from concord.testing.factories import RegionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("RU-YAR", "RU-YAR"),
        (" ru-yar ", "RU-YAR"),
        ("YAR", "RU-YAR"),
        ("Ярославская область", "RU-YAR"),
        ("ярославская обл.", "RU-YAR"),
        ("ЯРОСЛАВСКАЯ", "RU-YAR"),
        ("Yaroslavl Oblast", "RU-YAR"),
        ("yaroslavl region", "RU-YAR"),
        ("Yaroslavl", "RU-YAR"),
        ("Yaroslavskaya oblast'", "RU-YAR"),
        ("Республика Татарстан", "RU-TA"),
        ("Татарстан", "RU-TA"),
        ("Republic of Tatarstan", "RU-TA"),
        ("Tatarstan Republic", "RU-TA"),
        ("Респ. Татарстан", "RU-TA"),
        ("Якутия", "RU-SA"),
        ("Республика Саха", "RU-SA"),
        ("Кузбасс", "RU-KEM"),
        ("Ханты-Мансийский АО", "RU-KHM"),
        ("Ханты Мансийский автономный округ - Югра", "RU-KHM"),
        ("Еврейская АО", "RU-YEV"),
        ("Москва", "RU-MOW"),
        ("г. Москва", "RU-MOW"),
        ("Moscow", "RU-MOW"),
        ("Moscow region", "RU-MOS"),
        ("Московская обл.", "RU-MOS"),
        ("Санкт-Петербург", "RU-SPE"),
        ("saint petersburg", "RU-SPE"),
        ("Камчатский край", "RU-KAM"),
        ("Kamchatka Krai", "RU-KAM"),
        ("Kamchatskiy kray", "RU-KAM"),
    ],
)
def test_region_match_finds_codes_and_names(ru: LoadReport, text: str, code: str) -> None:
    region = region_match(text=text)
    assert region is not None and region.code == code


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Atlantis", "RU-XYZ", "XYZ", "Altai", "область"],
)
def test_region_match_returns_none_for_unknown_or_ambiguous(ru: LoadReport, text: str) -> None:
    # "Altai" is both the Altai Republic and Altai Krai: better to ask than to guess.
    assert region_match(text=text) is None


def test_region_match_uses_the_country_for_bare_codes(ru: LoadReport) -> None:
    assert region_match(text="yar", country_code="ru") == Region.objects.get(code="RU-YAR")
    assert region_match(text="YAR", country_code="KZ") is None
    assert region_match(text="Ярославская область", country_code="KZ") is None


def test_region_match_treats_yo_as_ye(ru: LoadReport) -> None:
    region = RegionFactory(code="RU-T99", name_ru="Тестовая Ёлкинская область", name_en="Yolkino")
    assert region_match(text="тестовая елкинская обл") == region
    assert region_match(text="Тестовая Ёлкинская") == region


def test_region_match_works_with_regions_made_by_hand(db: None) -> None:
    region = RegionFactory(code="RU-T01", name_ru="Тестовая область 1", name_en="Test Oblast 1")
    assert region_match(text="тестовая область 1") == region
    assert region_match(text="RU-T01") == region


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ярославкая область", "RU-YAR"),
        ("Яраславская", "RU-YAR"),
        ("Tatarstn", "RU-TA"),
        ("Сверловская обл", "RU-SVE"),
        ("Камчатка", "RU-KAM"),
    ],
)
def test_region_suggest_offers_close_names(ru: LoadReport, text: str, code: str) -> None:
    suggestions = region_suggest(text=text)
    assert suggestions and suggestions[0].code == code
    assert len(suggestions) <= 3


def test_region_suggest_respects_the_limit_and_finds_nothing_for_nonsense(ru: LoadReport) -> None:
    assert len(region_suggest(text="Новосибирская", limit=1)) == 1
    assert region_suggest(text="qqqqqqq") == []


@pytest.mark.parametrize(
    ("region_code", "text", "name_en"),
    [
        ("RU-YAR", "Ярославль", "Yaroslavl"),
        ("RU-YAR", "yaroslavl", "Yaroslavl"),
        ("RU-YAR", "г. Ярославль", "Yaroslavl"),
        ("RU-ORL", "Орел", "Orël"),
        ("RU-ORL", "Орёл", "Orël"),
        ("RU-ROS", "Ростов на Дону", "Rostov-on-Don"),
        ("RU-KDA", "Сочи", "Sochi"),
        ("RU-KAM", "петропавловск-камчатский", "Petropavlovsk-Kamchatsky"),
    ],
)
def test_city_match_finds_cities_of_the_region(
    ru: LoadReport, region_code: str, text: str, name_en: str
) -> None:
    city = city_match(region=Region.objects.get(code=region_code), text=text)
    assert city is not None and city.name_en == name_en


def test_city_match_stays_within_the_region(ru: LoadReport) -> None:
    yaroslavl_oblast = Region.objects.get(code="RU-YAR")
    assert city_match(region=yaroslavl_oblast, text="Самара") is None
    assert city_match(region=yaroslavl_oblast, text="") is None
