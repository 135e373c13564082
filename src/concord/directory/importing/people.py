"""Rows of a people file: cleaning, duplicate checks and writing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.directory import contacts, services
from concord.directory.importing.cells import (
    NAME_LIST_SPLIT_RE,
    RowCleaner,
    date_parse,
    list_split,
)
from concord.directory.importing.lookups import Lookups
from concord.directory.importing.problems import ImportProblem
from concord.directory.models import Consent, EthnicCommunity, Person, PersonRole
from concord.regions.models import Region

TEXT_LIMIT = 10_000
# Contact columns checked for duplicates: column key -> the Person field it fills.
CONTACT_COLUMNS = {"phone": "phone", "email": "email", "telegram": "telegram_username"}


@dataclass
class PersonRow:
    row: int
    values: dict[str, Any]  # keyword arguments of services.person_create
    consents: list[str] = field(default_factory=list)
    consent_method: str = Consent.Method.IMPORT
    consent_given_at: datetime | None = None
    communities: list[EthnicCommunity] = field(default_factory=list)


def person_row_clean(c: RowCleaner, lookups: Lookups) -> PersonRow:
    region = c.parsed("region", lookups.region, required=True)
    values: dict[str, Any] = {
        "last_name": c.text("last_name", max_length=100, required=True),
        "first_name": c.text("first_name", max_length=100, required=True),
        "patronymic": c.text("patronymic", max_length=100),
        "region": region,
        "city": c.parsed("city", lambda text: lookups.city(region, text)) if region else None,
        **_contacts(c, lookups, region),
        "preferred_channel": c.choice(
            "preferred_channel", choices=Person.Channel, default=Person.Channel.PHONE
        ),
        "digital_skill": int(c.choice("digital_skill", choices=Person.DigitalSkill, default="2")),
        "languages": c.parsed("languages", contacts.languages_normalise) or "",
        "notes": c.text("notes", max_length=TEXT_LIMIT, multiline=True),
        "roles": c.choice_list("roles", choices=PersonRole.Role),
        "memberships": _memberships(c, lookups, region),
    }
    row = PersonRow(row=c.row, values=values)
    _consents(c, row)
    _ethnicity(c, lookups, row)
    return row


def _contacts(c: RowCleaner, lookups: Lookups, region: Region | None) -> dict[str, str]:
    country = lookups.country_code(region) if region else settings.CONCORD_DEFAULT_COUNTRY

    def phone(text: str) -> str:
        return contacts.phone_normalise(text, default_region=country)

    return {
        "phone": c.parsed("phone", phone) or "",
        "whatsapp": c.parsed("whatsapp", phone) or "",
        "email": c.parsed("email", contacts.email_normalise) or "",
        "telegram_username": c.parsed("telegram", contacts.telegram_username_normalise) or "",
    }


def _memberships(
    c: RowCleaner, lookups: Lookups, region: Region | None
) -> list[services.MembershipInput]:
    names = list_split(c.raw("organisation"), names=True)
    # Empty positions keep their place: "; secretary" is the second organisation's position.
    positions = [p.strip() for p in NAME_LIST_SPLIT_RE.split(c.raw("position"))]
    positions = positions if any(positions) else []
    if positions and not names:
        c.problem("position", _("a position is given, but no organisation"))
        return []
    if len(positions) > len(names):
        c.problem("position", _("more positions than organisations; separate them with “;”"))
        return []
    if any(len(position) > 200 for position in positions):
        c.problem("position", _("too long: at most %(limit)s characters") % {"limit": 200})
    if region is None:
        return []
    memberships = []
    for name, position in zip(names, positions + [""] * len(names), strict=False):
        organisation = c.parsed_part(
            "organisation", name, lambda t: lookups.organisation(region, t)
        )
        if organisation is not None:
            memberships.append(services.MembershipInput(organisation, position))
    return memberships


def _consents(c: RowCleaner, row: PersonRow) -> None:
    row.consents = c.choice_list("consents", choices=Consent.Purpose)
    row.consent_method = c.choice(
        "consent_method", choices=Consent.Method, default=Consent.Method.IMPORT
    )
    given = c.parsed("consent_date", _consent_date)
    row.consent_given_at = _start_of_day(given) if given else None
    if not row.consents and (c.raw("consent_date") or c.raw("consent_method")):
        c.problem("consents", _("a consent date or method is given, but no consents are listed"))


def _consent_date(text: str) -> date:
    given = date_parse(text)
    if given > timezone.localdate():
        raise ValidationError(_("a consent cannot be given in the future"))
    return given


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _ethnicity(c: RowCleaner, lookups: Lookups, row: PersonRow) -> None:
    found = [
        c.parsed_part("ethnicity", part, lookups.community)
        for part in list_split(c.raw("ethnicity"))
    ]
    row.communities = list(dict.fromkeys(x for x in found if x is not None))
    if c.raw("ethnicity") and Consent.Purpose.ETHNICITY not in row.consents:
        c.problem(
            "ethnicity",
            _(
                "ethnic affiliation is stored only with the person's consent; "
                "add “%(purpose)s” to the consents"
            )
            % {"purpose": Consent.Purpose.ETHNICITY.label},
        )


def people_duplicates(
    rows: Sequence[PersonRow], *, headers: Mapping[str, str]
) -> list[ImportProblem]:
    """Phone, email and Telegram username identify a person: each may appear only once."""
    problems: list[ImportProblem] = []
    first_row: dict[tuple[str, str], int] = {}
    for row in rows:
        for column, field_name in CONTACT_COLUMNS.items():
            value = row.values[field_name].lower()
            if not value:
                continue
            if (column, value) in first_row:
                message = _("the same as in row %(row)s") % {"row": first_row[column, value]}
                problems.append(ImportProblem(row.row, headers[column], message))
            else:
                first_row[column, value] = row.row
    return problems + _people_duplicates_in_directory(rows, headers=headers)


def _people_duplicates_in_directory(
    rows: Sequence[PersonRow], *, headers: Mapping[str, str]
) -> list[ImportProblem]:
    index = contacts.person_contact_index(
        phones=[row.values["phone"] for row in rows],
        emails=[row.values["email"] for row in rows],
        telegram_usernames=[row.values["telegram_username"] for row in rows],
    )
    columns = {field_name: column for column, field_name in CONTACT_COLUMNS.items()}
    problems = []
    for row in rows:
        row_contacts = {name: row.values[name] for name in CONTACT_COLUMNS.values()}
        for field_name, person in index.matches(**row_contacts):
            message = contacts.duplicate_message(field_name=field_name, person=person)
            problems.append(ImportProblem(row.row, headers[columns[field_name]], message))
    return problems


def people_write(rows: Sequence[PersonRow], *, actor: User | None) -> int:
    for row in rows:
        person = services.person_create(**row.values)
        for purpose in row.consents:
            services.consent_record(
                person=person,
                purpose=purpose,
                method=row.consent_method,
                given_at=row.consent_given_at,
                recorded_by=actor,
            )
        if row.communities:
            services.ethnic_affiliation_set(person=person, communities=row.communities, by=actor)
    return len(rows)
