"""Turning one row's text cells into clean values, collecting a problem for each bad cell."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext as _

from concord.directory.importing.problems import ImportProblem
from concord.directory.models import fold_for_search

T = TypeVar("T")

# Codes and labels never contain commas or semicolons; organisation names may hold commas, so
# lists of names are split only at semicolons and line breaks.
LIST_SPLIT_RE = re.compile(r"\s*[,;\n]\s*")
NAME_LIST_SPLIT_RE = re.compile(r"\s*[;\n]\s*")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y")


def name_fold(text: str) -> str:
    """Case, `ё` and spacing do not make two names different."""
    return " ".join(fold_for_search(text).split())


def list_split(text: str, *, names: bool = False) -> list[str]:
    pattern = NAME_LIST_SPLIT_RE if names else LIST_SPLIT_RE
    return [part for part in pattern.split(text.strip()) if part]


@cache
def _choice_lookup(choices: type[Choices]) -> dict[str, str]:
    """Codes and labels in English and Russian, whatever the interface language is."""
    lookup: dict[str, str] = {}
    for language in ("en", "ru"):
        with translation.override(language):
            for value, label in zip(choices.values, choices.labels, strict=True):
                lookup[name_fold(str(label))] = str(value)
    lookup.update({name_fold(str(value)): str(value) for value in choices.values})
    return lookup


def choice_parse(text: str, *, choices: type[Choices]) -> str:
    value = _choice_lookup(choices).get(name_fold(text))
    if value is None:
        allowed = "; ".join(
            f"{value} ({label})"
            for value, label in zip(choices.values, choices.labels, strict=True)
        )
        raise ValidationError(
            _("“%(value)s” is not one of: %(allowed)s") % {"value": text, "allowed": allowed}
        )
    return value


def date_parse(text: str) -> date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text[:10].strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date; write it as 2024-03-31 or 31.03.2024") % {"value": text}
    )


def quoted_list(names: list[str]) -> str:
    return _(" or ").join(f"“{name}”" for name in names)


class RowCleaner:
    """One data row: cells by column key, the headers to name in problems, and the problems."""

    def __init__(self, *, row: int, cells: Mapping[str, str], headers: Mapping[str, str]):
        self.row = row
        self.cells = cells
        self.headers = headers
        self.problems: list[ImportProblem] = []

    def raw(self, key: str) -> str:
        return self.cells.get(key, "").strip()

    def problem(self, key: str, message: str) -> None:
        self.problems.append(ImportProblem(self.row, self.headers[key], message))

    def text(
        self, key: str, *, max_length: int, required: bool = False, multiline: bool = False
    ) -> str:
        value = self.raw(key) if multiline else " ".join(self.raw(key).split())
        if required and not value:
            self.problem(key, _("required, but empty"))
        elif len(value) > max_length:
            self.problem(
                key,
                _("too long: at most %(limit)s characters, here %(length)s")
                % {"limit": max_length, "length": len(value)},
            )
        return value

    def parsed(self, key: str, parse: Callable[[str], T], *, required: bool = False) -> T | None:
        """`parse(cell)`, or None when the cell is empty or a problem was recorded."""
        text = self.raw(key)
        if not text:
            if required:
                self.problem(key, _("required, but empty"))
            return None
        try:
            return parse(text)
        except ValidationError as error:
            self.problem(key, " ".join(error.messages))
            return None

    def choice(
        self, key: str, *, choices: type[Choices], default: str, required: bool = False
    ) -> str:
        value = self.parsed(
            key, lambda text: choice_parse(text, choices=choices), required=required
        )
        return value if value is not None else default

    def choice_list(self, key: str, *, choices: type[Choices]) -> list[str]:
        values = [
            self.parsed_part(key, part, lambda text: choice_parse(text, choices=choices))
            for part in list_split(self.raw(key))
        ]
        return list(dict.fromkeys(v for v in values if v is not None))

    def parsed_part(self, key: str, text: str, parse: Callable[[str], T]) -> T | None:
        try:
            return parse(text)
        except ValidationError as error:
            self.problem(key, " ".join(error.messages))
            return None
