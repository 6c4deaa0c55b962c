"""A PostgreSQL database of one test's own, for tests that must not share the session's:
a downgrade drops every table, a restore replaces them, and readiness must not see the
heartbeats of the session's shared worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import empty_pg_database


@pytest.fixture
def own_pg_database() -> Iterator[str]:
    """An empty PostgreSQL database, dropped after the test."""
    with empty_pg_database("cjji_ops") as url:
        yield url
