"""End to end through the fake Telegram Bot API, as in production: the bot polls real Update
JSON (text, a photo, a shared location, button taps), the worker processes it, the outbox sends.

A person reports a fight with a photo and their location; the region's response circle is
alerted with "I take it" buttons; the police liaison takes it; the others and the reporter are
told; a coordinator resolves the case; the reporter is told; the photo is fetched and kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from concord.accounts.models import User
from concord.directory.models import Person
from concord.incidents.attachments import attachments_fetch
from concord.incidents.models import Case, CircleMember, Report, ReportAttachment
from concord.incidents.services import case_resolve
from concord.messaging.inbound import inbound_run_once
from concord.messaging.management.commands.runbot import Poller
from concord.messaging.models import TelegramChat
from concord.messaging.outbox import outbox_run_once
from concord.messaging.providers import provider_for, providers_reset
from concord.regions.models import Region
from concord.testing.factories import CityFactory, PersonFactory, RegionFactory, UserFactory
from concord.testing.fakes.telegram import FakeLimits, FakeTelegram
from concord.testing.fakes.telegram.updates import SAMPLE_JPEG

REPORTER, POLICE, OFFICIAL, COORDINATOR = 8001, 8002, 8003, 8004


def ru(source: str) -> str:
    with translation.override("ru"):
        return gettext(source)


@pytest.fixture
def telegram(settings: Any, tmp_path: Any) -> Iterator[FakeTelegram]:
    fake = FakeTelegram(limits=FakeLimits(per_second=0, per_chat_seconds=0)).start()
    settings.CONCORD_CHANNEL_PROVIDERS = {
        **settings.CONCORD_CHANNEL_PROVIDERS,
        "telegram": "concord.messaging.providers.telegram.TelegramProvider",
    }
    settings.TELEGRAM_API_BASE_URL = fake.base_url
    settings.TELEGRAM_BOT_TOKEN = fake.token
    settings.TELEGRAM_LIMIT_PER_CHAT_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    providers_reset()
    try:
        yield fake
    finally:
        fake.stop()
        providers_reset()


class Network:
    """Dagestan with a reporter and a circle of three, each in their own Telegram chat."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.region: Region = RegionFactory.create(
            code="RU-DA", name_ru="Республика Дагестан", name_en="Dagestan"
        )
        self.city = CityFactory.create(
            region=self.region,
            name_ru="Махачкала",
            name_en="Makhachkala",
            latitude=42.98,
            longitude=47.50,
        )
        self.reporter = self.member(fake, REPORTER, "Анна", "Алиева")
        self.police = self.member(fake, POLICE, "Руслан", "Магомедов", CircleMember.Part.POLICE)
        self.official = self.member(fake, OFFICIAL, "Ольга", "Петрова", CircleMember.Part.OFFICIAL)
        self.coordinator = self.member(
            fake, COORDINATOR, "Марат", "Гаджиев", CircleMember.Part.COORDINATOR
        )
        self.coordinator_user = UserFactory.create(
            role=User.Role.REGIONAL_COORDINATOR, person=self.coordinator
        )
        self.coordinator_user.regions.add(self.region)

    def member(
        self, fake: FakeTelegram, chat_id: int, first: str, last: str, part: str = ""
    ) -> Person:
        person = PersonFactory.create(
            region=self.region, first_name=first, last_name=last, patronymic="", languages="ru"
        )
        TelegramChat.objects.create(chat_id=chat_id, kind="private", person=person)
        fake.add_chat(chat_id, first_name=first)
        if part:
            CircleMember.objects.create(region=self.region, person=person, part=part)
        return person


class Bot:
    """What runs in production: the poller stores updates, the worker processes them, the
    outbox sends what they caused."""

    def __init__(self, fake: FakeTelegram, capture: Any) -> None:
        self.fake = fake
        self.capture = capture
        self.poller = Poller(provider_for("telegram"), timeout=0, say=lambda line: None)  # type: ignore[arg-type]

    def receive(self, update: dict[str, Any]) -> dict[str, Any]:
        pushed = self.fake.push_update(update)
        assert self.poller.poll_once() == 1
        with self.capture(execute=True):  # answerCallbackQuery runs after the commit
            assert inbound_run_once() == 1
        self.send_all()
        return pushed

    def tap(self, chat_id: int, data: str) -> dict[str, Any]:
        """A tap on the button with `data` under the bot's latest message that has it."""
        message_id = next(
            m["message_id"]
            for m in reversed(self.fake.sent_messages(chat_id))
            if any(b[0]["callback_data"] == data for b in _inline(m))
        )
        update = self.fake.make_callback_query_update(chat_id, data, message_id=message_id)
        return self.receive(update)

    def send_all(self) -> None:
        for _round in range(20):
            if not outbox_run_once():
                return

    def texts(self, chat_id: int) -> list[str]:
        return [str(m.get("text", "")) for m in self.fake.sent_messages(chat_id)]


def _inline(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    markup: dict[str, Any] = message.get("reply_markup") or {}
    rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
    return rows


def test_a_report_from_telegram_to_a_resolved_case(
    db: None, telegram: FakeTelegram, django_capture_on_commit_callbacks: Any
) -> None:
    network = Network(telegram)
    bot = Bot(telegram, django_capture_on_commit_callbacks)

    # --- the report, in six steps -------------------------------------------------------------
    bot.receive(telegram.make_message_update(REPORTER, ru("🆘 Report a problem")))
    bot.receive(telegram.make_photo_update(REPORTER, caption="Драка у рынка, человек двадцать"))
    bot.tap(REPORTER, "report:next")
    where = telegram.calls("sendMessage")[-1].params["reply_markup"]["keyboard"]
    assert {"text": ru("📍 Send my location"), "request_location": True} in where[0]
    bot.receive(telegram.make_location_update(REPORTER, 42.983, 47.504))
    bot.tap(REPORTER, "report:when:now")
    bot.tap(REPORTER, "report:people:tens")
    bot.tap(REPORTER, "report:send:named")

    report = Report.objects.get()
    case = report.case
    assert (report.reporter, report.city, report.latitude) == (
        network.reporter,
        network.city,
        42.983,
    )
    assert report.named_consent and report.text == "Драка у рынка, человек двадцать"
    received = ru("Thank you. Your report is case %(number)s.") % {"number": case.number}
    assert any(received in text for text in bot.texts(REPORTER))

    # --- the circle is alerted, with the two buttons -------------------------------------------
    for chat_id in (POLICE, OFFICIAL, COORDINATOR):
        alert = telegram.sent_messages(chat_id)[-1]
        assert case.number in alert["text"] and "Махачкала" in alert["text"]
        assert "openstreetmap.org/?mlat=42.983" in alert["text"]  # the circle sees the place
        assert network.reporter.full_name in alert["text"]  # the reporter agreed to be named
        buttons = [row[0]["callback_data"] for row in _inline(alert)]
        assert buttons == [f"case:take:{case.pk}", f"case:pass:{case.pk}"]
    assert telegram.sent_messages(REPORTER)[-1].get("reply_markup") is None  # no alert there

    # --- the police liaison takes it -----------------------------------------------------------
    tap = bot.tap(POLICE, f"case:take:{case.pk}")
    took = ru("✅ You took case %(number)s. The others who were alerted are told.") % {
        "number": case.number
    }
    assert telegram.callback_answers()[tap["callback_query"]["id"]]["text"].startswith(took)
    assert any(text.startswith(took) for text in bot.texts(POLICE))
    case.refresh_from_db()
    assert (case.state, case.owner) == (Case.State.ACKNOWLEDGED, network.police)

    taken_by = ru("Case %(number)s (%(place)s) was taken by %(name)s.") % {
        "number": case.number,
        "place": "Махачкала, Республика Дагестан",
        "name": network.police.full_name,
    }
    for chat_id in (OFFICIAL, COORDINATOR):
        assert any(taken_by in text for text in bot.texts(chat_id))
    being_handled = ru("Case %(number)s has been taken: someone is working on it.")
    assert any(being_handled % {"number": case.number} in t for t in bot.texts(REPORTER))

    # A late "I take it" from the official learns who has it.
    bot.tap(OFFICIAL, f"case:take:{case.pk}")
    already = ru("Case %(number)s is already taken by %(name)s.") % {
        "number": case.number,
        "name": network.police.full_name,
    }
    assert bot.texts(OFFICIAL)[-1] == already

    # --- the coordinator resolves it; the reporter is told -------------------------------------
    case_resolve(case=case, outcome="Стороны помирились", user=network.coordinator_user)
    bot.send_all()
    resolved = ru("Case %(number)s is resolved. Thank you for telling us.")
    assert bot.texts(REPORTER)[-1] == resolved % {"number": case.number}

    # --- the photo is fetched from Telegram and kept -------------------------------------------
    assert attachments_fetch() == 1
    attachment = ReportAttachment.objects.get(report=report)
    assert (attachment.kind, attachment.state) == ("photo", ReportAttachment.State.STORED)
    assert attachment.file.read() == SAMPLE_JPEG
    assert telegram.count_limit_429 == 0
