"""Email through Django's mail backend (SMTP in production), HTML and plain text."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks

from concord.messaging.providers.base import (
    Limits,
    Outgoing,
    Rejected,
    RetryLater,
    SendResult,
    Undeliverable,
)


class EmailProvider:
    channel = "email"

    def __init__(self) -> None:
        self.limits = Limits(per_second=10.0, per_chat_seconds=0.0)

    def is_configured(self) -> bool:
        return bool(settings.EMAIL_HOST)

    def send(self, outgoing: Outgoing) -> SendResult:
        message_id = make_msgid(domain=settings.CONCORD_CALENDAR_DOMAIN)
        email = EmailMultiAlternatives(
            subject=outgoing.subject or outgoing.text.split("\n", 1)[0][:120],
            body=_with_links(outgoing),
            to=[outgoing.address],
            headers={"Message-ID": message_id},
        )
        email.attach_alternative(_html(outgoing), "text/html")
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            raise Undeliverable(f"refused: {error.recipients}") from error
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
            if 400 <= error.smtp_code < 500:
                raise RetryLater(f"SMTP {error.smtp_code}") from error
            raise Rejected(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            raise RetryLater(f"SMTP unavailable: {error}") from error
        return SendResult(provider_message_id=message_id)


def _with_links(outgoing: Outgoing) -> str:
    """Email has no buttons: list what the buttons would do, to answer in the bot or site."""
    lines = [outgoing.text]
    links = [str(b.title) for b in outgoing.buttons]
    if links:
        lines.append("")
        lines.extend(f"• {title}" for title in links)
    return "\n".join(lines)


def _html(outgoing: Outgoing) -> str:
    body = linebreaks(escape(outgoing.text))
    return f'<div style="font-size:18px;line-height:1.5;font-family:sans-serif">{body}</div>'
