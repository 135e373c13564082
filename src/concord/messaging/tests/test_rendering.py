"""Programme notifications rendered in the recipient's language and time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from concord.messaging.models import OutboundMessage
from concord.messaging.rendering import render
from concord.programme import services
from concord.programme.models import Event, Registration
from concord.programme.tests.conftest import plan_for
from concord.testing.factories import CityFactory, PersonFactory, RegionFactory, UserFactory


@pytest.fixture
def invitation(db: None) -> OutboundMessage:
    region = RegionFactory.create(code="RU-TA", timezone="Europe/Moscow")
    kazan = CityFactory.create(
        region=region, name_ru="Казань", name_en="Kazan", timezone="Europe/Moscow"
    )
    kamchatka = RegionFactory.create(code="RU-KAM", timezone="Asia/Kamchatka")
    start = datetime(2030, 3, 12, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    event = services.event_create(
        year=2030,
        plan=plan_for(
            kazan, starts_at=start, ends_at=start.replace(day=14, hour=17), title="Тренинг <Казань>"
        ),
        by=UserFactory.create(),
    )
    services.event_invite_regions(event=event, regions=[kamchatka], by=None)
    person = PersonFactory.create(region=kamchatka, languages="ru")
    registration = services.registration_invite(event=event, person=person, by=None)
    return OutboundMessage.objects.get(
        person=person, template="programme.invitation", context__registration=registration.pk
    )


def test_invitation_in_russian_with_both_clocks(invitation: OutboundMessage) -> None:
    outgoing = render(invitation, channel="telegram", address="1", window_open=True)
    assert "Вы приглашены" in outgoing.text or "приглаш" in outgoing.text.lower()
    assert "10:00" in outgoing.text  # Kazan time
    assert "19:00" in outgoing.text  # the same moment in Kamchatka (UTC+12)
    assert "&lt;Казань&gt;" in outgoing.html  # the title is escaped for Telegram HTML
    assert [b.id.split(":")[:2] for b in outgoing.buttons] == [
        ["rsvp", "accept"],
        ["rsvp", "decline"],
    ]


def test_invitation_in_english_for_an_english_reader(invitation: OutboundMessage) -> None:
    person = invitation.person
    assert person is not None
    person.languages = "en"
    person.save()
    invitation.refresh_from_db()
    outgoing = render(invitation, channel="email", address="a@example.org", window_open=True)
    assert outgoing.text.startswith("You are invited")
    assert outgoing.html == ""  # HTML is for Telegram only; email builds its own


def test_whatsapp_gets_a_template_for_outside_the_window(invitation: OutboundMessage) -> None:
    outgoing = render(invitation, channel="whatsapp", address="+7900", window_open=False)
    assert outgoing.whatsapp_template is not None
    assert outgoing.whatsapp_template.name == "concord_invitation"
    assert outgoing.extra["window_open"] is False
    assert Registration.objects.count() == 1 and Event.objects.count() == 1
