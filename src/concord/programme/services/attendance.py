"""Check-in, one tap per person and day, and closing the attendance after the event."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.programme.models import Attendance, Event, Registration
from concord.programme.services.registrations import RegistrationError, _transition

S = Registration.State
CHECKABLE = frozenset({S.REGISTERED, S.CONFIRMED, S.ATTENDED, S.NO_SHOW})


def event_days(event: Event) -> list[date]:
    first = timezone.localtime(event.starts_at, event.tz).date()
    last = timezone.localtime(event.ends_at, event.tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def attendance_check_in(
    *, registration: Registration, day: date, by: User | None
) -> tuple[Attendance, bool]:
    """Mark the person present on `day`; a second tap is harmless. Returns (row, created)."""
    event = registration.event
    if registration.state not in CHECKABLE:
        raise RegistrationError(
            _("%(person)s is not registered for this event (%(state)s).")
            % {"person": registration.person.full_name, "state": registration.get_state_display()},
            code="not_registered",
        )
    if day not in event_days(event):
        raise RegistrationError(
            _("%(day)s is not a day of this event.") % {"day": day.strftime("%d.%m.%Y")}
        )
    existing = Attendance.objects.filter(registration=registration, day=day).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                registration=registration, day=day, checked_in_at=timezone.now(), checked_in_by=by
            )
            if registration.state != S.ATTENDED:
                _transition(registration, S.ATTENDED, by=by, reason=_("Checked in."))
    except IntegrityError:  # two coordinators tapped at once
        return Attendance.objects.get(registration=registration, day=day), False
    return attendance, True


def attendance_undo(*, attendance: Attendance, by: User | None) -> None:
    """Undo a mistaken tap; with no day left the person is back to confirmed."""
    registration = attendance.registration
    with transaction.atomic():
        attendance.delete()
        if not registration.attendances.exists() and registration.state == S.ATTENDED:
            _transition(registration, S.CONFIRMED, by=by, reason=_("Check-in undone."))


def event_attendance_close(*, event: Event, by: User | None) -> int:
    """After the event: everyone registered who never checked in is marked as not come."""
    absent = event.registrations.filter(state__in=[S.REGISTERED, S.CONFIRMED])
    count = 0
    with transaction.atomic():
        for registration in absent:
            _transition(registration, S.NO_SHOW, by=by, reason=_("Never checked in."))
            count += 1
        event.status = Event.Status.HELD
        event.save(update_fields=["status", "updated_at"])
    return count
