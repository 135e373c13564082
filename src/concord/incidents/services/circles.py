"""Response circles: whom a region's cases alert, and the coordinators above them.

A region's circle is its `CircleMember` rows, set by its coordinators. Until they set one, the
directory stands in (`circle_defaults`): the region's police liaisons, officials and
coordinators, and the leaders of its ethnic NGOs with the communities those NGOs serve. A
member tied to a community is alerted only about cases that involve that community.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from concord.accounts.models import AuditEntry, User
from concord.accounts.services import acting_user, audit_record
from concord.directory.models import EthnicCommunity, Organisation, Person, PersonRole
from concord.incidents.models import Case, CircleMember
from concord.regions.models import Region

Part = CircleMember.Part
Role = PersonRole.Role
ROLE_PARTS = {
    Role.POLICE_LIAISON: Part.POLICE,
    Role.OFFICIAL: Part.OFFICIAL,
    Role.COORDINATOR: Part.COORDINATOR,
}
DefaultMember = tuple[Person, str, EthnicCommunity | None]


def circle_defaults(region: Region) -> list[DefaultMember]:
    """The circle the directory suggests for a region (module docstring)."""
    people = Person.objects.filter(region=region).order_by("last_name", "first_name", "pk")
    members: list[DefaultMember] = []
    for role, part in ROLE_PARTS.items():
        members += [(p, part, None) for p in people.filter(roles__role=role).distinct()]
    leaders = people.filter(
        roles__role=Role.LEADER,
        memberships__organisation__kind=Organisation.Kind.ETHNIC_NGO,
    ).distinct()
    for leader in leaders.prefetch_related("memberships__organisation__communities"):
        for community in _communities_led(leader):
            members.append((leader, Part.COMMUNITY_LEADER, community))
    return members


def _communities_led(leader: Person) -> list[EthnicCommunity]:
    seen: dict[int, EthnicCommunity] = {}
    for membership in leader.memberships.all():
        if membership.organisation.kind == Organisation.Kind.ETHNIC_NGO:
            seen.update({c.pk: c for c in membership.organisation.communities.all()})
    return list(seen.values())


def circle_people(case: Case) -> list[Person]:
    """Everyone the case's circle alerts: members for every case, and those of the
    communities involved."""
    communities = {c.pk for c in case.communities.all()}
    configured = CircleMember.objects.filter(region_id=case.region_id)
    if configured.exists():
        chosen = configured.filter(Q(community__isnull=True) | Q(community_id__in=communities))
        ids = set(chosen.values_list("person_id", flat=True))
        return list(Person.objects.filter(pk__in=ids).order_by("pk"))
    people: dict[int, Person] = {}
    for person, _part, community in circle_defaults(case.region):
        if community is None or community.pk in communities:
            people.setdefault(person.pk, person)
    return sorted(people.values(), key=lambda p: p.pk)


def regional_coordinators(region: Region) -> QuerySet[Person]:
    """The directory's coordinators of a region, and the people of the regional coordinator
    accounts that cover it."""
    by_role = Q(region=region, roles__role=Role.COORDINATOR)
    by_account = Q(
        user__role=User.Role.REGIONAL_COORDINATOR, user__regions=region, user__is_active=True
    )
    return Person.objects.filter(by_role | by_account).distinct().order_by("pk")


def national_coordinators() -> QuerySet[Person]:
    national = Q(user__role=User.Role.COORDINATOR) | Q(user__is_superuser=True)
    return Person.objects.filter(national, user__is_active=True).distinct().order_by("pk")


# --- configuring ---------------------------------------------------------------------------


def circle_member_add(
    *,
    region: Region,
    person: Person,
    part: str,
    community: EthnicCommunity | None = None,
    user: User | None,
) -> CircleMember:
    if part not in Part.values:
        raise ValidationError({"part": _("Choose the person's part in the circle.")})
    try:
        with transaction.atomic():
            member = CircleMember.objects.create(
                region=region, person=person, part=part, community=community
            )
    except IntegrityError:
        raise ValidationError(_("%(name)s is already in this circle.") % {"name": person}) from None
    _audit(user, person, "circle_add", region)
    return member


def circle_member_remove(*, member: CircleMember, user: User | None) -> None:
    _audit(user, member.person, "circle_remove", member.region)
    member.delete()


def circle_fill_from_directory(*, region: Region, user: User | None) -> int:
    """Add the directory's suggestions that are not in the circle yet; returns how many."""
    existing = set(
        CircleMember.objects.filter(region=region).values_list("person_id", "community_id")
    )
    added = [
        CircleMember(region=region, person=person, part=part, community=community)
        for person, part, community in circle_defaults(region)
        if (person.pk, community.pk if community else None) not in existing
    ]
    CircleMember.objects.bulk_create(added, ignore_conflicts=True)
    if added:
        _audit(user, None, "circle_fill", region, count=len(added))
    return len(added)


def _audit(
    user: User | None, person: Person | None, what: str, region: Region, **detail: object
) -> None:
    """Circle changes decide who learns about incidents: kept in the audit log."""
    audit_record(
        actor=acting_user(user),
        action=AuditEntry.Action.EDIT_CIRCLE,
        person=person,
        detail={"what": what, "region": region.code, **detail},
    )
