"""Registrations: an explicit state machine with a recorded history, capacity and the waitlist.

Every change goes through `_transition`, which checks that the move is allowed and writes an
immutable `RegistrationTransition`. Anything that takes or frees a place locks the event row
first (`_lock_event`), so that two people accepting at the same moment cannot both take the
last place: on PostgreSQL through `SELECT … FOR UPDATE`, on SQLite because write transactions
are serialised (IMMEDIATE mode, see settings).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.accounts.services import acting_user
from concord.directory.models import Person
from concord.programme.models import Event, InvitedRegion, Registration, RegistrationTransition
from concord.programme.notifications import notify_registration

S = Registration.State

ALLOWED: dict[str, frozenset[str]] = {
    S.INVITED: frozenset({S.REGISTERED, S.WAITLISTED, S.DECLINED, S.CANCELLED_BY_ORGANISER}),
    S.REGISTERED: frozenset(
        {S.CONFIRMED, S.CANCELLED_BY_PERSON, S.CANCELLED_BY_ORGANISER, S.ATTENDED, S.NO_SHOW}
    ),
    S.WAITLISTED: frozenset({S.OFFERED, S.CANCELLED_BY_PERSON, S.CANCELLED_BY_ORGANISER}),
    S.OFFERED: frozenset(
        {S.CONFIRMED, S.WAITLISTED, S.CANCELLED_BY_PERSON, S.CANCELLED_BY_ORGANISER}
    ),
    S.CONFIRMED: frozenset(
        {S.CANCELLED_BY_PERSON, S.CANCELLED_BY_ORGANISER, S.ATTENDED, S.NO_SHOW}
    ),
    S.ATTENDED: frozenset({S.NO_SHOW, S.CONFIRMED}),  # CONFIRMED: a check-in undone
    S.NO_SHOW: frozenset({S.ATTENDED}),
    S.DECLINED: frozenset({S.REGISTERED, S.WAITLISTED}),
    S.CANCELLED_BY_PERSON: frozenset({S.REGISTERED, S.WAITLISTED}),
    S.CANCELLED_BY_ORGANISER: frozenset(),
}
# States that hold a place against the event's capacity.
HOLDING = frozenset({S.REGISTERED, S.OFFERED, S.CONFIRMED, S.ATTENDED})
# States of people who still expect to hear about the event.
ACTIVE = frozenset({S.INVITED, S.REGISTERED, S.WAITLISTED, S.OFFERED, S.CONFIRMED})


class RegistrationError(ValidationError):
    """A refused registration change, with a message for the person who asked."""


def _transition(
    registration: Registration, to_state: str, *, by: User | None, reason: str = ""
) -> RegistrationTransition:
    from_state = registration.state
    if to_state not in ALLOWED[from_state]:
        raise RegistrationError(
            _("A registration that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(from_state).label, "to": S(to_state).label},
            code="transition",
        )
    registration.state = to_state
    if to_state != S.OFFERED:
        registration.offer_expires_at = None
    if to_state == S.WAITLISTED:
        registration.waitlisted_at = timezone.now()
    registration.save()
    return RegistrationTransition.objects.create(
        registration=registration,
        from_state=from_state,
        to_state=to_state,
        at=timezone.now(),
        by=acting_user(by),
        reason=reason[:500],
    )


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _lock_registration(registration: Registration) -> Registration:
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person")
        .get(pk=registration.pk)
    )


def capacity_for(event: Event, mode: str) -> int:
    if mode == Registration.Mode.ONLINE:
        return event.capacity_online
    return event.capacity_in_person


def places_taken(event: Event, mode: str) -> int:
    return event.registrations.filter(mode=mode, state__in=HOLDING).count()


def places_left(event: Event, mode: str) -> int:
    return max(capacity_for(event, mode) - places_taken(event, mode), 0)


def _ensure_open(event: Event) -> None:
    if event.status in (Event.Status.CANCELLED, Event.Status.HELD):
        raise RegistrationError(
            _("“%(event)s” is %(status)s; registrations are closed.")
            % {"event": event.title, "status": event.get_status_display()},
            code="closed",
        )


def registration_invite(
    *, event: Event, person: Person, by: User | None, group: str = InvitedRegion.Group.MAIN
) -> Registration:
    """Invite one person of an invited region; the invitation goes out through the outbox."""
    _ensure_open(event)
    if not event.invited_regions.filter(region_id=person.region_id, group=group).exists():
        raise RegistrationError(
            _("%(person)s is from %(region)s, which is not invited to this event.")
            % {"person": person.full_name, "region": person.region.name},
            code="region_not_invited",
        )
    if Registration.objects.filter(event=event, person=person).exists():
        raise RegistrationError(
            _("%(person)s is already on the list of this event.") % {"person": person.full_name},
            code="duplicate",
        )
    with transaction.atomic():
        online = event.format == Event.Format.ONLINE
        registration = Registration.objects.create(
            event=event,
            person=person,
            group=group,
            state=S.INVITED,
            mode=Registration.Mode.ONLINE if online else Registration.Mode.IN_PERSON,
        )
        RegistrationTransition.objects.create(
            registration=registration, to_state=S.INVITED, at=timezone.now(), by=acting_user(by)
        )
        notify_registration(registration=registration, what="invitation")
    return registration


def registrations_invite_many(
    *, event: Event, people: Iterable[Person], by: User | None, group: str
) -> tuple[list[Registration], list[str]]:
    """Invite several people; those who cannot be invited are reported, not fatal."""
    invited, problems = [], []
    for person in people:
        try:
            invited.append(registration_invite(event=event, person=person, by=by, group=group))
        except RegistrationError as error:
            problems.extend(error.messages)
    return invited, problems


def registration_accept(
    *, registration: Registration, by: User | None, mode: str = ""
) -> Registration:
    """The person says yes: a place if one is left, otherwise the waiting list.

    Saying yes twice changes nothing, so a second tap on an old message is harmless.
    """
    with transaction.atomic():
        event = _lock_event(registration.event)
        registration = _lock_registration(registration)
        _ensure_open(event)
        if registration.state == S.OFFERED:
            expired_at = _offer_expire_if_due(registration, event=event)
            if expired_at is None:
                return _offer_take(registration, by=by)
        elif registration.state in HOLDING | {S.WAITLISTED}:
            return registration
        else:
            return _accept_invitation(registration, event=event, by=by, mode=mode)
    raise RegistrationError(
        _("Sorry, this offer expired at %(time)s and passed to the next person.")
        % {"time": timezone.localtime(expired_at, event.tz).strftime("%d.%m.%Y %H:%M")},
        code="offer_expired",
    )


def _accept_invitation(
    registration: Registration, *, event: Event, by: User | None, mode: str
) -> Registration:
    registration.mode = mode or registration.mode
    if places_left(event, registration.mode) > 0:
        _transition(registration, S.REGISTERED, by=by)
    else:
        _transition(registration, S.WAITLISTED, by=by, reason=_("No place left."))
    notify_registration(registration=registration, what=registration.state)
    return registration


def registration_decline(*, registration: Registration, by: User | None) -> Registration:
    """The person says no: to an invitation, or to an offered place (which then passes on).

    Saying no twice changes nothing.
    """
    if registration.state == S.OFFERED:
        return registration_cancel(registration=registration, by=by, by_organiser=False)
    with transaction.atomic():
        registration = _lock_registration(registration)
        if registration.state != S.DECLINED:
            _transition(registration, S.DECLINED, by=by)
    return registration


def registration_confirm(*, registration: Registration, by: User | None) -> Registration:
    """A coordinator confirms a registered person's place."""
    with transaction.atomic():
        registration = _lock_registration(registration)
        _transition(registration, S.CONFIRMED, by=by)
    return registration


def registration_cancel(
    *, registration: Registration, by: User | None, by_organiser: bool, reason: str = ""
) -> Registration:
    """Cancel; a place that this frees is offered to the next person on the waiting list."""
    to_state = S.CANCELLED_BY_ORGANISER if by_organiser else S.CANCELLED_BY_PERSON
    with transaction.atomic():
        event = _lock_event(registration.event)
        registration = _lock_registration(registration)
        freed = registration.state in HOLDING
        _transition(registration, to_state, by=by, reason=reason)
        if by_organiser:
            notify_registration(registration=registration, what="cancelled_by_organiser")
        if freed:
            offer_next(
                event=event, mode=registration.mode, prefer_region_id=registration.person.region_id
            )
    return registration


def offer_window(event: Event) -> timedelta:
    """How long a freed place is held for someone: shorter when the event is close."""
    window = timedelta(hours=settings.CONCORD_OFFER_HOURS)
    until_start = event.starts_at - timezone.now()
    return max(min(window, until_start / 2), timedelta(hours=1))


def offer_next(
    *, event: Event, mode: str, prefer_region_id: int | None, passed_over: int | None = None
) -> Registration | None:
    """Offer a free place to the next waitlisted person, someone from `prefer_region_id` first.

    `passed_over` is the registration whose offer just lapsed: it goes to the back of the
    queue and is not offered the same place again. Call inside a transaction that holds the
    event's lock.
    """
    if places_left(event, mode) <= 0 or event.status == Event.Status.CANCELLED:
        return None
    waiting = event.registrations.filter(state=S.WAITLISTED, mode=mode).select_related("person")
    if passed_over is not None:
        waiting = waiting.exclude(pk=passed_over)
    same_region = Case(
        When(person__region_id=prefer_region_id, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    candidate = waiting.order_by(same_region, "waitlisted_at", "pk").first()
    if candidate is None:
        return None
    candidate.offer_expires_at = timezone.now() + offer_window(event)
    _transition(candidate, S.OFFERED, by=None, reason=_("A place was freed."))
    notify_registration(registration=candidate, what="offer")
    return candidate


def _offer_take(registration: Registration, *, by: User | None) -> Registration:
    _transition(registration, S.CONFIRMED, by=by, reason=_("Accepted the offered place."))
    notify_registration(registration=registration, what="confirmed")
    return registration


def _offer_expire_if_due(registration: Registration, *, event: Event) -> datetime | None:
    """Expire a lapsed offer and pass the place on; the time it lapsed, or None if still open."""
    expires = registration.offer_expires_at
    if expires is None or expires > timezone.now():
        return None
    _transition(registration, S.WAITLISTED, by=None, reason=_("The offer expired."))
    offer_next(
        event=event,
        mode=registration.mode,
        prefer_region_id=registration.person.region_id,
        passed_over=registration.pk,
    )
    return expires


def offers_expire() -> int:
    """Pass on every expired offer; run periodically by the worker. Returns how many."""
    expired_ids = list(
        Registration.objects.filter(state=S.OFFERED, offer_expires_at__lte=timezone.now())
        .order_by("offer_expires_at")
        .values_list("pk", flat=True)
    )
    for pk in expired_ids:
        with transaction.atomic():
            registration = Registration.objects.select_related("event").get(pk=pk)
            event = _lock_event(registration.event)
            registration = _lock_registration(registration)
            if registration.state == S.OFFERED:  # someone may have accepted meanwhile
                _offer_expire_if_due(registration, event=event)
    return len(expired_ids)
