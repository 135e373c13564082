"""Fixtures of the bot's tests: a region with a person, an event they are invited to, and
real Telegram / WhatsApp update JSON delivered the way production delivers it (stored, then
processed by the inbound worker)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from concord.accounts.models import User
from concord.directory.models import Person
from concord.messaging.inbound import inbound_run_once, inbound_store
from concord.messaging.models import OutboundMessage, TelegramChat
from concord.messaging.providers import providers_reset
from concord.programme import services
from concord.programme.models import Event, Registration
from concord.programme.tests.conftest import plan_for
from concord.regions.models import City, Region
from concord.testing.factories import CityFactory, PersonFactory, RegionFactory, UserFactory
from concord.testing.providers import ScriptedEmail, ScriptedTelegram, ScriptedWhatsApp

CHAT = 7001  # the person's private chat (= their Telegram user id)
_update_ids = itertools.count(900_000)


@pytest.fixture(autouse=True)
def scripted(settings: Any) -> Iterator[None]:
    settings.CONCORD_CHANNEL_PROVIDERS = {
        "telegram": "concord.testing.providers.ScriptedTelegram",
        "whatsapp": "concord.testing.providers.ScriptedWhatsApp",
        "email": "concord.testing.providers.ScriptedEmail",
    }
    settings.TELEGRAM_BOT_USERNAME = "concord_test_bot"
    for provider in (ScriptedTelegram, ScriptedWhatsApp, ScriptedEmail):
        provider.reset()
    providers_reset()
    yield
    providers_reset()


@pytest.fixture
def city(db: None) -> City:
    region = RegionFactory.create(
        code="RU-DA", name_ru="Республика Дагестан", name_en="Dagestan", kind="republic"
    )
    return CityFactory.create(region=region, name_ru="Махачкала", name_en="Makhachkala")


@pytest.fixture
def region(city: City) -> Region:
    return city.region


@pytest.fixture
def person(region: Region) -> Person:
    return PersonFactory.create(region=region, first_name="Анна", languages="ru")


@pytest.fixture
def linked(person: Person) -> TelegramChat:
    return TelegramChat.objects.create(chat_id=CHAT, kind="private", person=person)


@pytest.fixture
def coordinator(db: None) -> User:
    return UserFactory.create(role=User.Role.COORDINATOR)


@pytest.fixture
def training(city: City, coordinator: User) -> Event:
    plan = plan_for(city, capacity=5, title="Тренинг <для> НКО & полиции")
    event = services.event_create(year=2026, plan=plan, by=coordinator)
    services.event_invite_regions(event=event, regions=[city.region], by=coordinator)
    return event


@pytest.fixture
def invitation(training: Event, person: Person, coordinator: User) -> Registration:
    return services.registration_invite(event=training, person=person, by=coordinator)


def telegram_user(
    user_id: int = CHAT, first_name: str = "Анна", lang: str = "ru"
) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": lang}


def message_update(text: str, *, chat_id: int = CHAT, **user: Any) -> dict[str, Any]:
    sender = telegram_user(chat_id, **user)
    chat = {"id": chat_id, "type": "private", "first_name": sender["first_name"]}
    message: dict[str, Any] = {
        "message_id": next(_update_ids) % 10_000,
        "from": sender,
        "chat": chat,
        "date": 1767000000,
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": next(_update_ids), "message": message}


def callback_update(data: str, *, user_id: int = CHAT, **user: Any) -> dict[str, Any]:
    sender = telegram_user(user_id, **user)
    chat = {"id": user_id, "type": "private", "first_name": sender["first_name"]}
    query = {
        "id": str(4_000_000_000 + next(_update_ids)),
        "from": sender,
        "message": {"message_id": 12, "chat": chat, "date": 1767000000, "text": "…"},
        "chat_instance": "-7000000000000000001",
        "data": data,
    }
    return {"update_id": next(_update_ids), "callback_query": query}


def deliver(update: dict[str, Any]) -> list[OutboundMessage]:
    """Store and process one update as the webhook and the worker do; the messages it queued."""
    before = OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert inbound_store(channel="telegram", external_id=str(update["update_id"]), payload=update)
    inbound_run_once()
    return list(OutboundMessage.objects.filter(pk__gt=before).order_by("pk"))


def texts(messages: list[OutboundMessage]) -> str:
    return "\n".join(str(m.context.get("text", "")) for m in messages)


def make_person(region: Region, **fields: Any) -> Person:
    return PersonFactory.create(region=region, **fields)


def ru(source: str) -> str:
    """What a Russian reader sees for an English source string (the English source itself
    until its translation exists), so the tests hold before and after translating."""
    with translation.override("ru"):
        return gettext(source)


def menu_ru(*labels: str) -> list[list[str]]:
    return [[ru(label)] for label in labels]
