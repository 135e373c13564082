"""Fixtures of the regions tests.

Each test loads what it needs inside its own transaction, so nothing outlives it. Reading the
packages is the slow part (about a second for RU) and `country_data_read` caches it per process,
so every load after the first only writes rows; one `min_population` keeps that cache shared.
"""

from __future__ import annotations

import pytest

from concord.regions.services import LoadReport, country_load

# Big enough to keep the loads quick, small enough to keep all of the programme's host cities.
TEST_MIN_POPULATION = 150_000


@pytest.fixture
def ru(db: None) -> LoadReport:
    return country_load(code="RU", min_population=TEST_MIN_POPULATION)
