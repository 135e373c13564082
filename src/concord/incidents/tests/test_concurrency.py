"""Real concurrent transactions on separate connections: four people tap "I take it" at the
same moment, and two reports of one place arrive together. On PostgreSQL the row locks
(SELECT … FOR UPDATE) serialise them; on SQLite the IMMEDIATE write transactions do."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from concord.incidents.models import Alert, Case, Report
from concord.incidents.services import TakeOutcome, case_take
from concord.incidents.tests.network import build_network

pytestmark = pytest.mark.django_db(transaction=True)


def together(actions: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(actions))
    results: list[object] = []

    def run(action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(action())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_four_people_take_a_case_at_once_and_one_owns_it(attempt: int) -> None:
    net = build_network()
    case = net.report(communities=[net.community]).case
    takers = [net.police, net.official, net.coordinator, net.leader]  # all four were alerted
    outcomes = together([lambda p=p: case_take(case=case, person=p) for p in takers])
    assert len(outcomes) == 4
    won = [o for o in outcomes if isinstance(o, TakeOutcome) and o.taken]
    assert len(won) == 1
    case.refresh_from_db()
    assert {o.owner_name for o in outcomes if isinstance(o, TakeOutcome)} == {won[0].owner_name}
    assert Alert.objects.filter(case=case, answer=Alert.Answer.TAKEN).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_reports_of_one_place_at_once_make_one_case(attempt: int) -> None:
    net = build_network()
    reports = together([net.report, net.report])
    assert len(reports) == 2 and all(isinstance(r, Report) for r in reports)
    assert Case.objects.count() == 1
