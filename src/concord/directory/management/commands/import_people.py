from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from concord.directory.importing import KIND_PEOPLE
from concord.directory.importing.command import ImportCommand


class Command(ImportCommand):
    help = _(  # type: ignore[assignment]
        "Import people from a CSV or XLSX file (columns: docs/import.md); their organisations "
        "must be in the directory already. Nothing is written if any row has a problem."
    )
    kind = KIND_PEOPLE
