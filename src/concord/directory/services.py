"""Writes to the directory: organisations, people, consents and ethnic affiliations.

Every function is keyword-only and named `<thing>_<verb>`. Contacts are normalised here (phones
to E.164, Telegram usernames without `@` or links, emails in lower case) so that duplicate
detection compares like with like, wherever the data came from: a form, the bot or an import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import AuditEntry, User
from concord.accounts.scoping import scope_for
from concord.accounts.services import acting_user, audit_record
from concord.directory.contacts import duplicate_message, person_duplicates_find, values_normalise
from concord.directory.models import (
    Consent,
    EthnicAffiliation,
    EthnicCommunity,
    Membership,
    Organisation,
    Person,
    PersonRole,
    fold_for_search,
)
from concord.regions.models import City, Region


def _person_contacts_check_unique(*, values: Mapping[str, str], exclude_pk: int | None) -> None:
    matches = person_duplicates_find(
        phone=values.get("phone", ""),
        email=values.get("email", ""),
        telegram_username=values.get("telegram_username", ""),
        exclude_pk=exclude_pk,
    )
    if matches:
        raise ValidationError(
            {name: duplicate_message(field_name=name, person=person) for name, person in matches}
        )


# --- Organisations ------------------------------------------------------------------------------

ORGANISATION_FIELDS = frozenset(
    {"kind", "name", "region", "city", "serves", "cooperation", "phone", "email", "website"}
    | {"telegram", "address", "description"}
)


def _organisation_name_check_unique(*, organisation: Organisation) -> None:
    # Compared in Python: SQLite folds the case of ASCII letters only, and names are Cyrillic.
    others = Organisation.objects.filter(region_id=organisation.region_id)
    names = others.exclude(pk=organisation.pk).values_list("name", flat=True)
    if fold_for_search(organisation.name) in {fold_for_search(name) for name in names}:
        raise ValidationError(
            {"name": _("This region already has an organisation with this name.")},
            code="organisation_duplicate",
        )


def _city_check(*, city: City | None, region: Region) -> None:
    if city is not None and city.region_id != region.pk:
        raise ValidationError({"city": _("This city is not in the chosen region.")})


@transaction.atomic
def organisation_create(
    *,
    kind: str,
    name: str,
    region: Region,
    city: City | None = None,
    communities: Iterable[EthnicCommunity] = (),
    serves: str = Organisation.Serves.NOT_APPLICABLE,
    cooperation: str = Organisation.Cooperation.NONE,
    phone: str = "",
    email: str = "",
    website: str = "",
    telegram: str = "",
    address: str = "",
    description: str = "",
) -> Organisation:
    values: dict[str, Any] = {"name": name, "phone": phone, "email": email, "website": website}
    values["telegram"] = telegram
    values_normalise(values, region=region)
    organisation = Organisation(
        kind=kind,
        region=region,
        city=city,
        serves=serves,
        cooperation=cooperation,
        address=address.strip(),
        description=description.strip(),
        **values,
    )
    _organisation_save(organisation)
    organisation.communities.set(communities)
    return organisation


def _organisation_save(organisation: Organisation) -> None:
    _city_check(city=organisation.city, region=organisation.region)
    _organisation_name_check_unique(organisation=organisation)
    organisation.full_clean()
    organisation.save()


@transaction.atomic
def organisation_update(*, organisation: Organisation, data: Mapping[str, Any]) -> Organisation:
    """Change the given fields (`communities` replaces the set of communities served)."""
    values = dict(data)
    communities = values.pop("communities", None)
    _fields_check(values, allowed=ORGANISATION_FIELDS)
    values_normalise(values, region=values.get("region", organisation.region))
    _fields_assign(organisation, values)
    _organisation_save(organisation)
    if communities is not None:
        organisation.communities.set(communities)
    return organisation


def _fields_check(values: Mapping[str, Any], *, allowed: frozenset[str]) -> None:
    if unknown := set(values) - allowed:
        raise ValueError(f"Cannot update fields: {', '.join(sorted(unknown))}")


def _fields_assign(instance: Model, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(instance, name, value)


# --- People -------------------------------------------------------------------------------------


class MembershipInput(NamedTuple):
    organisation: Organisation
    position: str = ""


PERSON_FIELDS = frozenset(
    {"last_name", "first_name", "patronymic", "region", "city", "phone", "telegram_username"}
    | {"whatsapp", "email", "preferred_channel", "languages", "digital_skill", "notes"}
)


@transaction.atomic
def person_create(
    *,
    last_name: str,
    first_name: str,
    region: Region,
    patronymic: str = "",
    city: City | None = None,
    phone: str = "",
    telegram_username: str = "",
    whatsapp: str = "",
    email: str = "",
    preferred_channel: str = Person.Channel.PHONE,
    languages: str = "",
    digital_skill: int = Person.DigitalSkill.MEDIUM,
    notes: str = "",
    roles: Iterable[str] = (),
    memberships: Iterable[MembershipInput] = (),
) -> Person:
    """Add a person; refused when someone already has the same phone, email or Telegram."""
    values: dict[str, Any] = {
        "last_name": last_name,
        "first_name": first_name,
        "patronymic": patronymic,
        "phone": phone,
        "telegram_username": telegram_username,
        "whatsapp": whatsapp,
        "email": email,
        "languages": languages,
    }
    values_normalise(values, region=region)
    person = Person(
        region=region,
        city=city,
        preferred_channel=preferred_channel,
        digital_skill=digital_skill,
        notes=notes.strip(),
        **values,
    )
    _person_save(person)
    _person_roles_set(person=person, roles=roles)
    _person_memberships_set(person=person, memberships=memberships)
    return person


def _person_save(person: Person) -> None:
    _city_check(city=person.city, region=person.region)
    contacts = {
        "phone": person.phone,
        "email": person.email,
        "telegram_username": person.telegram_username,
    }
    _person_contacts_check_unique(values=contacts, exclude_pk=person.pk)
    person.full_clean()
    person.save()


@transaction.atomic
def person_update(*, person: Person, data: Mapping[str, Any]) -> Person:
    """Change the given fields; `roles` and `memberships`, when given, replace the old ones."""
    values = dict(data)
    roles = values.pop("roles", None)
    memberships = values.pop("memberships", None)
    _fields_check(values, allowed=PERSON_FIELDS)
    values_normalise(values, region=values.get("region", person.region))
    _fields_assign(person, values)
    _person_save(person)
    if roles is not None:
        _person_roles_set(person=person, roles=roles)
    if memberships is not None:
        _person_memberships_set(person=person, memberships=memberships)
    return person


def _person_roles_set(*, person: Person, roles: Iterable[str]) -> None:
    wanted = list(dict.fromkeys(roles))
    if unknown := [role for role in wanted if role not in PersonRole.Role.values]:
        raise ValidationError(
            {"roles": _("Unknown role: %(role)s.") % {"role": ", ".join(unknown)}}
        )
    person.roles.exclude(role__in=wanted).delete()
    existing = set(person.roles.values_list("role", flat=True))
    PersonRole.objects.bulk_create(
        PersonRole(person=person, role=role) for role in wanted if role not in existing
    )


def _person_memberships_set(*, person: Person, memberships: Iterable[MembershipInput]) -> None:
    wanted = {m.organisation.pk: m for m in (MembershipInput(*item) for item in memberships)}
    person.memberships.exclude(organisation_id__in=wanted).delete()
    for organisation_id, membership in wanted.items():
        Membership.objects.update_or_create(
            person=person,
            organisation_id=organisation_id,
            defaults={"position": membership.position.strip()},
        )


# --- Consent and ethnic affiliation -------------------------------------------------------------


def consent_active(*, person: Person, purpose: str) -> Consent | None:
    return (
        Consent.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True)
        .order_by("-given_at")
        .first()
    )


def consent_record(
    *,
    person: Person,
    purpose: str,
    method: str,
    given_at: datetime | None = None,
    recorded_by: User | None,
    note: str = "",
) -> Consent:
    """Record that the person consented to `purpose`; one active consent per purpose."""
    if existing := consent_active(person=person, purpose=purpose):
        raise ValidationError(
            _("%(person)s already has an active consent for this purpose, given on %(date)s.")
            % {"person": person.full_name, "date": f"{existing.given_at:%Y-%m-%d}"},
            code="consent_exists",
        )
    if given_at is not None and given_at > timezone.now():
        raise ValidationError(_("A consent cannot be given in the future."), code="consent_future")
    consent = Consent(
        person=person,
        purpose=purpose,
        method=method,
        given_at=given_at or timezone.now(),
        recorded_by=acting_user(recorded_by),
        note=note.strip(),
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User | None) -> Consent:
    """Mark the consent withdrawn; a second withdrawal changes nothing."""
    if consent.withdrawn_at is not None:
        return consent
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    if consent.purpose == Consent.Purpose.ETHNICITY:
        # Ethnic affiliation is special-category data (152-FZ art. 10, GDPR art. 9): consent is
        # the only lawful basis for keeping it, so once consent is withdrawn the data must be
        # destroyed (152-FZ art. 21 part 5), not merely hidden. All of the person's affiliations
        # go, whichever consent they were recorded under.
        removed, _details = EthnicAffiliation.objects.filter(person_id=consent.person_id).delete()
        audit_record(
            actor=by,
            action=AuditEntry.Action.EDIT_ETHNICITY,
            person=consent.person,
            detail={"consent_withdrawn": consent.pk, "removed": removed},
        )
    return consent


@transaction.atomic
def ethnic_affiliation_set(
    *, person: Person, communities: Sequence[EthnicCommunity], by: User | None
) -> list[EthnicAffiliation]:
    """Replace the person's ethnic affiliations; needs an active ETHNICITY consent.

    `by` is the coordinator making the change; `None` only for trusted command-line runs.
    """
    if by is not None and not scope_for(by).can_see_ethnicity(person):
        raise PermissionDenied
    consent = consent_active(person=person, purpose=Consent.Purpose.ETHNICITY)
    if consent is None:
        raise ValidationError(
            _(
                "Ethnic affiliation can only be stored after the person has consented to it. "
                "Record the consent first."
            ),
            code="ethnicity_without_consent",
        )
    wanted = {community.pk: community for community in communities}
    person.ethnic_affiliations.exclude(community_id__in=wanted).delete()
    existing = set(person.ethnic_affiliations.values_list("community_id", flat=True))
    EthnicAffiliation.objects.bulk_create(
        EthnicAffiliation(person=person, community=community, consent=consent)
        for pk, community in wanted.items()
        if pk not in existing
    )
    audit_record(
        actor=by,
        action=AuditEntry.Action.EDIT_ETHNICITY,
        person=person,
        detail={"communities": sorted(c.slug for c in wanted.values())},
    )
    return list(person.ethnic_affiliations.select_related("community"))
