"""What people do with a case: take it, decline it, move it through its states, note, resolve.

Every change locks the case row first, so two people tapping "I take it" at the same moment
get one owner and one "already taken by …". Every change writes a timeline entry.

    new ──take──▶ acknowledged ──▶ verified ──▶ action taken ──▶ resolved ──▶ reopened
     │                 │              │                            ▲            │
     └──────────▶ invalidated ◀───────┘                            └────────────┘
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.accounts.services import acting_user
from concord.directory.models import Person
from concord.incidents.models import Actor, Alert, Case, CaseEntry, Category
from concord.incidents.services.alerting import (
    escalate,
    others_told_taken,
    reporters_notify,
)
from concord.incidents.services.timeline import entry_add

S = Case.State
NOTE_MAX = 4000
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ACKNOWLEDGED, S.VERIFIED, S.INVALIDATED}),
    S.ACKNOWLEDGED: frozenset({S.VERIFIED, S.INVALIDATED, S.ACTION_TAKEN, S.RESOLVED}),
    S.VERIFIED: frozenset({S.ACTION_TAKEN, S.RESOLVED, S.INVALIDATED}),
    S.ACTION_TAKEN: frozenset({S.RESOLVED}),
    S.RESOLVED: frozenset({S.REOPENED}),
    S.INVALIDATED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ACKNOWLEDGED, S.VERIFIED, S.ACTION_TAKEN, S.RESOLVED, S.INVALIDATED}),
}


class CaseActionError(ValidationError):
    """An action the case's state does not allow; the message says why, for the person."""


@dataclass(frozen=True)
class TakeOutcome:
    taken: bool
    owner_name: str
    already_owner: bool


def owner_name(case: Case) -> str:
    if case.owner is not None:
        return case.owner.full_name
    if case.owner_user is not None:
        return case.owner_user.get_full_name() or case.owner_user.email
    return ""


def _locked(case: Case) -> Case:
    # No select_related: on PostgreSQL a row locked after waiting comes back in its new
    # version, but rows joined to it would come from the statement's older snapshot.
    return Case.objects.select_for_update().get(pk=case.pk)


def _refuse_closed(case: Case) -> None:
    if case.is_closed:
        raise CaseActionError(
            _("Case %(number)s is closed (%(state)s). Reopen it first if it needs more work.")
            % {"number": case.number, "state": case.get_state_display()}
        )


# --- "I take it" and "Not mine" ------------------------------------------------------------


def case_take(
    *,
    case: Case,
    person: Person | None = None,
    user: User | None = None,
    channel: str = Actor.WEB,
) -> TakeOutcome:
    """The first "I take it" makes its author the owner, stops the escalation and tells the
    others and the reporters; a later one only learns who has it."""
    user = acting_user(user)
    person = person or (user.person if user is not None and user.person_id else None)
    with transaction.atomic():
        case = _locked(case)
        _refuse_closed(case)
        if case.owner_id or case.owner_user_id:
            mine = (person is not None and case.owner_id == person.pk) or (
                user is not None and case.owner_user_id == user.pk
            )
            return TakeOutcome(taken=False, owner_name=owner_name(case), already_owner=mine)
        _owner_set(case, person=person, user=user, channel=channel)
    return TakeOutcome(taken=True, owner_name=owner_name(case), already_owner=False)


def _owner_set(case: Case, *, person: Person | None, user: User | None, channel: str) -> None:
    now = timezone.now()
    before = case.state
    case.owner, case.owner_user = person, user
    case.state = S.ACKNOWLEDGED if before in (S.NEW, S.REOPENED) else before
    case.acknowledged_at, case.next_escalation_at = now, None
    case.save()
    if person is not None:
        Alert.objects.filter(case=case, person=person).update(
            answer=Alert.Answer.TAKEN, answered_at=now
        )
    entry_add(
        case=case,
        kind=CaseEntry.Kind.TRANSITION,
        channel=channel,
        user=user,
        person=person,
        from_state=before,
        to_state=case.state,
        comment=_("Took the case."),
    )
    others_told_taken(case=case, taker=person)
    reporters_notify(case=case, event="taken")


def case_decline(*, case: Case, person: Person, channel: str = Actor.WEB) -> None:
    """ "Not mine": recorded; when everyone alerted so far has declined, the case goes to the
    next tier at once instead of waiting for the time limit."""
    with transaction.atomic():
        case = _locked(case)
        _refuse_closed(case)
        Alert.objects.filter(case=case, person=person).update(
            answer=Alert.Answer.NOT_MINE, answered_at=timezone.now()
        )
        entry_add(case=case, kind=CaseEntry.Kind.NOT_MINE, channel=channel, person=person)
        waiting = case.alerts.exclude(answer=Alert.Answer.NOT_MINE).exists()
        if case.state == S.NEW and not waiting:
            escalate(case=case, now=timezone.now())


# --- states --------------------------------------------------------------------------------


def case_transition(
    *,
    case: Case,
    to_state: str,
    user: User | None = None,
    person: Person | None = None,
    channel: str = Actor.WEB,
    comment: str = "",
) -> Case:
    """Verify, invalidate or record action taken (resolving and reopening have their own
    services: they need an outcome or a reason)."""
    if to_state in (S.RESOLVED, S.REOPENED, S.ACKNOWLEDGED):
        raise CaseActionError(_("Use the case's own button for this step."))
    with transaction.atomic():
        case = _locked(case)
        _check_transition(case, to_state)
        _state_set(
            case,
            to_state,
            user=acting_user(user),
            person=person,
            channel=channel,
            comment=comment.strip()[:NOTE_MAX],
        )
        if to_state == S.INVALIDATED:
            reporters_notify(case=case, event="invalidated")
    return case


def _check_transition(case: Case, to_state: str) -> None:
    if to_state not in TRANSITIONS.get(case.state, frozenset()):
        if case.is_closed:
            _refuse_closed(case)
        raise CaseActionError(
            _("Case %(number)s is %(state)s: it cannot become “%(to)s” now.")
            % {"number": case.number, "state": case.get_state_display(), "to": S(to_state).label}
        )


def _state_set(
    case: Case,
    to_state: str,
    *,
    user: User | None,
    person: Person | None,
    channel: str,
    comment: str = "",
) -> None:
    before = case.state
    case.state = to_state
    if to_state != S.NEW:
        case.next_escalation_at = None  # someone is handling it
    case.save()
    entry_add(
        case=case,
        kind=CaseEntry.Kind.TRANSITION,
        channel=channel,
        user=user,
        person=person,
        from_state=before,
        to_state=to_state,
        comment=comment,
    )


def case_resolve(
    *,
    case: Case,
    outcome: str,
    lesson: str = "",
    user: User | None = None,
    person: Person | None = None,
    channel: str = Actor.WEB,
) -> Case:
    """Close the case with its outcome and, for the trainings, a lesson learned."""
    if not outcome.strip():
        raise CaseActionError({"outcome": _("Please write how the case ended.")})
    with transaction.atomic():
        case = _locked(case)
        _check_transition(case, S.RESOLVED)
        case.outcome, case.lesson = outcome.strip()[:NOTE_MAX], lesson.strip()[:NOTE_MAX]
        case.resolved_at = timezone.now()
        _state_set(
            case,
            S.RESOLVED,
            user=acting_user(user),
            person=person,
            channel=channel,
            comment=case.outcome,
        )
        reporters_notify(case=case, event="resolved")
    return case


def case_reopen(
    *, case: Case, reason: str, user: User | None = None, channel: str = Actor.WEB
) -> Case:
    """A closed case comes back (the conflict flared up again); its owner keeps it, and a
    case nobody had taken is alerted afresh."""
    if not reason.strip():
        raise CaseActionError({"reason": _("Please say why the case is reopened.")})
    with transaction.atomic():
        case = _locked(case)
        _check_transition(case, S.REOPENED)
        case.resolved_at = None
        _state_set(
            case,
            S.REOPENED,
            user=acting_user(user),
            person=None,
            channel=channel,
            comment=reason.strip()[:NOTE_MAX],
        )
        if not (case.owner_id or case.owner_user_id):
            case.state = S.NEW
            case.save(update_fields=["state"])
            escalate(case=case, now=timezone.now())
    return case


# --- notes, severity, category -------------------------------------------------------------


def case_note_add(
    *,
    case: Case,
    text: str,
    user: User | None = None,
    person: Person | None = None,
    channel: str = Actor.WEB,
) -> CaseEntry:
    text = text.strip()
    if not text:
        raise CaseActionError({"text": _("The note is empty.")})
    if len(text) > NOTE_MAX:
        raise CaseActionError(
            {"text": _("The note is too long: at most %(limit)d characters.") % {"limit": NOTE_MAX}}
        )
    return entry_add(
        case=case,
        kind=CaseEntry.Kind.NOTE,
        channel=channel,
        user=acting_user(user),
        person=person,
        comment=text,
    )


def case_severity_change(*, case: Case, severity: int, reason: str, user: User | None) -> Case:
    if severity not in (1, 2, 3, 4):
        raise CaseActionError({"severity": _("Severity is a number from 1 to 4.")})
    return _reclassify(case, "severity", severity, reason=reason, user=user)


def case_category_change(*, case: Case, category: str, reason: str, user: User | None) -> Case:
    if category not in Category.values:
        raise CaseActionError({"category": _("Choose a category from the list.")})
    return _reclassify(case, "category", category, reason=reason, user=user)


def _reclassify(case: Case, field: str, value: object, *, reason: str, user: User | None) -> Case:
    if not reason.strip():
        raise CaseActionError({"reason": _("Please give the reason for the change.")})
    with transaction.atomic():
        case = _locked(case)
        before = getattr(case, f"get_{field}_display")() if field == "category" else case.severity
        setattr(case, field, value)
        case.save(update_fields=[field])
        after = case.get_category_display() if field == "category" else case.severity
        kind = CaseEntry.Kind.SEVERITY if field == "severity" else CaseEntry.Kind.CATEGORY
        comment = f"{before} → {after}: {reason.strip()[:NOTE_MAX]}"
        entry_add(case=case, kind=kind, channel=Actor.WEB, user=acting_user(user), comment=comment)
    return case
