"""The tension dashboard; included under /incidents/tension/ in the "incidents" namespace."""

from django.urls import URLPattern, path

from concord.incidents import views_tension as views

urlpatterns: list[URLPattern] = [
    path("", views.tension_dashboard, name="tension"),
    path("<str:code>/", views.tension_region_page, name="tension_region"),
]
