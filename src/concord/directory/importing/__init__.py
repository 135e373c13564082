"""Import of organisations and people from CSV or XLSX files (docs/import.md)."""

from concord.directory.importing.problems import ImportProblem, ImportResult
from concord.directory.importing.runner import KIND_ORGANISATIONS, KIND_PEOPLE, KINDS, import_run

__all__ = [
    "KINDS",
    "KIND_ORGANISATIONS",
    "KIND_PEOPLE",
    "ImportProblem",
    "ImportResult",
    "import_run",
]
