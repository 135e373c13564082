"""Admin of the programme.

Whatever a service does more than saving a row (a registration's state with its history, the
waiting list and the messages; an event's move, format switch or cancellation with its
calendar SEQUENCE and notices) is read-only here and done on the event's page instead.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from concord.programme.models import (
    AgendaTemplate,
    AgendaTemplateItem,
    CalendarFeed,
    Disruption,
    Event,
    InvitedRegion,
    ProgrammeYear,
    RegionalRestriction,
    Registration,
    RegistrationTransition,
    Session,
)
from concord.programme.services.events import restriction_check

ON_EVENT_PAGE = _(
    "Changed only on the event's page, which records the reason, updates the calendars "
    "and tells the participants."
)
STATE_ON_EVENT_PAGE = _(
    "Changed only on the event's page, which keeps the history, the waiting list and the "
    "participants' messages right."
)
# Fields that the disruption and status services change (event_relocate, event_switch_format,
# event_cancel, event_status_set); capacity changes would bypass the waiting list.
EVENT_SERVICE_FIELDS = (
    "status",
    "host_region",
    "host_city",
    "venue",
    "starts_at",
    "ends_at",
    "format",
    "meeting_url",
    "capacity_in_person",
    "capacity_online",
)


class ReadOnlyAdminMixin:
    """Shown, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _event_page(event_id: int) -> str:
    url = reverse("programme:event", kwargs={"pk": event_id})
    return format_html('<a href="{}">{}</a>', url, _("Open the event's page"))


@admin.register(ProgrammeYear)
class ProgrammeYearAdmin(admin.ModelAdmin):
    list_display = ("year", "title")
    search_fields = ("title", "notes")


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ("day", "starts_at", "ends_at", "title", "place", "speakers")
    autocomplete_fields = ("speakers",)


class InvitedRegionInline(admin.TabularInline):
    model = InvitedRegion
    extra = 0
    fields = ("region", "group", "invited_at")
    readonly_fields = ("invited_at",)
    autocomplete_fields = ("region",)


class EventAdminForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ("programme_year", "kind", "title", "host_partner", "description")
        help_texts = dict.fromkeys(EVENT_SERVICE_FIELDS, ON_EVENT_PAGE)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events are created on the programme's pages (`event_create` lays out the agenda and
    checks the regional restrictions), so there is no "add" here."""

    form = EventAdminForm
    list_display = ("title", "kind", "status", "format", "host_region", "starts_local")
    list_filter = ("kind", "status", "format", "programme_year")
    search_fields = ("title", "host_region__name_ru", "host_region__name_en", "host_city__name_ru")
    list_select_related = ("host_region", "host_city")
    autocomplete_fields = ("host_partner",)
    readonly_fields = (
        "event_page",
        *EVENT_SERVICE_FIELDS,
        "uid",
        "sequence",
        "created_at",
        "updated_at",
    )
    inlines = (SessionInline, InvitedRegionInline)
    date_hierarchy = "starts_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("event's page"))
    def event_page(self, event: Event) -> str:
        return _event_page(event.pk)

    @admin.display(description=_("starts (local time)"), ordering="starts_at")
    def starts_local(self, event: Event) -> str:
        return f"{timezone.localtime(event.starts_at, event.tz):%d.%m.%Y %H:%M}"


class AgendaTemplateItemInline(admin.TabularInline):
    model = AgendaTemplateItem
    extra = 1
    fields = ("day", "start_time", "end_time", "title_ru", "title_en")


@admin.register(AgendaTemplate)
class AgendaTemplateAdmin(admin.ModelAdmin):
    """The standard agendas: a new event of the kind gets these sessions."""

    list_display = ("kind", "days")
    inlines = (AgendaTemplateItemInline,)


class TransitionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The history of a registration is never edited."""

    model = RegistrationTransition
    extra = 0
    fields = ("at", "from_state", "to_state", "by", "reason")
    readonly_fields = fields
    ordering = ("at", "pk")


class RegistrationAdminForm(forms.ModelForm):
    class Meta:
        model = Registration
        fields = ()  # everything is read-only (see RegistrationAdmin.readonly_fields)
        help_texts = {"state": STATE_ON_EVENT_PAGE}


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Shown with its history; every change goes through the registration services."""

    form = RegistrationAdminForm
    list_display = ("person", "event", "state", "mode", "group", "updated_at")
    list_filter = ("state", "mode", "group")
    search_fields = ("person__last_name", "person__first_name", "event__title")
    list_select_related = ("person", "event")
    fields = (
        "event",
        "person",
        "state",
        "event_page",
        "mode",
        "group",
        "offer_expires_at",
        "waitlisted_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (TransitionInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("event's page"))
    def event_page(self, registration: Registration) -> str:
        return _event_page(registration.event_id)


class RestrictionAdminForm(forms.ModelForm):
    class Meta:
        model = RegionalRestriction
        fields = ("region", "starts_on", "ends_on", "max_participants", "reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on"):
            try:
                restriction_check(
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    reason=data.get("reason", ""),
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(RegionalRestriction)
class RegionalRestrictionAdmin(admin.ModelAdmin):
    form = RestrictionAdminForm
    list_display = ("region", "starts_on", "ends_on", "max_participants", "reason")
    list_filter = (("region", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("region__name_ru", "region__name_en", "reason")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("created_by", "created_at")
    date_hierarchy = "starts_on"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Disruption)
class DisruptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Recorded by the disruption services with their reason; never edited."""

    list_display = ("event", "kind", "at", "by")
    list_filter = ("kind",)
    search_fields = ("event__title", "reason")
    list_select_related = ("event", "by")
    date_hierarchy = "at"


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """The token is the only key to a person's calendar, so it is never shown; a leaked
    address is replaced with the action below."""

    list_display = ("person", "created_at")
    search_fields = ("person__last_name", "person__first_name")
    list_select_related = ("person",)
    fields = ("person", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("person",)
    actions = ("issue_new_address",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("person", "created_at") if obj else ("created_at",)

    @admin.action(description=_("Issue a new address (the old one stops working)"))
    def issue_new_address(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        new_token = CalendarFeed._meta.get_field("token").get_default
        for feed in queryset:
            feed.token = new_token()
            feed.save(update_fields=["token"])
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d calendar address replaced.",
                "%(count)d calendar addresses replaced.",
                count,
            )
            % {"count": count},
        )
