from __future__ import annotations

import logging
from typing import Any

from concord.accounts.models import AuditEntry, User
from concord.directory.models import Person

logger = logging.getLogger(__name__)


def acting_user(user: User | None) -> User | None:
    """The user to record as having done something: None for anonymous requests and for the
    system (commands, the worker), so that history never points at AnonymousUser."""
    return user if user is not None and user.is_authenticated else None


def audit_record(
    *,
    actor: User | None,
    action: str,
    person: Person | None = None,
    path: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry of the personal-data audit log."""
    actor = acting_user(actor)
    return AuditEntry.objects.create(
        actor=actor, action=action, person=person, path=path[:500], detail=detail or {}
    )


def access_denied_record(*, actor: User | None, path: str, detail: dict[str, Any]) -> None:
    """A request outside the user's scope: logged to the audit log and to the log."""
    logger.warning("Out-of-scope request by %s to %s: %s", actor, path, detail)
    audit_record(actor=actor, action=AuditEntry.Action.DENIED, path=path, detail=detail)
