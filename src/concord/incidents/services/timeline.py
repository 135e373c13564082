"""Writing a case's timeline: one immutable entry per thing that happened."""

from __future__ import annotations

from django.utils import timezone

from concord.accounts.models import User
from concord.directory.models import Person
from concord.incidents.models import Case, CaseEntry


def entry_add(
    *,
    case: Case,
    kind: str,
    channel: str,
    user: User | None = None,
    person: Person | None = None,
    comment: str = "",
    from_state: str = "",
    to_state: str = "",
) -> CaseEntry:
    if person is None and user is not None and user.person_id:
        person = user.person
    return CaseEntry.objects.create(
        case=case,
        kind=kind,
        channel=channel,
        actor_user=user,
        actor_person=person,
        comment=comment,
        from_state=from_state,
        to_state=to_state,
        created_at=timezone.now(),
    )
