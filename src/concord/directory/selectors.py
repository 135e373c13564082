"""Reads of the directory. Every query starts from the user's `Scope` (accounts.scoping)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from concord.accounts.scoping import OutOfScope, Scope, scoped_get
from concord.directory.models import (
    EthnicAffiliation,
    EthnicCommunity,
    Membership,
    Organisation,
    Person,
    PersonRole,
    fold_for_search,
)
from concord.regions.models import Region


@dataclass(frozen=True)
class DirectoryQuery:
    """The search form's filters, already validated."""

    text: str = ""
    region: Region | None = None
    community: EthnicCommunity | None = None
    role: str = ""
    kind: str = ""
    sort: str = "name"

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.region or self.community or self.role or self.kind)


PEOPLE_SORTS = {"name": ("last_name", "first_name", "pk"), "region": ("region__name_ru", "pk")}
ORGANISATION_SORTS = {"name": ("name", "pk"), "region": ("region__name_ru", "name", "pk")}


def _memberships_prefetch() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.select_related("organisation").order_by("organisation__name"),
    )


def people_with_details(people: QuerySet[Person]) -> QuerySet[Person]:
    """What every list of people shows, fetched in a fixed number of queries."""
    return people.select_related("region", "city").prefetch_related(
        "roles", _memberships_prefetch()
    )


def organisations_with_details(organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return organisations.select_related("region", "city").prefetch_related("communities")


def person_search(*, scope: Scope, query: DirectoryQuery) -> QuerySet[Person]:
    """People matching the query. Filters through memberships are subqueries, not joins,
    so each person comes once and no DISTINCT pass over the whole table is needed."""
    people = scope.people()
    memberships = Membership.objects.all()
    if query.text:
        folded = fold_for_search(query.text.strip())
        in_organisation = memberships.filter(organisation__search_text__contains=folded)
        people = people.filter(
            Q(search_text__contains=folded) | Q(pk__in=in_organisation.values("person_id"))
        )
    if query.region:
        people = people.filter(region=query.region)
    if query.community:
        serving = memberships.filter(organisation__communities=query.community)
        people = people.filter(pk__in=serving.values("person_id"))
    if query.kind:
        of_kind = memberships.filter(organisation__kind=query.kind)
        people = people.filter(pk__in=of_kind.values("person_id"))
    if query.role:
        people = people.filter(pk__in=PersonRole.objects.filter(role=query.role).values("person_id"))
    order = PEOPLE_SORTS.get(query.sort, PEOPLE_SORTS["name"])
    return people_with_details(people.order_by(*order))


def organisation_search(*, scope: Scope, query: DirectoryQuery) -> QuerySet[Organisation]:
    organisations = scope.organisations()
    if query.text:
        organisations = organisations.filter(search_text__contains=fold_for_search(query.text))
    if query.region:
        organisations = organisations.filter(region=query.region)
    if query.community:
        organisations = organisations.filter(communities=query.community)
    if query.kind:
        organisations = organisations.filter(kind=query.kind)
    if query.role:
        organisations = organisations.filter(
            pk__in=Membership.objects.filter(person__roles__role=query.role).values(
                "organisation_id"
            )
        )
    order = ORGANISATION_SORTS.get(query.sort, ORGANISATION_SORTS["name"])
    return organisations_with_details(organisations.order_by(*order))


@dataclass
class RegionDirectory:
    """The "who is who" of one region, as the viewer may see it."""

    region: Region
    ngos: list[Organisation] = field(default_factory=list)
    hosts: list[Organisation] = field(default_factory=list)
    public_bodies: list[Organisation] = field(default_factory=list)
    police_liaisons: list[Person] = field(default_factory=list)
    officials: list[Person] = field(default_factory=list)
    coordinators: list[Person] = field(default_factory=list)
    people_count: int = 0


NGO_KINDS = (Organisation.Kind.ETHNIC_NGO, Organisation.Kind.MIGRANT_NGO)
PUBLIC_KINDS = (Organisation.Kind.POLICE, Organisation.Kind.AUTHORITY)
CONTACT_ROLES = (
    PersonRole.Role.POLICE_LIAISON,
    PersonRole.Role.OFFICIAL,
    PersonRole.Role.COORDINATOR,
)


def region_get(*, scope: Scope, code: str) -> Region:
    region = get_object_or_404(
        Region.objects.select_related("country", "district", "capital"), code__iexact=code
    )
    if not scope.can_open_region(region.pk):
        raise OutOfScope(kind="region", pk=region.code)
    return region


def region_directory(*, scope: Scope, region: Region) -> RegionDirectory:
    """Organisations by kind and the people to call, in a fixed number of queries."""
    directory = RegionDirectory(region=region)
    organisations = organisations_with_details(
        scope.organisations().filter(region=region).order_by("name")
    ).prefetch_related(_leaders_prefetch(scope))
    for organisation in organisations:
        _organisation_bucket(directory, organisation.kind).append(organisation)
    people = scope.people().filter(region=region)
    contacts = people_with_details(
        people.filter(roles__role__in=CONTACT_ROLES).distinct().order_by("last_name", "pk")
    )
    for person in contacts:
        _place_contact(directory, person)
    directory.people_count = people.count()
    return directory


def _leaders_prefetch(scope: Scope) -> Prefetch:
    leaders = scope.people().filter(roles__role=PersonRole.Role.LEADER)
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(person__in=leaders).select_related("person"),
        to_attr="leader_memberships",
    )


def _organisation_bucket(directory: RegionDirectory, kind: str) -> list[Organisation]:
    if kind in NGO_KINDS:
        return directory.ngos
    if kind == Organisation.Kind.HOST:
        return directory.hosts
    return directory.public_bodies


def _place_contact(directory: RegionDirectory, person: Person) -> None:
    roles = {role.role for role in person.roles.all()}
    if PersonRole.Role.POLICE_LIAISON in roles:
        directory.police_liaisons.append(person)
    if PersonRole.Role.OFFICIAL in roles:
        directory.officials.append(person)
    if PersonRole.Role.COORDINATOR in roles:
        directory.coordinators.append(person)


def person_get(*, scope: Scope, pk: int) -> Person:
    people = people_with_details(scope.people()).prefetch_related("consents")
    return scoped_get(scope, people, pk=pk)


def person_ethnicity(*, scope: Scope, person: Person) -> list[EthnicAffiliation] | None:
    """None when the viewer may not see it; callers log each view (accounts.services)."""
    if not scope.can_see_ethnicity(person):
        return None
    return list(
        EthnicAffiliation.objects.filter(
            person=person, consent__withdrawn_at__isnull=True
        ).select_related("community", "consent")
    )


def organisation_get(*, scope: Scope, pk: int) -> Organisation:
    return scoped_get(scope, organisations_with_details(scope.organisations()), pk=pk)


def organisation_people(*, scope: Scope, organisation: Organisation) -> QuerySet[Person]:
    people = scope.people().filter(memberships__organisation=organisation)
    return people_with_details(people.order_by("last_name", "pk"))


def regions_overview(*, scope: Scope) -> QuerySet[Region]:
    """Regions with the number of organisations the viewer can see in each."""
    visible = scope.organisations()
    regions = Region.objects.filter(pk__in=visible.values("region_id"))
    return (
        regions.select_related("district")
        .annotate(organisation_count=Count("organisations", filter=Q(organisations__in=visible)))
        .order_by("name_ru")
    )


@dataclass(frozen=True)
class RegionFigures:
    region: Region
    organisations: int
    ngos: int
    people: int
    with_agreement: int


def network_figures(*, scope: Scope) -> list[RegionFigures]:
    """Counts per region, without personal data: what monitors and coordinators see."""
    if not scope.sees_aggregates:
        return []
    regions = Region.objects.all()
    if scope.region_ids is not None:
        regions = regions.filter(pk__in=scope.region_ids)
    regions = regions.annotate(
        organisation_count=Count("organisations", distinct=True),
        ngo_count=Count(
            "organisations", filter=Q(organisations__kind__in=NGO_KINDS), distinct=True
        ),
        agreement_count=Count(
            "organisations",
            filter=Q(organisations__cooperation=Organisation.Cooperation.AGREEMENT),
            distinct=True,
        ),
        people_count=Count("people", distinct=True),
    ).filter(Q(organisation_count__gt=0) | Q(people_count__gt=0))
    return [
        RegionFigures(r, r.organisation_count, r.ngo_count, r.people_count, r.agreement_count)
        for r in regions.order_by("name_ru")
    ]
