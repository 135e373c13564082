"""Fetching the files sent with reports from the fake Telegram and WhatsApp APIs: stored,
too large, retried after server errors, given up on — and the report is never lost."""

from __future__ import annotations

from typing import Any

import pytest

from concord.incidents.attachments import MAX_ATTEMPTS, attachments_fetch
from concord.incidents.models import CaseEntry, Report, ReportAttachment, Source
from concord.incidents.services import AttachmentDraft, ReportDraft, report_submit
from concord.testing.factories import CityFactory
from concord.testing.fakes.telegram import FakeTelegram
from concord.testing.fakes.whatsapp import FakeWhatsApp

S = ReportAttachment.State
MB = 1024 * 1024
CHAT = 5151
PHONE = "79161234567"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any, db: None) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def report_with(*files: AttachmentDraft) -> Report:
    city = CityFactory.create()
    draft = ReportDraft(text="Разбили окна", region=city.region, city=city, attachments=files)
    return report_submit(draft=draft, source=Source.TELEGRAM, reporter_name="Житель")


def telegram_file(update: dict[str, Any], field: str) -> AttachmentDraft:
    message = update["message"]
    file = message[field][-1] if field == "photo" else message[field]
    kinds = {"photo": "photo", "voice": "voice", "document": "document", "video": "video"}
    return AttachmentDraft(
        kind=kinds[field],
        channel="telegram",
        file_id=file["file_id"],
        size=file.get("file_size"),
        mime_type=file.get("mime_type", ""),
    )


def notes(report: Report) -> list[str]:
    entries = report.case.entries.filter(kind=CaseEntry.Kind.NOTE, channel="system")
    return [entry.comment for entry in entries]


# --- Telegram ---------------------------------------------------------------------------------


def test_a_telegram_photo_and_voice_are_stored(fake_telegram: FakeTelegram) -> None:
    photo = fake_telegram.make_photo_update(CHAT, content=b"\xff\xd8JPEG-bytes")
    voice = fake_telegram.make_voice_update(CHAT, content=b"OggS-voice")
    report = report_with(telegram_file(photo, "photo"), telegram_file(voice, "voice"))
    assert attachments_fetch() == 2
    stored = {a.kind: a for a in report.attachments.all()}
    assert {a.state for a in stored.values()} == {S.STORED}
    assert stored["photo"].file.read() == b"\xff\xd8JPEG-bytes"
    assert stored["voice"].file.read() == b"OggS-voice"
    assert stored["voice"].file.name.endswith(".oga") or stored["voice"].file.name.endswith(".ogg")
    assert stored["photo"].size == len(b"\xff\xd8JPEG-bytes")
    # The largest size was fetched, by its own file id.
    fetched = [call.params["file_id"] for call in fake_telegram.calls("getFile")]
    assert photo["message"]["photo"][-1]["file_id"] in fetched
    assert attachments_fetch() == 0  # nothing left to do
    assert len(fake_telegram.calls("getFile")) == 2


def test_a_file_over_20_mb_is_too_large(fake_telegram: FakeTelegram) -> None:
    video = fake_telegram.make_file_update(CHAT, "video", mime_type="video/mp4", file_size=50 * MB)
    draft = telegram_file(video, "video")
    draft.size = None  # as if the size had not been known when the report was made
    report = report_with(draft)
    assert attachments_fetch() == 1
    attachment = report.attachments.get()
    assert attachment.state == S.TOO_LARGE and "file is too big" in attachment.error
    assert notes(report) == [
        f"The video sent with report {report.pk} is too large to fetch (over 20 MB)."
    ]


def test_a_size_known_to_be_too_large_is_never_fetched(fake_telegram: FakeTelegram) -> None:
    video = fake_telegram.make_file_update(CHAT, "video", mime_type="video/mp4", file_size=50 * MB)
    report = report_with(telegram_file(video, "video"))
    assert report.attachments.get().state == S.TOO_LARGE  # marked so by the intake already
    assert attachments_fetch() == 0
    assert fake_telegram.calls("getFile") == []


def test_server_errors_are_retried_then_given_up_and_the_report_kept(
    fake_telegram: FakeTelegram,
) -> None:
    voice = fake_telegram.make_voice_update(CHAT)
    report = report_with(telegram_file(voice, "voice"))
    fake_telegram.fail_next("server_error", MAX_ATTEMPTS, method="getFile", status=502)
    for attempt in range(1, MAX_ATTEMPTS):
        assert attachments_fetch() == 0
        attachment = report.attachments.get()
        assert (attachment.state, attachment.attempts) == (S.PENDING, attempt)
        assert "502" in attachment.error
    assert attachments_fetch() == 1
    attachment = report.attachments.get()
    assert (attachment.state, attachment.attempts) == (S.FAILED, MAX_ATTEMPTS)
    assert notes(report) == [
        f"The voice message sent with report {report.pk} could not be fetched."
    ]
    assert Report.objects.get(pk=report.pk).text == "Разбили окна"
    assert fake_telegram.token not in attachment.error


def test_a_retry_succeeds_after_one_error(fake_telegram: FakeTelegram) -> None:
    voice = fake_telegram.make_voice_update(CHAT, content=b"OggS-late")
    report = report_with(telegram_file(voice, "voice"))
    fake_telegram.fail_next("server_error", 1, method="getFile", status=500)
    assert attachments_fetch() == 0
    assert attachments_fetch() == 1
    attachment = report.attachments.get()
    assert (attachment.state, attachment.attempts, attachment.error) == (S.STORED, 2, "")
    assert notes(report) == []


def test_a_file_telegram_no_longer_has_fails_at_once(fake_telegram: FakeTelegram) -> None:
    voice = fake_telegram.make_voice_update(CHAT)
    draft = telegram_file(voice, "voice")
    fake_telegram.forget_file(draft.file_id)
    report = report_with(draft)
    assert attachments_fetch() == 1
    attachment = report.attachments.get()
    assert attachment.state == S.FAILED and "invalid file_id" in attachment.error
    assert len(notes(report)) == 1


# --- WhatsApp ---------------------------------------------------------------------------------


def whatsapp_file(fake: FakeWhatsApp, kind: str, content: bytes) -> AttachmentDraft:
    fake.user_sends_media(PHONE, kind, content=content)
    media = list(fake.media.values())[-1]
    kinds = {"image": "photo", "audio": "voice", "document": "document"}
    return AttachmentDraft(kind=kinds[kind], channel="whatsapp", file_id=media.media_id)


def test_whatsapp_media_is_stored_with_its_type(fake_whatsapp: FakeWhatsApp) -> None:
    report = report_with(
        whatsapp_file(fake_whatsapp, "image", b"\xff\xd8wa-photo"),
        whatsapp_file(fake_whatsapp, "document", b"%PDF-wa"),
    )
    assert attachments_fetch() == 2
    stored = {a.kind: a for a in report.attachments.all()}
    assert stored["photo"].file.read() == b"\xff\xd8wa-photo"
    assert stored["photo"].mime_type == "image/jpeg"
    assert stored["document"].file.name.endswith(".pdf")


def test_whatsapp_media_that_is_gone_fails(fake_whatsapp: FakeWhatsApp) -> None:
    draft = whatsapp_file(fake_whatsapp, "audio", b"OggS")
    fake_whatsapp.forget_media(draft.file_id)
    report = report_with(draft)
    assert attachments_fetch() == 1
    attachment = report.attachments.get()
    assert attachment.state == S.FAILED and "100" in attachment.error
    assert len(notes(report)) == 1


def test_whatsapp_media_over_the_limit_is_too_large(
    fake_whatsapp: FakeWhatsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("concord.incidents.attachments.ATTACHMENT_MAX_BYTES", 10)
    report = report_with(whatsapp_file(fake_whatsapp, "image", b"x" * 11))
    assert attachments_fetch() == 1
    assert report.attachments.get().state == S.TOO_LARGE
