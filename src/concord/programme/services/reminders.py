"""Reminders the day before an event, at a civil hour in each participant's own time zone.

The network spans eleven time zones: a reminder "the day before at 10:00" means 10:00 where
the participant lives, the day before the event's date as they see it. A worker job runs every
few minutes and queues the reminders that are due; the outbox dedupe key makes each one
go out once, however often the job runs or how many workers run it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from concord.messaging.rendering import person_timezone
from concord.programme.models import Event, Registration
from concord.programme.notifications import notify_reminder

REMINDER_AT = time(10, 0)
REMINDED_STATES = (Registration.State.REGISTERED, Registration.State.CONFIRMED)


def reminder_due_at(registration: Registration) -> datetime:
    """10:00 in the person's zone on the day before the event's first day in that zone."""
    tz = person_timezone(registration.person)
    first_day = timezone.localtime(registration.event.starts_at, tz).date()
    return datetime.combine(first_day - timedelta(days=1), REMINDER_AT, tzinfo=tz)


def reminders_queue() -> int:
    """Queue every reminder that is due; safe to run often and in several workers."""
    now = timezone.now()
    soon = Registration.objects.filter(
        state__in=REMINDED_STATES,
        event__starts_at__gt=now,
        event__starts_at__lte=now + timedelta(hours=48),
    ).exclude(event__status=Event.Status.CANCELLED)
    queued = 0
    for registration in soon.select_related("event", "person__region", "person__city"):
        if reminder_due_at(registration) <= now:
            with transaction.atomic():
                notify_reminder(registration=registration)
            queued += 1
    return queued
