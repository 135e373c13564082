"""The demo's incidents: circles from the directory, 25 cases in every state, backdated, and
the tension dashboard showing them (demo/incidents.py)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db.models import Max, Min
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from concord.accounts.models import User
from concord.demo.incidents import CASES, demo_incidents_build
from concord.demo.network import demo_network_build
from concord.incidents.models import Alert, Case, CaseEntry, CircleMember, Report
from concord.incidents.tension import tension_regions
from concord.messaging.models import OutboundMessage

S = Case.State


def case_rows() -> list[tuple[object, ...]]:
    """What the demo's cases are, without keys or the moment the demo was built."""
    now = timezone.now()
    rows: list[tuple[object, ...]] = []
    for case in Case.objects.order_by("opened_at", "pk").select_related("region"):
        age_hours = round((now - case.opened_at).total_seconds() / 3600)
        rows.append(
            (case.region.code, age_hours, case.state, case.severity, case.category, case.summary,
             case.reports.count(), case.alerts.count(), case.entries.count(), case.lesson)
        )  # fmt: skip
    return rows


class DemoIncidentsTests(TestCase):
    coordinator: User

    @classmethod
    def setUpTestData(cls) -> None:
        demo_network_build()
        cls.coordinator = User.objects.get(email="coordinator@demo.concord")

    def test_circles_are_filled_from_the_directory(self) -> None:
        yaroslavl = CircleMember.objects.filter(region__code="RU-YAR")
        parts = set(yaroslavl.values_list("part", flat=True))

        self.assertLessEqual({"police", "official", "coordinator"}, parts)
        self.assertTrue(CircleMember.objects.filter(region__code="RU-IRK").exists())

    def test_every_planned_case_exists_in_its_region(self) -> None:
        self.assertEqual(Case.objects.count(), len(CASES))
        self.assertEqual(
            Counter(Case.objects.values_list("region__code", flat=True)),
            Counter(planned.code for planned in CASES),
        )

    def test_cases_in_every_state(self) -> None:
        states = Counter(Case.objects.values_list("state", flat=True))

        for state in (S.NEW, S.ACKNOWLEDGED, S.VERIFIED, S.ACTION_TAKEN, S.RESOLVED):
            self.assertGreater(states[state], 0, state)
        self.assertGreaterEqual(states[S.INVALIDATED], 2)
        resolved = Case.objects.filter(state=S.RESOLVED)
        self.assertFalse(resolved.filter(lesson="").exists())

    def test_one_case_was_escalated_after_everyone_declined(self) -> None:
        escalated = Case.objects.filter(entries__kind=CaseEntry.Kind.ESCALATION).distinct()

        self.assertEqual(escalated.count(), 1)
        case = escalated.get()
        self.assertEqual(case.region.code, "RU-TA")
        self.assertGreater(case.escalation_tier, 0)
        self.assertTrue(case.alerts.filter(answer=Alert.Answer.NOT_MINE).exists())
        self.assertTrue(case.alerts.filter(tier__gt=0).exists())

    def test_cases_are_backdated_over_weeks_in_order(self) -> None:
        now = timezone.now()
        span = Case.objects.aggregate(first=Min("opened_at"), last=Max("opened_at"))
        self.assertLess(span["first"], now - timedelta(days=35))
        self.assertGreater(span["last"], now - timedelta(hours=2))
        for case in Case.objects.all():
            received = case.reports.aggregate(first=Min("received_at"))["first"]
            self.assertEqual(received, case.opened_at)
            entries = list(case.entries.values_list("created_at", flat=True))
            self.assertEqual(entries, sorted(entries))
            self.assertLess(entries[-1], now)
            if case.resolved_at and case.acknowledged_at:
                self.assertGreater(case.resolved_at, case.acknowledged_at)
        self.assertFalse(Report.objects.filter(received_at__gt=now - timedelta(minutes=30)))

    def test_the_replay_sends_nothing(self) -> None:
        self.assertFalse(OutboundMessage.objects.exists())

    def test_same_build_same_cases(self) -> None:
        first = case_rows()
        Report.objects.all().delete()  # reports protect their cases
        Case.objects.all().delete()
        CircleMember.objects.all().delete()
        users = {u.role: u for u in User.objects.filter(email__endswith="@demo.concord")}

        demo_incidents_build(users=users)

        self.assertEqual(case_rows(), first)

    def test_samara_rises_well_above_its_usual_level(self) -> None:
        tensions = tension_regions(region_ids=None)

        self.assertEqual(tensions[0].region.code, "RU-SAM")
        self.assertTrue(tensions[0].well_above_baseline)
        self.assertEqual(sum(t.well_above_baseline for t in tensions), 1)

    def test_the_tension_dashboard_shows_the_cases(self) -> None:
        self.client.force_login(self.coordinator)

        dashboard = self.client.get(reverse("incidents:tension"))
        samara = self.client.get(reverse("incidents:tension_region", args=["RU-SAM"]))

        self.assertEqual(dashboard.status_code, 200)
        codes = [row.tension.region.code for row in dashboard.context["rows"]]
        self.assertEqual(codes[0], "RU-SAM")
        self.assertLessEqual(
            {p.code for p in CASES if p.days_ago < 30 and "invalid" not in p.steps}, set(codes)
        )
        shown = {row.case.pk for row in samara.context["cases"]}
        self.assertEqual(
            shown, set(Case.objects.filter(region__code="RU-SAM").values_list("pk", flat=True))
        )
        for pk in shown:
            self.assertContains(samara, f"№ {pk}")
