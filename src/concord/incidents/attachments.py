"""Fetching the photos, voice messages and files people sent with their reports.

A report never waits for its files: the bot stores each one as a `ReportAttachment` in PENDING
with the channel's file id, and `attachments_fetch` (a periodic worker job) downloads it:

    Telegram   getFile, then the file link (bots may download up to 20 MB)
    WhatsApp   GET /{media-id} for a short-lived URL, then that URL with the token

and keeps it in the attachment's FileField (STORED). A file over the limit becomes TOO_LARGE;
a file the channel refuses (an unknown or expired id) FAILED at once; a timeout or a server
error is tried again at the next runs, MAX_ATTEMPTS in all, then FAILED. Either way the case's
timeline says which file could not be fetched, and the report itself is never touched.

Each attachment is locked while it is fetched (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so
several workers share the job without fetching a file twice.
"""

from __future__ import annotations

import logging
import mimetypes
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from concord.incidents.models import Actor, CaseEntry, ReportAttachment
from concord.incidents.services import ATTACHMENT_MAX_BYTES
from concord.incidents.services.timeline import entry_add
from concord.messaging.models import Channel
from concord.messaging.providers import provider_for
from concord.messaging.providers.base import ChannelError, Rejected, RetryLater
from concord.messaging.providers.files import FileTooLarge

logger = logging.getLogger(__name__)
A = ReportAttachment
MAX_ATTEMPTS = 5
BATCH = 20
DEFAULT_EXTENSIONS: dict[str, str] = {"photo": ".jpg", "voice": ".ogg", "video": ".mp4"}


def attachments_fetch() -> int:
    """Periodic: fetch pending attachments; returns how many were stored or given up."""
    pending = A.objects.filter(state=A.State.PENDING).exclude(file_id="").order_by("pk")
    finished = 0
    for pk in list(pending.values_list("pk", flat=True)[:BATCH]):
        finished += attachment_fetch(pk)
    return finished


def attachment_fetch(pk: int) -> int:
    """Try one attachment once; 1 when it reached a final state, 0 when it waits for a retry
    (or another worker has it)."""
    with transaction.atomic():
        attachment = (
            A.objects.select_for_update(skip_locked=True)
            .select_related("report")
            .filter(pk=pk, state=A.State.PENDING)
            .first()
        )
        if attachment is None:
            return 0
        attachment.attempts += 1
        try:
            content, mime = _download(attachment)
        except FileTooLarge as error:
            return _give_up(attachment, A.State.TOO_LARGE, error)
        except (Rejected, ChannelError) as error:
            if isinstance(error, RetryLater) and attachment.attempts < MAX_ATTEMPTS:
                return _later(attachment, error)
            return _give_up(attachment, A.State.FAILED, error)
        except Exception as error:  # a bug or an odd answer: retried, then given up
            logger.exception("Fetching attachment %s failed", attachment.pk)
            if attachment.attempts < MAX_ATTEMPTS:
                return _later(attachment, error)
            return _give_up(attachment, A.State.FAILED, error)
        _store(attachment, content, mime)
    return 1


def _download(attachment: ReportAttachment) -> tuple[bytes, str]:
    """(content, MIME type) from the attachment's channel."""
    provider: Any = provider_for(attachment.channel)
    if attachment.channel == Channel.TELEGRAM and hasattr(provider, "download_file"):
        content = provider.download_file(attachment.file_id, max_bytes=ATTACHMENT_MAX_BYTES)
        return content, attachment.mime_type
    if attachment.channel == Channel.WHATSAPP and hasattr(provider, "download_media"):
        content, mime = provider.download_media(attachment.file_id, max_bytes=ATTACHMENT_MAX_BYTES)
        return content, attachment.mime_type or mime
    raise Rejected(f"Files cannot be fetched from {attachment.channel or 'this channel'}.")


def _store(attachment: ReportAttachment, content: bytes, mime: str) -> None:
    mime = mime.split(";", 1)[0].strip()
    extension = mimetypes.guess_extension(mime) if mime else None
    extension = extension or DEFAULT_EXTENSIONS.get(attachment.kind, ".bin")
    name = f"report-{attachment.report_id}-{attachment.pk}{extension}"
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.size, attachment.mime_type = len(content), mime[:100]
    attachment.state, attachment.error = A.State.STORED, ""
    attachment.save()


def _later(attachment: ReportAttachment, error: Exception) -> int:
    attachment.error = _error_text(error)
    attachment.save(update_fields=["attempts", "error"])
    return 0


def _give_up(attachment: ReportAttachment, state: str, error: Exception) -> int:
    attachment.state, attachment.error = state, _error_text(error)
    attachment.save(update_fields=["attempts", "state", "error"])
    if state == A.State.TOO_LARGE:
        line = _(
            "The %(kind)s sent with report %(report)d is too large to fetch (over %(limit)d MB)."
        )
    else:
        line = _("The %(kind)s sent with report %(report)d could not be fetched.")
    comment = line % {
        "kind": attachment.get_kind_display(),
        "report": attachment.report_id,
        "limit": ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    entry_add(
        case=attachment.report.case,
        kind=CaseEntry.Kind.NOTE,
        channel=Actor.SYSTEM,
        comment=comment,
    )
    return 1


def _error_text(error: Exception) -> str:
    """The channel's words; of anything else only its type (its text may hold a URL with the
    bot's token)."""
    if isinstance(error, ChannelError):
        return f"{type(error).__name__}: {error}"[:300]
    return type(error).__name__
