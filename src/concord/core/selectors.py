from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from concord.core.models import WorkerHeartbeat


@dataclass(frozen=True)
class Health:
    database_ok: bool
    database_vendor: str
    worker_last_seen: datetime | None
    workers_alive: int

    @property
    def healthy(self) -> bool:
        return self.database_ok and self.workers_alive > 0


def health_check() -> Health:
    """Database reachability and the freshest worker heartbeat."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        last = WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True)
        last_seen = last.first()
        fresh_after = timezone.now() - timedelta(seconds=settings.CONCORD_WORKER_STALE_SECONDS)
        alive = WorkerHeartbeat.objects.filter(last_seen__gte=fresh_after).count()
    except DatabaseError:
        return Health(False, connection.vendor, None, 0)
    return Health(True, connection.vendor, last_seen, alive)
