"""Each role × own region / other region × person, organisation, region page, ethnicity, export.

The expected table is written out by hand from the issue's rules, so a change in the scoping
layer that widens or narrows access fails here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.accounts.models import AuditEntry, User
from concord.directory.models import Consent, EthnicAffiliation, Organisation, Person
from concord.regions.models import Region
from concord.testing.factories import (
    ConsentFactory,
    EthnicCommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    UserFactory,
)

R = User.Role


@dataclass
class World:
    own_person: Person
    other_person: Person
    other_listed: Person
    own_org: Organisation
    other_org: Organisation
    own_region: Region
    other_region: Region


@pytest.fixture
def world(db: None) -> World:
    own, other = RegionFactory.create(code="RU-YAR"), RegionFactory.create(code="RU-SAM")
    own_org, other_org = (
        OrganisationFactory.create(region=own),
        OrganisationFactory.create(region=other),
    )
    own_person = PersonFactory.create(region=own, last_name="Своеволов")
    other_person = PersonFactory.create(region=other, last_name="Чужов")
    other_listed = PersonFactory.create(region=other, last_name="Открытов")
    ConsentFactory.create(person=other_listed, purpose=Consent.Purpose.NETWORK_LISTING)
    MembershipFactory.create(person=own_person, organisation=own_org)
    MembershipFactory.create(person=other_person, organisation=other_org)
    for person in (own_person, other_person):
        consent = ConsentFactory.create(person=person, purpose=Consent.Purpose.ETHNICITY)
        EthnicAffiliation.objects.create(
            person=person, community=EthnicCommunityFactory.create(slug="tatar"), consent=consent
        )
    return World(own_person, other_person, other_listed, own_org, other_org, own, other)


def login_as(client: Client, world: World, role: str) -> User:
    me = PersonFactory.create(region=world.own_region)
    user = UserFactory.create(role=role, person=me)
    if role == R.REGIONAL_COORDINATOR:
        user.regions.set([world.own_region])
    client.force_login(user)
    return user


# role: (own person, other person, other listed person, own org, other org, own region page,
#        other region page)
PAGES: dict[str, tuple[int, ...]] = {
    R.COORDINATOR: (200, 200, 200, 200, 200, 200, 200),
    R.REGIONAL_COORDINATOR: (200, 404, 404, 200, 404, 200, 404),
    R.NGO_MEMBER: (200, 404, 200, 200, 200, 200, 200),
    R.POLICE_LIAISON: (200, 404, 404, 200, 404, 200, 404),
    R.OFFICIAL: (200, 404, 404, 200, 404, 200, 404),
    R.MONITOR: (404, 404, 404, 404, 404, 404, 404),
}


def page_urls(world: World) -> list[str]:
    return [
        reverse("directory:person", args=[world.own_person.pk]),
        reverse("directory:person", args=[world.other_person.pk]),
        reverse("directory:person", args=[world.other_listed.pk]),
        reverse("directory:organisation", args=[world.own_org.pk]),
        reverse("directory:organisation", args=[world.other_org.pk]),
        reverse("directory:region", args=[world.own_region.code]),
        reverse("directory:region", args=[world.other_region.code]),
    ]


@pytest.mark.parametrize("role", list(PAGES))
def test_pages_by_role_and_region(client: Client, world: World, role: str) -> None:
    login_as(client, world, role)
    got = tuple(client.get(url).status_code for url in page_urls(world))
    assert got == PAGES[role]


@pytest.mark.parametrize("role", list(PAGES))
def test_every_refusal_is_logged(client: Client, world: World, role: str) -> None:
    user = login_as(client, world, role)
    refused = [url for url in page_urls(world) if client.get(url).status_code == 404]
    denied = AuditEntry.objects.filter(actor=user, action=AuditEntry.Action.DENIED)
    assert sorted(denied.values_list("path", flat=True)) == sorted(refused)


# role: (ethnicity shown for own region's person, for other region's person)
ETHNICITY: dict[str, tuple[bool | None, bool | None]] = {
    R.COORDINATOR: (True, True),
    R.REGIONAL_COORDINATOR: (True, None),  # None: the page itself is a 404
    R.NGO_MEMBER: (False, None),
    R.POLICE_LIAISON: (False, None),
    R.OFFICIAL: (False, None),
    R.MONITOR: (None, None),
}


@pytest.mark.parametrize("role", list(ETHNICITY))
def test_ethnicity_only_for_coordinators_and_audited(
    client: Client, world: World, role: str
) -> None:
    user = login_as(client, world, role)
    for person, expected in zip(
        (world.own_person, world.other_person), ETHNICITY[role], strict=False
    ):
        response = client.get(reverse("directory:person", args=[person.pk]))
        if expected is None:
            assert response.status_code == 404
            continue
        shown = "Ethnic affiliation" in response.content.decode() or "Этническая" in (
            response.content.decode()
        )
        assert shown is expected
        logged = AuditEntry.objects.filter(
            actor=user, person=person, action=AuditEntry.Action.VIEW_ETHNICITY
        ).exists()
        assert logged is expected


def test_withdrawn_ethnicity_consent_hides_affiliation(client: Client, world: World) -> None:
    login_as(client, world, R.COORDINATOR)
    Consent.objects.filter(person=world.own_person, purpose=Consent.Purpose.ETHNICITY).update(
        withdrawn_at=timezone.now()
    )
    response = client.get(reverse("directory:person", args=[world.own_person.pk]))
    assert response.context["ethnicity"] == []


@pytest.mark.parametrize("role", list(PAGES))
def test_search_returns_only_people_in_scope(client: Client, world: World, role: str) -> None:
    login_as(client, world, role)
    response = client.get(reverse("directory:search"), {"q": "ов"})
    if role == R.MONITOR:
        assert response.status_code == 404
        return
    names = {p.last_name for p in response.context["page"].object_list}
    visible: dict[str, set[str]] = {
        R.COORDINATOR: {"Своеволов", "Чужов", "Открытов"},
        R.NGO_MEMBER: {"Своеволов", "Открытов"},
    }
    expected = visible.get(role, {"Своеволов"})
    assert names & {"Своеволов", "Чужов", "Открытов"} == expected
