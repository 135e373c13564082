"""From a report, whichever way it came, to a case that its circle has been alerted about.

`report_submit` does it all in one transaction: validate, propose category and severity, join
an open case about the same place and time or open a new one, alert the new case's circle
through the outbox (priority lane), acknowledge to the reporter with the case number, and check
whether the region has had many reports lately. If anything fails nothing is written; if it
commits, every message it caused is in the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.accounts.services import acting_user
from concord.directory.models import EthnicCommunity, Person
from concord.incidents import triage
from concord.incidents.models import (
    CLOSED_STATES,
    Actor,
    Case,
    CaseEntry,
    Report,
    ReportAttachment,
    Source,
)
from concord.incidents.services.alerting import (
    alert_tier,
    escalation_plan,
    first_escalation_at,
    reporter_notify,
)
from concord.incidents.services.clusters import cluster_check
from concord.incidents.services.timeline import entry_add
from concord.messaging.models import TelegramChat
from concord.regions.models import City, Region
from concord.regions.selectors import distance_km

TEXT_MAX = 4000
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024  # Telegram's getFile limit; the web form's too
SUMMARY_MAX = 120


@dataclass
class AttachmentDraft:
    kind: str
    channel: str = ""
    file_id: str = ""
    size: int | None = None
    mime_type: str = ""
    upload: UploadedFile | None = None


@dataclass
class ReportDraft:
    text: str = ""
    region: Region | None = None
    city: City | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    when: str = Report.When.NOW
    crowd: str = Report.Crowd.UNKNOWN
    hurt: str = Report.Hurt.UNKNOWN
    communities: Sequence[EthnicCommunity] = ()
    named_consent: bool = False
    attachments: Sequence[AttachmentDraft] = field(default_factory=tuple)


# --- validation ----------------------------------------------------------------------------


def report_validate(draft: ReportDraft) -> None:
    """Raise a ValidationError naming each field that needs fixing, in words for the reporter."""
    errors: dict[str, list[str]] = {}
    for name, message in _problems(draft):
        errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)


def _problems(draft: ReportDraft) -> list[tuple[str, str]]:
    problems = _text_problems(draft) + _place_problems(draft)
    for name, value, choices in (
        ("when", draft.when, Report.When.values),
        ("crowd", draft.crowd, Report.Crowd.values),
        ("hurt", draft.hurt, Report.Hurt.values),
    ):
        if value not in choices:
            problems.append((name, _("Choose one of the offered answers.")))
    return problems + _attachment_problems(draft)


def _text_problems(draft: ReportDraft) -> list[tuple[str, str]]:
    text = draft.text.strip()
    if not text and not draft.attachments:
        return [("text", _("Please tell what happened: write a few words or send a photo."))]
    if len(text) > TEXT_MAX:
        message = _(
            "The text is too long: %(length)d characters, at most %(limit)d. "
            "Please shorten it; the details can follow in a second report."
        )
        return [("text", message % {"length": len(text), "limit": TEXT_MAX})]
    return []


def _place_problems(draft: ReportDraft) -> list[tuple[str, str]]:
    problems = []
    if draft.region is None:
        problems.append(("region", _("Please choose the region where it happened.")))
    elif draft.city is not None and draft.city.region_id != draft.region.pk:
        problems.append(("city", _("This city is not in the chosen region.")))
    if (draft.latitude is None) != (draft.longitude is None):
        problems.append(("latitude", _("A location needs both latitude and longitude.")))
    elif (
        draft.latitude is not None
        and draft.longitude is not None
        and not (-90 <= draft.latitude <= 90 and -180 <= draft.longitude <= 180)
    ):
        problems.append(("latitude", _("These coordinates are not a place on Earth.")))
    return problems


def _attachment_problems(draft: ReportDraft) -> list[tuple[str, str]]:
    limit_mb = ATTACHMENT_MAX_BYTES // (1024 * 1024)
    for attachment in draft.attachments:
        if attachment.kind not in ReportAttachment.Kind.values:
            return [("attachments", _("This kind of file cannot be attached."))]
        if attachment.upload is not None and (attachment.upload.size or 0) > ATTACHMENT_MAX_BYTES:
            message = _("The file is too large: at most %(limit)d MB.") % {"limit": limit_mb}
            return [("attachments", message)]
    return []


# --- submitting ----------------------------------------------------------------------------


def report_submit(
    *,
    draft: ReportDraft,
    source: str,
    reporter: Person | None = None,
    user: User | None = None,
    chat: TelegramChat | None = None,
    reply_channel: str = "",
    reply_address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    inbound_key: str | None = None,
) -> Report:
    """Store a report and set the response going (module docstring). Idempotent by
    `inbound_key`: a second call with the same key returns the first report."""
    if inbound_key and (done := Report.objects.filter(inbound_key=inbound_key).first()):
        return done
    report_validate(draft)
    if chat is not None:
        reply_channel, reply_address = Source.TELEGRAM, str(chat.chat_id)
    with transaction.atomic():
        report = _report_create(
            draft,
            source=source,
            reporter=reporter,
            user=acting_user(user),
            chat=chat,
            reply=(reply_channel, reply_address),
            outsider=(reporter_name.strip()[:200], reporter_phone.strip()[:20]),
            inbound_key=inbound_key,
        )
        reporter_notify(report=report, event="received")
        cluster_check(report=report)
    return report


def _report_create(
    draft: ReportDraft,
    *,
    source: str,
    reporter: Person | None,
    user: User | None,
    chat: TelegramChat | None,
    reply: tuple[str, str],
    outsider: tuple[str, str],
    inbound_key: str | None,
) -> Report:
    assert draft.region is not None  # report_validate
    # One report of a region at a time: two reports of the same place arriving together join
    # one case, and a cluster is raised once.
    Region.objects.select_for_update().filter(pk=draft.region.pk).first()
    now = timezone.now()
    category, severity = triage.propose(draft)
    report = Report(
        source=source,
        reporter=reporter,
        reporter_name=outsider[0],
        reporter_phone=outsider[1],
        reporter_chat=chat,
        reply_channel=reply[0],
        reply_address=reply[1],
        taken_by=user if source == Source.PHONE else None,
        text=draft.text.strip(),
        region=draft.region,
        city=draft.city,
        address=draft.address.strip()[:300],
        latitude=draft.latitude,
        longitude=draft.longitude,
        when=draft.when,
        crowd=draft.crowd,
        hurt=draft.hurt,
        named_consent=draft.named_consent,
        category=category,
        severity=severity,
        inbound_key=inbound_key,
        received_at=now,
    )
    case = _matching_case(draft, now)
    actor = _actor(source)
    if case is None:
        report.case = _case_open(draft, category, severity, now)
        report.save()
        report.communities.set(draft.communities)
        _case_start(report.case, report=report, actor=actor, user=user)
    else:
        report.case = case
        report.save()
        report.communities.set(draft.communities)
        _case_join(case, report=report, actor=actor, user=user)
    _attachments_store(report, draft.attachments)
    return report


def _actor(source: str) -> str:
    actors: dict[str, str] = {Source.TELEGRAM: Actor.TELEGRAM, Source.WHATSAPP: Actor.WHATSAPP}
    return actors.get(source, Actor.WEB)


# --- one case for one place and time -------------------------------------------------------


def _matching_case(draft: ReportDraft, now: datetime) -> Case | None:
    """An open case of the same region, reported on lately, about the same place: within
    CONCORD_CASE_LINK_KM when both have coordinates, else the same city (or both none)."""
    since = now - timedelta(hours=settings.CONCORD_CASE_LINK_HOURS)
    candidates = (
        Case.objects.select_for_update()
        .filter(region=draft.region, last_report_at__gte=since)
        .exclude(state__in=CLOSED_STATES)
        .order_by("-last_report_at")
    )
    for case in candidates[:20]:
        if _same_place(case, draft):
            return case
    return None


def _same_place(case: Case, draft: ReportDraft) -> bool:
    if None not in (case.latitude, case.longitude, draft.latitude, draft.longitude):
        distance = distance_km(case.latitude, case.longitude, draft.latitude, draft.longitude)  # type: ignore[arg-type]
        return distance <= settings.CONCORD_CASE_LINK_KM
    city_id = draft.city.pk if draft.city is not None else None
    return case.city_id == city_id


def _case_open(draft: ReportDraft, category: str, severity: int, now: datetime) -> Case:
    text = " ".join(draft.text.split())
    summary = text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"
    assert draft.region is not None  # report_validate
    return Case.objects.create(
        region=draft.region,
        city=draft.city,
        address=draft.address.strip()[:300],
        latitude=draft.latitude,
        longitude=draft.longitude,
        summary=summary,
        category=category,
        severity=severity,
        opened_at=now,
        last_report_at=now,
    )


def _case_start(case: Case, *, report: Report, actor: str, user: User | None) -> None:
    """A new case: its timeline begins, its escalation plan is fixed, its circle alerted."""
    case.communities.set(report.communities.all())
    entry_add(
        case=case,
        kind=CaseEntry.Kind.OPENED,
        to_state=case.state,
        channel=actor,
        user=user,
        person=report.reporter,
    )
    case.escalation_plan = escalation_plan(case)
    case.next_escalation_at = first_escalation_at(case)
    case.save(update_fields=["escalation_plan", "next_escalation_at"])
    alert_tier(case=case, tier=0)


def _case_join(case: Case, *, report: Report, actor: str, user: User | None) -> None:
    """Another report about an open case: it joins the timeline; a graver report raises the
    case's severity (never lowers it), and newly involved communities are added."""
    case.last_report_at = report.received_at
    fields = ["last_report_at"]
    if report.severity > case.severity:
        case.severity = report.severity
        fields.append("severity")
    case.save(update_fields=fields)
    case.communities.add(*report.communities.all())
    entry_add(
        case=case,
        kind=CaseEntry.Kind.REPORT,
        channel=actor,
        user=user,
        person=report.reporter,
        comment=_("Report %(number)d joined the case.") % {"number": report.pk},
    )


def _attachments_store(report: Report, drafts: Sequence[AttachmentDraft]) -> None:
    """Web uploads are stored at once; channel files are fetched by a worker
    (incidents.attachments), so a slow download never holds up the alert."""
    for draft in drafts:
        too_large = draft.size is not None and draft.size > ATTACHMENT_MAX_BYTES
        attachment = ReportAttachment(
            report=report,
            kind=draft.kind,
            channel=draft.channel,
            file_id=draft.file_id[:255],
            size=draft.size if draft.upload is None else draft.upload.size,
            mime_type=(draft.mime_type or getattr(draft.upload, "content_type", "") or "")[:100],
            state=ReportAttachment.State.TOO_LARGE if too_large else ReportAttachment.State.PENDING,
        )
        if draft.upload is not None:
            attachment.file.save(draft.upload.name or "upload", draft.upload, save=False)
            attachment.state = ReportAttachment.State.STORED
        attachment.save()
