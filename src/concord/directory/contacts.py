"""Contacts: normalising phones (E.164), Telegram usernames, emails, websites and languages,
and finding people who already have a contact — shared by the services, the importer and forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from concord.directory.models import Person
from concord.regions.models import Region

TELEGRAM_USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{5,32}$")
TELEGRAM_LINK_RE = re.compile(r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/", re.IGNORECASE)
LANGUAGE_SPLIT_RE = re.compile(r"[\s,;/]+")


# --- Normalisers --------------------------------------------------------------------------------


def phone_normalise(raw: str, *, default_region: str = "RU") -> str:
    """A phone number in E.164 (`+79161234567`); national forms such as `8 916 …` are accepted."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("The phone number is empty."), code="phone_empty")
    number = _phone_parse(text, default_region.upper())
    if number is None and not text.startswith("+"):
        # A foreign number written without its "+" ("998 90 123-45-67"), as spreadsheets
        # leave it after reading the number as an integer.
        number = _phone_parse(f"+{text}", default_region.upper())
    if number is None:
        raise _phone_error(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _phone_error(text: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(value)s” is not a valid phone number. Write it with the country code, "
            "for example +7 916 123-45-67."
        ),
        code="phone_invalid",
        params={"value": text},
    )


def telegram_username_normalise(raw: str) -> str:
    """A Telegram username without `@` or a `t.me/` link: 5 to 32 letters, digits or `_`."""
    text = TELEGRAM_LINK_RE.sub("", (raw or "").strip()).strip("/").lstrip("@")
    if not TELEGRAM_USERNAME_RE.fullmatch(text):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid Telegram username: it must have 5 to 32 Latin "
                "letters, digits or underscores, for example @ivan_petrov."
            ),
            code="telegram_invalid",
            params={"value": raw},
        )
    return text


def email_normalise(raw: str) -> str:
    """An email address in lower case, so that duplicates are found whatever the case."""
    text = (raw or "").strip().lower()
    try:
        validate_email(text)
    except ValidationError as error:
        raise ValidationError(
            _("“%(value)s” is not a valid email address."),
            code="email_invalid",
            params={"value": raw},
        ) from error
    return text


def website_normalise(raw: str) -> str:
    """A web address; `example.org` becomes `https://example.org`."""
    text = (raw or "").strip()
    if text and "://" not in text:
        text = f"https://{text}"
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError as error:
        raise ValidationError(
            _("“%(value)s” is not a valid web address."),
            code="website_invalid",
            params={"value": raw},
        ) from error
    return text


def languages_normalise(raw: str) -> str:
    """ISO 639-1 codes separated by `, ` (`RU; tt` becomes `ru, tt`)."""
    codes: list[str] = []
    for code in (part.lower() for part in LANGUAGE_SPLIT_RE.split(raw or "") if part):
        if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
            raise ValidationError(
                _("“%(value)s” is not a two-letter language code such as ru, tt or en."),
                code="language_invalid",
                params={"value": code},
            )
        if code not in codes:
            codes.append(code)
    return ", ".join(codes)


def _optional(value: str, normalise: Any, **kwargs: Any) -> str:
    return normalise(value, **kwargs) if value and value.strip() else ""


PHONE_FIELDS = frozenset({"phone", "whatsapp"})
NAME_FIELDS = frozenset({"name", "last_name", "first_name", "patronymic"})
NORMALISERS = {
    "email": email_normalise,
    "website": website_normalise,
    "telegram": telegram_username_normalise,
    "telegram_username": telegram_username_normalise,
    "languages": languages_normalise,
}


def values_normalise(values: dict[str, Any], *, region: Region) -> None:
    """Normalise, in place, the contacts and names among `values`."""
    for name, value in values.items():
        if name in PHONE_FIELDS:
            values[name] = _optional(value, phone_normalise, default_region=region.country.code)
        elif name in NORMALISERS:
            values[name] = _optional(value, NORMALISERS[name])
        elif name in NAME_FIELDS:
            values[name] = " ".join(str(value).split())


# --- Duplicate detection ------------------------------------------------------------------------


@dataclass
class ContactIndex:
    """People of the directory keyed by their normalised phone, email and Telegram username."""

    by_phone: dict[str, Person] = field(default_factory=dict)
    by_email: dict[str, Person] = field(default_factory=dict)
    by_telegram: dict[str, Person] = field(default_factory=dict)

    def matches(
        self, *, phone: str = "", email: str = "", telegram_username: str = ""
    ) -> list[tuple[str, Person]]:
        """`(field, person)` pairs for every contact that another person already has."""
        found = [
            ("phone", self.by_phone.get(phone)),
            ("email", self.by_email.get(email.lower())),
            ("telegram_username", self.by_telegram.get(telegram_username.lower())),
        ]
        return [(name, person) for name, person in found if person is not None]


def person_contact_index(
    *,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    telegram_usernames: Iterable[str] = (),
    exclude_pk: int | None = None,
) -> ContactIndex:
    """Load, in three queries, the people who have any of these contacts (case-insensitively)."""
    people = Person.objects.select_related("region")
    if exclude_pk is not None:
        people = people.exclude(pk=exclude_pk)
    index = ContactIndex()
    if wanted := {p for p in phones if p}:
        index.by_phone = {p.phone: p for p in people.filter(phone__in=wanted)}
    if wanted := {e.lower() for e in emails if e}:
        found = people.annotate(key=Lower("email")).filter(key__in=wanted)
        index.by_email = {p.key: p for p in found}
    if wanted := {t.lower() for t in telegram_usernames if t}:
        found = people.annotate(key=Lower("telegram_username")).filter(key__in=wanted)
        index.by_telegram = {p.key: p for p in found}
    return index


def person_duplicates_find(
    *,
    phone: str = "",
    email: str = "",
    telegram_username: str = "",
    exclude_pk: int | None = None,
) -> list[tuple[str, Person]]:
    """Other people with the same (normalised) phone, email or Telegram username."""
    index = person_contact_index(
        phones=[phone],
        emails=[email],
        telegram_usernames=[telegram_username],
        exclude_pk=exclude_pk,
    )
    return index.matches(phone=phone, email=email, telegram_username=telegram_username)


def duplicate_message(*, field_name: str, person: Person) -> str:
    return _("%(person)s (%(region)s) already has this %(field)s.") % {
        "person": person.full_name,
        "region": person.region.name,
        "field": str(getattr(Person._meta.get_field(field_name), "verbose_name", field_name)),
    }
