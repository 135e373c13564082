"""Broadcasts: a coordinator's message to a segment of the network.

A segment is a set of filters (regions, one event's participants, roles, kinds of
organisation), combined with AND, and always applied to `Scope.people()`: a regional
coordinator can never reach anyone outside their regions, whatever a form sends.

Sending writes one outbox row per person in one transaction; the worker does the rest. The
preview counts who would get it on which channel by the rules of `routing.route_for`, for the
whole segment in a few queries (`people_routes`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from concord.accounts.models import User
from concord.accounts.scoping import Scope
from concord.directory.models import Consent, Membership, Person, PersonRole
from concord.messaging.messages import ANNOUNCEMENT
from concord.messaging.models import (
    Broadcast,
    Channel,
    ContactStatus,
    OutboundMessage,
    TelegramChat,
)
from concord.messaging.providers import provider_for
from concord.messaging.routing import FALLBACK_ORDER, person_channels
from concord.programme.models import Event, Registration
from concord.programme.services.registrations import ACTIVE

M = OutboundMessage
# A second identical broadcast by the same person this soon is a double click, not a decision.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Segment:
    """Who a broadcast is for; an empty filter does not narrow."""

    regions: tuple[str, ...] = ()  # region codes ("RU-TA")
    event: int | None = None  # people with an active registration to this event
    roles: tuple[str, ...] = ()  # PersonRole.Role values
    org_kinds: tuple[str, ...] = ()  # Organisation.Kind values of their memberships

    def as_json(self) -> dict[str, Any]:
        return {
            "regions": sorted(self.regions),
            "event": self.event,
            "roles": sorted(self.roles),
            "org_kinds": sorted(self.org_kinds),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        event = data.get("event")
        return cls(
            regions=tuple(str(c) for c in data.get("regions") or ()),
            event=event if isinstance(event, int) else None,
            roles=tuple(str(r) for r in data.get("roles") or ()),
            org_kinds=tuple(str(k) for k in data.get("org_kinds") or ()),
        )


@dataclass(frozen=True)
class Preview:
    total: int
    per_channel: dict[str, int]
    unreachable: int


@dataclass(frozen=True)
class Progress:
    queued: int = 0  # waiting, being sent, or to be tried again
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.delivered + self.read + self.failed

    @property
    def done(self) -> bool:
        return self.queued == 0

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * (self.total - self.queued) / self.total)


PROGRESS_BUCKET: dict[str, str] = {
    M.State.QUEUED: "queued",
    M.State.SENDING: "queued",
    M.State.FAILED_RETRYABLE: "queued",
    M.State.SENT: "sent",
    M.State.DELIVERED: "delivered",
    M.State.READ: "read",
    M.State.FAILED_PERMANENT: "failed",
}


def _require_coordinator(scope: Scope) -> None:
    if not scope.is_coordinator:
        raise PermissionDenied("Broadcasts are for coordinators.")


# --- selectors ------------------------------------------------------------------------------


def broadcast_segment_people(*, scope: Scope, segment: Segment) -> QuerySet[Person]:
    """The people of the segment that this coordinator may reach and who agreed to be
    contacted through messengers and email (no duplicates: every filter is a subquery)."""
    _require_coordinator(scope)
    agreed = Consent.objects.filter(
        person=OuterRef("pk"), purpose=Consent.Purpose.MESSAGING, withdrawn_at__isnull=True
    )
    people = scope.people().filter(Exists(agreed))
    if segment.regions:
        people = people.filter(region__code__in=segment.regions)
    if segment.event is not None:
        active = Registration.objects.filter(
            person=OuterRef("pk"), event_id=segment.event, state__in=ACTIVE
        )
        people = people.filter(Exists(active))
    if segment.roles:
        roles = PersonRole.objects.filter(person=OuterRef("pk"), role__in=segment.roles)
        people = people.filter(Exists(roles))
    if segment.org_kinds:
        kinds = Membership.objects.filter(
            person=OuterRef("pk"), organisation__kind__in=segment.org_kinds
        )
        people = people.filter(Exists(kinds))
    return people.order_by("pk")


def people_routes(people: QuerySet[Person]) -> dict[int, str | None]:
    """Each person's channel now (None: unreachable), by the rules of `routing.route_for`:
    the preferred channel, then the fallbacks; skipping channels this installation has not
    configured, channels marked unreachable for the person, and those without an address.

    Two queries for any number of people, where route_for would need two per person.
    """
    configured = {str(c) for c in FALLBACK_ORDER if provider_for(c).is_configured()}
    private_chat = TelegramChat.objects.filter(
        person=OuterRef("pk"), kind=TelegramChat.Kind.PRIVATE
    )
    rows = people.only("pk", "preferred_channel", "whatsapp", "email").annotate(
        has_telegram=Exists(private_chat)
    )
    unreachable: defaultdict[int, set[str]] = defaultdict(set)
    for person_id, channel in ContactStatus.objects.filter(
        person__in=people.values("pk")
    ).values_list("person_id", "channel"):
        unreachable[person_id].add(channel)
    return {p.pk: _route(p, configured, unreachable[p.pk]) for p in rows}


def _route(person: Person, configured: set[str], unreachable: set[str]) -> str | None:
    addresses: dict[str, bool] = {
        Channel.TELEGRAM: bool(getattr(person, "has_telegram", False)),
        Channel.WHATSAPP: bool(person.whatsapp),
        Channel.EMAIL: bool(person.email),
    }
    for channel in person_channels(person):
        if channel in configured and channel not in unreachable and addresses.get(channel):
            return channel
    return None


def broadcast_preview(*, scope: Scope, segment: Segment) -> Preview:
    routes = people_routes(broadcast_segment_people(scope=scope, segment=segment))
    counts = Counter(channel for channel in routes.values() if channel is not None)
    return Preview(
        total=len(routes),
        per_channel={channel: counts.get(channel, 0) for channel in FALLBACK_ORDER},
        unreachable=sum(1 for channel in routes.values() if channel is None),
    )


def broadcast_progress(*, broadcast: Broadcast) -> Progress:
    rows = broadcast.messages.order_by().values("state").annotate(n=Count("pk"))
    return _progress((row["state"], row["n"]) for row in rows)


def _progress(counts: Iterable[tuple[str, int]]) -> Progress:
    buckets: Counter[str] = Counter()
    for state, n in counts:
        buckets[PROGRESS_BUCKET.get(state, "queued")] += n
    return Progress(**buckets)


def _count(states: Iterable[str]) -> Count:
    return Count("messages", filter=Q(messages__state__in=list(states)))


def broadcasts_visible(*, scope: Scope) -> QuerySet[Broadcast]:
    """Newest first, each with its progress counts (`progress_of`) in the same query.

    National coordinators see every broadcast; a regional coordinator sees their own, since
    another's may have reached people outside their regions."""
    _require_coordinator(scope)
    broadcasts = Broadcast.objects.select_related("created_by")
    if scope.region_ids is not None:
        broadcasts = broadcasts.filter(created_by_id=scope.user_id)
    buckets: defaultdict[str, list[str]] = defaultdict(list)
    for state, bucket in PROGRESS_BUCKET.items():
        buckets[bucket].append(state)
    annotations = {f"n_{bucket}": _count(states) for bucket, states in buckets.items()}
    return broadcasts.annotate(**annotations).order_by("-created_at", "-pk")


def progress_of(broadcast: Broadcast) -> Progress:
    """The progress of a broadcast from `broadcasts_visible` (no query)."""
    return Progress(
        **{bucket: getattr(broadcast, f"n_{bucket}", 0) for bucket in set(PROGRESS_BUCKET.values())}
    )


def broadcast_failures(*, scope: Scope, broadcast: Broadcast, limit: int = 100) -> list[M]:
    """Who could not be reached, to call them instead (people of the viewer's scope only)."""
    return list(
        broadcast.messages.filter(
            state=M.State.FAILED_PERMANENT, person__in=scope.people().values("pk")
        )
        .select_related("person")
        .order_by("person__last_name", "person__first_name")[:limit]
    )


def broadcast_event_choices(*, scope: Scope) -> QuerySet[Event]:
    """Events whose participants a coordinator may address: recent and coming ones, hosted in
    or inviting one of their regions."""
    _require_coordinator(scope)
    since = timezone.now() - timedelta(days=60)
    events = Event.objects.filter(ends_at__gte=since).exclude(status=Event.Status.CANCELLED)
    if scope.region_ids is not None:
        invites = Q(invited_regions__region_id__in=scope.region_ids)
        events = events.filter(Q(host_region_id__in=scope.region_ids) | invites).distinct()
    return events.order_by("starts_at", "pk")


# --- services -------------------------------------------------------------------------------


def broadcast_send(*, scope: Scope, segment: Segment, title: str, text: str, by: User) -> Broadcast:
    """Create the broadcast and queue one message per person, in one transaction.

    The same title, text and segment sent again by the same coordinator within a few minutes
    returns the first broadcast: a double click or a resent form queues nothing twice.
    """
    _require_coordinator(scope)
    with transaction.atomic():
        # Serialise one coordinator's sends, so two simultaneous submits see each other.
        User.objects.select_for_update().filter(pk=by.pk).exists()
        earlier = _recent_duplicate(segment=segment, title=title, text=text, by=by)
        if earlier is not None:
            return earlier
        broadcast = Broadcast.objects.create(
            title=title, text=text, segment=segment.as_json(), created_by=by
        )
        broadcast_enqueue(
            broadcast=broadcast,
            people=broadcast_segment_people(scope=scope, segment=segment),
        )
    return broadcast


def _recent_duplicate(*, segment: Segment, title: str, text: str, by: User) -> Broadcast | None:
    recent = Broadcast.objects.filter(
        created_by=by,
        title=title,
        text=text,
        created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
    )
    # JSON equality is compared here, not in SQL: SQLite compares JSON as text.
    return next((b for b in recent if b.segment == segment.as_json()), None)


def broadcast_enqueue(*, broadcast: Broadcast, people: QuerySet[Person]) -> int:
    """One outbox row per person, keyed "broadcast:<broadcast>:<person>"; running it again
    adds nobody twice. Rows are inserted in batches (a segment may be thousands of people);
    the unique dedupe key makes a repeated insert a no-op. Returns how many are queued."""
    context = {"title": broadcast.title, "text": broadcast.text}
    rows = (
        M(
            person_id=person_id,
            template=ANNOUNCEMENT,
            context=context,
            dedupe_key=f"broadcast:{broadcast.pk}:{person_id}",
            priority=M.Priority.BULK,
            broadcast=broadcast,
        )
        for person_id in people.values_list("pk", flat=True).iterator()
    )
    with transaction.atomic():
        M.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return broadcast.messages.count()
