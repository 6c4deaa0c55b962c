"""Fixtures of the fault tests: a broker of a test's own, which it may stop and restart."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

pytest.register_assert_rewrite("tests.faults.helpers")

from tests.conftest import service_missing  # noqa: E402
from tests.support.redis_server import PrivateRedis  # noqa: E402


@pytest.fixture
def private_broker() -> Iterator[PrivateRedis]:
    """A Redis of this test's own: stopping it loses every queued message."""
    if shutil.which("redis-server") is None:
        service_missing("redis-server", "the binary is not on PATH: apt-get install redis-server")
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.stop()
