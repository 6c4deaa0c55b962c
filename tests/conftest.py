"""Shared fixtures: real databases (SQLite files and the machine's PostgreSQL).

With ``CI`` set, a PostgreSQL or Redis that cannot be reached fails the run; elsewhere
the tests that need it are skipped with a message saying how to start it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from config.settings import Settings
from tests.support.cli_server import CliServer, pause_measuring, shared_server
from workflow.bootstrap import Runtime, bootstrap
from workflow.store.db import engine_for
from workflow.store.migrate import upgrade

# Cheap Argon2 parameters for every hash the tests make: the services, imported after this
# file by the test modules, read it once (see workflow/adapters/passwords.py).
os.environ["CJJI_PASSWORD_HASHING"] = "fast"

PG_ADMIN_URL = os.environ.get("CJJI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))


def _on_sqlite_too(item: pytest.Item, collected: set[str]) -> bool:
    """Whether ``item`` is the PostgreSQL run of a test also collected for SQLite."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "postgres" not in callspec.params.values():
        return False
    ids = callspec.id.split("-")
    twin = "-".join("sqlite" if part == "postgres" else part for part in ids)
    return item.nodeid.replace(f"[{callspec.id}]", f"[{twin}]") in collected


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL run of a test that runs on both databases is ``untraced``.

    Its twin on SQLite runs the same handlers, queries and pages line for line; the lines
    only PostgreSQL runs (its dialect's branches, the parallel audit verify, the locks) are
    run by the tests that use PostgreSQL alone, which stay traced. Measured on 4 December:
    the PostgreSQL twins reached 7 lines (of 12,135) that no other test did, and tracing
    their runs took about a fifth of the suite's test time (206 s of 1,059).
    """
    collected = {item.nodeid for item in items}
    for item in items:
        if _on_sqlite_too(item, collected):
            item.add_marker(pytest.mark.untraced)


@contextmanager
def _untraced(config: pytest.Config) -> Iterator[None]:
    """Coverage's tracer off in this process (and for the `cjji` commands forked meanwhile),
    when coverage is measuring at all."""
    plugin = config.pluginmanager.getplugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    if controller is None:
        yield
        return
    pause_measuring(True)  # the `cjji` commands it runs are not measured either
    controller.pause()
    # In an xdist worker coverage's pause left its tracer set in the thread that runs the
    # tests: sys.gettrace() still returned it, and a loop in an `untraced` test cost what
    # it cost traced (0.091 s against 0.030 s with the tracer unset, 4 December). Pausing
    # had saved nothing there until this line; resuming sets a new tracer in this thread.
    sys.settrace(None)
    try:
        yield
    finally:
        controller.resume()
        pause_measuring(False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """Coverage's tracer off for a test marked ``untraced``: set-up, call and tear-down.

    On Python 3.11 the tracer roughly doubles the CPU of the code it watches, and of
    everything that code calls. The fault tests (their code runs in workers, brokers and
    senders started as processes) and the property walks and races (thousands of commands
    through handlers the other tests measure) would pay that for nothing: a line only they
    run counts as missed, so the figure printed can only be below the truth.
    """
    if item.get_closest_marker("untraced") is None:
        return (yield)
    with _untraced(item.config):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> object:
    """Schemathesis makes the fuzzing's deterministic cases (its coverage phase) when it
    collects each operation's test, in every xdist worker: 40 % of the collection's CPU,
    and half as much again under the tracer (py-spy, 4 December). None of it is the
    engine's code, so the tracer is off while it runs."""
    if type(collector).__name__ != "SchemathesisCase":
        return (yield)
    with _untraced(collector.config):
        return (yield)


def service_missing(what: str, how: str) -> None:
    message = f"{what} is not reachable ({how})"
    if IN_CI:
        pytest.fail(f"{message}: CI requires it", pytrace=False)
    pytest.skip(f"{message}: start it to run these tests")


class Clock:
    """A clock the test moves by hand; services take it as their time source."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2022, 1, 10, 9, 0, tzinfo=UTC))


@contextmanager
def empty_pg_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database on the machine's server, dropped afterwards: empty, or a
    copy of the database at the URL ``template`` (which no one may be connected to)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
    except psycopg.OperationalError as error:
        service_missing("PostgreSQL", f"{PG_ADMIN_URL}: {str(error).strip()}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        for writer in (True, False):
            engine_for(url, writer).dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated; dropped at the end."""
    with empty_pg_database("cjji_test") as url:
        upgrade(engine_for(url))
        yield url


TABLES = (
    "audit_cosignature",
    "audit_checkpoint",
    "audit_body_key",
    "security_log",
    "api_token",
    "web_session",
    "signoff_link_use",
    "audit_event",
    "reminder",
    "deadline",
    "stream_milestone",
    "deadline_override",
    "outbox",
    "delivery",
    "document_content",
    "recommendation",
    "stream_body",
    "work_stream",
    "plan_version",
    "business_plan",
    "app_user",
    "heartbeat",
)


#: The tables a command writes: all but ``heartbeat``, which the session's shared Celery
#: worker (tests/support/fixtures_worker.py) keeps writing on its own clock, into the same
#: database, whichever test is running. Fingerprints of "nothing was written" use these.
WRITTEN_BY_COMMANDS = tuple(table for table in TABLES if table != "heartbeat")


def fingerprint(rt: Runtime) -> dict[str, Any]:
    """What "nothing was written" compares: the row count of every table a command writes,
    the audit chain's head, and each work stream's state and version."""
    with rt.engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in WRITTEN_BY_COMMANDS
        }
        head = tuple(conn.execute(text("SELECT seq, hash FROM audit_head")).one())
        rows = conn.execute(text("SELECT ref, state, version FROM work_stream ORDER BY ref"))
        return {"counts": counts, "head": head, "streams": [tuple(r) for r in rows]}


def wipe(rt: Runtime) -> None:
    with rt.engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": "0" * 64})


#: Throttling limits for the suite, whose test clients all come from one address and
#: whose tests share a database: so high that no test meets them by accident. The tests
#: of throttling set their own (tests/api/test_security.py).
SUITE_SIGNIN_LIMITS, SUITE_ADDRESS_LIMITS = "10000/minute", "100000/minute"


def runtime_for(url: str, clock: Clock, tmp_path: Path) -> Runtime:
    settings = Settings(
        database_url=url,
        data_dir=tmp_path,
        signin_limits=SUITE_SIGNIN_LIMITS,
        address_limits=SUITE_ADDRESS_LIMITS,
        _env_file=None,
    )
    return bootstrap(settings, clock=clock)


@pytest.fixture(scope="session")
def cli_server() -> CliServer:
    """`cjji` as a real process per command, forked from a server that has done the
    imports once (tests/support/cli_server.py); one server per session (xdist worker),
    the one that forks its Celery processes too."""
    return shared_server()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, made once per session (per xdist worker)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(engine_for(url))
    engine_for(url).dispose()
    # Fold the write-ahead log into the file, so that the file alone is the whole database.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


@pytest.fixture
def sqlite_rt(sqlite_template: Path, tmp_path: Path, clock: Clock) -> Runtime:
    """A migrated SQLite database of the test's own: a copy of the session's template."""
    database = tmp_path / "cjji.sqlite3"
    shutil.copy(sqlite_template, database)
    return runtime_for(f"sqlite:///{database}", clock, tmp_path)


@pytest.fixture
def pg_rt(pg_database: str, tmp_path: Path, clock: Clock) -> Iterator[Runtime]:
    rt = runtime_for(pg_database, clock, tmp_path)
    wipe(rt)
    yield rt
    wipe(rt)


@pytest.fixture(params=["sqlite", "postgres"])
def rt(request: pytest.FixtureRequest) -> Runtime:
    """The same test on both databases."""
    fixture = "sqlite_rt" if request.param == "sqlite" else "pg_rt"
    return request.getfixturevalue(fixture)
