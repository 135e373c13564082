"""Writes of the incidents app (HackSoft style): intake, cases, circles, alerting, clusters.

Import from here: `from concord.incidents.services import report_submit, case_take`.
"""

from concord.incidents.services.alerting import escalations_run
from concord.incidents.services.cases import (
    CaseActionError,
    TakeOutcome,
    case_category_change,
    case_decline,
    case_note_add,
    case_reopen,
    case_resolve,
    case_severity_change,
    case_take,
    case_transition,
    owner_name,
)
from concord.incidents.services.circles import (
    circle_defaults,
    circle_fill_from_directory,
    circle_member_add,
    circle_member_remove,
    circle_people,
    national_coordinators,
    regional_coordinators,
)
from concord.incidents.services.intake import (
    ATTACHMENT_MAX_BYTES,
    TEXT_MAX,
    AttachmentDraft,
    ReportDraft,
    report_submit,
    report_validate,
)

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "TEXT_MAX",
    "AttachmentDraft",
    "CaseActionError",
    "ReportDraft",
    "TakeOutcome",
    "case_category_change",
    "case_decline",
    "case_note_add",
    "case_reopen",
    "case_resolve",
    "case_severity_change",
    "case_take",
    "case_transition",
    "circle_defaults",
    "circle_fill_from_directory",
    "circle_member_add",
    "circle_member_remove",
    "circle_people",
    "escalations_run",
    "national_coordinators",
    "owner_name",
    "regional_coordinators",
    "report_submit",
    "report_validate",
]
