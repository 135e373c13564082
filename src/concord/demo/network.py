"""`demo_network_build`: a deterministic network modelled on the programme in the seed.

NGOs in 30 regions from Kaliningrad to Irkutsk, police and authorities in the ten host cities,
Houses of Friendship, about 400 people, and one login per role. The same seed always gives the
same data: every random draw comes from `random.Random(seed)` or a Faker seeded with it, in the
fixed order of the tuples in `catalog`, and only `created_at`/`updated_at` read the clock.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from faker import Faker

from concord.accounts.models import User
from concord.demo import catalog
from concord.demo.incidents import demo_incidents_build
from concord.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin
from concord.demo.organisations import OrganisationMaker
from concord.demo.people import (
    ACTIVIST,
    LEADER,
    OFFICIAL,
    POLICE,
    STAFF,
    YOUTH,
    PeopleMaker,
    PersonPlan,
    Profile,
)
from concord.demo.programme import ProgrammeBuilder
from concord.directory.models import (
    Consent,
    EthnicAffiliation,
    EthnicCommunity,
    Membership,
    Organisation,
    Person,
    PersonRole,
)
from concord.regions.models import City, Country, Region

TARGET_PEOPLE = 400
Role = PersonRole.Role
# Consents were collected during the programme years, so their dates are fixed, not "now".
CONSENTS_FROM = datetime(2019, 2, 1, 9, 0, tzinfo=UTC)


class DemoAlreadyBuilt(Exception):
    """The demo logins exist already: building again would duplicate the network."""


@dataclass(frozen=True)
class DemoReport:
    seed: int
    seconds: float
    regions_with_ngos: int
    organisations: dict[str, int]
    people: int
    roles: dict[str, int]
    logins: tuple[DemoLogin, ...]


def demo_network_build(*, seed: int = 2019) -> DemoReport:
    """Build the whole demo network in one transaction; loads the RU country pack if needed."""
    started = time.monotonic()
    if User.objects.filter(email__in=[login.email for login in DEMO_LOGINS]).exists():
        raise DemoAlreadyBuilt("The demo network exists already.")
    with transaction.atomic():
        if not Country.objects.filter(code="RU").exists():
            call_command("load_country", "RU", verbosity=0)
        _Builder(seed).run()
    return _report(seed, time.monotonic() - started)


def _report(seed: int, seconds: float) -> DemoReport:
    ngo_kinds = [Organisation.Kind.ETHNIC_NGO, Organisation.Kind.MIGRANT_NGO]
    regions = Organisation.objects.filter(kind__in=ngo_kinds).values("region").distinct()
    organisations = Counter(Organisation.objects.values_list("kind", flat=True))
    roles = Counter(PersonRole.objects.values_list("role", flat=True))
    return DemoReport(
        seed=seed,
        seconds=seconds,
        regions_with_ngos=regions.count(),
        organisations=dict(sorted(organisations.items())),
        people=Person.objects.count(),
        roles=dict(sorted(roles.items())),
        logins=DEMO_LOGINS,
    )


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        fake = Faker("ru_RU")
        fake.seed_instance(seed)
        self.people = PeopleMaker(self.rng, fake)
        self.regions = _regions_by_code()
        self.cities = {code: _main_city(region) for code, region in self.regions.items()}
        self.plans: list[PersonPlan] = []
        self.orgs = OrganisationMaker(self.rng, self.people, self.regions, self.cities)

    def run(self) -> None:
        self.orgs.create_all(_communities_create())
        self._plan_staff()
        self._plan_leaders()
        self._plan_authorities()
        self._plan_activists()
        self._save_people()
        users = _demo_users_create(self.plans)
        ProgrammeBuilder(self.rng, users["coordinator"]).run()
        demo_incidents_build(users=users)

    def _plan(self, code: str, profile: Profile, roles: list[str]) -> PersonPlan:
        region = self.regions[code]
        person = self.people.make(region, self.cities[code], profile)
        plan = PersonPlan(person=person, profile=profile, roles=roles)
        self.plans.append(plan)
        return plan

    def _plan_staff(self) -> None:
        """The coordinating organisation: coordinators and trainers, in Moscow and beyond."""
        centre = self.orgs.centre
        for code in ("RU-MOW", "RU-MOW", "RU-MOW", "RU-YAR"):
            position = "координатор программы" if code == "RU-MOW" else "региональный координатор"
            self._plan(code, STAFF, [Role.COORDINATOR]).memberships.append((centre, position))
        for code in ("RU-MOW", "RU-SPE", "RU-SVE", "RU-TA", "RU-SAM", "RU-NVS"):
            plan = self._plan(code, STAFF, [Role.TRAINER])
            plan.memberships.append((centre, "тренер-эксперт"))

    def _plan_leaders(self) -> None:
        for org, community in self.orgs.ethnic:
            plan = self._plan(org.region.code, LEADER, [Role.LEADER])
            plan.memberships.append((org, self.rng.choice(catalog.LEADER_POSITIONS)))
            plan.community = community
            plan.person.languages = _languages(community)
        for org in self.orgs.migrant:
            plan = self._plan(org.region.code, LEADER, [Role.LEADER])
            plan.memberships.append((org, "директор"))
        self._leaders_as_trainers_and_council()

    def _leaders_as_trainers_and_council(self) -> None:
        """Some experienced leaders train others; some sit on a House of Friendship's council."""
        leaders = [plan for plan in self.plans if Role.LEADER in plan.roles]
        for plan in self.rng.sample(leaders, 4):
            plan.roles.append(Role.TRAINER)
        for plan in leaders:
            house = self.orgs.houses.get(plan.person.region.code)
            if house is not None and self.rng.random() < 0.4:
                plan.memberships.append((house, "член совета Дома дружбы"))

    def _plan_authorities(self) -> None:
        for host in catalog.HOST_CITIES:
            police = self.orgs.police[host.region]
            for position in catalog.POLICE_POSITIONS:
                self._plan(host.region, POLICE, [Role.POLICE_LIAISON]).memberships.append(
                    (police, position)
                )
            for index, authority in enumerate(self.orgs.authorities[host.region]):
                for position in catalog.OFFICIAL_POSITIONS[: 2 if index == 0 else 1]:
                    plan = self._plan(host.region, OFFICIAL, [Role.OFFICIAL])
                    plan.memberships.append((authority, position))
        for code, house in self.orgs.houses.items():
            self._plan(code, OFFICIAL, [Role.OFFICIAL]).memberships.append((house, "директор"))

    def _plan_activists(self) -> None:
        """Fill up to TARGET_PEOPLE with activists, more of them where trainings took place."""
        ngos = [org for org, _ in self.orgs.ethnic] + list(self.orgs.migrant)
        weights = [3.0 if org.region.code in self.orgs.police else 1.0 for org in ngos]
        community_of = {org.pk: community for org, community in self.orgs.ethnic}
        while len(self.plans) < TARGET_PEOPLE:
            org = self.rng.choices(ngos, weights=weights)[0]
            # Sochi and Izhevsk invited youth activists to their trainings.
            youth_share = 0.5 if org.region.code in ("RU-KDA", "RU-UD") else 0.2
            youth = self.rng.random() < youth_share
            role, profile = (Role.YOUTH_ACTIVIST, YOUTH) if youth else (Role.ACTIVIST, ACTIVIST)
            plan = self._plan(org.region.code, profile, [role])
            positions = catalog.YOUTH_POSITIONS if youth else catalog.ACTIVIST_POSITIONS
            plan.memberships.append((org, self.rng.choice(positions)))
            plan.community = community_of.get(org.pk)
            plan.person.languages = _languages(plan.community)

    def _save_people(self) -> None:
        for plan in self.plans:
            # bulk_create skips save(), which keeps the search column in step.
            plan.person.search_text = plan.person.build_search_text()
        Person.objects.bulk_create([plan.person for plan in self.plans], batch_size=500)
        PersonRole.objects.bulk_create(
            PersonRole(person=plan.person, role=role) for plan in self.plans for role in plan.roles
        )
        Membership.objects.bulk_create(
            Membership(person=plan.person, organisation=org, position=position)
            for plan in self.plans
            for org, position in plan.memberships
        )
        _consents_create(self.rng, self.plans)


def _regions_by_code() -> dict[str, Region]:
    codes = {r.code for r in catalog.REGIONS} | {h.region for h in catalog.HOST_CITIES}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    missing = sorted(codes - regions.keys())
    if missing:
        raise LookupError(f"Regions missing from the RU country pack: {', '.join(missing)}")
    return regions


def _main_city(region: Region) -> City | None:
    """The catalogue's city, found by GeoNames id, then by English name, then the capital."""
    wanted = catalog.REGION_BY_CODE[region.code]
    cities = City.objects.filter(region=region)
    return (
        cities.filter(geonames_id=wanted.geonames_id).first()
        or cities.filter(name_en__iexact=wanted.city_en).first()
        or region.capital
        or cities.order_by("-population", "pk").first()
    )


def _communities_create() -> dict[str, EthnicCommunity]:
    existing = {c.slug: c for c in EthnicCommunity.objects.all()}
    new = [
        EthnicCommunity(slug=c.slug, name_ru=c.name_ru, name_en=c.name_en)
        for c in catalog.COMMUNITIES
        if c.slug not in existing
    ]
    EthnicCommunity.objects.bulk_create(new)
    return {c.slug: c for c in EthnicCommunity.objects.filter(slug__in=catalog.COMMUNITY_BY_SLUG)}


def _languages(community: EthnicCommunity | None) -> str:
    if community is None:
        return "ru"
    language = catalog.COMMUNITY_BY_SLUG[community.slug].language
    return f"ru, {language}" if language else "ru"


def _consent_method(rng: random.Random, person: Person) -> str:
    method = Consent.Method
    if person.digital_skill == 1:
        return rng.choices((method.PAPER, method.PHONE), weights=(4, 1))[0]
    return rng.choice((method.PAPER, method.WEB, method.BOT, method.EMAIL))


def _consents_create(rng: random.Random, plans: list[PersonPlan]) -> None:
    consents: list[Consent] = []
    affiliations: list[tuple[PersonPlan, Consent]] = []
    for plan in plans:
        for purpose in _purposes(rng, plan):
            given_at = CONSENTS_FROM + timedelta(
                days=rng.randrange(700), minutes=rng.randrange(600)
            )
            consent = Consent(
                person=plan.person,
                purpose=purpose,
                method=_consent_method(rng, plan.person),
                given_at=given_at,
            )
            if purpose == Consent.Purpose.NETWORK_LISTING and rng.random() < 0.04:
                consent.withdrawn_at = given_at + timedelta(days=rng.randrange(30, 300))
            consents.append(consent)
            if purpose == Consent.Purpose.ETHNICITY:
                affiliations.append((plan, consent))
    Consent.objects.bulk_create(consents, batch_size=500)
    EthnicAffiliation.objects.bulk_create(
        EthnicAffiliation(person=plan.person, community=plan.community, consent=consent)
        for plan, consent in affiliations
        if plan.community is not None
    )


def _purposes(rng: random.Random, plan: PersonPlan) -> list[str]:
    purpose = Consent.Purpose
    person = plan.person
    purposes: list[str] = [purpose.DIRECTORY]
    if rng.random() < plan.profile.listing_chance:
        purposes.append(purpose.NETWORK_LISTING)
    if (person.telegram_username or person.whatsapp or person.email) and rng.random() < 0.9:
        purposes.append(purpose.MESSAGING)
    if plan.community is not None and rng.random() < plan.profile.ethnicity_chance:
        purposes.append(purpose.ETHNICITY)
    return purposes


def _first(plans: list[PersonPlan], role: str, code: str, kind: str) -> Person:
    """The first planned person with this role in this region, member of this kind of body."""
    for plan in plans:
        in_kind = any(org.kind == kind for org, _ in plan.memberships)
        if role in plan.roles and plan.person.region.code == code and in_kind:
            return plan.person
    raise LookupError(f"No {role} in {code}")


def _demo_users_create(plans: list[PersonPlan]) -> dict[str, User]:
    kind = Organisation.Kind
    persons: dict[str, Person | None] = {
        "coordinator": _first(plans, Role.COORDINATOR, "RU-MOW", kind.OTHER),
        "regional_coordinator": _first(plans, Role.COORDINATOR, "RU-YAR", kind.OTHER),
        "ngo_member": _first(plans, Role.LEADER, "RU-TA", kind.ETHNIC_NGO),
        "police_liaison": _first(plans, Role.POLICE_LIAISON, "RU-YAR", kind.POLICE),
        "official": _first(plans, Role.OFFICIAL, "RU-SAM", kind.AUTHORITY),
        "monitor": None,  # an external monitor sees aggregates only and is not in the directory
    }
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    users = {login.role: _demo_user(login, persons[login.role], password) for login in DEMO_LOGINS}
    users["regional_coordinator"].regions.set(
        Region.objects.filter(code__in=("RU-YAR", "RU-SAM")).order_by("code")
    )
    # Paper and phone consents were typed in by staff.
    Consent.objects.filter(method__in=(Consent.Method.PAPER, Consent.Method.PHONE)).filter(
        person__in=[plan.person for plan in plans]
    ).update(recorded_by=users["coordinator"])
    return users


def _demo_user(login: DemoLogin, person: Person | None, password: str) -> User:
    superuser = login.role == User.Role.COORDINATOR
    user = User(
        email=login.email,
        role=login.role,
        person=person,
        password=password,
        is_staff=superuser,
        is_superuser=superuser,
        first_name=person.first_name if person else "Монитор",
        last_name=person.last_name if person else "Внешний",
    )
    user.save()
    if person is not None:
        # The login's address is the person's email too, so staff can tell who is who.
        person.email = login.email
        person.save(update_fields=["email", "search_text"])
    return user
