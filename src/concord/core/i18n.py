"""Helpers for bilingual (Russian/English) names stored side by side on a model."""

from __future__ import annotations

from django.utils.translation import get_language


def pick_name(name_ru: str, name_en: str) -> str:
    """The name in the active language, falling back to the other one when empty."""
    language = (get_language() or "ru").split("-")[0]
    if language == "ru":
        return name_ru or name_en
    return name_en or name_ru


class BilingualNameMixin:
    """For models with `name_ru` and `name_en` fields."""

    name_ru: str
    name_en: str

    @property
    def name(self) -> str:
        return pick_name(self.name_ru, self.name_en)

    def __str__(self) -> str:
        return self.name
