"""Reads of the incidents app. What a viewer may see of a case is decided here, from the rules
of `accounts.scoping.Scope` (docs/incidents.md, "Privacy"); views only show a `CaseView`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from concord.accounts.models import AuditEntry, User
from concord.accounts.scoping import Scope, scoped_get
from concord.accounts.services import audit_record
from concord.directory.models import Person
from concord.incidents.models import (
    CLOSED_STATES,
    Alert,
    Case,
    CaseEntry,
    CircleMember,
    Report,
    ReportAttachment,
)
from concord.incidents.services.cases import TRANSITIONS
from concord.incidents.services.circles import circle_people
from concord.regions.models import Region

S = Case.State
# Timeline entries written for a report: their author is the reporter, whom the reports show
# or withhold viewer by viewer, so the timeline never names them.
REPORTER_ENTRIES = frozenset({CaseEntry.Kind.OPENED, CaseEntry.Kind.REPORT})
# A voice (or a video, which carries one) can identify the reporter as surely as a name.
IDENTIFYING_KINDS = frozenset({ReportAttachment.Kind.VOICE, ReportAttachment.Kind.VIDEO})


def cases_visible(*, scope: Scope) -> QuerySet[Case]:
    return Case.objects.filter(scope.case_filter()).select_related("region", "city", "owner")


def case_get(*, scope: Scope, pk: int, path: str = "") -> Case:
    """One case the viewer may open (404, logged as a denial, otherwise); the view is
    written to the audit log."""
    case = scoped_get(scope, cases_visible(scope=scope), pk=pk)
    actor = User.objects.filter(pk=scope.user_id).first() if scope.user_id else None
    audit_record(
        actor=actor, action=AuditEntry.Action.VIEW_CASE, path=path, detail={"case": case.pk}
    )
    return case


@dataclass(frozen=True)
class ReportView:
    report: Report
    reporter: str  # "" when withheld from this viewer
    reporter_phone: str
    reporter_withheld: bool
    place: str
    attachments: list[ReportAttachment]


@dataclass(frozen=True)
class CaseView:
    case: Case
    reports: list[ReportView]
    timeline: list[CaseEntry]
    alerts: list[Alert]
    exact_location: bool
    in_circle: bool
    can_take: bool
    can_decline: bool
    can_handle: bool
    can_note: bool
    allowed_transitions: list[str] = field(default_factory=list)


def case_view(*, scope: Scope, case: Case) -> CaseView:
    alerts = list(case.alerts.select_related("person").order_by("alerted_at", "pk"))
    alerted_ids = {a.person_id for a in alerts}
    in_circle = scope.person_id is not None and scope.person_id in alerted_ids
    exact = scope.sees_exact_location(in_circle=in_circle)
    handle = scope.can_handle_case(case.region_id)
    open_case = case.state not in CLOSED_STATES
    my_alert = next((a for a in alerts if a.person_id == scope.person_id), None)
    return CaseView(
        case=case,
        reports=[_report_view(scope, r, exact) for r in _reports(case)],
        timeline=list(
            case.entries.select_related("actor_person", "actor_user").order_by("created_at", "pk")
        ),
        alerts=alerts if (handle or in_circle) else [],
        exact_location=exact,
        in_circle=in_circle,
        can_take=open_case
        and not case.owner_id
        and not case.owner_user_id
        and (handle or in_circle),
        can_decline=open_case and my_alert is not None and my_alert.answer == Alert.Answer.NONE,
        can_handle=handle,
        can_note=handle or in_circle or _owns(scope, case),
        allowed_transitions=_transitions(case) if handle or _owns(scope, case) else [],
    )


def _reports(case: Case) -> QuerySet[Report]:
    return (
        case.reports.select_related("reporter", "city", "region")
        .prefetch_related("attachments", "communities")
        .order_by("received_at", "pk")
    )


def _report_view(scope: Scope, report: Report, exact: bool) -> ReportView:
    shown = scope.sees_reporter(named_consent=report.named_consent, reporter_id=report.reporter_id)
    name = report.reporter.full_name if report.reporter else report.reporter_name
    phone = report.reporter.phone if report.reporter else report.reporter_phone
    city = report.city.name if report.city else report.region.name
    place = ", ".join(p for p in (report.address, city) if p) if exact else city
    return ReportView(
        report=report,
        reporter=name if shown else "",
        reporter_phone=phone if shown else "",
        reporter_withheld=not shown,
        place=place,
        attachments=[
            a for a in report.attachments.all() if shown or a.kind not in IDENTIFYING_KINDS
        ],
    )


def entry_actor_name(entry: CaseEntry) -> str:
    """Who did what a timeline entry records, as any viewer of the case may read it."""
    if entry.kind in REPORTER_ENTRIES:
        return ""
    if entry.actor_person is not None:
        return entry.actor_person.full_name
    if entry.actor_user is not None:
        return entry.actor_user.get_full_name() or entry.actor_user.email
    return ""


def _owns(scope: Scope, case: Case) -> bool:
    return (scope.person_id is not None and case.owner_id == scope.person_id) or (
        scope.user_id is not None and case.owner_user_id == scope.user_id
    )


def _transitions(case: Case) -> list[str]:
    """The states a handler can move the case to with the generic action (taking it has its
    own button)."""
    return [s for s in S.values if s in TRANSITIONS.get(case.state, ()) and s != S.ACKNOWLEDGED]


def circle_for_case(case: Case) -> list[Person]:
    return circle_people(case)


def circle_members(*, region: Region) -> QuerySet[CircleMember]:
    return (
        CircleMember.objects.filter(region=region)
        .select_related("person", "community")
        .order_by("part", "person__last_name", "person__first_name")
    )


def open_cases_for_person(person: Person) -> QuerySet[Case]:
    """Open cases the person was alerted about or owns (the bot's "my cases")."""
    return (
        Case.objects.exclude(state__in=CLOSED_STATES)
        .filter(alerts__person=person)
        .select_related("region", "city")
        .distinct()
        .order_by("-opened_at")
    )
