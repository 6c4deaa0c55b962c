"""A PostgreSQL database of one test's own, for tests that must not share the session's:
a downgrade drops every table, a restore replaces them, and readiness must not see the
heartbeats of the session's shared worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import PG_ADMIN_URL, service_missing
from workflow.store.db import engine_for


@pytest.fixture
def own_pg_database() -> Iterator[str]:
    """An empty PostgreSQL database, dropped after the test."""
    name = f"cjji_ops_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        service_missing("PostgreSQL", f"{PG_ADMIN_URL}: {str(error).strip()}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    for writer in (True, False):
        engine_for(url, writer).dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
