"""Generate a large directory fast: bulk inserts in batches, names drawn from Faker pools.

Runs inside a configured Django process (see bench.run). The data are realistic in shape, not
in detail: people spread over all regions by city population, roles in the proportions of a
real network (mostly activists, few police liaisons and officials), consents, communities.
Every region in FOCUS_REGIONS gets at least one of each kind of organisation and contact, so
the small and the large dataset render the same page structure and query counts compare.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from faker import Faker

from concord.accounts.models import User
from concord.demo.catalog import COMMUNITIES
from concord.directory.models import (
    Consent,
    EthnicAffiliation,
    EthnicCommunity,
    Membership,
    Organisation,
    Person,
    PersonRole,
)
from concord.regions.models import City, Region

# Bump when the generated data change shape: cached benchmark databases are then rebuilt.
GENERATOR_VERSION = 5
BATCH = 2000
BIG_REGION = "RU-MOW"
SMALL_REGION = "RU-NEN"
NGO_MEMBER_REGION = "RU-TA"
FOCUS_REGIONS = (BIG_REGION, SMALL_REGION, NGO_MEMBER_REGION)
FOCUS_COMMUNITY = "tatar"
COORDINATOR_EMAIL = "bench-coordinator@bench.concord"
NGO_MEMBER_EMAIL = "bench-ngo@bench.concord"

Kind = Organisation.Kind
Role = PersonRole.Role
KIND_WEIGHTS = {
    Kind.ETHNIC_NGO: 65,
    Kind.MIGRANT_NGO: 15,
    Kind.POLICE: 6,
    Kind.AUTHORITY: 8,
    Kind.HOST: 2,
    Kind.OTHER: 4,
}
ROLE_WEIGHTS = {
    Role.LEADER: 8.0,
    Role.ACTIVIST: 78.5,
    Role.YOUTH_ACTIVIST: 8.0,
    Role.POLICE_LIAISON: 1.5,
    Role.OFFICIAL: 2.5,
    Role.TRAINER: 1.0,
    Role.COORDINATOR: 0.5,
}
ROLE_KINDS = {
    Role.LEADER: (Kind.ETHNIC_NGO, Kind.MIGRANT_NGO),
    Role.ACTIVIST: (Kind.ETHNIC_NGO, Kind.MIGRANT_NGO),
    Role.YOUTH_ACTIVIST: (Kind.ETHNIC_NGO, Kind.MIGRANT_NGO),
    Role.POLICE_LIAISON: (Kind.POLICE,),
    Role.OFFICIAL: (Kind.AUTHORITY, Kind.HOST),
    Role.TRAINER: (Kind.OTHER,),
    Role.COORDINATOR: (Kind.OTHER,),
}
ORG_NAMES = {
    Kind.ETHNIC_NGO: "{adj} национально-культурная автономия «{word}» №{n}",
    Kind.MIGRANT_NGO: "Центр адаптации мигрантов «{word}» №{n}",
    Kind.POLICE: "Отдел полиции №{n}",
    Kind.AUTHORITY: "Администрация муниципального образования №{n}",
    Kind.HOST: "Дом дружбы народов №{n}",
    Kind.OTHER: "Центр межнационального сотрудничества, отделение №{n}",
}
CONSENTS_FROM = datetime(2019, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    people: int
    organisations: int


@dataclass
class Places:
    regions: list[Region]
    weights: list[float]
    cities: dict[int, list[City]]


class NamePool:
    """A few hundred Faker names drawn once: calling Faker per row would dominate the run."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        fake = Faker("ru_RU")
        fake.seed_instance(seed)
        self.rng = rng
        self.male = (
            [fake.last_name_male() for _ in range(400)],
            [fake.first_name_male() for _ in range(80)],
            [fake.middle_name_male() for _ in range(60)],
        )
        self.female = (
            [fake.last_name_female() for _ in range(400)],
            [fake.first_name_female() for _ in range(80)],
            [fake.middle_name_female() for _ in range(60)],
        )

    def name(self) -> tuple[str, str, str]:
        pools = self.male if self.rng.random() < 0.5 else self.female
        return tuple(self.rng.choice(pool) for pool in pools)  # type: ignore[return-value]


def generate(size: Size, seed: int = 50_000) -> None:
    """Fill an empty directory (regions already loaded) with `size` people and organisations."""
    rng = random.Random(seed)
    with transaction.atomic():
        communities = _communities()
        places = _places()
        organisations = _organisations(rng, size, places, communities)
        _people(rng, size, places, organisations, NamePool(rng, seed))
        _users()
    _analyze()


def _communities() -> list[EthnicCommunity]:
    EthnicCommunity.objects.bulk_create(
        [EthnicCommunity(slug=c.slug, name_ru=c.name_ru, name_en=c.name_en) for c in COMMUNITIES]
    )
    return list(EthnicCommunity.objects.order_by("slug"))


def _places() -> Places:
    regions = list(Region.objects.filter(country__code="RU").order_by("code"))
    cities: dict[int, list[City]] = defaultdict(list)
    for city in City.objects.filter(region__in=regions).order_by("region_id", "-population"):
        cities[city.region_id].append(city)
    # People live where people live; a floor keeps the smallest regions from being empty.
    weights = [max(sum(c.population for c in cities[r.pk]), 30_000) for r in regions]
    return Places(regions, [float(w) for w in weights], cities)


def _city(rng: random.Random, places: Places, region: Region) -> City | None:
    cities = places.cities.get(region.pk) or []
    return rng.choice(cities[:5]) if cities else None


def _organisation_plan(rng: random.Random, size: Size, places: Places) -> list[tuple[Region, str]]:
    by_code = {r.code: r for r in places.regions}
    plan = [(by_code[code], kind) for code in FOCUS_REGIONS for kind in KIND_WEIGHTS]
    kinds = list(KIND_WEIGHTS)
    while len(plan) < size.organisations:
        region = rng.choices(places.regions, weights=places.weights)[0]
        plan.append((region, rng.choices(kinds, weights=list(KIND_WEIGHTS.values()))[0]))
    return plan


def _organisations(
    rng: random.Random, size: Size, places: Places, communities: list[EthnicCommunity]
) -> dict[tuple[int, str], list[Organisation]]:
    organisations = []
    for n, (region, kind) in enumerate(_organisation_plan(rng, size, places), start=1):
        community = COMMUNITIES[n % len(COMMUNITIES)]
        name = ORG_NAMES[kind].format(
            adj=community.adjective, word=rng.choice(community.words), n=n
        )
        org = Organisation(
            kind=kind,
            name=name,
            region=region,
            city=_city(rng, places, region),
            phone=f"+7495{n:07d}",
            email=f"org{n}@example.org" if rng.random() < 0.6 else "",
            cooperation=rng.choice(Organisation.Cooperation.values),
        )
        org.search_text = org.build_search_text()
        organisations.append(org)
    Organisation.objects.bulk_create(organisations, batch_size=BATCH)
    _organisation_communities(rng, organisations, communities)
    grouped: dict[tuple[int, str], list[Organisation]] = defaultdict(list)
    for org in organisations:
        grouped[(org.region_id, org.kind)].append(org)
    return grouped


def _organisation_communities(
    rng: random.Random, organisations: list[Organisation], communities: list[EthnicCommunity]
) -> None:
    through = Organisation.communities.through
    focus = next(c for c in communities if c.slug == FOCUS_COMMUNITY)
    links = []
    for org in organisations:
        if org.kind not in (Kind.ETHNIC_NGO, Kind.MIGRANT_NGO):
            continue
        served = rng.sample(communities, 1 if org.kind == Kind.ETHNIC_NGO else 3)
        if org.region.code in FOCUS_REGIONS and focus not in served:
            served.append(focus)
        links += [through(organisation=org, ethniccommunity=c) for c in served]
    through.objects.bulk_create(links, batch_size=BATCH)


def _person_plan(rng: random.Random, size: Size, places: Places) -> list[tuple[Region, str]]:
    by_code = {r.code: r for r in places.regions}
    plan = [(by_code[code], role) for code in FOCUS_REGIONS for role in ROLE_WEIGHTS]
    roles = list(ROLE_WEIGHTS)
    while len(plan) < size.people:
        region = rng.choices(places.regions, weights=places.weights)[0]
        plan.append((region, rng.choices(roles, weights=list(ROLE_WEIGHTS.values()))[0]))
    return plan


def _people(
    rng: random.Random,
    size: Size,
    places: Places,
    organisations: dict[tuple[int, str], list[Organisation]],
    names: NamePool,
) -> None:
    plan = _person_plan(rng, size, places)
    people = [_person(rng, n, region, places, names) for n, (region, _) in enumerate(plan)]
    Person.objects.bulk_create(people, batch_size=BATCH)
    roles = [PersonRole(person=p, role=role) for p, (_, role) in zip(people, plan, strict=True)]
    PersonRole.objects.bulk_create(roles, batch_size=BATCH)
    memberships = []
    for person, (region, role) in zip(people, plan, strict=True):
        memberships += _memberships(rng, person, region, role, organisations)
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    # The focus contacts come first in the plan; listing them makes them visible to every viewer.
    _consents(rng, people, always_listed=len(FOCUS_REGIONS) * len(ROLE_WEIGHTS))


def _person(rng: random.Random, n: int, region: Region, places: Places, names: NamePool) -> Person:
    last, first, middle = names.name()
    person = Person(
        last_name=last,
        first_name=first,
        patronymic=middle,
        region=region,
        city=_city(rng, places, region),
        phone=f"+79{n:09d}",
        email=f"person{n}@example.org" if rng.random() < 0.5 else "",
        telegram_username=f"person_{n}" if rng.random() < 0.3 else "",
        digital_skill=rng.choice((1, 1, 2, 2, 3)),
        preferred_channel=rng.choice(Person.Channel.values),
    )
    person.search_text = person.build_search_text()
    return person


def _memberships(
    rng: random.Random,
    person: Person,
    region: Region,
    role: str,
    organisations: dict[tuple[int, str], list[Organisation]],
) -> list[Membership]:
    candidates = [org for kind in ROLE_KINDS[role] for org in organisations[(region.pk, kind)]]
    if not candidates:
        return []
    count = 2 if rng.random() < 0.1 and len(candidates) > 1 else 1
    chosen = rng.sample(candidates, count)
    return [Membership(person=person, organisation=org, position="участник") for org in chosen]


def _consents(rng: random.Random, people: list[Person], always_listed: int) -> None:
    consents, ethnic = [], []
    for n, person in enumerate(people):
        given = CONSENTS_FROM + timedelta(days=rng.randrange(1000))
        purposes = [Consent.Purpose.DIRECTORY]
        if rng.random() < 0.4 or n < always_listed:
            purposes.append(Consent.Purpose.NETWORK_LISTING)
        if rng.random() < 0.6:
            purposes.append(Consent.Purpose.MESSAGING)
        if rng.random() < 0.1:
            purposes.append(Consent.Purpose.ETHNICITY)
        for purpose in purposes:
            consent = Consent(person=person, purpose=purpose, method="import", given_at=given)
            consents.append(consent)
            if purpose == Consent.Purpose.ETHNICITY:
                ethnic.append(consent)
    Consent.objects.bulk_create(consents, batch_size=BATCH)
    community_ids = list(EthnicCommunity.objects.values_list("pk", flat=True))
    EthnicAffiliation.objects.bulk_create(
        [
            EthnicAffiliation(
                person_id=c.person_id, community_id=rng.choice(community_ids), consent=c
            )
            for c in ethnic
        ],
        batch_size=BATCH,
    )


def _users() -> None:
    """A national coordinator, and an NGO member linked to a leader in NGO_MEMBER_REGION."""
    coordinator = User(email=COORDINATOR_EMAIL, role=User.Role.COORDINATOR)
    coordinator.set_unusable_password()  # the benchmark logs in with force_login
    coordinator.save()
    leader = (
        Person.objects.filter(region__code=NGO_MEMBER_REGION, roles__role=Role.LEADER)
        .order_by("pk")
        .first()
    )
    member = User(email=NGO_MEMBER_EMAIL, role=User.Role.NGO_MEMBER, person=leader)
    member.set_unusable_password()
    member.save()


def _analyze() -> None:
    """Fresh planner statistics, as a production database has after autovacuum.

    On PostgreSQL autovacuum also vacuums a freshly loaded table: that sets the visibility
    map (index-only scans) and moves the rows queued in the GIN trigram indexes' pending
    lists into the indexes proper, which every search would otherwise read through.
    """
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
