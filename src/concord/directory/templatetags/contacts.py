"""Turn stored contacts into one-tap links: tel:, https://t.me/…, https://wa.me/…, mailto:."""

from __future__ import annotations

import phonenumbers
from django import template

register = template.Library()


@register.filter
def phone_display(e164: str) -> str:
    """+79161234567 → +7 916 123-45-67, so older readers can read it back over the phone."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def whatsapp_url(e164: str) -> str:
    digits = "".join(ch for ch in e164 or "" if ch.isdigit())
    return f"https://wa.me/{digits}" if digits else ""


@register.filter
def telegram_url(username: str) -> str:
    name = (username or "").lstrip("@")
    return f"https://t.me/{name}" if name else ""
