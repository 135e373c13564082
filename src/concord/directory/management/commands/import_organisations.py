from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from concord.directory.importing import KIND_ORGANISATIONS
from concord.directory.importing.command import ImportCommand


class Command(ImportCommand):
    help = _(  # type: ignore[assignment]
        "Import organisations from a CSV or XLSX file (columns: docs/import.md). "
        "Nothing is written if any row has a problem."
    )
    kind = KIND_ORGANISATIONS
