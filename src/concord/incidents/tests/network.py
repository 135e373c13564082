"""A small network for incident tests: a region with a response circle drawn from the
directory, a national coordinator, and neighbouring regions with their own coordinators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from concord.accounts.models import User
from concord.directory.models import EthnicCommunity, Organisation, Person, PersonRole
from concord.incidents.models import Report, Source
from concord.incidents.services import ReportDraft, report_submit
from concord.regions.models import City, Region
from concord.testing.factories import (
    CityFactory,
    EthnicCommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    PersonRoleFactory,
    RegionFactory,
    UserFactory,
)

Role = PersonRole.Role


def person_with_role(region: Region, role: str, **fields: Any) -> Person:
    person = PersonFactory.create(region=region, **fields)
    PersonRoleFactory.create(person=person, role=role)
    return person


def region_with_centre(latitude: float, longitude: float) -> tuple[Region, City]:
    region = RegionFactory.create()
    centre = CityFactory.create(region=region, latitude=latitude, longitude=longitude)
    region.capital = centre
    region.save(update_fields=["capital"])
    return region, centre


@dataclass
class Network:
    region: Region
    city: City
    other_city: City
    police: Person
    official: Person
    coordinator: Person
    community: EthnicCommunity
    leader: Person
    other_community: EthnicCommunity
    other_leader: Person
    national: Person
    national_user: User
    neighbours: list[Region] = field(default_factory=list)
    neighbour_coordinators: list[Person] = field(default_factory=list)
    reporter: Person | None = None

    @property
    def always_alerted(self) -> set[int]:
        return {self.police.pk, self.official.pk, self.coordinator.pk}

    def draft(self, **fields: Any) -> ReportDraft:
        values: dict[str, Any] = {"text": "Драка у рынка", "region": self.region, "city": self.city}
        values.update(fields)
        return ReportDraft(**values)

    def report(self, **fields: Any) -> Report:
        return report_submit(draft=self.draft(**fields), source=Source.WEB, reporter=self.reporter)


def ngo_leader(region: Region, community: EthnicCommunity) -> Person:
    leader = person_with_role(region, Role.LEADER)
    ngo = OrganisationFactory.create(region=region, kind=Organisation.Kind.ETHNIC_NGO)
    ngo.communities.add(community)
    MembershipFactory.create(person=leader, organisation=ngo)
    return leader


def build_network() -> Network:
    region, city = region_with_centre(55.79, 49.12)  # a Kazan-like centre
    other_city = CityFactory.create(region=region, latitude=55.74, longitude=52.40)
    community, other = EthnicCommunityFactory.create(), EthnicCommunityFactory.create()
    national = PersonFactory.create(region=region)
    national_user = UserFactory.create(role=User.Role.COORDINATOR, person=national)
    network = Network(
        region=region,
        city=city,
        other_city=other_city,
        police=person_with_role(region, Role.POLICE_LIAISON),
        official=person_with_role(region, Role.OFFICIAL),
        coordinator=person_with_role(region, Role.COORDINATOR),
        community=community,
        leader=ngo_leader(region, community),
        other_community=other,
        other_leader=ngo_leader(region, other),
        national=national,
        national_user=national_user,
        reporter=PersonFactory.create(region=region),
    )
    for n, (lat, lon) in enumerate([(56.13, 47.25), (55.3, 50.6), (56.0, 45.0)]):
        neighbour, _centre = region_with_centre(lat, lon)
        network.neighbours.append(neighbour)
        if n < 2:  # the third has no coordinator: an empty region adds nobody
            network.neighbour_coordinators.append(person_with_role(neighbour, Role.COORDINATOR))
    far, _centre = region_with_centre(43.0, 132.0)  # far away: never a neighbour
    person_with_role(far, Role.COORDINATOR)
    return network
