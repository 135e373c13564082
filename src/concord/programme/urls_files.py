"""The programme's file URLs (ICS, calendar feed, exports); `programme/urls.py` includes them
under app_name "programme"."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from concord.programme import views_files

urlpatterns: list[URLPattern] = [
    path("events/<int:pk>/calendar.ics", views_files.event_ics, name="event_ics"),
    re_path(r"^feed/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", views_files.feed, name="feed"),
    path(
        "events/<int:pk>/participants.xlsx",
        views_files.export_participants,
        name="export_participants",
    ),
    path(
        "events/<int:pk>/attendance.xlsx",
        views_files.export_attendance,
        name="export_attendance",
    ),
    path("events/<int:pk>/counts.xlsx", views_files.export_counts, name="export_counts"),
]
