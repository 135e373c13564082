"""The incidents' pages in a real browser (Debian's Chromium through Playwright): a report sent
from a 360 px phone, a case resolved with its confirmation step, no sideways scrolling, and
accessibility scans."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from concord.accounts.models import User
from concord.incidents.models import Case, Report
from concord.incidents.tests.network import Network, build_network
from concord.testing.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


@dataclass
class People:
    net: Network
    member: User
    coordinator: User


@pytest.fixture
def people(settings: Any, tmp_path: Any) -> People:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    net = build_network()
    member = UserFactory.create(role=User.Role.NGO_MEMBER, person=net.reporter)
    coordinator = UserFactory.create(role=User.Role.REGIONAL_COORDINATOR, person=net.coordinator)
    coordinator.regions.add(net.region)
    return People(net, member, coordinator)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A 360 px wide phone, in Russian (the default language)."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        locale="ru-RU",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page: Page, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("nav.main-nav")).to_be_visible()


def sideways_overflow(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_report_from_a_phone(phone: Page, live_server: Any, people: People) -> None:
    log_in(phone, live_server.url, people.member)
    phone.click("nav.main-nav a[href='/incidents/']")
    phone.click("a[href='/incidents/report/']")
    expect(phone.locator("#id_text")).to_be_visible()
    assert sideways_overflow(phone) <= 0
    assert phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    expect(phone.locator("#id_region")).to_have_value(str(people.net.region.pk))
    phone.fill("#id_text", "Драка у рынка, кто-то ранен")
    phone.check("input[name=hurt][value=yes]")
    phone.check("input[name=crowd][value=tens]")
    phone.select_option("#id_city", str(people.net.other_city.pk))
    phone.fill("#id_address", "ул. Баумана, 5")
    phone.click("main form button[type=submit]:not([name])")
    case = Case.objects.get()
    expect(phone.locator("h1")).to_contain_text(f"№ {case.pk}")
    expect(phone.locator(".messages")).to_contain_text(f"№ {case.pk}")
    report = Report.objects.get()
    assert (report.hurt, report.crowd, report.city) == ("yes", "tens", people.net.other_city)
    assert sideways_overflow(phone) <= 0


def test_report_errors_keep_what_was_typed(phone: Page, live_server: Any, people: People) -> None:
    log_in(phone, live_server.url, people.member)
    phone.goto(f"{live_server.url}/incidents/report/")
    phone.fill("#id_text", "а" * 4001)
    phone.click("main form button[type=submit]:not([name])")
    expect(phone.locator("[role=alert]")).to_be_visible()
    expect(phone.locator(".field", has=phone.locator("#id_text"))).to_contain_text("4001")
    assert len(phone.input_value("#id_text")) == 4001
    assert not Report.objects.exists()
    assert sideways_overflow(phone) <= 0


def test_city_list_follows_the_region(phone: Page, live_server: Any, people: People) -> None:
    log_in(phone, live_server.url, people.member)
    phone.goto(f"{live_server.url}/incidents/report/")
    neighbour = people.net.neighbours[0]
    phone.select_option("#id_region", str(neighbour.pk))
    # HTMX replaces the city list with the new region's towns.
    expect(phone.locator(f"#id_city option[value='{neighbour.capital_id}']")).to_have_count(1)
    expect(phone.locator(f"#id_city option[value='{people.net.city.pk}']")).to_have_count(0)


def test_resolve_a_case_on_a_phone(phone: Page, live_server: Any, people: People) -> None:
    case = people.net.report().case
    log_in(phone, live_server.url, people.coordinator)
    phone.goto(f"{live_server.url}/incidents/{case.pk}/")
    assert sideways_overflow(phone) <= 0
    phone.click(f"form[action='/incidents/{case.pk}/take/'] button")
    expect(phone.locator(".message.success")).to_be_visible()
    phone.locator("details.action", has=phone.locator("#id_resolve-outcome")).locator(
        "summary"
    ).click()
    phone.fill("#id_resolve-outcome", "Помирились при участии старейшин")
    phone.fill("#id_resolve-lesson", "Сразу звать старейшин обеих общин")
    phone.click(f"form[action='/incidents/{case.pk}/resolve/'] button[type=submit]")
    expect(phone.locator("dl.facts")).to_contain_text("Помирились")
    case.refresh_from_db()
    assert case.state == Case.State.ACKNOWLEDGED  # not before the confirmation
    assert sideways_overflow(phone) <= 0
    phone.click("button[name='resolve-confirmed']")
    expect(phone.locator(".message.success")).to_be_visible()
    case.refresh_from_db()
    assert case.state == Case.State.RESOLVED
    assert sideways_overflow(phone) <= 0


@pytest.mark.parametrize("path", ["/incidents/", "/incidents/report/", "case", "circle"])
def test_pages_have_no_serious_accessibility_violations(
    phone: Page, live_server: Any, people: People, path: str
) -> None:
    case = people.net.report(address="ул. Баумана, 5").case
    url = {
        "case": f"/incidents/{case.pk}/",
        "circle": f"/incidents/circles/{people.net.region.code}/",
    }.get(path, path)
    log_in(phone, live_server.url, people.coordinator)
    phone.goto(f"{live_server.url}{url}")
    assert serious_violations(phone) == []
    assert sideways_overflow(phone) <= 0
