"""Reads of the directory. Every query starts from the user's `Scope` (accounts.scoping)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
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
from concord.directory.search import text_filter, text_filter_or
from concord.regions.models import Region

T = TypeVar("T")
M = TypeVar("M", bound=Model)


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

    def is_broad(self, tab: str) -> bool:
        """Whether the matches come through subqueries, which no index reads in name order,
        so a count and a page would each read all of them (see pagination.SearchPaginator);
        a region or nothing at all is counted from an index and paged by walking one."""
        through_memberships = self.kind if tab == "people" else self.role
        return bool(self.text or self.community or through_memberships)


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
        named = Organisation.objects.filter(text_filter(Organisation, folded))
        in_organisation = memberships.filter(organisation__in=named.values("pk"))
        people = people.filter(
            text_filter_or(Person, folded, in_organisation.values_list("person_id", flat=True))
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
        people = people.filter(
            pk__in=PersonRole.objects.filter(role=query.role).values("person_id")
        )
    order = PEOPLE_SORTS.get(query.sort, PEOPLE_SORTS["name"])
    return people_with_details(people.order_by(*order))


def organisation_search(*, scope: Scope, query: DirectoryQuery) -> QuerySet[Organisation]:
    organisations = scope.organisations()
    if query.text:
        folded = fold_for_search(query.text.strip())
        organisations = organisations.filter(text_filter(Organisation, folded))
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


# Cards per section of the region page: enough to find whom to call on a phone, and the
# page stays fast (each card costs about half a millisecond to render).
REGION_SECTION_SIZE = 8


@dataclass
class Section(Generic[T]):
    """The first cards of a section of the region page, and how many there are in all."""

    shown: list[T] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> bool:
        return self.total > len(self.shown)


@dataclass
class RegionDirectory:
    """The "who is who" of one region, as the viewer may see it: the first cards of each
    section, with totals per kind of organisation and per role for the "All N" links."""

    region: Region
    ngos: Section[Organisation] = field(default_factory=Section)
    hosts: Section[Organisation] = field(default_factory=Section)
    public_bodies: Section[Organisation] = field(default_factory=Section)
    police_liaisons: Section[Person] = field(default_factory=Section)
    officials: Section[Person] = field(default_factory=Section)
    coordinators: Section[Person] = field(default_factory=Section)
    kind_counts: dict[str, int] = field(default_factory=dict)
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
    """The first REGION_SECTION_SIZE cards of every section and the totals, in a fixed number
    of queries: a big region has hundreds of organisations, too many to render on one page."""
    directory = RegionDirectory(region=region)
    _fill_organisations(directory, scope.organisations().filter(region=region), scope)
    people = scope.people().filter(region=region)
    _fill_contacts(directory, people)
    directory.people_count = people.count()
    return directory


def _first_in_partition(partition: Any, *order: str) -> Window:
    """Row number within a partition, so one query ranks the rows of every section."""
    return Window(RowNumber(), partition_by=partition, order_by=[F(name).asc() for name in order])


def _by_pk(rows: QuerySet[M], pks: list[int]) -> dict[int, M]:
    """The ranking queries read only ids; the cards' rows and relations come by primary key,
    so the joins are made for the shown rows only."""
    return {row.pk: row for row in rows.filter(pk__in=pks)}


def _fill_organisations(
    directory: RegionDirectory, organisations: QuerySet[Organisation], scope: Scope
) -> None:
    sections = {
        "ngos": directory.ngos,
        "hosts": directory.hosts,
        "public_bodies": directory.public_bodies,
    }
    counts = organisations.order_by().values_list("kind").annotate(n=Count("pk"))
    directory.kind_counts = dict(counts)
    for kind, n in directory.kind_counts.items():
        sections[_section_of(kind)].total += n
    section = Case(  # _section_of in SQL, to rank within each section
        When(kind__in=NGO_KINDS, then=Value("ngos")),
        When(kind=Organisation.Kind.HOST, then=Value("hosts")),
        default=Value("public_bodies"),
    )
    ranked = organisations.annotate(rank=_first_in_partition(section, "name", "pk"))
    first = ranked.filter(rank__lte=REGION_SECTION_SIZE).order_by("name", "pk")
    pks = list(first.values_list("pk", flat=True))
    details = organisations_with_details(Organisation.objects.all())
    shown = _by_pk(details.prefetch_related(_leaders_prefetch(scope)), pks)
    for pk in pks:
        sections[_section_of(shown[pk].kind)].shown.append(shown[pk])


def _section_of(kind: str) -> str:
    if kind in NGO_KINDS:
        return "ngos"
    return "hosts" if kind == Organisation.Kind.HOST else "public_bodies"


def _fill_contacts(directory: RegionDirectory, people: QuerySet[Person]) -> None:
    sections = {
        PersonRole.Role.POLICE_LIAISON: directory.police_liaisons,
        PersonRole.Role.OFFICIAL: directory.officials,
        PersonRole.Role.COORDINATOR: directory.coordinators,
    }
    # Start from the few people with a contact role: a big region has thousands of others.
    contacts = people.filter(
        pk__in=PersonRole.objects.filter(role__in=CONTACT_ROLES).values("person_id"),
        roles__role__in=CONTACT_ROLES,
    )
    # One row per (person, contact role): someone who is both an official and a coordinator
    # is ranked, and shown, in both sections. Every role with anyone in it has its first row
    # among those ranked first, and that row carries the role's total.
    role = F("roles__role")
    ranked = contacts.annotate(
        contact_role=role,
        role_total=Window(Count("pk"), partition_by=role),
        rank=_first_in_partition(role, "last_name", "pk"),
    )
    first = ranked.filter(rank__lte=REGION_SECTION_SIZE).order_by("last_name", "pk")
    rows = list(first.values_list("pk", "contact_role", "role_total"))
    shown = _by_pk(people_with_details(Person.objects.all()), [pk for pk, _, _ in rows])
    for pk, contact_role, total in rows:
        sections[contact_role].shown.append(shown[pk])
        sections[contact_role].total = total


def _leaders_prefetch(scope: Scope) -> Prefetch:
    # Correlated to each membership of the shown organisations: `person IN (all leaders)`
    # would first collect every leader of the network.
    leader = scope.people().filter(pk=OuterRef("person_id"), roles__role=PersonRole.Role.LEADER)
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(Exists(leader)).select_related("person"),
        to_attr="leader_memberships",
    )


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
