"""One action per disruption: relocate or reschedule, switch format, cancel.

Each records a `Disruption` with the reason and what changed, bumps the calendar SEQUENCE so
that calendars update the same entry in place, and tells every person still expecting the event
exactly once (the dedupe key is the disruption and the person).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.accounts.services import acting_user
from concord.directory.models import Organisation
from concord.programme.models import Disruption, Event, Registration
from concord.programme.notifications import notify_disruption
from concord.programme.services.events import (
    EventPlan,
    _restrictions_check,
    event_plan_check,
)
from concord.programme.services.registrations import ACTIVE, HOLDING, _transition
from concord.regions.models import City


def _snapshot(event: Event) -> dict[str, Any]:
    return {
        "city": event.host_city.name_en if event.host_city else "",
        "region": event.host_region.code,
        "venue": event.venue.name if event.venue else "",
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "format": event.format,
        "status": event.status,
    }


def _plan_of(event: Event, **changes: Any) -> EventPlan:
    fields = {name: getattr(event, name) for name in EventPlan.__dataclass_fields__}
    return EventPlan(**{**fields, **changes})


def _reason_required(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why: every participant will read it.")})
    return reason.strip()


def _disrupt(
    event: Event, *, kind: str, reason: str, before: dict[str, Any], by: User | None
) -> Disruption:
    event.sequence += 1
    event.save()
    disruption = Disruption.objects.create(
        event=event,
        kind=kind,
        reason=reason,
        before=before,
        after=_snapshot(event),
        at=timezone.now(),
        by=acting_user(by),
    )
    for registration in event.registrations.filter(state__in=ACTIVE).select_related("person"):
        notify_disruption(disruption=disruption, registration=registration)
    return disruption


def _locked(event: Event) -> Event:
    return (
        Event.objects.select_for_update(of=("self",))
        .select_related("host_city", "host_region", "venue")
        .get(pk=event.pk)
    )


def event_relocate(
    *,
    event: Event,
    reason: str,
    by: User | None,
    city: City | None = None,
    venue: Organisation | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    override_reason: str = "",
) -> Disruption:
    """Move the event to another city or venue, or to other dates (or both).

    Sessions keep their local clock times: a 10:00 session stays at 10:00 in the new city and
    moves with the dates.
    """
    reason = _reason_required(reason)
    with transaction.atomic():
        event = _locked(event)
        _ensure_not_cancelled(event)
        changes = _relocation_changes(
            event, city=city, venue=venue, starts_at=starts_at, ends_at=ends_at
        )
        if not changes:
            raise ValidationError(_("Nothing changes: choose another city, venue or dates."))
        event_plan_check(_plan_of(event, **changes))
        before = _snapshot(event)
        _sessions_move(event, changes)
        for name, value in changes.items():
            setattr(event, name, value)
        _restrictions_check(event, override_reason=override_reason, by=by)
        moved_place = {"host_city", "host_region", "venue"} & set(changes)
        kind = Disruption.Kind.RELOCATION if moved_place else Disruption.Kind.RESCHEDULE
        return _disrupt(event, kind=kind, reason=reason, before=before, by=by)


def _relocation_changes(
    event: Event,
    *,
    city: City | None,
    venue: Organisation | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if city is not None and city.pk != event.host_city_id:
        changes.update(host_city=city, host_region=city.region)
        if venue is None:
            changes["venue"] = None  # the old venue is in the old city
    if venue is not None and venue.pk != event.venue_id:
        changes["venue"] = venue
    if starts_at is not None and starts_at != event.starts_at:
        changes["starts_at"] = starts_at
    if ends_at is not None and ends_at != event.ends_at:
        changes["ends_at"] = ends_at
    return changes


def _sessions_move(event: Event, changes: dict[str, Any]) -> None:
    old_tz = event.tz
    new_city = changes.get("host_city", event.host_city)
    new_tz = ZoneInfo(new_city.timezone) if new_city else old_tz
    old_first = timezone.localtime(event.starts_at, old_tz).date()
    new_first = timezone.localtime(changes.get("starts_at", event.starts_at), new_tz).date()
    shift = new_first - old_first
    for session in event.sessions.all():
        for name in ("starts_at", "ends_at"):
            local = timezone.localtime(getattr(session, name), old_tz)
            moved = datetime.combine(local.date() + shift, local.time(), tzinfo=new_tz)
            setattr(session, name, moved)
        session.save(update_fields=["starts_at", "ends_at"])


def _ensure_not_cancelled(event: Event) -> None:
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("This event is cancelled; nothing can be changed."))


def event_switch_format(
    *,
    event: Event,
    format: str,
    reason: str,
    by: User | None,
    meeting_url: str = "",
    capacity_online: int | None = None,
) -> Disruption:
    """In person ↔ online (as in spring 2020); registrations follow the new format."""
    reason = _reason_required(reason)
    with transaction.atomic():
        event = _locked(event)
        _ensure_not_cancelled(event)
        if format == event.format:
            raise ValidationError(_("The event is already in this format."))
        changes: dict[str, Any] = {
            "format": format,
            "meeting_url": meeting_url or event.meeting_url,
        }
        if capacity_online is not None:
            changes["capacity_online"] = capacity_online
        event_plan_check(_plan_of(event, **changes))
        before = _snapshot(event)
        for name, value in changes.items():
            setattr(event, name, value)
        _places_check_after_switch(event)
        _registrations_follow_format(event)
        return _disrupt(
            event, kind=Disruption.Kind.FORMAT_SWITCH, reason=reason, before=before, by=by
        )


def _places_check_after_switch(event: Event) -> None:
    """Everyone holding a place moves to the new format: it must have room for them all."""
    if event.format == Event.Format.HYBRID:
        return
    holding = event.registrations.filter(state__in=HOLDING).count()
    online = event.format == Event.Format.ONLINE
    places = event.capacity_online if online else event.capacity_in_person
    if places < holding:
        field = "capacity_online" if online else "capacity_in_person"
        raise ValidationError(
            {field: _("%(n)s people hold places; make room for all of them.") % {"n": holding}}
        )


def _registrations_follow_format(event: Event) -> None:
    if event.format == Event.Format.HYBRID:
        return
    mode = (
        Registration.Mode.ONLINE
        if event.format == Event.Format.ONLINE
        else Registration.Mode.IN_PERSON
    )
    event.registrations.exclude(mode=mode).update(mode=mode)


def event_cancel(*, event: Event, reason: str, by: User | None) -> Disruption:
    """Cancel: everyone still expecting the event is told once, and their places are released."""
    reason = _reason_required(reason)
    with transaction.atomic():
        event = _locked(event)
        _ensure_not_cancelled(event)
        before = _snapshot(event)
        event.status = Event.Status.CANCELLED
        disruption = _disrupt(
            event, kind=Disruption.Kind.CANCELLATION, reason=reason, before=before, by=by
        )
        for registration in event.registrations.filter(state__in=ACTIVE):
            _transition(
                registration, Registration.State.CANCELLED_BY_ORGANISER, by=by, reason=reason
            )
        return disruption
