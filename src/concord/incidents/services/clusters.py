"""The cluster trigger: many reports in one region within a few hours alert its coordinators,
even when each report alone is minor (CONCORD_CLUSTER_REPORTS, CONCORD_CLUSTER_HOURS)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.directory.models import Person
from concord.incidents.models import Actor, CaseEntry, ClusterAlert, Report
from concord.incidents.services.circles import national_coordinators, regional_coordinators
from concord.incidents.services.timeline import entry_add
from concord.messaging.models import OutboundMessage
from concord.messaging.services import message_enqueue


def cluster_check(*, report: Report) -> ClusterAlert | None:
    """Raise a cluster alert for the report's region when it has had more than N reports in the
    last H hours and none was raised in that time."""
    hours = settings.CONCORD_CLUSTER_HOURS
    now = timezone.now()
    since = now - timedelta(hours=hours)
    count = Report.objects.filter(region_id=report.region_id, received_at__gte=since).count()
    if count <= settings.CONCORD_CLUSTER_REPORTS:
        return None
    if ClusterAlert.objects.filter(region_id=report.region_id, raised_at__gte=since).exists():
        return None
    cluster = ClusterAlert.objects.create(
        region_id=report.region_id, reports=count, window_hours=hours, raised_at=now
    )
    for person in _cluster_recipients(report):
        message_enqueue(
            person=person,
            template="incidents.cluster",
            context={"cluster": cluster.pk, "case": report.case_id},
            dedupe_key=f"incident:cluster:{cluster.pk}:{person.pk}",
            priority=OutboundMessage.Priority.ALERT,
        )
    entry_add(
        case=report.case,
        kind=CaseEntry.Kind.CLUSTER,
        channel=Actor.SYSTEM,
        comment=_("%(count)d reports in the region within %(hours)d hours: coordinators alerted.")
        % {"count": count, "hours": hours},
    )
    return cluster


def _cluster_recipients(report: Report) -> list[Person]:
    people = {p.pk: p for p in regional_coordinators(report.region)}
    people.update({p.pk: p for p in national_coordinators()})
    return [people[pk] for pk in sorted(people)]
