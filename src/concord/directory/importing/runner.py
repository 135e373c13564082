"""The import: read the file, check every row, and write all of it or nothing.

Validation runs to the end so that the user gets every problem of the file at once and can fix
them in one go; writing starts only when there are none, inside one transaction, so a failure
half-way (a duplicate added by a colleague a second ago) leaves the directory as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from concord.accounts.models import AuditEntry, User
from concord.accounts.services import audit_record
from concord.directory.importing.cells import RowCleaner
from concord.directory.importing.columns import (
    ORGANISATION_COLUMNS,
    PEOPLE_COLUMNS,
    Column,
    HeaderMap,
    headers_map,
)
from concord.directory.importing.lookups import Lookups
from concord.directory.importing.organisations import (
    organisation_row_clean,
    organisations_duplicates,
    organisations_write,
)
from concord.directory.importing.people import people_duplicates, people_write, person_row_clean
from concord.directory.importing.problems import ImportProblem, ImportResult, UnreadableFileError
from concord.directory.importing.readers import Table, table_read

KIND_PEOPLE = "people"
KIND_ORGANISATIONS = "organisations"


@dataclass(frozen=True)
class ImportKind:
    columns: tuple[Column, ...]
    clean: Callable[[RowCleaner, Lookups], Any]
    duplicates: Callable[[list[Any], dict[str, str], Lookups], list[ImportProblem]]
    write: Callable[[list[Any], User | None], int]


KINDS: dict[str, ImportKind] = {
    KIND_PEOPLE: ImportKind(
        columns=PEOPLE_COLUMNS,
        clean=person_row_clean,
        duplicates=lambda rows, headers, lookups: people_duplicates(rows, headers=headers),
        write=lambda rows, actor: people_write(rows, actor=actor),
    ),
    KIND_ORGANISATIONS: ImportKind(
        columns=ORGANISATION_COLUMNS,
        clean=organisation_row_clean,
        duplicates=lambda rows, headers, lookups: organisations_duplicates(
            rows, headers=headers, lookups=lookups
        ),
        write=lambda rows, actor: organisations_write(rows, actor=actor),
    ),
}


class _WriteFailedError(Exception):
    def __init__(self, problem: ImportProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def import_run(
    *,
    kind: str,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    actor: User | None = None,
    source: str = "web",
) -> ImportResult:
    """Check the file; unless `dry_run` or there is any problem, write every row."""
    spec = KINDS[kind]
    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        table = table_read(data=data, filename=filename)
    except UnreadableFileError as error:
        result.problems.append(ImportProblem(None, None, str(error)))
        return result
    result.rows = len(table.rows)
    rows = _rows_check(spec, table, result)
    if result.problems or dry_run:
        return result
    try:
        with transaction.atomic():
            result.created = _rows_write(spec, rows, actor=actor)
            audit_record(
                actor=actor,
                action=AuditEntry.Action.IMPORT,
                detail={
                    "kind": kind,
                    "created": result.created,
                    "file": filename,
                    "source": source,
                },
            )
    except _WriteFailedError as error:
        result.problems.append(error.problem)
    return result


def _rows_check(spec: ImportKind, table: Table, result: ImportResult) -> list[Any]:
    header_map, problems = headers_map(
        headers=table.headers, columns=spec.columns, data_rows=[cells for _n, cells in table.rows]
    )
    if problems:
        # Without the right columns every row would fail; the header is what to fix first.
        result.problems = problems
        return []
    if not table.rows:
        result.problems = [ImportProblem(None, None, _("The file has a header but no data rows."))]
        return []
    headers = {c.key: header_map.header.get(c.key, c.label) for c in spec.columns}
    lookups = Lookups()
    rows = []
    for number, cells in table.rows:
        cleaner = RowCleaner(row=number, cells=_cells_by_key(header_map, cells), headers=headers)
        rows.append(spec.clean(cleaner, lookups))
        problems.extend(cleaner.problems)
    problems.extend(spec.duplicates(rows, headers, lookups))
    result.problems = _in_sheet_order(problems, table.headers)
    return rows


def _in_sheet_order(problems: list[ImportProblem], headers: list[str]) -> list[ImportProblem]:
    """Row by row, and left to right within a row, as the user will go through the file."""
    position = {header: index for index, header in enumerate(headers)}
    return sorted(problems, key=lambda p: (p.row or 0, position.get(p.column or "", len(headers))))


def _cells_by_key(header_map: HeaderMap, cells: Sequence[str]) -> dict[str, str]:
    return {key: cells[position] for key, position in header_map.index.items()}


def _rows_write(spec: ImportKind, rows: list[Any], *, actor: User | None) -> int:
    """Write row by row inside the caller's transaction; the first failure undoes them all."""
    for row in rows:
        try:
            spec.write([row], actor)
        except (ValidationError, IntegrityError) as error:
            # Checked a moment ago, so this is a change made meanwhile by someone else.
            raise _WriteFailedError(_write_problem(row.row, error)) from error
    return len(rows)


def _write_problem(row: int, error: ValidationError | IntegrityError) -> ImportProblem:
    if isinstance(error, ValidationError):
        message = " ".join(error.messages)
    else:
        message = _("the directory changed while importing; check the file again")
    return ImportProblem(row, None, message + " " + _("Nothing was imported."))
