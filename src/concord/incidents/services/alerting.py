"""Alerts, escalation and the reporter's feedback: every message about a case goes through here.

The escalation plan is fixed when a case opens: tier 0 is the region's circle, tier 1 the
national coordinators, tier 2 the coordinators of the neighbouring regions (people already in
an earlier tier are not alerted twice; empty tiers are left out). A tier that has not taken the
case within the severity's `EscalationPolicy.acknowledge_minutes` passes it to the next; after
the last, every alerted person who has not said "Not mine" is reminded every
`reminder_minutes`, until someone takes it. `escalations_run` (a periodic worker job) does the
waiting part; it reads `timezone.now()`, so tests travel in time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.directory.models import Person
from concord.incidents.models import Actor, Alert, Case, CaseEntry, EscalationPolicy, Report
from concord.incidents.services.circles import (
    circle_people,
    national_coordinators,
    regional_coordinators,
)
from concord.incidents.services.timeline import entry_add
from concord.messaging.models import OutboundMessage
from concord.messaging.services import message_enqueue
from concord.regions.selectors import neighbouring_regions

logger = logging.getLogger(__name__)
ALERT = OutboundMessage.Priority.ALERT
DEFAULT_POLICY = {4: (10, 5), 3: (30, 15), 2: (60, 30), 1: (120, 60)}  # as migration 0002
TIER_LABELS = ("circle", "national", "neighbours")


def policy_minutes(severity: int) -> tuple[int, int]:
    """(minutes to take it before escalating, minutes between reminders) for a severity."""
    policy = EscalationPolicy.objects.filter(severity=severity).first()
    if policy is not None:
        return policy.acknowledge_minutes, policy.reminder_minutes
    return DEFAULT_POLICY.get(severity, DEFAULT_POLICY[1])


# --- the plan ------------------------------------------------------------------------------


def escalation_plan(case: Case) -> list[dict[str, Any]]:
    acknowledge, reminder = policy_minutes(case.severity)
    tiers = [
        ("circle", circle_people(case)),
        ("national", list(national_coordinators())),
        ("neighbours", _neighbour_coordinators(case)),
    ]
    plan: list[dict[str, Any]] = []
    seen: set[int] = set()
    for label, people in tiers:
        ids = [p.pk for p in people if p.pk not in seen]
        seen.update(ids)
        if ids:
            plan.append({"label": label, "people": ids, "after": acknowledge})
    for step in plan:
        step["reminder"] = reminder
    return plan


def _neighbour_coordinators(case: Case) -> list[Person]:
    regions = neighbouring_regions(region=case.region, count=settings.CONCORD_NEIGHBOUR_REGIONS)
    people: list[Person] = []
    for region in regions:
        people += list(regional_coordinators(region))
    return people


def first_escalation_at(case: Case) -> datetime | None:
    """When the first tier's time runs out; None for a plan with nobody in it, which the
    periodic check then finds (`_stuck_cases_repair`)."""
    if not case.escalation_plan:
        return None
    return case.opened_at + timedelta(minutes=case.escalation_plan[0]["after"])


# --- alerting ------------------------------------------------------------------------------


def alert_tier(*, case: Case, tier: int) -> int:
    """Alert everyone of one tier of the plan; returns how many were alerted."""
    if tier >= len(case.escalation_plan):
        return 0
    step = case.escalation_plan[tier]
    now = timezone.now()
    people = Person.objects.filter(pk__in=step["people"]).order_by("pk")
    alerted = 0
    for person in people:
        _alert_row, created = Alert.objects.get_or_create(
            case=case, person=person, defaults={"tier": tier, "alerted_at": now}
        )
        if created:
            _alert_message(case, person, tier=tier, reminder=0)
            alerted += 1
    entry_add(
        case=case,
        kind=CaseEntry.Kind.ALERT if tier == 0 else CaseEntry.Kind.ESCALATION,
        channel=Actor.SYSTEM,
        comment=_tier_comment(step["label"], alerted),
    )
    return alerted


def _tier_comment(label: str, count: int) -> str:
    names = {
        "circle": _("the region's response circle"),
        "national": _("the national coordinators"),
        "neighbours": _("the coordinators of the neighbouring regions"),
    }
    return _("Alerted %(whom)s: %(count)d people.") % {"whom": names[label], "count": count}


def _alert_message(case: Case, person: Person, *, tier: int, reminder: int) -> None:
    message_enqueue(
        person=person,
        template="incidents.alert",
        context={"case": case.pk, "tier": tier, "reminder": reminder},
        dedupe_key=f"incident:{case.pk}:alert:{person.pk}:{reminder}",
        priority=ALERT,
    )


def others_told_taken(*, case: Case, taker: Person | None) -> None:
    """Everyone else who was alerted learns who took the case (and stops worrying)."""
    others = case.alerts.exclude(person=taker).select_related("person")
    for alert in others:
        message_enqueue(
            person=alert.person,
            template="incidents.taken",
            context={"case": case.pk},
            dedupe_key=f"incident:{case.pk}:taken:{stamp(case.acknowledged_at)}:{alert.person_id}",
            priority=ALERT,
        )


def reporter_notify(*, report: Report, event: str) -> None:
    """Tell one reporter, in the chat they wrote from, that their report was received, the
    case was taken, or it was resolved. A caller outside the network hears it from the
    coordinator who took the call."""
    recipient = _reporter_recipient(report)
    if recipient is None:
        return
    message_enqueue(
        template="incidents.report_received"
        if event == "received"
        else "incidents.reporter_update",
        context={"case": report.case_id, "report": report.pk, "event": event},
        dedupe_key=f"incident:{report.case_id}:reporter:{report.pk}:{event}:"
        + _stamp(report, event),
        # After the alerts: in a surge the circle hears first; alone, it is still sent at once.
        priority=OutboundMessage.Priority.NORMAL,
        **recipient,
    )


def _stamp(report: Report, event: str) -> str:
    """A case may be taken or resolved again after a reopening: each time is news."""
    if event == "received":
        return ""
    case = report.case
    return stamp(case.acknowledged_at if event == "taken" else case.resolved_at)


def stamp(moment: datetime | None) -> str:
    return str(int(moment.timestamp() * 1_000_000)) if moment else ""


def _reporter_recipient(report: Report) -> dict[str, Any] | None:
    if report.reply_channel and report.reply_address:
        return {
            "person": report.reporter,
            "reply_channel": report.reply_channel,
            "reply_address": report.reply_address,
        }
    if report.reporter is not None:
        return {"person": report.reporter}
    return None


def reporters_notify(*, case: Case, event: str) -> None:
    """Every report of the case, one message per reporter (the same chat is told once)."""
    told: set[tuple[object, ...]] = set()
    for report in case.reports.select_related("reporter", "case"):
        key = (report.reply_channel, report.reply_address, report.reporter_id)
        if key not in told:
            told.add(key)
            reporter_notify(report=report, event=event)


# --- escalation ----------------------------------------------------------------------------


def escalations_run() -> int:
    """Periodic: escalate or remind every case nobody has taken in time. Returns how many cases
    it acted on. Safe in several workers at once: each case is locked while it is handled."""
    now = timezone.now()
    due = Case.objects.filter(state=Case.State.NEW, next_escalation_at__lte=now)
    handled = 0
    for pk in list(due.values_list("pk", flat=True)[:200]):
        with transaction.atomic():
            case = Case.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if case is None or case.state != Case.State.NEW or not _due(case, now):
                continue
            escalate(case=case, now=now)
            handled += 1
    return handled + _stuck_cases_repair(now)


def _due(case: Case, now: datetime) -> bool:
    return case.next_escalation_at is not None and case.next_escalation_at <= now


def escalate(*, case: Case, now: datetime) -> None:
    """The next tier if there is one, else reminders; then schedule the next step."""
    if not case.escalation_plan:
        minutes = _plan_again(case)
    elif case.escalation_tier + 1 < len(case.escalation_plan):
        case.escalation_tier += 1
        alert_tier(case=case, tier=case.escalation_tier)
        minutes = case.escalation_plan[case.escalation_tier]["after"]
    else:
        _remind(case)
        minutes = case.escalation_plan[-1]["reminder"]
    case.next_escalation_at = now + timedelta(minutes=minutes)
    case.save(update_fields=["escalation_plan", "escalation_tier", "next_escalation_at"])


def _plan_again(case: Case) -> int:
    """A case that had nobody to alert when it opened: perhaps somebody now."""
    case.escalation_plan = escalation_plan(case)
    case.escalation_tier = 0
    if case.escalation_plan:
        alert_tier(case=case, tier=0)
        return int(case.escalation_plan[0]["after"])
    return policy_minutes(case.severity)[1]


def _remind(case: Case) -> None:
    waiting = case.alerts.filter(answer=Alert.Answer.NONE).select_related("person")
    for alert in waiting:
        alert.reminders += 1
        alert.save(update_fields=["reminders"])
        _alert_message(case, alert.person, tier=alert.tier, reminder=alert.reminders)
    entry_add(
        case=case,
        kind=CaseEntry.Kind.REMINDER,
        channel=Actor.SYSTEM,
        comment=_("Nobody has taken the case yet: %(count)d people reminded.")
        % {"count": len(waiting)},
    )


def _stuck_cases_repair(now: datetime) -> int:
    """The safety net: a new case with no escalation scheduled (a plan with nobody in it, or
    a bug) would wait for ever. It is alerted to whoever can be found now and rescheduled;
    with nobody at all to alert, the log says so at every check."""
    stuck = Case.objects.filter(state=Case.State.NEW, next_escalation_at__isnull=True)
    repaired = 0
    for pk in list(stuck.values_list("pk", flat=True)[:50]):
        with transaction.atomic():
            case = Case.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if case is None or case.state != Case.State.NEW or case.next_escalation_at:
                continue
            _stuck_case_repair(case, now)
            repaired += 1
    return repaired


def _stuck_case_repair(case: Case, now: datetime) -> None:
    entry_add(
        case=case,
        kind=CaseEntry.Kind.ESCALATION,
        channel=Actor.SYSTEM,
        comment=_("The case had no owner and no escalation planned; escalation resumed."),
    )
    escalate(case=case, now=now)
    if not case.escalation_plan:
        logger.error("Case %s has nobody to alert: no circle and no coordinators", case.pk)
