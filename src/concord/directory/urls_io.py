"""Import and export pages; `directory/urls.py` appends these under app_name "directory"."""

from __future__ import annotations

from django.urls import URLPattern, path

from concord.directory import views_io

urlpatterns: list[URLPattern] = [
    path("import/", views_io.directory_import, name="import"),
    path("export/", views_io.directory_export_view, name="export"),
]
