"""The tension index, its early warning to coordinators, and the dashboard (tension.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concord.accounts.models import User
from concord.directory.models import PersonRole
from concord.incidents.models import Case, Category, Report, Source, TensionAlert
from concord.incidents.tension import (
    MIN_SERIES_DAYS,
    Trend,
    region_tension,
    tension_check,
    tension_recipients,
    tension_regions,
)
from concord.incidents.views_tension import chart_for
from concord.messaging.models import OutboundMessage
from concord.messaging.rendering import render
from concord.regions.models import Region
from concord.testing.factories import (
    PersonFactory,
    PersonRoleFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


def case_at(
    region: Region,
    at: datetime,
    *,
    severity: int = 3,
    reports: int = 1,
    every: timedelta = timedelta(hours=1),
    state: str = Case.State.NEW,
) -> Case:
    """A case opened at `at` with `reports` reports, one every `every` from then on."""
    case = Case.objects.create(
        region=region,
        category=Category.THREATS,
        severity=severity,
        state=state,
        opened_at=at,
        last_report_at=at + every * (reports - 1),
    )
    for n in range(reports):
        Report.objects.create(
            case=case,
            source=Source.WEB,
            region=region,
            text=f"report {n}",
            category=Category.THREATS,
            severity=severity,
            received_at=at + every * n,
        )
    return case


def index_of(region: Region, now: datetime = NOW) -> float:
    return region_tension(region=region, days=MIN_SERIES_DAYS, now=now).index


# --- the index ------------------------------------------------------------------------------


def test_a_case_counts_its_severity_weight_and_halves_every_half_life() -> None:
    region = RegionFactory.create()
    case_at(region, NOW, severity=3)

    assert index_of(region) == pytest.approx(4.0)
    assert index_of(region, NOW + timedelta(days=3)) == pytest.approx(2.0)
    assert index_of(region, NOW + timedelta(days=6)) == pytest.approx(1.0)


@pytest.mark.parametrize(("severity", "weight"), [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0)])
def test_severity_weights(severity: int, weight: float) -> None:
    region = RegionFactory.create()
    case_at(region, NOW, severity=severity)

    assert index_of(region) == pytest.approx(weight)


def test_further_reports_add_a_share_each_up_to_a_cap() -> None:
    region, other = RegionFactory.create(), RegionFactory.create()
    case_at(region, NOW, severity=4, reports=3, every=timedelta(0))
    case_at(other, NOW, severity=4, reports=10, every=timedelta(0))

    assert index_of(region) == pytest.approx(8 + 2 * 0.25 * 8)  # two further reports
    assert index_of(other) == pytest.approx(8 + 4 * 0.25 * 8)  # capped at four


def test_invalidated_cases_do_not_count() -> None:
    region = RegionFactory.create()
    case_at(region, NOW, severity=4, state=Case.State.INVALIDATED)
    case_at(region, NOW, severity=1, state=Case.State.RESOLVED)

    assert index_of(region) == pytest.approx(1.0)


def test_a_case_counts_only_in_its_own_region() -> None:
    region, quiet = RegionFactory.create(), RegionFactory.create()
    case_at(region, NOW, severity=4)

    assert index_of(quiet) == 0.0
    assert [t.region for t in tension_regions(region_ids=None, now=NOW)] == [region]


def test_days_end_at_midnight_in_the_regions_own_zone() -> None:
    kamchatka = RegionFactory.create(timezone="Asia/Kamchatka")  # UTC+12
    # 23:30 on 18 March in Kamchatka is 11:30 UTC, still 18 March there and in UTC.
    case_at(kamchatka, datetime(2025, 3, 18, 11, 30, tzinfo=UTC), severity=3)
    # 00:30 on 19 March in Kamchatka is 12:30 UTC on 18 March: it belongs to 19 March there.
    case_at(kamchatka, datetime(2025, 3, 18, 12, 30, tzinfo=UTC), severity=4)

    tension = region_tension(region=kamchatka, days=MIN_SERIES_DAYS, now=NOW)
    by_day = dict(zip(tension.days, tension.values, strict=True))

    assert tension.today == datetime(2025, 3, 20).date()  # 21:00 in Kamchatka
    # The end of 18 March (local) is half an hour after the first case: no decay to speak of.
    assert by_day[datetime(2025, 3, 18).date()] == pytest.approx(4.0, abs=0.05)
    assert by_day[datetime(2025, 3, 19).date()] == pytest.approx(
        (4.0 + 8.0) * 0.5 ** (1 / 3), abs=0.1
    )


def test_trend_compares_today_with_a_week_ago() -> None:
    rising, falling, steady = RegionFactory.create(), RegionFactory.create(), RegionFactory.create()
    case_at(rising, NOW - timedelta(hours=2), severity=4)
    case_at(falling, NOW - timedelta(days=7, hours=2), severity=4)
    for n in range(40):  # one small case a day, the same level all along
        case_at(steady, NOW - timedelta(days=n, hours=1), severity=1)

    by_region = {t.region: t for t in tension_regions(region_ids=None, now=NOW)}

    assert by_region[rising].trend == Trend.RISING
    assert by_region[falling].trend == Trend.FALLING
    assert by_region[steady].trend == Trend.STEADY


def test_baseline_is_the_mean_of_the_28_days_before_the_last_week() -> None:
    region = RegionFactory.create()
    for n in range(8, 50):  # every day until a week ago: a steady level
        case_at(region, NOW - timedelta(days=n), severity=2)

    tension = region_tension(region=region, days=MIN_SERIES_DAYS, now=NOW)
    # With one weight-2 case a day and a 3-day half-life, the level settles at
    # 2 / (1 − 0.5 ** (1/3)) ≈ 9.7 just after each case and a fifth lower before the next.
    assert 7.5 < tension.baseline < 10.0
    assert tension.index < tension.baseline  # the last week was quiet


def test_regions_are_ordered_by_index() -> None:
    low, high, middle = RegionFactory.create(), RegionFactory.create(), RegionFactory.create()
    case_at(low, NOW, severity=1)
    case_at(high, NOW, severity=4)
    case_at(middle, NOW, severity=2)

    ordered = tension_regions(region_ids=[low.pk, high.pk, middle.pk], now=NOW)

    assert [t.region for t in ordered] == [high, middle, low]


def test_asking_for_given_regions_lists_them_even_when_quiet() -> None:
    quiet = RegionFactory.create()

    [tension] = tension_regions(region_ids=[quiet.pk], now=NOW)

    assert tension.index == 0.0
    assert len(tension.values) == MIN_SERIES_DAYS


def test_the_query_count_does_not_grow_with_regions_days_or_cases() -> None:
    def queries(regions: int, days: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            tension_regions(region_ids=None, days=days, now=NOW)
        return len(captured.captured_queries)

    case_at(RegionFactory.create(), NOW, severity=2)
    few = queries(1, MIN_SERIES_DAYS)
    for n in range(20):
        region = RegionFactory.create()
        for day in range(0, 90, 3):
            case_at(region, NOW - timedelta(days=day, hours=n), severity=1 + n % 4, reports=2)

    assert few == 2
    assert queries(21, 90) == few


# --- the early warning ----------------------------------------------------------------------


@pytest.fixture
def coordinators() -> dict[str, Any]:
    """A region with its coordinator in the directory, a national coordinator and a regional
    coordinator with logins, and a coordinator of another region."""
    region, elsewhere = RegionFactory.create(), RegionFactory.create()
    local = PersonRoleFactory.create(person__region=region, role=PersonRole.Role.COORDINATOR).person
    other = PersonRoleFactory.create(
        person__region=elsewhere, role=PersonRole.Role.COORDINATOR
    ).person
    PersonRoleFactory.create(
        person__region=region, role=PersonRole.Role.LEADER
    )  # not a coordinator
    national = UserFactory.create(
        role=User.Role.COORDINATOR, person=PersonFactory.create(region=elsewhere)
    )
    regional = UserFactory.create(
        role=User.Role.REGIONAL_COORDINATOR, person=PersonFactory.create(region=elsewhere)
    )
    regional.regions.add(region)
    UserFactory.create(role=User.Role.COORDINATOR)  # no person: cannot be written to
    return {
        "region": region,
        "elsewhere": elsewhere,
        "local": local,
        "other": other,
        "national": national.person,
        "regional": regional.person,
    }


def surge(region: Region, at: datetime = NOW) -> None:
    """Three serious cases in a morning, in a region that was quiet."""
    for hours in (1, 2, 3):
        case_at(region, at - timedelta(hours=hours), severity=3, reports=2)


def test_recipients_are_the_regions_coordinators(coordinators: dict[str, Any]) -> None:
    people = set(tension_recipients(coordinators["region"]))

    assert people == {coordinators["local"], coordinators["national"], coordinators["regional"]}


def test_a_surge_alerts_the_coordinators_once_a_day(coordinators: dict[str, Any]) -> None:
    region = coordinators["region"]
    surge(region)

    with time_machine.travel(NOW, tick=False):
        assert tension_check() == 1
        assert tension_check() == 0  # the same day: nothing more

    alert = TensionAlert.objects.get()
    assert (alert.region, alert.day) == (region, NOW.date())
    assert alert.index >= 10 and alert.baseline == 0
    messages = OutboundMessage.objects.filter(template="incidents.tension")
    assert {m.person for m in messages} == {
        coordinators["local"],
        coordinators["national"],
        coordinators["regional"],
    }
    assert {m.priority for m in messages} == {OutboundMessage.Priority.ALERT}
    assert messages.first().context["region"] == region.pk  # type: ignore[union-attr]


def test_the_next_day_alerts_again_while_the_index_stays_high(
    coordinators: dict[str, Any],
) -> None:
    region = coordinators["region"]
    surge(region)
    with time_machine.travel(NOW, tick=False):
        tension_check()
    surge(region, NOW + timedelta(days=1))

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert tension_check() == 1

    assert TensionAlert.objects.filter(region=region).count() == 2
    assert OutboundMessage.objects.filter(template="incidents.tension").count() == 6


def test_no_alert_below_the_minimum(coordinators: dict[str, Any]) -> None:
    case_at(coordinators["region"], NOW - timedelta(hours=1), severity=4)  # 8 < 10

    with time_machine.travel(NOW, tick=False):
        assert tension_check() == 0

    assert not TensionAlert.objects.exists()


def test_no_alert_where_such_a_level_is_usual(coordinators: dict[str, Any]) -> None:
    region = coordinators["region"]
    for n in range(1, 50):  # a serious case every day for seven weeks
        case_at(region, NOW - timedelta(days=n, hours=1), severity=3, reports=2)
    surge(region)

    with time_machine.travel(NOW, tick=False):
        tension = region_tension(region=region, days=MIN_SERIES_DAYS)
        assert tension.index >= 10  # high, but …
        assert tension.index < 2 * tension.baseline  # … not twice the usual
        assert tension_check() == 0


def test_the_threshold_settings_are_read(coordinators: dict[str, Any], settings: Any) -> None:
    case_at(coordinators["region"], NOW - timedelta(hours=1), severity=4)
    settings.CONCORD_TENSION_ALERT_MINIMUM = 6

    with time_machine.travel(NOW, tick=False):
        assert tension_check() == 1


def test_the_alert_message_names_the_region_and_the_levels(
    coordinators: dict[str, Any],
) -> None:
    surge(coordinators["region"])
    with time_machine.travel(NOW, tick=False):
        tension_check()
    message = OutboundMessage.objects.get(person=coordinators["local"])

    telegram = render(message, channel="telegram", address="1", window_open=True)
    whatsapp = render(message, channel="whatsapp", address="79160000000", window_open=False)

    region = coordinators["region"]
    assert region.name_ru in telegram.text  # the coordinator reads Russian
    assert str(message.context["index"]).replace(".", ",") in telegram.text
    assert whatsapp.whatsapp_template is not None
    assert whatsapp.whatsapp_template.name == "concord_tension"
    assert whatsapp.whatsapp_template.parameters[0] == region.name_ru


# --- the pages ------------------------------------------------------------------------------


def login(
    client: Client, role: str, *, regions: tuple[Region, ...] = (), person: Any = None
) -> User:
    user = UserFactory.create(role=role, person=person)
    user.regions.set(regions)
    client.force_login(user)
    return user


@pytest.fixture
def three_regions() -> tuple[Region, Region, Region]:
    calm, tense, other = RegionFactory.create(), RegionFactory.create(), RegionFactory.create()
    case_at(calm, NOW - timedelta(days=2), severity=1)
    surge(tense)
    case_at(other, NOW - timedelta(hours=5), severity=2)
    return calm, tense, other


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_lists_regions_by_index(client: Client, three_regions: Any) -> None:
    calm, tense, other = three_regions
    login(client, User.Role.COORDINATOR)

    response = client.get(reverse("incidents:tension"))

    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(r.name_ru) for r in (tense, other, calm)]
    assert positions == sorted(positions)
    assert html.count("<polyline") == 3  # a sparkline each
    assert reverse("incidents:tension_region", args=[tense.code]) in html


@time_machine.travel(NOW, tick=False)
def test_a_rising_region_says_so_in_words(client: Client, three_regions: Any) -> None:
    login(client, User.Role.COORDINATOR)

    html = client.get(reverse("incidents:tension"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "↑</span> rising" in html
    assert "Well above its usual level" in html


@time_machine.travel(NOW, tick=False)
def test_a_regional_coordinator_sees_only_their_regions(client: Client, three_regions: Any) -> None:
    calm, tense, other = three_regions
    login(client, User.Role.REGIONAL_COORDINATOR, regions=(calm, tense))

    html = client.get(reverse("incidents:tension")).content.decode()
    outside = client.get(reverse("incidents:tension_region", args=[other.code]))

    assert calm.name_ru in html and tense.name_ru in html
    assert other.name_ru not in html
    assert outside.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_police_see_their_own_region(client: Client, three_regions: Any) -> None:
    calm, tense, other = three_regions
    login(client, User.Role.POLICE_LIAISON, person=PersonFactory.create(region=tense))

    html = client.get(reverse("incidents:tension")).content.decode()

    assert tense.name_ru in html and calm.name_ru not in html and other.name_ru not in html
    page = client.get(reverse("incidents:tension_region", args=[tense.code]))
    assert page.status_code == 200


@time_machine.travel(NOW, tick=False)
def test_monitors_see_every_region_but_no_case(client: Client, three_regions: Any) -> None:
    tense = three_regions[1]
    login(client, User.Role.MONITOR)

    html = client.get(reverse("incidents:tension")).content.decode()
    page = client.get(reverse("incidents:tension_region", args=[tense.code]))

    assert all(r.name_ru in html for r in three_regions)
    assert page.status_code == 200
    assert page.context["cases"] == []
    assert page.context["severity_counts"] == [(4, 0), (3, 3), (2, 0), (1, 0)]


@time_machine.travel(NOW, tick=False)
def test_the_region_page_shows_its_chart_and_recent_cases(
    client: Client, three_regions: Any
) -> None:
    tense = three_regions[1]
    login(client, User.Role.COORDINATOR)

    response = client.get(reverse("incidents:tension_region", args=[tense.code]))

    assert response.status_code == 200
    assert len(response.context["series"]) == 90
    assert [row.case.region for row in response.context["cases"]] == [tense] * 3
    html = response.content.decode()
    assert 'class="chart"' in html and "<polyline" in html
    for case in Case.objects.filter(region=tense):
        assert case.number in html


@pytest.mark.parametrize("role", [User.Role.NGO_MEMBER])
def test_ngo_members_may_not_see_tension(client: Client, role: str) -> None:
    region = RegionFactory.create()
    login(client, role, person=PersonFactory.create(region=region))

    assert client.get(reverse("incidents:tension")).status_code == 403
    assert client.get(reverse("incidents:tension_region", args=[region.code])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(reverse("incidents:tension"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_chart_geometry() -> None:
    chart = chart_for([0.0, 5.0, 10.0], width=100, height=50, baseline=2.5, threshold=20.0)

    assert chart.top == 20.0  # the threshold is the highest: it sets the scale
    assert chart.points == "0.0,50.0 50.0,37.5 100.0,25.0"
    assert chart.baseline_y == 43.8
    assert chart.threshold_y == 0.0


def test_a_quiet_chart_stays_at_the_bottom() -> None:
    assert chart_for([0.0, 0.0], width=10, height=10).points == "0.0,10.0 10.0,10.0"
