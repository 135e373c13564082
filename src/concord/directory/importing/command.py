"""What `concord import_organisations` and `concord import_people` share."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from concord.directory.importing.problems import ImportResult
from concord.directory.importing.runner import import_run


class ImportCommand(BaseCommand):
    kind: str

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help=_("CSV or XLSX file, see docs/import.md"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("only check the file, write nothing")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}
            ) from error
        result = import_run(
            kind=self.kind,
            data=data,
            filename=path.name,
            dry_run=options["dry_run"],
            source="command",
        )
        self._report(result)

    def _report(self, result: ImportResult) -> None:
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            count = len(result.problems)
            raise CommandError(
                ngettext(
                    "%(count)s problem found; nothing was written.",
                    "%(count)s problems found; nothing was written.",
                    count,
                )
                % {"count": count},
                returncode=1,
            )
        if result.dry_run:
            message = ngettext(
                "%(count)s row checked, no problems found. Nothing was written (dry run).",
                "%(count)s rows checked, no problems found. Nothing was written (dry run).",
                result.rows,
            ) % {"count": result.rows}
        else:
            message = _("Imported %(count)s of %(rows)s rows.") % {
                "count": result.created,
                "rows": result.rows,
            }
        self.stdout.write(self.style.SUCCESS(message))
