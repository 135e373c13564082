"""Time the directory pages with Django's test Client and count their SQL queries."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.generate import (
    BIG_REGION,
    COORDINATOR_EMAIL,
    FOCUS_COMMUNITY,
    NGO_MEMBER_EMAIL,
    SMALL_REGION,
)
from concord.accounts.models import User

# A fragment of many Russian surnames (Петрова, Иванова…): a broad search with many pages.
BROAD_FRAGMENT = "ова"


@dataclass(frozen=True)
class Case:
    name: str
    url: str


@dataclass
class Result:
    user: str
    case: str
    url: str
    status: int
    queries: int
    median_ms: float
    p95_ms: float
    samples: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def cases(surname: str) -> list[Case]:
    """The representative requests; `surname` is one that exists for every viewer."""
    search = reverse("directory:search")

    def q(**params: object) -> str:
        return f"{search}?{urlencode(params)}"

    return [
        Case("search: surname", q(q=surname)),
        Case(f"search: '{BROAD_FRAGMENT}', page 2", q(q=BROAD_FRAGMENT, page=2)),
        Case(f"search: region {BIG_REGION}", q(region=BIG_REGION)),
        Case(f"search: community {FOCUS_COMMUNITY}", q(community=FOCUS_COMMUNITY)),
        Case("search: role police_liaison", q(role="police_liaison")),
        Case("search: organisations, ethnic", q(tab="organisations", kind="ethnic_ngo")),
        Case(f"region page {BIG_REGION} (big)", reverse("directory:region", args=[BIG_REGION])),
        Case(
            f"region page {SMALL_REGION} (small)",
            reverse("directory:region", args=[SMALL_REGION]),
        ),
    ]


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: the value below which `share` of the samples lie."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def count_queries(client: Client, url: str) -> tuple[int, int]:
    """Status and number of SQL queries of one request (not timed: capturing costs time)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured.captured_queries)


def time_requests(client: Client, url: str, requests: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        client.get(url)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run_case(client: Client, user: str, case: Case, requests: int, warmup: int) -> Result:
    status, queries = count_queries(client, case.url)
    samples = time_requests(client, case.url, requests, warmup) if status == 200 else []
    return Result(
        user=user,
        case=case.name,
        url=case.url,
        status=status,
        queries=queries,
        median_ms=statistics.median(samples) if samples else math.nan,
        p95_ms=percentile(samples, 0.95) if samples else math.nan,
        samples=len(samples),
    )


def logged_in(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def measure_all(requests: int, warmup: int) -> list[Result]:
    """Every case for a national coordinator and for an NGO member (narrower, costlier scope)."""
    member = User.objects.select_related("person").get(email=NGO_MEMBER_EMAIL)
    surname = member.person.last_name if member.person else "Иванов"
    try:
        all_cases = cases(surname)
    except NoReverseMatch as error:
        raise SystemExit(f"The directory pages are not there yet: {error}") from error
    results = []
    for label, email in (("coordinator", COORDINATOR_EMAIL), ("ngo_member", NGO_MEMBER_EMAIL)):
        client = logged_in(email)
        results += [run_case(client, label, case, requests, warmup) for case in all_cases]
    return results
