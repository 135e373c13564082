"""The columns of the two import files (docs/import.md), and matching a file's header row to them.

Header names are a file-format contract rather than interface text, so both the English and the
Russian names are written out here and are always accepted, whatever the interface language;
exports write the names of the active language.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from concord.directory.importing.problems import ImportProblem

HEADER_JUNK_RE = re.compile(r"[*:_\s]+")


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    ru: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The header in the active language, as exports write it."""
        return self.ru if (get_language() or "ru").startswith("ru") else self.en

    @property
    def names(self) -> tuple[str, ...]:
        return (self.key, self.en, self.ru, *self.aliases)


PEOPLE_COLUMNS: tuple[Column, ...] = (
    Column("last_name", "Last name", "Фамилия", required=True, aliases=("Surname",)),
    Column("first_name", "First name", "Имя", required=True),
    Column("patronymic", "Patronymic", "Отчество", aliases=("Middle name",)),
    Column("region", "Region", "Регион", required=True, aliases=("Субъект РФ",)),
    Column("city", "City", "Город", aliases=("Town", "Населённый пункт")),
    Column("organisation", "Organisation", "Организация", aliases=("Organization",)),
    Column("position", "Position", "Должность"),
    Column("roles", "Roles", "Роли", aliases=("Role", "Роль")),
    Column("phone", "Phone", "Телефон", aliases=("Phone number", "Мобильный телефон")),
    Column("telegram", "Telegram", "Телеграм", aliases=("Telegram username",)),
    Column("whatsapp", "WhatsApp", "Ватсап", aliases=("WhatsApp number",)),
    Column("email", "Email", "Эл. почта", aliases=("E-mail", "Электронная почта", "Почта")),
    Column("preferred_channel", "Preferred channel", "Предпочтительный канал"),
    Column("languages", "Languages", "Языки"),
    Column("digital_skill", "Digital skills", "Цифровые навыки"),
    Column("consents", "Consents", "Согласия"),
    Column("consent_date", "Consent date", "Дата согласия"),
    Column("consent_method", "Consent method", "Способ согласия"),
    Column("ethnicity", "Ethnic affiliation", "Этническая принадлежность"),
    Column("notes", "Notes", "Примечания"),
)

ORGANISATION_COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", "Название", required=True, aliases=("Organisation", "Organization")),
    Column("kind", "Kind", "Тип", required=True, aliases=("Type",)),
    Column("region", "Region", "Регион", required=True, aliases=("Субъект РФ",)),
    Column("city", "City", "Город", aliases=("Town", "Населённый пункт")),
    Column("communities", "Communities served", "Общины", aliases=("Communities",)),
    Column("serves", "Serves", "Работает с", aliases=("Citizens or migrants",)),
    Column(
        "cooperation",
        "Cooperation with police and authorities",
        "Сотрудничество с полицией и властями",
        aliases=("Cooperation", "Сотрудничество"),
    ),
    Column("phone", "Phone", "Телефон", aliases=("Phone number",)),
    Column("email", "Email", "Эл. почта", aliases=("E-mail", "Электронная почта", "Почта")),
    Column("website", "Website", "Сайт", aliases=("Web site",)),
    Column("telegram", "Telegram", "Телеграм"),
    Column("address", "Address", "Адрес"),
    Column("description", "Description", "Описание"),
)


def header_fold(text: str) -> str:
    """`Эл. почта*` and `эл.  почта` match; so do `last_name` and `Last name`."""
    return HEADER_JUNK_RE.sub(" ", text.casefold().replace("ё", "е")).strip()


@dataclass
class HeaderMap:
    index: dict[str, int]  # column key -> position in the row
    header: dict[str, str]  # column key -> the header as written in the file


def headers_map(
    *, headers: Sequence[str], columns: Sequence[Column], data_rows: Sequence[Sequence[str]]
) -> tuple[HeaderMap, list[ImportProblem]]:
    """Find each known column; unknown, repeated and missing required columns are problems."""
    lookup = {header_fold(name): column for column in columns for name in column.names}
    found = HeaderMap(index={}, header={})
    problems: list[ImportProblem] = []
    for position, text in enumerate(headers):
        column = lookup.get(header_fold(text))
        if not text:
            if any(position < len(row) and row[position] for row in data_rows):
                problems.append(ImportProblem(1, _column_letter(position), _("no header")))
        elif column is None:
            problems.append(ImportProblem(1, text, _unknown_column(text, lookup)))
        elif column.key in found.index:
            problems.append(ImportProblem(1, text, _("this column appears twice")))
        else:
            found.index[column.key] = position
            found.header[column.key] = text
    for column in columns:
        if column.required and column.key not in found.index:
            problems.append(ImportProblem(1, column.label, _("required column is missing")))
    return found, problems


def _unknown_column(text: str, lookup: dict[str, Column]) -> str:
    close = difflib.get_close_matches(header_fold(text), list(lookup), n=1, cutoff=0.6)
    if close:
        return _("unknown column; did you mean “%(name)s”?") % {"name": lookup[close[0]].label}
    return _("unknown column; rename it as in docs/import.md or delete it")


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
