"""GET /healthz: what load balancers, compose and CI read to decide that Concord is up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from pytest_django import Settings

from concord.core.services import worker_heartbeat, worker_stopped

# A fixed instant, so that "fresh" and "stale" are exact rather than a race with the clock.
NOON = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
STALE_AFTER = 60

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stale_after(settings: Settings) -> None:
    # Pinned so that CONCORD_WORKER_STALE_SECONDS in the environment cannot change the tests.
    settings.CONCORD_WORKER_STALE_SECONDS = STALE_AFTER


def get_health(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_no_worker_heartbeat_is_unhealthy(client: Client) -> None:
    status, body = get_health(client)

    assert status == 503
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["worker"] == {"alive": 0, "last_heartbeat": None}


def test_fresh_heartbeat_is_healthy(client: Client) -> None:
    with time_machine.travel(NOON, tick=False):
        worker_heartbeat(worker_id="host:1")
        status, body = get_health(client)

    assert status == 200
    assert body["status"] == "ok"
    assert body["worker"]["alive"] == 1
    assert datetime.fromisoformat(body["worker"]["last_heartbeat"]) == NOON


def test_response_shape(client: Client) -> None:
    with time_machine.travel(NOON, tick=False):
        worker_heartbeat(worker_id="host:1")
        _, body = get_health(client)

    assert set(body) == {"status", "database", "worker"}
    assert set(body["database"]) == {"ok", "vendor"}
    assert set(body["worker"]) == {"alive", "last_heartbeat"}


def test_reports_the_database_vendor(client: Client) -> None:
    _, body = get_health(client)

    assert body["database"]["vendor"] == connection.vendor
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}


def test_heartbeat_inside_the_window_is_fresh(client: Client) -> None:
    with time_machine.travel(NOON, tick=False):
        worker_heartbeat(worker_id="host:1")
    with time_machine.travel(NOON + timedelta(seconds=STALE_AFTER - 1), tick=False):
        status, _ = get_health(client)

    assert status == 200


def test_stale_heartbeat_is_unhealthy(client: Client) -> None:
    with time_machine.travel(NOON, tick=False):
        worker_heartbeat(worker_id="host:1")
    with time_machine.travel(NOON + timedelta(seconds=STALE_AFTER + 1), tick=False):
        status, body = get_health(client)

    assert status == 503
    assert body["status"] == "degraded"
    assert body["worker"]["alive"] == 0
    # The last heartbeat is still reported, so an operator sees when the worker went quiet.
    assert datetime.fromisoformat(body["worker"]["last_heartbeat"]) == NOON


def test_counts_only_fresh_workers(client: Client) -> None:
    with time_machine.travel(NOON, tick=False):
        worker_heartbeat(worker_id="host:1")
    with time_machine.travel(NOON + timedelta(seconds=STALE_AFTER + 30), tick=False):
        worker_heartbeat(worker_id="host:2")
        worker_heartbeat(worker_id="host:3")
        status, body = get_health(client)

    assert status == 200
    assert body["worker"]["alive"] == 2
    assert datetime.fromisoformat(body["worker"]["last_heartbeat"]) == NOON + timedelta(
        seconds=STALE_AFTER + 30
    )


def test_stopped_worker_leaves_no_heartbeat(client: Client) -> None:
    worker_heartbeat(worker_id="host:1")
    worker_stopped(worker_id="host:1")

    status, body = get_health(client)

    assert status == 503
    assert body["worker"]["last_heartbeat"] is None


def test_not_cached_and_get_only(client: Client) -> None:
    response = client.get("/healthz")
    # A proxy that cached a healthy answer would hide an outage.
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405
