from __future__ import annotations

from django.utils import timezone

from concord.core.models import WorkerHeartbeat


def worker_heartbeat(*, worker_id: str, tasks_done: int = 0) -> None:
    """Record that a worker process is alive (one row per worker, updated in place)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen=now, tasks_done=tasks_done
    )
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, started_at=now, last_seen=now, tasks_done=tasks_done
        )


def worker_stopped(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
