from django.urls import path

from concord.directory import urls_io, views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("regions/", views.region_list, name="regions"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("figures/", views.figures, name="figures"),
]

# The import and export pages live in their own module.
urlpatterns += urls_io.urlpatterns
