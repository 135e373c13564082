"""What an import reports back: one problem per cell (or row, or file) that needs fixing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImportProblem:
    """A problem at a spreadsheet row (the header is row 1) and column, as the user sees them.

    `row` is None for a problem with the whole file; `column` is None for a whole row.
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    dry_run: bool = False
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class UnreadableFileError(Exception):
    """The file is not a table we can read; the message says what to do instead."""
