"""Forms of the programme's pages. They check what a person typed; the rules of the programme
(dates, places, capacity, restrictions, registrations) are the services', whose errors
`apply_errors` puts back on the form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from concord.accounts.scoping import Scope
from concord.core.forms import ConfirmForm
from concord.directory.models import Organisation, Person, PersonRole
from concord.programme.models import Event, InvitedRegion, ProgrammeYear, Registration
from concord.programme.selectors import EventFilter
from concord.programme.services import EventPlan
from concord.regions.models import City, Region

REASON_REQUIRED = _("Say why: every participant will read it.")


def apply_errors(
    form: forms.Form,
    error: ValidationError,
    fields: dict[str, str] | None = None,
    default: str | None = None,
) -> None:
    """Show a service's ValidationError on the form, each message next to its field.

    `fields` maps the service's names to the form's; messages without a field go to `default`.
    """
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(default, error.messages)
        return
    for name, messages in error.message_dict.items():
        target = fields.get(name, name)
        form.add_error(target if target in form.fields else None, messages)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def zone_name(city: City | None, region: Region | None) -> str:
    """The zone an event's dates are typed in: its city's, else its region's (see Event.tz)."""
    if city is not None:
        return city.timezone
    if region is not None and region.timezone:
        return region.timezone
    return settings.TIME_ZONE


def local_datetime(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone))


def scoped_regions(scope: Scope) -> QuerySet[Region]:
    regions = Region.objects.order_by("name_ru")
    if scope.region_ids is not None:
        regions = regions.filter(pk__in=scope.region_ids)
    return regions


class CalendarFilterForm(forms.Form):
    """The calendar's filters; a value that does not check out is simply ignored."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Event.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Event.Status.choices],
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("name_ru"),
        to_field_name="code",
        required=False,
        empty_label=_("All regions"),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)
    month = forms.IntegerField(required=False, min_value=1, max_value=12)
    view = forms.ChoiceField(required=False, choices=(("list", _("List")), ("month", _("Month"))))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        years = ProgrammeYear.objects.values_list("year", flat=True).order_by("-year")
        choices = [("", _("All years")), *((y, str(y)) for y in years)]
        self.fields["year"].widget = forms.Select(choices=choices)

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    @property
    def is_month(self) -> bool:
        return self.values().get("view") == "month"

    def to_filters(self) -> EventFilter:
        data = self.values()
        region = data.get("region")
        return EventFilter(
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            region_code=region.code if region else "",
            year=None if self.is_month else data.get("year"),
        )


class PlaceFieldsMixin:
    """City, venue and partner: any the viewer may choose, listed for the chosen region only.

    Every city and organisation in scope is accepted, so that one in the wrong region reaches
    the service and gets its clear message instead of "not one of the available choices".
    """

    fields: dict[str, forms.Field]

    def _places_set_up(self, scope: Scope, region: Region | None) -> None:
        cities = (
            City.objects.filter(region__in=scoped_regions(scope))
            .select_related("region")
            .order_by("region__name_ru", "-population", "name_ru")
        )
        organisations = (
            scope.organisations().select_related("region").order_by("region__name_ru", "name")
        )
        self._narrow("city", cities, region)
        for name in ("venue", "host_partner"):
            self._narrow(name, organisations, region)

    def _narrow(self, name: str, queryset: QuerySet[Any], region: Region | None) -> None:
        field = self.fields.get(name)
        if not isinstance(field, forms.ModelChoiceField):
            return
        field.queryset = queryset
        shown = queryset.filter(region=region) if region is not None else queryset
        label = (lambda o: o.name) if region is not None else _with_region
        options = [(o.pk, label(o)) for o in shown]
        field.widget.choices = [("", "—"), *options]


def _with_region(obj: City | Organisation) -> str:
    return f"{obj.name} ({obj.region.name})"


def _region_from(data: Any, initial: Mapping[str, Any], name: str = "host_region") -> Region | None:
    value = (data or {}).get(name) or initial.get(name)
    if isinstance(value, Region):
        return value
    if not value or not str(value).isdigit():
        return None
    return Region.objects.filter(pk=value).first()


class OverrideMixin:
    """After a restriction conflict the override reason becomes a required box."""

    fields: dict[str, forms.Field]
    conflicts: list[Any]

    def conflict_show(self, restrictions: Iterable[Any]) -> None:
        self.conflicts = list(restrictions)
        field = self.fields["override_reason"]
        field.required = True
        field.widget.attrs["required"] = True


def _override_field() -> forms.CharField:
    return forms.CharField(
        label=_("Why the event should go ahead despite the restriction"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EventCreateForm(OverrideMixin, PlaceFieldsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of event"), choices=Event.Kind.choices, initial=Event.Kind.TRAINING
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    host_region = forms.ModelChoiceField(
        label=_("Host region"), queryset=Region.objects.none(), empty_label="—"
    )
    city = forms.ModelChoiceField(label=_("City"), queryset=City.objects.none(), required=False)
    venue = forms.ModelChoiceField(
        label=_("Venue"), queryset=Organisation.objects.none(), required=False
    )
    host_partner = forms.ModelChoiceField(
        label=_("Host partner"), queryset=Organisation.objects.none(), required=False
    )
    starts_on = forms.DateField(label=_("First day"), widget=_date_input())
    starts_time = forms.TimeField(label=_("Starts at"), initial=time(10), widget=_time_input())
    ends_on = forms.DateField(label=_("Last day"), widget=_date_input())
    ends_time = forms.TimeField(label=_("Ends at"), initial=time(17), widget=_time_input())
    format = forms.ChoiceField(
        label=_("Format"),
        choices=Event.Format.choices,
        initial=Event.Format.IN_PERSON,
        widget=forms.RadioSelect,
    )
    meeting_url = forms.URLField(label=_("Meeting link"), required=False, assume_scheme="https")
    capacity_in_person = forms.IntegerField(label=_("Places in the room"), min_value=0, initial=30)
    capacity_online = forms.IntegerField(label=_("Places online"), min_value=0, initial=0)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    override_reason = _override_field()

    SERVICE_FIELDS = {"starts_at": "starts_on", "ends_at": "ends_on", "host_city": "city"}

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = scoped_regions(scope)
        self.fields["host_region"].queryset = regions  # type: ignore[attr-defined]
        if "host_region" not in self.initial and scope.region_ids and len(scope.region_ids) == 1:
            self.initial["host_region"] = next(iter(scope.region_ids))
        self.conflicts = []
        self._places_set_up(scope, _region_from(self.data, self.initial))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone = zone_name(data.get("city"), data.get("host_region"))
        if data.get("starts_on") and data.get("starts_time"):
            data["starts_at"] = local_datetime(data["starts_on"], data["starts_time"], zone)
        if data.get("ends_on") and data.get("ends_time"):
            data["ends_at"] = local_datetime(data["ends_on"], data["ends_time"], zone)
        return data

    def plan(self) -> EventPlan:
        data = self.cleaned_data
        return EventPlan(
            kind=data["kind"],
            title=data["title"].strip(),
            host_region=data["host_region"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            host_city=data.get("city"),
            venue=data.get("venue"),
            host_partner=data.get("host_partner"),
            format=data["format"],
            meeting_url=data.get("meeting_url") or "",
            capacity_in_person=data.get("capacity_in_person") or 0,
            capacity_online=data.get("capacity_online") or 0,
            description=data.get("description") or "",
        )

    @property
    def year(self) -> int:
        return int(self.cleaned_data["starts_on"].year)


class EventStatusForm(OverrideMixin, forms.Form):
    STATUSES = (Event.Status.ANNOUNCED, Event.Status.CONFIRMED, Event.Status.HELD)

    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(s.value, s.label) for s in STATUSES],
        widget=forms.RadioSelect,
    )
    override_reason = _override_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conflicts = []


class InviteRegionsForm(forms.Form):
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions to invite"),
        queryset=Region.objects.order_by("name_ru"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one region.")},
    )
    group = forms.ChoiceField(
        label=_("Who is invited"),
        choices=InvitedRegion.Group.choices,
        initial=InvitedRegion.Group.MAIN,
        widget=forms.RadioSelect,
    )


class InviteFilterForm(forms.Form):
    """Search among the people of the invited regions."""

    q = forms.CharField(
        label=_("Name, phone or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All invited regions"),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *PersonRole.Role.choices]
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invited = Region.objects.filter(pk__in=event.invited_regions.values("region_id"))
        self.fields["region"].queryset = invited.order_by("name_ru")  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        region = data.get("region")
        return {
            "text": (data.get("q") or "").strip(),
            "region_code": region.code if region else "",
            "role": data.get("role") or "",
        }


class InvitePeopleForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("People"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one person.")},
    )
    group = forms.ChoiceField(
        label=_("Invite as"),
        choices=InvitedRegion.Group.choices,
        initial=InvitedRegion.Group.MAIN,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Anyone the viewer may see: the service says why someone cannot be invited.
        self.fields["people"].queryset = scope.people().select_related("region")  # type: ignore[attr-defined]


class ReasonField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Reason (every participant will read it)"))
        super().__init__(
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": REASON_REQUIRED},
            **kwargs,
        )


class EventCancelForm(ConfirmForm):
    reason = ReasonField()


class SwitchFormatForm(ConfirmForm):
    format = forms.ChoiceField(
        label=_("New format"), choices=Event.Format.choices, widget=forms.RadioSelect
    )
    meeting_url = forms.URLField(label=_("Meeting link"), required=False, assume_scheme="https")
    capacity_online = forms.IntegerField(label=_("Places online"), required=False, min_value=0)
    reason = ReasonField()


class RelocateForm(OverrideMixin, PlaceFieldsMixin, ConfirmForm):
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label="—"
    )
    city = forms.ModelChoiceField(label=_("New city"), queryset=City.objects.none(), required=False)
    venue = forms.ModelChoiceField(
        label=_("New venue"), queryset=Organisation.objects.none(), required=False
    )
    starts_on = forms.DateField(label=_("First day"), widget=_date_input())
    starts_time = forms.TimeField(label=_("Starts at"), widget=_time_input())
    ends_on = forms.DateField(label=_("Last day"), widget=_date_input())
    ends_time = forms.TimeField(label=_("Ends at"), widget=_time_input())
    reason = ReasonField()
    override_reason = _override_field()

    SERVICE_FIELDS = {
        "starts_at": "starts_on",
        "ends_at": "ends_on",
        "host_city": "city",
        "host_region": "city",
    }

    def __init__(self, *args: Any, scope: Scope, event: Event, **kwargs: Any) -> None:
        kwargs["initial"] = {**_relocation_initial(event), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.event = event
        self.conflicts = []
        self.fields["region"].queryset = scoped_regions(scope)  # type: ignore[attr-defined]
        self._places_set_up(scope, _region_from(self.data, self.initial, "region"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        city = data.get("city") or self.event.host_city
        zone = zone_name(city, city.region if city else self.event.host_region)
        if data.get("starts_on") and data.get("starts_time"):
            data["starts_at"] = local_datetime(data["starts_on"], data["starts_time"], zone)
        if data.get("ends_on") and data.get("ends_time"):
            data["ends_at"] = local_datetime(data["ends_on"], data["ends_time"], zone)
        return data


def _relocation_initial(event: Event) -> dict[str, Any]:
    starts = event.starts_at.astimezone(event.tz)
    ends = event.ends_at.astimezone(event.tz)
    return {
        "region": event.host_region_id,
        "starts_on": starts.date(),
        "starts_time": starts.time().replace(second=0, microsecond=0),
        "ends_on": ends.date(),
        "ends_time": ends.time().replace(second=0, microsecond=0),
    }


class OrganiserCancelForm(ConfirmForm):
    reason = forms.CharField(
        label=_("Reason (the person will read it)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ParticipantFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any state")), *Registration.State.choices],
    )
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions")), *regions]  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "text": (data.get("q") or "").strip(),
            "state": data.get("state") or "",
            "region_code": data.get("region") or "",
        }


class RestrictionForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), empty_label="—"
    )
    starts_on = forms.DateField(label=_("From"), widget=_date_input())
    ends_on = forms.DateField(label=_("Until"), widget=_date_input())
    max_participants = forms.IntegerField(
        label=_("At most this many people"),
        min_value=0,
        help_text=_("0 means no gatherings at all."),
    )
    reason = forms.CharField(
        label=_("Reason (for example, the governor's decree)"),
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scoped_regions(scope)  # type: ignore[attr-defined]
