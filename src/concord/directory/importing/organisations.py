"""Rows of an organisations file: cleaning, duplicate checks and writing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.directory import contacts, services
from concord.directory.importing.cells import RowCleaner, list_split, name_fold
from concord.directory.importing.lookups import Lookups
from concord.directory.importing.problems import ImportProblem
from concord.directory.models import EthnicCommunity, Organisation

TEXT_LIMIT = 10_000


@dataclass
class OrganisationRow:
    row: int
    values: dict[str, Any]  # keyword arguments of services.organisation_create

    @property
    def key(self) -> tuple[int, str]:
        return (self.values["region"].pk, name_fold(self.values["name"]))


def organisation_row_clean(c: RowCleaner, lookups: Lookups) -> OrganisationRow:
    region = c.parsed("region", lookups.region, required=True)
    country = lookups.country_code(region) if region else settings.CONCORD_DEFAULT_COUNTRY
    values: dict[str, Any] = {
        "name": c.text("name", max_length=300, required=True),
        "kind": c.choice("kind", choices=Organisation.Kind, default="", required=True),
        "region": region,
        "city": c.parsed("city", lambda text: lookups.city(region, text)) if region else None,
        "communities": _communities(c, lookups),
        "serves": c.choice("serves", choices=Organisation.Serves, default="n/a"),
        "cooperation": c.choice("cooperation", choices=Organisation.Cooperation, default="none"),
        "phone": c.parsed(
            "phone", lambda text: contacts.phone_normalise(text, default_region=country)
        ),
        "email": c.parsed("email", contacts.email_normalise),
        "website": c.parsed("website", contacts.website_normalise),
        "telegram": c.parsed("telegram", contacts.telegram_username_normalise),
        "address": c.text("address", max_length=300),
        "description": c.text("description", max_length=TEXT_LIMIT, multiline=True),
    }
    for name in ("phone", "email", "website", "telegram"):
        values[name] = values[name] or ""
    return OrganisationRow(row=c.row, values=values)


def _communities(c: RowCleaner, lookups: Lookups) -> list[EthnicCommunity]:
    found = [
        c.parsed_part("communities", part, lookups.community)
        for part in list_split(c.raw("communities"))
    ]
    return list(dict.fromkeys(community for community in found if community is not None))


def organisations_duplicates(
    rows: Sequence[OrganisationRow], *, headers: Mapping[str, str], lookups: Lookups
) -> list[ImportProblem]:
    """Two organisations of one region may not share a name, in the file or the directory."""
    problems: list[ImportProblem] = []
    first_row: dict[tuple[int, str], int] = {}
    for row in rows:
        region = row.values["region"]
        if region is None or not row.values["name"]:
            continue  # already reported as a problem of the row
        if row.key in first_row:
            message = _("the same name and region as row %(row)s") % {"row": first_row[row.key]}
            problems.append(ImportProblem(row.row, headers["name"], message))
            continue
        first_row[row.key] = row.row
        if existing := lookups.organisations_in(region).get(row.key[1]):
            message = _("%(region)s already has the organisation “%(name)s”") % {
                "region": region.name,
                "name": existing.name,
            }
            problems.append(ImportProblem(row.row, headers["name"], message))
    return problems


def organisations_write(rows: Sequence[OrganisationRow], *, actor: User | None) -> int:
    for row in rows:
        services.organisation_create(**row.values)
    return len(rows)
