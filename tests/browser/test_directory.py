"""A person's path through the directory in a real browser, plus accessibility scans."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from concord.accounts.models import User
from concord.directory.models import Organisation, PersonRole
from concord.testing.factories import (
    CityFactory,
    EthnicCommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    PersonRoleFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


@dataclass
class Network:
    region_code: str
    liaison_name: str
    user_email: str


@pytest.fixture
def network() -> Network:
    region = RegionFactory(code="RU-YAR", name_ru="Ярославская область", name_en="Yaroslavl Oblast")
    city = CityFactory(region=region, name_ru="Ярославль", name_en="Yaroslavl")
    tatars = EthnicCommunityFactory(slug="tatars", name_ru="татары", name_en="Tatars")
    ngo = OrganisationFactory(region=region, city=city, name="Татарская автономия Ярославля")
    ngo.communities.add(tatars)
    OrganisationFactory(region=region, kind=Organisation.Kind.HOST, name="Дом дружбы народов")
    liaison = PersonFactory(
        region=region, city=city, last_name="Полицейский", whatsapp="+79160000001"
    )
    PersonRoleFactory(person=liaison, role=PersonRole.Role.POLICE_LIAISON)
    leader = PersonFactory(region=region, city=city, last_name="Хабибуллин")
    PersonRoleFactory(person=leader, role=PersonRole.Role.LEADER)
    MembershipFactory(person=leader, organisation=ngo)
    user = UserFactory(email="leader@example.org", role=User.Role.NGO_MEMBER, person=leader)
    return Network(region.code, liaison.full_name, user.email)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("nav.main-nav")).to_be_visible()


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_log_in_search_and_open_region(page: Page, live_server, network: Network) -> None:
    log_in(page, live_server.url, network.user_email)
    page.goto(f"{live_server.url}/directory/")
    page.fill("#id_q", "Хабиб")
    # HTMX swaps the results in as the person types; no full reload.
    cards = page.locator("#results .card h3")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Хабибуллин")
    expect(page).to_have_url(re.compile(r"q=%D0%A5"))
    cards.first.locator("a").click()
    expect(page.locator("h1")).to_contain_text("Хабибуллин")
    page.goto(f"{live_server.url}/directory/regions/{network.region_code}/")
    liaison_card = page.locator("#police ~ ul .card").first
    expect(liaison_card).to_contain_text("Полицейский")
    expect(liaison_card.locator("a[href^='tel:']")).to_be_visible()
    expect(liaison_card.locator("a[href^='https://wa.me/79160000001']")).to_be_visible()


def test_switch_language(page: Page, live_server, network: Network) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("h1")).to_have_text("Войти")
    page.click("button[name=language][value=en]")
    expect(page.locator("h1")).to_have_text("Log in")
    page.click("button[name=language][value=ru]")
    expect(page.locator("h1")).to_have_text("Войти")


def test_wrong_password_says_what_to_do(page: Page, live_server, network: Network) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", network.user_email)
    page.fill("#id_password", "wrong")
    page.click("main button[type=submit]")
    expect(page.locator("[role=alert]")).to_contain_text("пароль")


@pytest.mark.parametrize("path", ["/", "/directory/", "/directory/regions/RU-YAR/"])
def test_pages_have_no_serious_accessibility_violations(
    page: Page, live_server, network: Network, path: str
) -> None:
    log_in(page, live_server.url, network.user_email)
    page.goto(f"{live_server.url}{path}")
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", ["/", "/directory/", "/directory/regions/RU-YAR/"])
def test_phone_width_has_no_sideways_scrolling(
    phone: Page, live_server, network: Network, path: str
) -> None:
    log_in(phone, live_server.url, network.user_email)
    phone.goto(f"{live_server.url}{path}")
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    font_size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 18
