"""Export of the directory to CSV or XLSX: what the viewer may see, with the import's columns.

The rows come only from `Scope.people()` / `Scope.organisations()` (through the directory's
search selectors), and the columns are those of docs/import.md, so a file exported from one
installation can be imported into another. Every export is written to the audit log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from concord.accounts.models import AuditEntry, User
from concord.accounts.scoping import Scope
from concord.accounts.services import audit_record
from concord.directory.importing.columns import ORGANISATION_COLUMNS, PEOPLE_COLUMNS, Column
from concord.directory.models import Consent, EthnicAffiliation, Membership, Organisation, Person
from concord.directory.selectors import DirectoryQuery, organisation_search, person_search

KIND_PEOPLE = "people"
KIND_ORGANISATIONS = "organisations"
KINDS = (KIND_PEOPLE, KIND_ORGANISATIONS)
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"), so such
# text is written with a leading apostrophe; the importer removes it again. Plain numbers such as
# +79161234567 are safe and left alone.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportFile(NamedTuple):
    content: bytes
    filename: str
    content_type: str


def directory_export(
    *,
    scope: Scope,
    actor: User | None,
    kind: str,
    fmt: str,
    query: DirectoryQuery | None = None,
    include_ethnicity: bool = False,
    path: str = "",
) -> ExportFile:
    """The visible people or organisations matching `query`, as a file; logged to the audit."""
    if kind not in KINDS or fmt not in FORMATS:
        raise ValueError(f"Unknown export {kind!r} as {fmt!r}")
    if not scope.can_export or (include_ethnicity and not scope.can_export_ethnicity):
        raise PermissionDenied
    query = query or DirectoryQuery()
    include_ethnicity = include_ethnicity and kind == KIND_PEOPLE
    columns: Sequence[Column]
    ethnicity_ids: list[int] = []
    if kind == KIND_PEOPLE:
        columns, rows, ethnicity_ids = _people_table(scope, query, include_ethnicity)
    else:
        columns, rows = _organisations_table(scope, query)
    content = _serialise(fmt, [c.label for c in columns], rows, title=_sheet_title(kind))
    _export_audit(actor, kind, fmt, query, rows=len(rows), path=path)
    if include_ethnicity:
        # One entry names everyone whose affiliation left the system, so that a person asking
        # "who has seen my ethnicity?" finds this export too.
        audit_record(
            actor=actor,
            action=AuditEntry.Action.EXPORT_ETHNICITY,
            path=path,
            detail={"rows": len(rows), "person_ids": ethnicity_ids},
        )
    filename = f"concord-{kind}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    return ExportFile(content, filename, CONTENT_TYPES[fmt])


def _sheet_title(kind: str) -> str:
    return _("People") if kind == KIND_PEOPLE else _("Organisations")


def _export_audit(
    actor: User | None, kind: str, fmt: str, query: DirectoryQuery, *, rows: int, path: str
) -> None:
    filters = {
        "text": query.text,
        "region": query.region.code if query.region else "",
        "community": query.community.slug if query.community else "",
        "role": query.role,
        "kind": query.kind,
    }
    audit_record(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        path=path,
        detail={"kind": kind, "format": fmt, "rows": rows}
        | {"filters": {k: v for k, v in filters.items() if v}},
    )


# --- People -------------------------------------------------------------------------------------


# What the person page shows to coordinators only (directory/person_detail.html).
COORDINATOR_ONLY_COLUMNS = frozenset(
    {"digital_skill", "consents", "consent_date", "consent_method", "notes"}
)


def _people_columns(scope: Scope, include_ethnicity: bool) -> list[Column]:
    hidden = set() if scope.is_coordinator else set(COORDINATOR_ONLY_COLUMNS)
    if not include_ethnicity:
        hidden.add("ethnicity")
    return [column for column in PEOPLE_COLUMNS if column.key not in hidden]


def people_for_export(people: QuerySet[Person], *, include_ethnicity: bool) -> QuerySet[Person]:
    """Everything the people columns show, in a fixed number of queries."""
    people = people.prefetch_related(None).select_related("region", "city")
    lookups: list[str | Prefetch[Any]] = [
        "roles",
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("organisation").order_by(
                "organisation__name", "pk"
            ),
        ),
        Prefetch(
            "consents",
            queryset=Consent.objects.filter(withdrawn_at__isnull=True).order_by("given_at", "pk"),
            to_attr="active_consents",
        ),
    ]
    if include_ethnicity:
        lookups.append(
            Prefetch(
                "ethnic_affiliations",
                queryset=EthnicAffiliation.objects.filter(
                    consent__withdrawn_at__isnull=True
                ).select_related("community"),
                to_attr="exported_affiliations",
            )
        )
    return people.prefetch_related(*lookups)


def _people_table(
    scope: Scope, query: DirectoryQuery, include_ethnicity: bool
) -> tuple[list[Column], list[list[str]], list[int]]:
    columns = _people_columns(scope, include_ethnicity)
    people = people_for_export(
        person_search(scope=scope, query=query), include_ethnicity=include_ethnicity
    )
    rows, with_affiliation = [], []
    for person in people:
        values = _person_values(person)
        if include_ethnicity and scope.can_see_ethnicity(person):
            affiliations = person.exported_affiliations  # type: ignore[attr-defined]
            values["ethnicity"] = _joined(sorted(a.community.name for a in affiliations))
            if affiliations:
                with_affiliation.append(person.pk)
        rows.append([values.get(column.key, "") for column in columns])
    return columns, rows, with_affiliation


def _person_values(person: Person) -> dict[str, str]:
    memberships = list(person.memberships.all())
    consents: list[Consent] = person.active_consents  # type: ignore[attr-defined]
    latest = consents[-1] if consents else None
    positions = [m.position for m in memberships]
    return {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "patronymic": person.patronymic,
        "region": person.region.name,
        "city": person.city.name if person.city else "",
        "organisation": "; ".join(m.organisation.name for m in memberships),
        "position": "; ".join(positions) if any(positions) else "",
        "roles": _joined(role.get_role_display() for role in person.roles.all()),
        "phone": person.phone,
        "telegram": person.telegram_username,
        "whatsapp": person.whatsapp,
        "email": person.email,
        "preferred_channel": person.get_preferred_channel_display(),
        "languages": person.languages,
        "digital_skill": str(person.digital_skill),
        "consents": _joined(consent.get_purpose_display() for consent in consents),
        "consent_date": f"{timezone.localtime(latest.given_at):%Y-%m-%d}" if latest else "",
        "consent_method": latest.get_method_display() if latest else "",
        "notes": person.notes,
    }


# --- Organisations ------------------------------------------------------------------------------


def _organisations_table(
    scope: Scope, query: DirectoryQuery
) -> tuple[Sequence[Column], list[list[str]]]:
    """Organisations carry no special-category data, so every column goes to everyone."""
    organisations = (
        organisation_search(scope=scope, query=query)
        .prefetch_related(None)
        .select_related("region", "city")
        .prefetch_related("communities")
    )
    rows = []
    for organisation in organisations:
        values = _organisation_values(organisation)
        rows.append([values[column.key] for column in ORGANISATION_COLUMNS])
    return ORGANISATION_COLUMNS, rows


def _organisation_values(organisation: Organisation) -> dict[str, str]:
    return {
        "name": organisation.name,
        "kind": organisation.get_kind_display(),
        "region": organisation.region.name,
        "city": organisation.city.name if organisation.city else "",
        "communities": _joined(sorted(c.name for c in organisation.communities.all())),
        "serves": organisation.get_serves_display(),
        "cooperation": organisation.get_cooperation_display(),
        "phone": organisation.phone,
        "email": organisation.email,
        "website": organisation.website,
        "telegram": organisation.telegram,
        "address": organisation.address,
        "description": organisation.description,
    }


def _joined(values: Iterable[str]) -> str:
    return ", ".join(str(value) for value in values)


# --- Files --------------------------------------------------------------------------------------


def formula_safe(value: str) -> str:
    if value.startswith(FORMULA_STARTS) and not value.lstrip("+-").isdigit():
        return "'" + value
    return value


def _serialise(fmt: str, headers: list[str], rows: list[list[str]], *, title: str) -> bytes:
    if fmt == "csv":
        return _csv_bytes(headers, rows)
    return _xlsx_bytes(headers, rows, title=title)


def _csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    # Excel splits a CSV at the "list separator" of the user's locale: a semicolon wherever the
    # decimal separator is a comma (Russia, most of Europe), a comma elsewhere. The BOM makes it
    # read the file as UTF-8 instead of the local code page.
    delimiter = ";" if formats.get_format("DECIMAL_SEPARATOR") == "," else ","
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows([formula_safe(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_bytes(headers: list[str], rows: list[list[str]], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for position, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = max(12, len(header) + 4)
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, WriteOnlyCell, header, font=bold) for header in headers])
    for row in rows:
        sheet.append([_text_cell(sheet, WriteOnlyCell, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet: Any, cell_class: Any, value: str, font: Any = None) -> Any:
    # Every cell is text, so that a phone stays "+79161234567" and text starting with "=" is
    # never run as a formula.
    cell = cell_class(sheet, value=value)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell
