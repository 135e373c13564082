"""Email through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from concord.messaging.providers.base import Button, Outgoing, RetryLater, Undeliverable
from concord.messaging.providers.email import EmailProvider


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox(settings: object) -> Iterator[Inbox]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


def test_plain_and_html_parts_arrive(inbox: Inbox) -> None:
    outgoing = Outgoing(
        address="leader@example.org",
        text="Приглашение на тренинг\nКазань, 12 марта",
        subject="Приглашение",
        buttons=(Button("rsvp:accept:1", "Да, приду"),),
    )
    result = EmailProvider().send(outgoing)
    [received] = inbox.messages
    assert received["To"] == "leader@example.org"
    assert received["Message-ID"] == result.provider_message_id
    parts = {
        part.get_content_type(): str(part.get_payload(decode=True), "utf-8")  # type: ignore[arg-type]
        for part in received.walk()
        if not part.is_multipart()
    }
    assert "Казань, 12 марта" in parts["text/plain"]
    assert "Да, приду" in parts["text/plain"]
    assert "<br>" in parts["text/html"] or "<p>" in parts["text/html"]


def test_refused_address_is_undeliverable(inbox: Inbox) -> None:
    inbox.refuse.add("gone@example.org")
    with pytest.raises(Undeliverable):
        EmailProvider().send(Outgoing(address="gone@example.org", text="x"))


def test_no_server_means_retry_later(settings: object) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # type: ignore[attr-defined]
    settings.EMAIL_TIMEOUT = 2  # type: ignore[attr-defined]
    with pytest.raises(RetryLater):
        EmailProvider().send(Outgoing(address="a@example.org", text="x"))
