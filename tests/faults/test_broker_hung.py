"""A broker that accepts connections but never answers (a hung Redis, SIGSTOPped) costs a
command a few seconds, never its change: the change commits, its messages wait in the
outbox for the relay, and the command says so and exits 0."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.cli_server import CliServer
from tests.support.processes import ROOT, service_env
from tests.support.redis_server import PrivateRedis
from workflow.store.db import normalise_url

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced

PROGRAMME = ROOT / "config/programmes/cjji-2021-23.yaml"
PEOPLE = ROOT / "config/people.demo.yaml"
#: What the command may take with the broker hung: start-up on a loaded machine plus
#: CJJI_BROKER_TIMEOUT_SECONDS (3). Before every broker call had a limit it never returned.
BUDGET = 40.0


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cjji.sqlite3'}"
    url: str = request.getfixturevalue("pg_database")
    from datetime import UTC, datetime

    from tests.conftest import Clock, runtime_for, wipe

    wipe(runtime_for(url, Clock(datetime.now(UTC)), tmp_path))
    return url


@pytest.fixture
def hung_broker(private_broker: PrivateRedis) -> Iterator[PrivateRedis]:
    """The private Redis, stopped: the kernel still accepts connections, nothing answers."""
    assert private_broker.proc is not None
    yield private_broker
    if private_broker.proc.poll() is None:
        os.kill(private_broker.proc.pid, signal.SIGCONT)


@pytest.fixture
def cjji(cli_server: CliServer) -> Callable[..., subprocess.CompletedProcess[str]]:
    """One command, a process of its own (forked from the session's server)."""

    def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return cli_server.run(args, env=env, cwd=ROOT, timeout=BUDGET + 20)

    return run


def test_a_change_with_the_broker_hung_commits_and_leaves_its_messages_for_the_relay(
    database_url: str,
    tmp_path: Path,
    hung_broker: PrivateRedis,
    cjji: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    env = service_env(database_url, tmp_path, broker_url=hung_broker.url, outbox_lease_seconds=1)
    for args in (
        ("db", "upgrade"),
        ("users", "load", str(PEOPLE)),
        ("programme", "import", str(PROGRAMME), "--actor", "admin"),
    ):
        done = cjji(env, *args)
        assert done.returncode == 0, done.stderr
    engine = create_engine(normalise_url(database_url))

    def waiting() -> int:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT count(*) FROM outbox WHERE done_at IS NULL")).scalar_one()
            )

    before = waiting()
    assert hung_broker.proc is not None
    os.kill(hung_broker.proc.pid, signal.SIGSTOP)
    started = time.monotonic()
    fired = cjji(
        env, "streams", "fire", "mental-health", "pause", "--reason", "broker test",
        "--actor", "lead.hmiprobation",
    )  # fmt: skip
    took = time.monotonic() - started
    assert fired.returncode == 0, fired.stderr
    assert took < BUDGET, f"the command took {took:.1f}s with the broker hung"
    assert "mental-health is now in paused" in fired.stdout
    assert "broker unreachable" in fired.stderr
    assert "message(s) left for the relay" in fired.stderr
    assert "Traceback" not in fired.stderr
    with engine.connect() as conn:
        state = conn.execute(
            text("SELECT state FROM work_stream WHERE ref = 'mental-health'")
        ).scalar_one()
    assert state == "paused", "the change committed"
    assert waiting() > before, "its messages wait in the outbox"
    # The broker wakes: once the lease taken at commit has run out, the relay sends them.
    os.kill(hung_broker.proc.pid, signal.SIGCONT)
    time.sleep(1.5)
    relayed = cjji(env, "relay", "--json")
    assert relayed.returncode == 0, relayed.stderr
    assert json.loads(relayed.stdout)["published"] == waiting() - before
    assert hung_broker.queued(env["CJJI_QUEUE"]) >= 1
    engine.dispose()
