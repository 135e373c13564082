from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from concord.accounts.models import AuditEntry, User
from concord.directory import contacts, services
from concord.directory.models import (
    Consent,
    EthnicAffiliation,
    EthnicCommunity,
    Membership,
    Person,
)
from concord.testing.factories import (
    CityFactory,
    ConsentFactory,
    EthnicCommunityFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Normalisers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["8 916 123-45-67", "+7 (916) 123 45 67", "89161234567", "9161234567", " +79161234567 "],
)
def test_phone_normalise_accepts_russian_forms(raw: str) -> None:
    assert contacts.phone_normalise(raw) == "+79161234567"


def test_phone_normalise_uses_the_default_region() -> None:
    assert contacts.phone_normalise("8 701 123 4567", default_region="KZ") == "+77011234567"


def test_phone_normalise_accepts_foreign_numbers_without_plus() -> None:
    # Uzbekistan's 12 digits, as Excel leaves them after dropping the "+".
    assert contacts.phone_normalise("998901234567") == "+998901234567"
    assert contacts.phone_normalise("+998 90 123 45 67") == "+998901234567"


@pytest.mark.parametrize("raw", ["123", "8 916 12", "phone", "+7 000 000-00-00"])
def test_phone_normalise_rejects_bad_numbers(raw: str) -> None:
    with pytest.raises(ValidationError) as error:
        contacts.phone_normalise(raw)
    assert "not a valid phone number" in error.value.messages[0]
    assert "+7 916 123-45-67" in error.value.messages[0]


def test_phone_normalise_rejects_empty() -> None:
    with pytest.raises(ValidationError):
        contacts.phone_normalise("  ")


@pytest.mark.parametrize(
    "raw",
    [
        "@ivan_petrov",
        "ivan_petrov",
        "https://t.me/ivan_petrov",
        "t.me/ivan_petrov/",
        "@Ivan_Petrov",
    ],
)
def test_telegram_username_normalise(raw: str) -> None:
    assert contacts.telegram_username_normalise(raw).lower() == "ivan_petrov"


@pytest.mark.parametrize("raw", ["@abc", "иван_петров", "ivan petrov", "a" * 33, "@"])
def test_telegram_username_normalise_rejects(raw: str) -> None:
    with pytest.raises(ValidationError) as error:
        contacts.telegram_username_normalise(raw)
    assert "Telegram username" in error.value.messages[0]


def test_email_normalise() -> None:
    assert contacts.email_normalise(" Ivan@Example.ORG ") == "ivan@example.org"
    with pytest.raises(ValidationError):
        contacts.email_normalise("ivan@")


def test_languages_normalise() -> None:
    assert contacts.languages_normalise("RU; tt,ru  en") == "ru, tt, en"
    with pytest.raises(ValidationError):
        contacts.languages_normalise("ru, xx")


def test_website_normalise() -> None:
    assert contacts.website_normalise("tatar-kazan.ru") == "https://tatar-kazan.ru"
    with pytest.raises(ValidationError):
        contacts.website_normalise("not a site")


# --- Organisations ------------------------------------------------------------------------------


def test_organisation_create_normalises_contacts_and_sets_communities() -> None:
    region = RegionFactory.create()
    city = CityFactory.create(region=region)
    community = EthnicCommunityFactory.create()
    organisation = services.organisation_create(
        kind="ethnic_ngo",
        name="  Татарская   автономия ",
        region=region,
        city=city,
        communities=[community],
        phone="8 843 123-45-67",
        email="Info@Tatar.RU",
        telegram="https://t.me/tatar_kazan",
    )
    organisation.refresh_from_db()
    assert organisation.name == "Татарская автономия"
    assert organisation.phone == "+78431234567"
    assert organisation.email == "info@tatar.ru"
    assert organisation.telegram == "tatar_kazan"
    assert list(organisation.communities.all()) == [community]


def test_organisation_create_refuses_same_name_in_region() -> None:
    existing = OrganisationFactory.create(name="Дом дружбы")
    with pytest.raises(ValidationError) as error:
        services.organisation_create(kind="host", name="дом ДРУЖБЫ", region=existing.region)
    assert "name" in error.value.message_dict
    # The same name in another region is a different organisation.
    services.organisation_create(kind="host", name="Дом дружбы", region=RegionFactory.create())


def test_organisation_create_refuses_city_of_other_region() -> None:
    with pytest.raises(ValidationError) as error:
        services.organisation_create(
            kind="host", name="Дом", region=RegionFactory.create(), city=CityFactory.create()
        )
    assert "city" in error.value.message_dict


def test_organisation_update() -> None:
    organisation = OrganisationFactory.create()
    community = EthnicCommunityFactory.create()
    services.organisation_update(
        organisation=organisation,
        data={"name": "Новое имя", "phone": "89161234567", "communities": [community]},
    )
    organisation.refresh_from_db()
    assert organisation.name == "Новое имя"
    assert organisation.phone == "+79161234567"
    assert list(organisation.communities.all()) == [community]


def test_organisation_update_refuses_unknown_field() -> None:
    with pytest.raises(ValueError):
        services.organisation_update(organisation=OrganisationFactory.create(), data={"pk": 5})


# --- People -------------------------------------------------------------------------------------


def _person(**kwargs: Any) -> Person:
    region = kwargs.pop("region", None) or RegionFactory.create()
    values = {"last_name": "Иванов", "first_name": "Иван", "region": region} | kwargs
    return services.person_create(**values)


def test_person_create_with_roles_and_memberships() -> None:
    organisation = OrganisationFactory.create()
    person = services.person_create(
        last_name="Хабибуллин",
        first_name="Ринат",
        region=organisation.region,
        phone="8 916 123-45-67",
        whatsapp="8 916 123-45-68",
        telegram_username="@rinat_kh",
        email="Rinat@Example.org",
        languages="RU, tt",
        roles=["leader", "trainer", "leader"],
        memberships=[services.MembershipInput(organisation, "председатель")],
    )
    person.refresh_from_db()
    assert (person.phone, person.whatsapp) == ("+79161234567", "+79161234568")
    assert person.telegram_username == "rinat_kh"
    assert person.email == "rinat@example.org"
    assert person.languages == "ru, tt"
    assert sorted(person.roles.values_list("role", flat=True)) == ["leader", "trainer"]
    membership = Membership.objects.get(person=person)
    assert (membership.organisation, membership.position) == (organisation, "председатель")


@pytest.mark.parametrize(
    ("field", "existing", "new"),
    [
        ("phone", "+79161234567", "8 (916) 123-45-67"),
        ("email", "Ivan@Example.org", "ivan@example.ORG"),
        ("telegram_username", "Ivan_Petrov", "@ivan_petrov"),
    ],
)
def test_person_create_refuses_duplicate_contacts(field: str, existing: str, new: str) -> None:
    PersonFactory.create(**{field: existing})
    with pytest.raises(ValidationError) as error:
        _person(**{field: new})
    assert field in error.value.message_dict
    assert "already has this" in error.value.message_dict[field][0]


def test_person_create_refuses_unknown_role() -> None:
    with pytest.raises(ValidationError):
        _person(roles=["king"])


def test_person_update_replaces_roles_and_memberships() -> None:
    person = _person(phone="89161234567", roles=["leader"])
    first, second = OrganisationFactory.create(), OrganisationFactory.create()
    services.person_update(
        person=person,
        data={
            "phone": "+7 916 123 45 67",
            "roles": ["official"],
            "memberships": [services.MembershipInput(first, "член"), (second, "")],
        },
    )
    assert list(person.roles.values_list("role", flat=True)) == ["official"]
    services.person_update(
        person=person,
        data={"memberships": [services.MembershipInput(second, "секретарь")]},
    )
    assert list(Membership.objects.values_list("organisation", "position")) == [
        (second.pk, "секретарь")
    ]


def test_person_update_refuses_someone_elses_phone() -> None:
    PersonFactory.create(phone="+79161234567")
    person = _person()
    with pytest.raises(ValidationError):
        services.person_update(person=person, data={"phone": "89161234567"})


def test_person_duplicates_find() -> None:
    other = PersonFactory.create(
        phone="+79161234567", email="a@example.org", telegram_username="abcde"
    )
    matches = contacts.person_duplicates_find(
        phone="+79161234567", email="A@example.org", telegram_username="ABCDE"
    )
    assert matches == [("phone", other), ("email", other), ("telegram_username", other)]
    assert contacts.person_duplicates_find(phone="+79161234567", exclude_pk=other.pk) == []


# --- Consent and ethnic affiliation -------------------------------------------------------------


def test_consent_record() -> None:
    person = PersonFactory.create()
    coordinator = UserFactory.create(role=User.Role.COORDINATOR)
    consent = services.consent_record(
        person=person, purpose="messaging", method="paper", recorded_by=coordinator
    )
    assert consent.is_active and consent.recorded_by == coordinator
    with pytest.raises(ValidationError):
        services.consent_record(person=person, purpose="messaging", method="bot", recorded_by=None)


def test_consent_record_refuses_future_date() -> None:
    with pytest.raises(ValidationError):
        services.consent_record(
            person=PersonFactory.create(),
            purpose="directory",
            method="paper",
            given_at=timezone.now() + timedelta(days=2),
            recorded_by=None,
        )


def _with_ethnicity() -> tuple[Person, User, list[EthnicCommunity]]:
    person = PersonFactory.create()
    coordinator = UserFactory.create(role=User.Role.COORDINATOR)
    services.consent_record(
        person=person, purpose=Consent.Purpose.ETHNICITY, method="paper", recorded_by=coordinator
    )
    communities = [EthnicCommunityFactory.create(), EthnicCommunityFactory.create()]
    services.ethnic_affiliation_set(person=person, communities=communities, by=coordinator)
    return person, coordinator, communities


def test_ethnic_affiliation_set_needs_consent() -> None:
    person = PersonFactory.create()
    ConsentFactory.create(person=person, purpose=Consent.Purpose.DIRECTORY)
    with pytest.raises(ValidationError) as error:
        services.ethnic_affiliation_set(
            person=person, communities=[EthnicCommunityFactory.create()], by=None
        )
    assert "consent" in error.value.messages[0]
    assert not EthnicAffiliation.objects.exists()


def test_ethnic_affiliation_set_writes_and_audits() -> None:
    person, coordinator, communities = _with_ethnicity()
    assert EthnicAffiliation.objects.filter(person=person).count() == 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EDIT_ETHNICITY)
    assert (entry.actor, entry.person) == (coordinator, person)
    services.ethnic_affiliation_set(person=person, communities=communities[:1], by=coordinator)
    assert list(EthnicAffiliation.objects.values_list("community", flat=True)) == [
        communities[0].pk
    ]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EDIT_ETHNICITY).count() == 2


@pytest.mark.parametrize("role", [User.Role.NGO_MEMBER, User.Role.REGIONAL_COORDINATOR])
def test_ethnic_affiliation_set_refuses_users_outside_scope(role: str) -> None:
    person = PersonFactory.create()
    ConsentFactory.create(person=person, purpose=Consent.Purpose.ETHNICITY)
    with pytest.raises(PermissionDenied):
        services.ethnic_affiliation_set(
            person=person,
            communities=[EthnicCommunityFactory.create()],
            by=UserFactory.create(role=role),
        )


def test_consent_withdraw_of_ethnicity_deletes_affiliations() -> None:
    person, coordinator, _communities = _with_ethnicity()
    other = PersonFactory.create()
    ConsentFactory.create(person=other, purpose=Consent.Purpose.ETHNICITY)
    services.ethnic_affiliation_set(
        person=other, communities=[EthnicCommunityFactory.create()], by=coordinator
    )
    consent = Consent.objects.get(person=person)
    services.consent_withdraw(consent=consent, by=coordinator)
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert not EthnicAffiliation.objects.filter(person=person).exists()
    assert EthnicAffiliation.objects.filter(person=other).exists()
    entry = AuditEntry.objects.filter(person=person).order_by("pk").last()
    assert entry is not None and entry.detail["removed"] == 2
    # Withdrawing twice changes nothing.
    withdrawn_at = consent.withdrawn_at
    assert services.consent_withdraw(consent=consent, by=coordinator).withdrawn_at == withdrawn_at


def test_consent_withdraw_of_other_purpose_keeps_affiliations() -> None:
    person, coordinator, _communities = _with_ethnicity()
    messaging = ConsentFactory.create(person=person, purpose=Consent.Purpose.MESSAGING)
    services.consent_withdraw(consent=messaging, by=coordinator)
    assert EthnicAffiliation.objects.filter(person=person).count() == 2
