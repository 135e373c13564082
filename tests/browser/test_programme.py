"""The programme in a real browser: a training from the template to a waitlist offer, then
accessibility scans and the phone-width check of the programme's pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from concord.programme import services
from concord.programme.models import Attendance, Event, Registration
from tests.browser.conftest_programme import (
    Network,
    World,
    log_in,
    network_make,
    serious_violations,
    sideways_overflow,
    world_make,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = Registration.State


@pytest.fixture
def programme_network() -> Network:
    return network_make()


@pytest.fixture
def programme_world(programme_network: Network) -> World:
    return world_make(programme_network)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Pages for more people at once, each in a browser context of its own (closed after)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()  # also ends its keep-alive connections to the live server


def _answer(
    new_page: Callable[[], Page], base_url: str, net: Network, registration: Registration
) -> Page:
    """The participant opens their page and says yes in one tap."""
    page = new_page()
    log_in(page, base_url, net.user_of(registration.person))
    page.goto(f"{base_url}/programme/my/")
    page.click(f"#invitation-{registration.pk} form[action$='/accept/'] button")
    expect(page.locator(".message.success")).to_be_visible()
    return page


def _create_training(page: Page, base_url: str, net: Network) -> Event:
    page.goto(f"{base_url}/programme/events/new/")
    page.select_option("#id_kind", "training")
    page.fill("#id_title", "Межрегиональный тренинг в Ярославле")
    page.select_option("#id_host_region", str(net.yaroslavl.region_id))
    # HTMX narrows the cities and venues to the chosen region.
    expect(page.locator("#id_city option")).to_have_count(2)
    page.select_option("#id_city", str(net.yaroslavl.pk))
    page.select_option("#id_venue", str(net.venue.pk))
    first = date.today() + timedelta(days=30)
    page.fill("#id_starts_on", first.isoformat())
    page.fill("#id_ends_on", (first + timedelta(days=2)).isoformat())
    page.fill("#id_capacity_in_person", "2")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/programme/events/\d+/$"))
    event = Event.objects.get()
    expect(page.locator(".agenda li")).to_have_count(event.sessions.count())
    expect(page.locator(".agenda").first).to_contain_text("10:00")
    return event


def _invite(page: Page, base_url: str, net: Network, event: Event) -> None:
    page.click(f"a[href='/programme/events/{event.pk}/invite-regions/']")
    page.check(f"input[name=regions][value='{net.yaroslavl.region_id}']")
    page.check(f"input[name=regions][value='{net.kazan.pk}']")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/invite-people/"))
    expect(page.locator(".message.success")).to_be_visible()
    for person in net.participants:
        page.check(f"#person-{person.pk}")
    page.click("#candidates form button[type=submit]")
    expect(page.locator(".message.success")).to_be_visible()
    assert event.registrations.filter(state=S.INVITED).count() == 3


def test_training_from_template_to_a_waitlist_offer(
    page: Page, new_page: Callable[[], Page], live_server, programme_network: Network
) -> None:
    net = programme_network
    log_in(page, live_server.url, net.coordinator.email)
    event = _create_training(page, live_server.url, net)
    _invite(page, live_server.url, net, event)
    first, second, third = (event.registrations.get(person=p) for p in net.participants)

    _answer(new_page, live_server.url, net, first)
    second_page = _answer(new_page, live_server.url, net, second)
    _answer(new_page, live_server.url, net, third)
    third.refresh_from_db()
    assert third.state == S.WAITLISTED

    # The second participant cannot come after all: confirm, and the place is offered on.
    second_page.click(f"#my-event-{second.pk} button")
    second_page.click("main button[name=confirmed]")
    expect(second_page.locator(".message.success")).to_be_visible()
    third.refresh_from_db()
    assert third.state == S.OFFERED

    offered = new_page()
    log_in(offered, live_server.url, net.user_of(third.person))
    offered.goto(f"{live_server.url}/programme/my/")
    expect(offered.locator(f"#invitation-{third.pk} .panel")).to_be_visible()
    offered.click(f"#invitation-{third.pk} form[action$='/accept/'] button")
    expect(offered.locator(".message.success")).to_be_visible()
    third.refresh_from_db()
    assert third.state == S.CONFIRMED

    # At the door: find the first participant and check them in with one tap.
    day = services.event_days(event)[0]
    page.goto(f"{live_server.url}/programme/events/{event.pk}/check-in/?day={day.isoformat()}")
    page.fill("#checkin-q", "Abdul")
    expect(page.locator(".checkin-row")).to_have_count(1)
    page.click(f"#checkin-{first.pk} button[name=action]")
    expect(page.locator(f"#checkin-{first.pk}")).to_have_class(re.compile(r"\bhere\b"))
    assert Attendance.objects.filter(registration=first, day=day).exists()


def _pages(world: World) -> dict[str, str]:
    pk = world.event.pk
    first = services.event_days(world.event)[0]
    return {
        "calendar": "/programme/",
        "month": f"/programme/?view=month&year={first.year}&month={first.month}",
        "event": f"/programme/events/{pk}/",
        "create": "/programme/events/new/",
        "invite_people": f"/programme/events/{pk}/invite-people/",
        "relocate": f"/programme/events/{pk}/relocate/",
        "checkin": f"/programme/events/{pk}/check-in/?day={first.isoformat()}",
        "restrictions": "/programme/restrictions/",
        "my": "/programme/my/",
    }


PAGES = [
    "calendar",
    "month",
    "event",
    "create",
    "invite_people",
    "relocate",
    "checkin",
    "restrictions",
    "my",
]


def _viewer(world: World, name: str) -> str:
    """The coordinator sees every page; "my" is seen by the participant with an invitation."""
    if name == "my":
        return world.network.user_of(world.pending.person)
    return world.network.coordinator.email


@pytest.mark.parametrize("name", PAGES)
def test_programme_pages_have_no_serious_accessibility_violations(
    page: Page, live_server, programme_world: World, name: str
) -> None:
    log_in(page, live_server.url, _viewer(programme_world, name))
    page.goto(live_server.url + _pages(programme_world)[name])
    expect(page.locator("main h1")).to_be_visible()
    assert serious_violations(page) == []


@pytest.mark.parametrize("name", PAGES)
def test_programme_pages_fit_a_phone(
    phone: Page, live_server, programme_world: World, name: str
) -> None:
    log_in(phone, live_server.url, _viewer(programme_world, name))
    phone.goto(live_server.url + _pages(programme_world)[name])
    expect(phone.locator("main h1")).to_be_visible()
    assert sideways_overflow(phone) <= 0
