"""Real concurrent transactions on separate connections: four people tap "I take it" at the
same moment, and two reports of one place arrive together. On PostgreSQL the row locks
(SELECT … FOR UPDATE) serialise them; on SQLite the IMMEDIATE write transactions do."""

from __future__ import annotations

import functools

import pytest

from concord.incidents.models import Alert, Case, Report
from concord.incidents.services import TakeOutcome, case_take
from concord.incidents.tests.network import build_network
from concord.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("attempt", range(3))
def test_four_people_take_a_case_at_once_and_one_owns_it(attempt: int) -> None:
    net = build_network()
    case = net.report(communities=[net.community]).case
    takers = [net.police, net.official, net.coordinator, net.leader]  # all four were alerted
    outcomes = run_together([functools.partial(case_take, case=case, person=p) for p in takers])
    assert len(outcomes) == 4
    won = [o for o in outcomes if isinstance(o, TakeOutcome) and o.taken]
    assert len(won) == 1
    case.refresh_from_db()
    assert {o.owner_name for o in outcomes if isinstance(o, TakeOutcome)} == {won[0].owner_name}
    assert Alert.objects.filter(case=case, answer=Alert.Answer.TAKEN).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_reports_of_one_place_at_once_make_one_case(attempt: int) -> None:
    net = build_network()
    reports = run_together([net.report, net.report])
    assert len(reports) == 2 and all(isinstance(r, Report) for r in reports)
    assert Case.objects.count() == 1
