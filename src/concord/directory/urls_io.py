"""Import and export pages; `directory/urls.py` appends these under app_name "directory"."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
