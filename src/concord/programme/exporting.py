"""Files of one event: the participant list, the attendance sheet and the counts (XLSX).

The byte builders (`participants_xlsx`, `attendance_xlsx`, `counts_xlsx`) are pure: they take
rows or the selectors' output and return the file. The `*_export` functions around them fetch
what the viewer may see, in a fixed number of queries whatever the number of registrations,
and write the exports of personal data to the audit log. Every text cell is written as text
(`directory.exporting._text_cell`), so nothing a participant typed is ever run as a formula.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from concord.accounts.models import AuditEntry, User
from concord.accounts.scoping import Scope
from concord.accounts.services import audit_record
from concord.core.i18n import pick_name
from concord.directory.exporting import CONTENT_TYPES, ExportFile, _text_cell
from concord.directory.models import Membership, Organisation, Person, PersonRole
from concord.programme.models import Event, Registration
from concord.programme.selectors import event_registrations
from concord.programme.services.attendance import CHECKABLE, event_days
from concord.programme.services.registrations import HOLDING

XLSX = CONTENT_TYPES["xlsx"]
CHECK_MARK = "✓"
BOLD = Font(bold=True)
PAPER_A4 = "9"


class Column(NamedTuple):
    label: str
    width: int


# --- Names and the audit --------------------------------------------------------------------


def file_name(event: Event, what: str, ext: str) -> str:
    """`2026-05-12-межрегиональный-тренинг-participants.xlsx`: no quotes, slashes or spaces."""
    first_day = timezone.localtime(event.starts_at, event.tz).date()
    stem = slugify(f"{first_day:%Y-%m-%d} {event.title}", allow_unicode=True)[:80].strip("-")
    return f"{stem}-{what}.{ext}" if what else f"{stem}.{ext}"


def export_audit(*, actor: User | None, event: Event, what: str, rows: int, path: str) -> None:
    audit_record(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        path=path,
        detail={"kind": f"event_{what}", "format": "xlsx", "event": event.pk, "rows": rows},
    )


def _ensure_manages(scope: Scope, event: Event) -> None:
    if not scope.can_manage_event(event.host_region_id):
        raise PermissionDenied


# --- The calendar feed ----------------------------------------------------------------------


# --- Workbooks ------------------------------------------------------------------------------


def _sheet(workbook: Workbook, title: str, columns: Sequence[Column], *, freeze: str = "A2") -> Any:
    """A write-only sheet with column widths and a frozen bold header row."""
    sheet = workbook.create_sheet(title=title[:31])
    for position, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    sheet.freeze_panes = freeze
    sheet.append([_text_cell(sheet, WriteOnlyCell, c.label, font=BOLD) for c in columns])
    return sheet


def _cells(sheet: Any, values: Iterable[object], font: Font | None = None) -> list[Any]:
    """Numbers stay numbers (counts); everything else is written as text."""
    cells = []
    for value in values:
        if isinstance(value, int):
            cell = WriteOnlyCell(sheet, value=value)
            if font is not None:
                cell.font = font
            cells.append(cell)
        else:
            cells.append(_text_cell(sheet, WriteOnlyCell, str(value), font=font))
    return cells


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Participants ---------------------------------------------------------------------------


def registrations_for_export(
    registrations: QuerySet[Registration], *, attendance: bool = False
) -> QuerySet[Registration]:
    """Everything the participant list (or attendance sheet) shows, in three (four) queries."""
    memberships = Membership.objects.select_related("organisation").order_by(
        "organisation__name", "pk"
    )
    lookups: list[str | Prefetch[Any]] = [
        "person__roles",
        Prefetch("person__memberships", queryset=memberships),
    ]
    if attendance:
        lookups.append("attendances")
    return (
        registrations.prefetch_related(None)
        .select_related("person__region", "person__city")
        .prefetch_related(*lookups)
    )


def participant_columns() -> list[Column]:
    return [
        Column(_("Name"), 34),
        Column(_("Region"), 26),
        Column(_("City"), 16),
        Column(_("Organisations"), 36),
        Column(_("Roles"), 22),
        Column(_("State"), 20),
        Column(_("Takes part"), 12),
        Column(_("Group"), 16),
        Column(_("Phone"), 16),
        Column(_("Email"), 28),
    ]


def _organisations(person: Person) -> str:
    return "; ".join(m.organisation.name for m in person.memberships.all())


class ChoiceLabels:
    """The labels of the choices, translated once per file instead of once per cell."""

    def __init__(self) -> None:
        self.state = _labels(Registration.State.choices)
        self.mode = _labels(Registration.Mode.choices)
        self.group = _labels(Registration._meta.get_field("group").choices or [])
        self.role = _labels(PersonRole.Role.choices)


def _labels(choices: Iterable[tuple[Any, Any]]) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def participant_row(registration: Registration, labels: ChoiceLabels) -> list[str]:
    person = registration.person
    return [
        person.full_name,
        person.region.name,
        person.city.name if person.city else "",
        _organisations(person),
        ", ".join(labels.role[role.role] for role in person.roles.all()),
        labels.state[registration.state],
        labels.mode[registration.mode],
        labels.group[registration.group],
        person.phone,
        person.email,
    ]


def participants_xlsx(rows: Iterable[Sequence[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, _("Participants"), participant_columns())
    for row in rows:
        sheet.append(_cells(sheet, row))
    return _saved(workbook)


def participants_export(*, scope: Scope, actor: User | None, event: Event, path: str) -> ExportFile:
    """Every registration whose person the viewer may see, with contacts; audited."""
    _ensure_manages(scope, event)
    registrations = registrations_for_export(event_registrations(scope=scope, event=event))
    labels = ChoiceLabels()
    rows = [participant_row(registration, labels) for registration in registrations]
    content = participants_xlsx(rows)
    export_audit(actor=actor, event=event, what="participants", rows=len(rows), path=path)
    return ExportFile(content, file_name(event, "participants", "xlsx"), XLSX)


# --- Attendance sheet -----------------------------------------------------------------------


def attendance_columns(days: Sequence[date]) -> list[Column]:
    return [
        Column(_("No."), 5),
        Column(_("Name"), 34),
        Column(_("Region"), 24),
        Column(_("Organisation"), 30),
        *(Column(formats.date_format(day, "SHORT_DATE_FORMAT"), 11) for day in days),
        Column(_("Signature"), 24),
    ]


def _print_setup(sheet: Any, event: Event) -> None:
    """Landscape A4, one page wide, the header row on every page, title and page numbers."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = PAPER_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = True
    sheet.print_title_rows = "1:1"
    sheet.oddHeader.center.text = event.title.replace("&", "&&")
    # Translators: &P is the page number and &N the number of pages; keep both as they are.
    sheet.oddFooter.center.text = _("Page &P of &N")


def attendance_row(number: int, registration: Registration, days: Sequence[date]) -> list[object]:
    person = registration.person
    present = {attendance.day for attendance in registration.attendances.all()}
    marks = [CHECK_MARK if day in present else "" for day in days]
    return [number, person.full_name, person.region.name, _organisations(person), *marks, ""]


def attendance_xlsx(
    *, event: Event, registrations: Iterable[Registration], days: Sequence[date]
) -> bytes:
    """One row per person, one column per day (✓ when checked in), room for a signature."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, _("Attendance"), attendance_columns(days), freeze="C2")
    _print_setup(sheet, event)
    centred = Alignment(horizontal="center", vertical="center")
    for number, registration in enumerate(registrations, start=1):
        sheet.row_dimensions[number + 1].height = 24  # room to sign by hand
        cells = _cells(sheet, attendance_row(number, registration, days))
        for cell in cells[4 : 4 + len(days)]:
            cell.alignment = centred
        sheet.append(cells)
    return _saved(workbook)


def attendance_export(*, scope: Scope, actor: User | None, event: Event, path: str) -> ExportFile:
    """Registered, confirmed, attended and absent people the viewer may see; audited."""
    _ensure_manages(scope, event)
    visible = event_registrations(scope=scope, event=event).filter(state__in=CHECKABLE)
    registrations = list(registrations_for_export(visible, attendance=True))
    content = attendance_xlsx(event=event, registrations=registrations, days=event_days(event))
    export_audit(actor=actor, event=event, what="attendance", rows=len(registrations), path=path)
    return ExportFile(content, file_name(event, "attendance", "xlsx"), XLSX)


# --- Counts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    label: str
    in_person: int
    online: int

    @property
    def total(self) -> int:
        return self.in_person + self.online


@dataclass(frozen=True)
class EventCounts:
    """People counted by region, organisation kind and role; no names anywhere."""

    basis: str
    total: CountRow
    by_region: list[CountRow]
    by_kind: list[CountRow]
    by_role: list[CountRow]


def counted_registrations(event: Event) -> QuerySet[Registration]:
    """Who counts: those who came once the event was held, before that those holding places."""
    if event.status == Event.Status.HELD:
        return event.registrations.filter(state=Registration.State.ATTENDED)
    return event.registrations.filter(state__in=HOLDING)


Groups = dict[tuple[Any, ...], Counter[str]]


def _grouped(registrations: QuerySet[Registration], *keys: str) -> Groups:
    """People per group and mode, in one query."""
    rows = registrations.values(*keys, "mode").annotate(n=Count("person", distinct=True))
    groups: Groups = {}
    for row in rows.order_by():
        groups.setdefault(tuple(row[key] for key in keys), Counter())[row["mode"]] += row["n"]
    return groups


def _count_row(label: str, modes: Counter[str]) -> CountRow:
    return CountRow(str(label), modes[Registration.Mode.IN_PERSON], modes[Registration.Mode.ONLINE])


def _by_choice(
    groups: Groups, choices: Iterable[tuple[str, Any]], none_label: str
) -> list[CountRow]:
    """Every choice in its usual order (zeros too, so reports line up), then the people
    with none."""
    rows = [_count_row(label, groups.get((value,), Counter())) for value, label in choices]
    if (None,) in groups:
        rows.append(_count_row(none_label, groups[(None,)]))
    return rows


def _by_region(registrations: QuerySet[Registration]) -> list[CountRow]:
    groups = _grouped(registrations, "person__region__name_ru", "person__region__name_en")
    rows = [_count_row(pick_name(ru, en), modes) for (ru, en), modes in groups.items()]
    return sorted(rows, key=lambda row: row.label)


def event_counts(event: Event) -> EventCounts:
    """Four aggregate queries, whatever the number of registrations."""
    counted = counted_registrations(event)
    held = event.status == Event.Status.HELD
    kinds = _grouped(counted, "person__memberships__organisation__kind")
    roles = _grouped(counted, "person__roles__role")
    return EventCounts(
        basis=_("People who attended.") if held else _("People holding a place."),
        total=_count_row(_("Total, people"), _grouped(counted).get((), Counter())),
        by_region=_by_region(counted),
        by_kind=_by_choice(kinds, Organisation.Kind.choices, _("No organisation")),
        by_role=_by_choice(roles, PersonRole.Role.choices, _("No role recorded")),
    )


def _counts_sheet(
    workbook: Workbook, titles: tuple[str, str], rows: list[CountRow], counts: EventCounts
) -> Any:
    """`titles`: the sheet's and its first column's."""
    sheet_title, label = titles
    columns = [Column(label, 40), Column(_("In the room"), 14), Column(_("Online"), 14)]
    sheet = _sheet(workbook, sheet_title, [*columns, Column(_("Total"), 14)])
    for row in rows:
        sheet.append(_cells(sheet, [row.label, row.in_person, row.online, row.total]))
    total = counts.total
    sheet.append(_cells(sheet, [total.label, total.in_person, total.online, total.total], BOLD))
    sheet.append([])
    sheet.append(_cells(sheet, [counts.basis]))
    return sheet


def counts_xlsx(counts: EventCounts) -> bytes:
    """Three sheets; a person with two roles or organisations counts on two lines."""
    several = _("One person can count on several lines; the total counts each person once.")
    workbook = Workbook(write_only=True)
    _counts_sheet(workbook, (_("By region"), _("Region")), counts.by_region, counts)
    for titles, rows in (
        ((_("By organisation kind"), _("Kind of organisation")), counts.by_kind),
        ((_("By role"), _("Role")), counts.by_role),
    ):
        sheet = _counts_sheet(workbook, titles, rows, counts)
        sheet.append(_cells(sheet, [several]))
    return _saved(workbook)


def counts_export(*, event: Event) -> ExportFile:
    """Aggregates only, so not written to the personal-data audit log."""
    content = counts_xlsx(event_counts(event))
    return ExportFile(content, file_name(event, "counts", "xlsx"), XLSX)
