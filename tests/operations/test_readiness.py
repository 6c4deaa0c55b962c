"""/readyz and the administrators' health page, with a real worker and beat: both green
while they run, red within seconds of the worker's (and beat's) death.

The "late" threshold is settable (CJJI_HEARTBEAT_LATE_SECONDS): here 3 seconds, with a
heartbeat every second, so the test waits seconds, not the default minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from tests.api.helpers import api, app_for, browser
from tests.conftest import service_missing
from tests.integration.walk import seed_people
from tests.operations.test_metrics import sample
from tests.support.processes import REDIS_URL, CeleryProcess, redis_reachable, service_env
from workflow.bootstrap import Runtime, bootstrap
from workflow.store.db import engine_for
from workflow.store.migrate import upgrade

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

TIMING: dict[str, Any] = {
    "heartbeat_every_seconds": 1,
    "heartbeat_late_seconds": 3,
    "relay_every_seconds": 1,
    "sweep_min_interval_seconds": 1,
    "sweep_every_seconds": 2,
}


def eventually(probe: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


@pytest.fixture
def live(own_pg_database: str, tmp_path: Path) -> tuple[Runtime, dict[str, str]]:
    """A database of its own: the session's shared worker must not keep "worker" green."""
    if not redis_reachable():
        service_missing("Redis", REDIS_URL)
    pg_database = own_pg_database
    upgrade(engine_for(pg_database))
    env = service_env(pg_database, tmp_path, broker_url=REDIS_URL, **TIMING)
    settings = Settings(
        database_url=pg_database,
        broker_url=REDIS_URL,
        queue=env["CJJI_QUEUE"],
        data_dir=tmp_path,
        _env_file=None,
        **TIMING,
    )
    return bootstrap(settings), env  # the real clock: heartbeats are written with it


def readyz(client: TestClient) -> tuple[int, dict[str, Any]]:
    answer = client.get("/readyz")
    return answer.status_code, answer.json()


def row_is_red(page: str, name: str) -> bool:
    row = page.split(f'id="health-{name}"', 1)[1].split("</tr>", 1)[0]
    return 'data-ok="no"' in row and "govuk-tag--red" in row


def test_killing_the_worker_turns_readyz_and_the_health_page_red(
    live: tuple[Runtime, dict[str, str]],
) -> None:
    rt, env = live
    seed_people(rt)
    client = TestClient(app_for(rt))
    admin = browser(rt, "admin")
    admin_api = api(rt, "admin")

    # Nothing has run yet: not ready, and /readyz names what is missing.
    status, body = readyz(client)
    assert status == 503
    assert body["failing"] == ["beat", "worker"]
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]

    worker = CeleryProcess("worker", env).ready()
    beat = CeleryProcess("beat", env).ready()
    try:
        assert eventually(lambda: readyz(client)[0] == 200), readyz(client)
        page = eventually(
            lambda: (p := admin.get("/health").text) and "govuk-tag--red" not in p and p
        )
        assert page, admin.get("/health").text
        for name in ("relay", "sweep", "worker", "beat", "outbox"):
            assert f'id="health-{name}" data-ok="yes"' in page
        # The worker's and beat's numbers reach the web server's scrape.
        scraped = admin_api.get("/metrics").text
        assert sample(scraped, "cjji_job_runs_total", job="relay") >= 1
        assert sample(scraped, "cjji_job_last_duration_seconds", job="sweep") > 0
        assert any(
            line.startswith('cjji_heartbeat_age_seconds{name="worker:')
            for line in scraped.splitlines()
        )

        worker.kill()
        killed = time.monotonic()
        assert eventually(lambda: readyz(client)[0] == 503, timeout=20)
        assert time.monotonic() - killed < 60
        status, body = readyz(client)
        assert body["failing"] == ["worker"]
        assert "late" in body["checks"]["worker"]["detail"]
        page = admin.get("/health").text
        assert row_is_red(page, "worker") and not row_is_red(page, "beat")

        beat.kill()
        assert eventually(lambda: readyz(client)[1]["failing"] == ["beat", "worker"], timeout=20)
        assert eventually(lambda: row_is_red(admin.get("/health").text, "relay"), timeout=20)
    finally:
        worker.stop()
        beat.stop()


def test_a_broker_that_cannot_be_reached_is_named(sqlite_rt: Runtime) -> None:
    sqlite_rt.settings.broker_url = "redis://127.0.0.1:1/0"
    sqlite_rt.settings.broker_timeout_seconds = 1
    status, body = readyz(TestClient(app_for(sqlite_rt)))
    assert status == 503
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    assert body["failing"] == ["broker", "beat", "worker"]


def test_the_health_page_is_for_administrators(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    assert browser(sqlite_rt, "lead.hmiprobation").get("/health").status_code == 403
    page = browser(sqlite_rt, "admin").get("/health")
    assert page.status_code == 200
    assert row_is_red(page.text, "worker")  # no worker has ever run on this database
    assert 'id="health-outbox" data-ok="yes"' in page.text
