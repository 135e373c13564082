from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from concord.regions.geodata import UnknownCountryError
from concord.regions.models import City, Country, FederalDistrict, Region
from concord.regions.services import LoadReport, country_load
from concord.regions.tests.conftest import TEST_MIN_POPULATION

pytestmark = pytest.mark.django_db

# The programme's host cities: English name -> (Russian name, region, latitude, longitude, zone).
HOST_CITIES = {
    "Yaroslavl": ("Ярославль", "RU-YAR", 57.63, 39.87, "Europe/Moscow"),
    "Samara": ("Самара", "RU-SAM", 53.21, 50.19, "Europe/Samara"),
    "Yekaterinburg": ("Екатеринбург", "RU-SVE", 56.86, 60.61, "Asia/Yekaterinburg"),
    "Kaliningrad": ("Калининград", "RU-KGD", 54.71, 20.51, "Europe/Kaliningrad"),
    "Izhevsk": ("Ижевск", "RU-UD", 56.85, 53.20, "Europe/Samara"),
    "Rostov-on-Don": ("Ростов-на-Дону", "RU-ROS", 47.22, 39.72, "Europe/Moscow"),
    "Kazan": ("Казань", "RU-TA", 55.79, 49.12, "Europe/Moscow"),
    "Sochi": ("Сочи", "RU-KDA", 43.60, 39.73, "Europe/Moscow"),
    "Vladimir": ("Владимир", "RU-VLA", 56.14, 40.40, "Europe/Moscow"),
    "Moscow": ("Москва", "RU-MOW", 55.75, 37.62, "Europe/Moscow"),
    "Irkutsk": ("Иркутск", "RU-IRK", 52.30, 104.30, "Asia/Irkutsk"),
    "Petropavlovsk-Kamchatsky": (
        "Петропавловск-Камчатский",
        "RU-KAM",
        53.04,
        158.65,
        "Asia/Kamchatka",
    ),
}


def _capital(region: Region) -> City:
    assert region.capital is not None
    return region.capital


def _utc_offset_hours(zone: str) -> float:
    offset = dt.datetime(2025, 1, 15, 12, tzinfo=ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


def test_russia_has_the_83_subjects_of_iso_3166_2(ru: LoadReport) -> None:
    regions = Region.objects.filter(country__code="RU")
    assert regions.count() == 83
    assert ru.regions.created == 83
    kinds = Counter(regions.values_list("kind", flat=True))
    assert kinds == {
        Region.Kind.OBLAST: 46,
        Region.Kind.REPUBLIC: 21,
        Region.Kind.KRAI: 9,
        Region.Kind.AUTONOMOUS_OKRUG: 4,
        Region.Kind.FEDERAL_CITY: 2,
        Region.Kind.AUTONOMOUS_OBLAST: 1,
    }


def test_every_region_has_a_district_names_a_capital_and_a_time_zone(ru: LoadReport) -> None:
    regions = Region.objects.filter(country__code="RU").select_related("district", "capital")
    assert all(r.district is not None for r in regions)
    assert all(r.capital is not None and r.capital.region_id == r.pk for r in regions)
    assert all(r.timezone == r.capital.timezone for r in regions if r.capital)
    assert all(any("а" <= ch <= "я" for ch in r.name_ru.lower()) for r in regions)
    assert all(r.name_en.isascii() for r in regions)
    assert ru.regions_without_cities == ()
    assert ru.unmatched_admin1 == ()


def test_eight_federal_districts_group_the_regions(ru: LoadReport) -> None:
    districts = FederalDistrict.objects.filter(country__code="RU").annotate(n=Count("regions"))
    sizes = {d.code: d.n for d in districts}
    assert sizes == {
        "CFD": 18,
        "NWFD": 11,
        "SFD": 6,
        "NCFD": 7,
        "VFD": 14,
        "UFD": 6,
        "SIBFD": 10,
        "FEFD": 11,
    }
    yaroslavl_district = FederalDistrict.objects.get(regions__code="RU-YAR")
    assert yaroslavl_district.name_ru == "Центральный федеральный округ"


def test_time_zones_run_from_kaliningrad_utc2_to_kamchatka_utc12(ru: LoadReport) -> None:
    kaliningrad = Region.objects.get(code="RU-KGD")
    kamchatka = Region.objects.get(code="RU-KAM")
    assert kaliningrad.timezone == "Europe/Kaliningrad"
    assert kamchatka.timezone == "Asia/Kamchatka"
    assert _utc_offset_hours(kaliningrad.timezone) == 2
    assert _utc_offset_hours(kamchatka.timezone) == 12
    offsets = {_utc_offset_hours(r.timezone) for r in Region.objects.filter(country__code="RU")}
    assert min(offsets) == 2 and max(offsets) == 12


@pytest.mark.parametrize("name_en", HOST_CITIES)
def test_host_cities_exist_with_russian_names_and_coordinates(ru: LoadReport, name_en: str) -> None:
    name_ru, region_code, latitude, longitude, zone = HOST_CITIES[name_en]
    city = City.objects.get(name_en=name_en, region__country__code="RU")
    assert (city.name_ru, city.region.code, city.timezone) == (name_ru, region_code, zone)
    assert city.latitude == pytest.approx(latitude, abs=0.1)
    assert city.longitude == pytest.approx(longitude, abs=0.1)
    assert city.population > 100_000
    assert city.geonames_id


def test_federal_cities_are_their_own_regions(ru: LoadReport) -> None:
    moscow = Region.objects.select_related("capital").get(code="RU-MOW")
    petersburg = Region.objects.select_related("capital").get(code="RU-SPE")
    assert moscow.kind == petersburg.kind == Region.Kind.FEDERAL_CITY
    assert (moscow.name_ru, _capital(moscow).name_ru) == ("Москва", "Москва")
    assert (petersburg.name_ru, _capital(petersburg).name_ru) == (
        "Санкт-Петербург",
        "Санкт-Петербург",
    )
    assert Region.objects.get(code="RU-MOS").name_en == "Moscow Oblast"


@pytest.mark.parametrize(
    ("region_code", "capital"),
    [
        ("RU-IN", "Магас"),  # 8 771 people: below any min_population, loaded as a centre
        ("RU-MOS", "Красногорск"),  # not the most populous (Balashikha)
        ("RU-YAN", "Салехард"),  # not the most populous (Noyabrsk)
        ("RU-KHM", "Ханты-Мансийск"),  # not the most populous (Surgut)
        ("RU-SA", "Якутск"),
    ],
)
def test_administrative_centres_come_from_the_pack(
    ru: LoadReport, region_code: str, capital: str
) -> None:
    assert _capital(Region.objects.get(code=region_code)).name_ru == capital


def test_cities_follow_min_population_except_centres(ru: LoadReport) -> None:
    small = City.objects.filter(region__country__code="RU", population__lt=TEST_MIN_POPULATION)
    assert set(small.values_list("pk", flat=True)) <= set(
        Region.objects.values_list("capital_id", flat=True)
    )


def test_loading_twice_updates_in_place(ru: LoadReport) -> None:
    counts = (Region.objects.count(), City.objects.count(), FederalDistrict.objects.count())
    yaroslavl = City.objects.get(name_en="Yaroslavl")
    population = yaroslavl.population
    City.objects.filter(pk=yaroslavl.pk).update(name_ru="Ярославль-на-Волге", population=1)

    again = country_load(code="ru", min_population=TEST_MIN_POPULATION)

    assert (Region.objects.count(), City.objects.count(), FederalDistrict.objects.count()) == counts
    assert (again.regions.created, again.cities.created, again.districts.created) == (0, 0, 0)
    assert (again.cities.updated, again.regions.updated) == (1, 0)
    assert again.cities.unchanged == ru.cities.created - 1
    yaroslavl.refresh_from_db()
    assert (yaroslavl.name_ru, yaroslavl.population) == ("Ярославль", population)
    assert Country.objects.filter(code="RU").count() == 1
    assert not again.country_created


def test_a_later_load_with_more_cities_adds_them(ru: LoadReport) -> None:
    more = country_load(code="RU", min_population=TEST_MIN_POPULATION // 2)
    assert more.cities.created > 0
    assert more.cities.unchanged == ru.cities.created
    assert more.regions.created == 0


def test_kazakhstan_loads_the_same_way(db: None) -> None:
    report = country_load(code="KZ", min_population=TEST_MIN_POPULATION)
    regions = Region.objects.filter(country__code="KZ").select_related("capital")
    assert regions.count() == 20 == report.regions.created
    assert report.districts.total == 0
    assert all(r.capital is not None and r.timezone for r in regions)
    astana = regions.get(code="KZ-71")
    assert (astana.kind, astana.name_ru, _capital(astana).name_en) == (
        Region.Kind.CITY,
        "Астана",
        "Astana",
    )
    assert regions.get(code="KZ-11").kind == Region.Kind.OBLAST
    assert _capital(regions.get(code="KZ-19")).name_en == "Konayev"
    assert Country.objects.get(code="KZ").name_en == "Kazakhstan"


def test_a_country_without_a_pack_file_guesses_regions_from_names(db: None) -> None:
    report = country_load(code="UA", min_population=200_000)
    lviv = City.objects.get(name_en="Lviv")
    assert (lviv.region.code, lviv.region.name_en, lviv.timezone) == (
        "UA-46",
        "Lvivska oblast",
        "Europe/Kyiv",
    )
    assert Region.objects.filter(country__code="UA").count() == report.regions.total
    # What the names cannot tell is reported rather than guessed wrong.
    assert report.unmatched_admin1 or report.regions_without_cities


@pytest.mark.parametrize("code", ["XX", "", "RUS", "R"])
def test_an_unknown_country_code_is_an_error(db: None, code: str) -> None:
    with pytest.raises(UnknownCountryError):
        country_load(code=code)
    assert not Country.objects.exists()
