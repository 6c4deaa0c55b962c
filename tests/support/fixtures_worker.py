"""The ``deployment`` fixture: PostgreSQL, Redis, one real Celery worker and a real SMTP
server, shared by the tests of a session (per xdist worker), each starting from wiped
tables and an empty mailbox.

Use it with ``pytest_plugins = ["tests.support.fixtures_worker"]`` in a test module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Clock, service_missing, wipe
from tests.support.deployment import Deployment
from tests.support.deployment import deployment as make_deployment
from tests.support.processes import REDIS_URL, CeleryProcess, redis_reachable, running, service_env
from tests.support.smtp import MailCatcher

LEASE = 5  # seconds: the outbox lease the worker and the tests' runtimes share


@pytest.fixture(scope="session")
def shared_worker(
    pg_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[CeleryProcess, MailCatcher, Path, str]]:
    """One real worker (and SMTP server) for the session's tests: none of them stops it."""
    if not redis_reachable():
        service_missing("Redis", REDIS_URL)
    data_dir = tmp_path_factory.mktemp("shared-worker")
    with MailCatcher() as mail:
        env = service_env(
            pg_database,
            data_dir,
            broker_url=REDIS_URL,
            mail_channel="smtp",
            smtp_port=mail.port,
            outbox_lease_seconds=LEASE,
        )
        with running("worker", env) as worker:
            yield worker, mail, data_dir, env["CJJI_QUEUE"]


@pytest.fixture
def deployment(
    pg_database: str,
    clock: Clock,
    shared_worker: tuple[CeleryProcess, MailCatcher, Path, str],
) -> Iterator[Deployment]:
    """A runtime whose outbox rows go to the shared worker, on wiped tables."""
    worker, mail, data_dir, queue = shared_worker
    with make_deployment(
        pg_database,
        data_dir,
        clock,
        mail,
        broker_url=REDIS_URL,
        lease_seconds=LEASE,
        queue=queue,
    ) as dep:
        wipe(dep.rt)
        mail.clear()
        dep.workers.append(worker)  # its output is shown when a drain times out
        try:
            yield dep
        finally:
            dep.workers.remove(worker)  # the next test uses it: not stopped here
            wipe(dep.rt)
