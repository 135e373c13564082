"""Broadcasts and Telegram groups; the project mounts them at /broadcasts/."""

from django.urls import path

from concord.messaging import views_broadcasts as views

app_name = "broadcasts"

urlpatterns = [
    path("", views.broadcast_list, name="list"),
    path("new/", views.broadcast_new, name="new"),
    path("<int:pk>/", views.broadcast_detail, name="detail"),
    path("<int:pk>/progress/", views.broadcast_progress, name="progress"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<int:pk>/region/", views.group_region, name="group_region"),
    path("groups/<int:pk>/invite-link/", views.group_link, name="group_link"),
    path("groups/<int:pk>/announce/", views.group_announce, name="group_announce"),
    path("events/<int:pk>/group/", views.event_group, name="event_group"),
    path("events/<int:pk>/announce/", views.event_announce, name="event_announce"),
    path("events/<int:pk>/poll/", views.event_poll, name="event_poll"),
]
