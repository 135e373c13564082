"""Creating and changing events: validation, the agenda from templates, invited regions,
status changes, and regional restrictions on gatherings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.accounts.services import acting_user
from concord.directory.models import Organisation
from concord.programme.models import (
    AgendaTemplate,
    Event,
    InvitedRegion,
    ProgrammeYear,
    RegionalRestriction,
    Registration,
    RestrictionOverride,
    Session,
)
from concord.programme.services.registrations import offer_next, places_taken
from concord.regions.models import City, Region


@dataclass(frozen=True)
class EventPlan:
    """What a coordinator fills in to create an event (and later to move it)."""

    kind: str
    title: str
    host_region: Region
    starts_at: datetime
    ends_at: datetime
    host_city: City | None = None
    venue: Organisation | None = None
    host_partner: Organisation | None = None
    format: str = Event.Format.IN_PERSON
    meeting_url: str = ""
    capacity_in_person: int = 0
    capacity_online: int = 0
    description: str = ""


def event_plan_check(plan: EventPlan) -> None:
    """Every rule an event's place, dates and format must satisfy, as one ValidationError."""
    errors: dict[str, str] = {}
    if plan.ends_at <= plan.starts_at:
        errors["ends_at"] = _("The event must end after it starts.")
    if plan.host_city and plan.host_city.region_id != plan.host_region.pk:
        errors["host_city"] = _("%(city)s is not in %(region)s.") % {
            "city": plan.host_city.name,
            "region": plan.host_region.name,
        }
    for name in ("venue", "host_partner"):
        organisation = getattr(plan, name)
        if organisation and organisation.region_id != plan.host_region.pk:
            errors[name] = _("%(org)s is in %(region)s, not in the event's region.") % {
                "org": organisation.name,
                "region": organisation.region.name,
            }
    if plan.format != Event.Format.IN_PERSON and not plan.meeting_url:
        errors["meeting_url"] = _("An online or hybrid event needs a meeting link.")
    if plan.format != Event.Format.ONLINE and plan.capacity_in_person <= 0:
        errors["capacity_in_person"] = _("Say how many people the room holds.")
    if plan.format != Event.Format.IN_PERSON and plan.capacity_online <= 0:
        errors["capacity_online"] = _("Say how many people can join online.")
    if errors:
        raise ValidationError(errors)


def restrictions_conflicting(
    *, region: Region, starts_at: datetime, ends_at: datetime, participants: int, tz_name: str
) -> list[RegionalRestriction]:
    """Restrictions in force in the region during the event that its size would break."""
    first_day, last_day = _local_dates(starts_at, ends_at, tz_name)
    return list(
        RegionalRestriction.objects.filter(
            region=region,
            starts_on__lte=last_day,
            ends_on__gte=first_day,
            max_participants__lt=participants,
        ).order_by("starts_on")
    )


def _local_dates(starts_at: datetime, ends_at: datetime, tz_name: str) -> tuple[date, date]:
    tz = ZoneInfo(tz_name)
    return timezone.localtime(starts_at, tz).date(), timezone.localtime(ends_at, tz).date()


class RestrictionConflict(ValidationError):
    """The event breaks a regional restriction; it needs an explicit override with a reason."""

    def __init__(self, restrictions: list[RegionalRestriction]) -> None:
        self.restrictions = restrictions
        lines = [
            _("%(region)s: at most %(max)s people from %(from)s to %(until)s (%(reason)s).")
            % {
                "region": r.region.name,
                "max": r.max_participants,
                "from": r.starts_on.strftime("%d.%m.%Y"),
                "until": r.ends_on.strftime("%d.%m.%Y"),
                "reason": r.reason,
            }
            for r in restrictions
        ]
        super().__init__(lines, code="restricted")


def _restrictions_check(
    event: Event, *, override_reason: str, by: User | None
) -> list[RestrictionOverride]:
    if event.format == Event.Format.ONLINE:
        return []
    conflicts = restrictions_conflicting(
        region=event.host_region,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        participants=event.capacity_in_person,
        tz_name=event.timezone_name,
    )
    if conflicts and not override_reason.strip():
        raise RestrictionConflict(conflicts)
    return [
        RestrictionOverride.objects.create(
            event=event, restriction=r, reason=override_reason.strip(), at=timezone.now(), by=by
        )
        for r in conflicts
    ]


def event_create(
    *, year: int, plan: EventPlan, by: User | None, override_reason: str = ""
) -> Event:
    """Create a draft event and lay out its agenda from the template of its kind."""
    event_plan_check(plan)
    with transaction.atomic():
        programme_year, _created = ProgrammeYear.objects.get_or_create(year=year)
        event = Event(programme_year=programme_year, **plan.__dict__)
        event.full_clean()
        event.save()
        _restrictions_check(event, override_reason=override_reason, by=acting_user(by))
        agenda_lay_out(event=event)
    return event


def agenda_lay_out(*, event: Event) -> list[Session]:
    """Sessions from the kind's agenda template, at the template's local times in the host city."""
    template = AgendaTemplate.objects.filter(kind=event.kind).prefetch_related("items").first()
    if template is None:
        return []
    first_day = timezone.localtime(event.starts_at, event.tz).date()
    use_russian = (translation.get_language() or settings.LANGUAGE_CODE).startswith("ru")
    sessions = [
        Session(
            event=event,
            day=item.day,
            starts_at=_local(first_day, item.day, item.start_time, event.tz),
            ends_at=_local(first_day, item.day, item.end_time, event.tz),
            title=item.title_ru if use_russian else item.title_en,
            place=event.venue.name if event.venue else "",
        )
        for item in template.items.all()
    ]
    return Session.objects.bulk_create(sessions)


def _local(first_day: date, day: int, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(first_day + timedelta(days=day - 1), at, tzinfo=tz)


def event_status_set(
    *, event: Event, status: str, by: User | None, override_reason: str = ""
) -> Event:
    """Announce, confirm or mark as held; confirming checks the regional restrictions again."""
    if status == Event.Status.CANCELLED:
        raise ValidationError(_("Use “Cancel the event”, which asks for a reason."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status == Event.Status.CANCELLED:
            raise ValidationError(_("A cancelled event cannot change its status."))
        if status == Event.Status.CONFIRMED:
            _restrictions_check(event, override_reason=override_reason, by=acting_user(by))
        event.status = status
        event.save(update_fields=["status", "updated_at"])
    return event


def event_invite_regions(
    *,
    event: Event,
    regions: Iterable[Region],
    by: User | None,
    group: str = InvitedRegion.Group.MAIN,
) -> list[InvitedRegion]:
    """Invite regions; inviting a region twice to the same group is refused, naming it."""
    regions = list(regions)
    already = {
        invited.region.name
        for invited in event.invited_regions.filter(group=group, region__in=regions).select_related(
            "region"
        )
    }
    if already:
        raise ValidationError(
            _("Already invited: %(regions)s.") % {"regions": ", ".join(sorted(already))},
            code="duplicate",
        )
    with transaction.atomic():
        return InvitedRegion.objects.bulk_create(
            InvitedRegion(event=event, region=region, group=group) for region in regions
        )


def restriction_check(*, starts_on: date, ends_on: date, reason: str) -> None:
    """The rules of a regional restriction, shared by the service and the admin form."""
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = _("The restriction must end on or after its start.")
    if not reason.strip():
        errors["reason"] = _("Say why (for example, the governor's decree).")
    if errors:
        raise ValidationError(errors)


def event_capacity_set(
    *,
    event: Event,
    capacity_in_person: int,
    capacity_online: int,
    by: User | None,
    override_reason: str = "",
) -> Event:
    """Change the number of places; new places go to the waiting list at once.

    Places already taken cannot be removed this way: cancel registrations first.
    """
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        wanted: dict[str, int] = {
            Registration.Mode.IN_PERSON: capacity_in_person,
            Registration.Mode.ONLINE: capacity_online,
        }
        _capacity_check(event, wanted)
        event.capacity_in_person, event.capacity_online = capacity_in_person, capacity_online
        event_plan_check(_plan_from(event))
        event.save()
        _restrictions_check(event, override_reason=override_reason, by=acting_user(by))
        for mode in wanted:
            while offer_next(event=event, mode=mode, prefer_region_id=None):
                pass
    return event


def _capacity_check(event: Event, wanted: dict[str, int]) -> None:
    errors = {}
    for mode, places in wanted.items():
        holding = places_taken(event, mode)
        if places < holding:
            field = "capacity_online" if mode == Registration.Mode.ONLINE else "capacity_in_person"
            errors[field] = _("%(n)s people already hold these places; cancel some first.") % {
                "n": holding
            }
    if errors:
        raise ValidationError(errors)


def _plan_from(event: Event) -> EventPlan:
    return EventPlan(**{name: getattr(event, name) for name in EventPlan.__dataclass_fields__})


def restriction_create(
    *,
    region: Region,
    starts_on: date,
    ends_on: date,
    max_participants: int,
    reason: str,
    by: User | None,
) -> RegionalRestriction:
    restriction_check(starts_on=starts_on, ends_on=ends_on, reason=reason)
    return RegionalRestriction.objects.create(
        region=region,
        starts_on=starts_on,
        ends_on=ends_on,
        max_participants=max_participants,
        reason=reason.strip(),
        created_by=acting_user(by),
    )
