from django.urls import path

from concord.programme import urls_files
from concord.programme.views import (
    calendar,
    checkin,
    disruptions,
    events,
    invitations,
    participant,
    registrations,
    restrictions,
)

app_name = "programme"

urlpatterns = [
    path("", calendar.calendar, name="calendar"),
    path("my/", participant.my, name="my"),
    path("restrictions/", restrictions.restrictions, name="restrictions"),
    path("events/new/", events.event_create, name="event_create"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path("events/<int:pk>/status/", events.event_edit_status, name="event_edit_status"),
    path(
        "events/<int:pk>/invite-regions/",
        invitations.event_invite_regions,
        name="event_invite_regions",
    ),
    path(
        "events/<int:pk>/invite-people/",
        invitations.event_invite_people,
        name="event_invite_people",
    ),
    path("events/<int:pk>/relocate/", disruptions.event_relocate, name="event_relocate"),
    path(
        "events/<int:pk>/switch-format/",
        disruptions.event_switch_format,
        name="event_switch_format",
    ),
    path("events/<int:pk>/cancel/", disruptions.event_cancel, name="event_cancel"),
    path("events/<int:pk>/check-in/", checkin.checkin, name="checkin"),
    path(
        "registrations/<int:pk>/<str:action>/",
        registrations.registration_action,
        name="registration_action",
    ),
]

# The calendar files and exports (ICS, personal feed, spreadsheets) live in their own module.
urlpatterns += urls_files.urlpatterns
