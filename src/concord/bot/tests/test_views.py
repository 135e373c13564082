from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from concord.accounts.models import User
from concord.bot.models import LinkToken
from concord.directory.models import Person
from concord.messaging.models import OutboundMessage
from concord.testing.factories import PersonFactory, UserFactory


@pytest.fixture
def person(db: None) -> Person:
    return PersonFactory.create(email="leader@example.org")


def client_for(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory.create(role=role))
    return client


def test_a_coordinator_creates_and_sends_a_link(person: Person, settings: object) -> None:
    settings.TELEGRAM_BOT_USERNAME = "concord_test_bot"  # type: ignore[attr-defined]
    client = client_for(User.Role.COORDINATOR)
    page = client.post(reverse("bot:person_link_create", args=[person.pk]))
    token = LinkToken.objects.get(person=person)
    assert f"https://t.me/concord_test_bot?start={token.token}" in page.content.decode()
    sent = client.post(reverse("bot:person_link_send", args=[person.pk]), {"token": token.token})
    assert sent.status_code == 302
    message = OutboundMessage.objects.get(person=person)
    assert token.token in message.context["text"]
    client.post(reverse("bot:person_link_send", args=[person.pk]), {"token": token.token})
    assert OutboundMessage.objects.count() == 1  # a second tap sends nothing more


@pytest.mark.parametrize(
    "role", [User.Role.NGO_MEMBER, User.Role.POLICE_LIAISON, User.Role.MONITOR]
)
def test_others_cannot_make_links(person: Person, role: str) -> None:
    response = client_for(role).post(reverse("bot:person_link_create", args=[person.pk]))
    assert response.status_code == 404
    assert not LinkToken.objects.exists()


def test_a_used_link_is_not_sent_again(person: Person, settings: object) -> None:
    settings.TELEGRAM_BOT_USERNAME = "concord_test_bot"  # type: ignore[attr-defined]
    client = client_for(User.Role.COORDINATOR)
    client.post(reverse("bot:person_link_create", args=[person.pk]))
    token = LinkToken.objects.get(person=person)
    LinkToken.objects.filter(pk=token.pk).update(used_at=token.created_at)
    response = client.post(
        reverse("bot:person_link_send", args=[person.pk]), {"token": token.token}
    )
    assert response.status_code == 404
    assert not OutboundMessage.objects.exists()
