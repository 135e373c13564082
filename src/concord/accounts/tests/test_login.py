from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from concord.accounts.models import User
from concord.testing.factories import UserFactory

PASSWORD = "correct-horse-battery"


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def user(db: None) -> User:
    return UserFactory.create(email="leader@example.org")


def log_in(client: Client, email: str, password: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_log_in_with_email_and_password(client: Client, user: User) -> None:
    response = log_in(client, "Leader@Example.org".lower(), PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_wrong_password_is_explained(client: Client, user: User) -> None:
    response = log_in(client, user.email, "wrong")
    assert response.status_code == 200
    assert "password is wrong" in response.content.decode()


def test_repeated_failures_lock_the_account(client: Client, user: User, settings: object) -> None:
    for _ in range(5):
        log_in(client, user.email, "wrong")
    locked = log_in(client, user.email, PASSWORD)
    assert locked.status_code == 429
    assert "locked" in locked.content.decode()
    # Another account from the same address is not locked: the lock is per account.
    other = UserFactory.create(email="other@example.org")
    assert log_in(Client(), other.email, PASSWORD).status_code == 302


def test_pages_are_russian_by_default(user: User) -> None:
    response = Client().get(reverse("accounts:login"))
    assert "<h1>Войти</h1>" in response.content.decode()


def test_log_out_needs_a_post(client: Client, user: User) -> None:
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("directory:search")).status_code == 302  # back to the login page


def test_pages_need_a_login(client: Client, db: None) -> None:
    for name in ("directory:search", "directory:regions", "directory:figures"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
