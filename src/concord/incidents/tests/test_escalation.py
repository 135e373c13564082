"""Escalation in travelled time: nobody takes a case → the next tier at the right moment,
reminders after the last, all of it stopping once someone takes it; the periodic check finds
a case stuck without an owner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from concord.incidents.models import Alert, Case, CaseEntry, EscalationPolicy, Report
from concord.incidents.services import case_take, escalations_run
from concord.incidents.tests.network import Network, build_network, person_with_role
from concord.messaging.models import OutboundMessage

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 23, 40, tzinfo=UTC)  # a night alert


@pytest.fixture
def net() -> Network:
    return build_network()


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def tiers(case: Case) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for tier, person in case.alerts.values_list("tier", "person_id"):
        found.setdefault(tier, set()).add(person)
    return found


def alert_messages(person_id: int) -> int:
    return OutboundMessage.objects.filter(template="incidents.alert", person_id=person_id).count()


def severe_case(net: Network) -> Case:
    report = net.report(
        text="Массовая драка, есть раненые", hurt=Report.Hurt.YES, crowd=Report.Crowd.MANY
    )
    assert report.case.severity == 4
    return report.case


def test_an_untaken_case_climbs_the_tiers_on_time_then_reminds(
    net: Network, clock: time_machine.Traveller
) -> None:
    case = severe_case(net)  # severity 4: 10 minutes per tier, reminders every 5
    clock.shift(timedelta(minutes=9, seconds=59))
    assert escalations_run() == 0
    assert set(tiers(case)) == {0}

    clock.shift(timedelta(seconds=1))
    assert escalations_run() == 1
    assert tiers(case)[1] == {net.national.pk}

    clock.shift(timedelta(minutes=10))
    escalations_run()
    assert tiers(case)[2] == {p.pk for p in net.neighbour_coordinators}
    assert escalations_run() == 0  # nothing more is due yet

    clock.shift(timedelta(minutes=9))
    assert escalations_run() == 0  # the last tier has its ten minutes too
    clock.shift(timedelta(minutes=1))
    escalations_run()
    # Everyone alerted so far is reminded once: a second alert message each.
    case.refresh_from_db()
    assert all(alert_messages(a.person_id) == 2 for a in case.alerts.all())
    assert case.entries.filter(kind=CaseEntry.Kind.REMINDER).count() == 1
    assert case.next_escalation_at == timezone.now() + timedelta(minutes=5)


def test_taking_the_case_stops_the_escalation(net: Network, clock: time_machine.Traveller) -> None:
    case = severe_case(net)
    clock.shift(timedelta(minutes=10))
    escalations_run()
    case_take(case=case, person=net.national, channel="telegram")
    clock.shift(timedelta(hours=5))
    assert escalations_run() == 0
    assert set(tiers(case)) == {0, 1}
    assert not case.entries.filter(kind=CaseEntry.Kind.REMINDER).exists()


def test_a_minor_case_waits_its_severity_s_time(
    net: Network, clock: time_machine.Traveller
) -> None:
    case = net.report(text="Соседи поругались", hurt=Report.Hurt.NO).case
    assert case.severity == 1
    clock.shift(timedelta(minutes=119))
    assert escalations_run() == 0
    clock.shift(timedelta(minutes=1))
    assert escalations_run() == 1


def test_a_policy_change_applies_to_new_cases_only(
    net: Network, clock: time_machine.Traveller
) -> None:
    before = severe_case(net)
    EscalationPolicy.objects.filter(severity=4).update(acknowledge_minutes=3)
    after = net.report(
        city=net.other_city, text="Драка, есть раненые", hurt="yes", crowd="many"
    ).case
    clock.shift(timedelta(minutes=3))
    escalations_run()
    assert set(tiers(after)) == {0, 1} and set(tiers(before)) == {0}


def test_the_periodic_check_finds_a_case_stuck_without_an_owner(
    net: Network, clock: time_machine.Traveller
) -> None:
    case = severe_case(net)
    Case.objects.filter(pk=case.pk).update(next_escalation_at=None)  # as if a bug lost it
    assert escalations_run() == 1
    case.refresh_from_db()
    assert case.next_escalation_at is not None and net.national.pk in tiers(case)[1]
    assert case.entries.filter(comment__contains="escalation resumed").exists()


def test_a_case_with_nobody_to_alert_is_alerted_once_somebody_exists(
    net: Network, clock: time_machine.Traveller
) -> None:
    from concord.directory.models import Person

    Person.objects.exclude(pk=net.reporter.pk).delete()  # type: ignore[union-attr]
    case = net.report().case
    assert case.escalation_plan == [] and case.next_escalation_at is None
    escalations_run()
    case.refresh_from_db()
    assert case.next_escalation_at is not None and not case.alerts.exists()

    police = person_with_role(net.region, "police_liaison")
    clock.shift(timedelta(hours=3))
    escalations_run()
    assert Alert.objects.filter(case=case, person=police).exists()
