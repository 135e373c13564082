"""Read a CSV or XLSX file into header + rows of text cells, numbered as a spreadsheet shows them.

CSV files come from every kind of spreadsheet and locale: Excel in Russian saves cp1251 with
semicolons, LibreOffice and Google Sheets save UTF-8 with commas, some tools add a BOM. We guess
the encoding and the delimiter rather than make a 65-year-old pick them from a list.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils.translation import gettext as _

from concord.directory.importing.problems import UnreadableFileError

ENCODINGS = ("utf-8-sig", "cp1251")
DELIMITERS = (";", ",", "\t")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
MAX_ROWS = 20_000
# Our CSV export prefixes cells that a spreadsheet would run as a formula with an apostrophe
# (see exporting.py); reading such a cell back removes the apostrophe again.
FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the spreadsheet, cells), blank rows left out


def table_read(*, data: bytes, filename: str) -> Table:
    if not data.strip():
        raise UnreadableFileError(_("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        return _table_from_rows(_xlsx_rows(data))
    if data.startswith(OLE_MAGIC) or filename.lower().endswith(".xls"):
        raise UnreadableFileError(
            _("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx or CSV.")
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFileError(_("The file is not a valid Excel workbook (.xlsx)."))
    return _table_from_rows(_csv_rows(data))


def _table_from_rows(rows: list[list[str]]) -> Table:
    numbered = [(number, cells) for number, cells in enumerate(rows, start=1) if any(cells)]
    if not numbered:
        raise UnreadableFileError(_("The file has no rows."))
    (_header_row, headers), *body = numbered
    if len(body) > MAX_ROWS:
        raise UnreadableFileError(
            _("The file has more than %(limit)s rows. Split it into smaller files.")
            % {"limit": MAX_ROWS}
        )
    width = max(len(headers), *(len(cells) for _n, cells in body)) if body else len(headers)
    headers = headers + [""] * (width - len(headers))
    return Table(headers=headers, rows=[(n, c + [""] * (width - len(c))) for n, c in body])


# --- CSV ----------------------------------------------------------------------------------------


def csv_decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnreadableFileError(_("This is not a text (CSV) file. Save it as CSV or .xlsx."))
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFileError(_("The file's text encoding is unknown. Save it as CSV UTF-8."))


def csv_delimiter(text: str) -> str:
    """The delimiter that splits the header line into the most cells."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(
        DELIMITERS, key=lambda delimiter: (header.count(delimiter), -DELIMITERS.index(delimiter))
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    text = csv_decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    try:
        return [[_csv_cell(cell) for cell in row] for row in reader]
    except csv.Error as error:
        raise UnreadableFileError(
            _("The CSV file is damaged near line %(line)s.") % {"line": reader.line_num}
        ) from error


def _csv_cell(cell: str) -> str:
    text = cell.strip()
    if text.startswith("'") and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes) -> list[list[str]]:
    # Imported here: openpyxl is slow to import and only needed for workbooks.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, InvalidFileException) as error:
        raise UnreadableFileError(_("The file is not a valid Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        rows = [
            _xlsx_trim([xlsx_cell_text(value) for value in row])
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()
    return rows


def _xlsx_trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def xlsx_cell_text(value: Any) -> str:
    """A cell as the text the user typed: no `.0` on whole numbers, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()
