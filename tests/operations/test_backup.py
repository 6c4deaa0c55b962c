"""Backup and restore drills: a backup taken while a burst of changes runs restores to a
database whose trail verifies and replays, as `cjji audit verify` and `cjji audit replay`
say; a backup whose trail is broken is refused with one line and exit 2."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tests.conftest import Clock, runtime_for
from tests.integration.walk import LEAD, register_terms, seed_people
from tests.support.acting import send
from tests.support.cli_server import CliServer
from tests.support.processes import ROOT
from workflow.application.commands import CreateWorkStream
from workflow.bootstrap import Runtime
from workflow.store.db import engine_for
from workflow.store.migrate import upgrade

Cjji = Callable[..., subprocess.CompletedProcess[str]]


def cjji_for(cli_server: CliServer, tmp_path: Path) -> Callable[..., Cjji]:
    def on(database_url: str) -> Cjji:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CJJI_")},
            "CJJI_DATABASE_URL": database_url,
            "CJJI_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(ROOT),
        }

        def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
            done = cli_server.run(args, env=env, cwd=tmp_path)
            assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
            # What is said, whatever width the terminal would wrap it at (errors are one line).
            done.stdout = " ".join(done.stdout.split())
            return done

        return run

    return on


class Burst:
    """A thread making changes (new work streams, documents registered) until stopped."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.made = 0
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                ref = f"burst-{self.made}"
                send(
                    self.rt,
                    LEAD,
                    CreateWorkStream(
                        ref=ref,
                        title=f"Burst {self.made}",
                        kind="thematic_inspection",
                        fields={"lead": "HMI Probation", "supporting": ["HMI Prisons"]},
                    ),
                )
                register_terms(self.rt, ref, b"Terms " + ref.encode())
                self.made += 1
        except BaseException as error:  # shown by the test
            self.errors.append(error)

    def __enter__(self) -> Burst:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        assert not self.errors, self.errors

    def wait_for(self, count: int) -> None:
        while self.made < count and not self.errors:
            self._stop.wait(0.05)


def chain(rt: Runtime) -> list[tuple[int, str]]:
    with rt.engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text("SELECT seq, hash FROM audit_event ORDER BY seq"))
        ]


def check_restored(original: Runtime, restored: Runtime, run: Cjji) -> None:
    """The restored trail is a whole prefix of the original's, and verifies and replays."""
    copied = chain(restored)
    assert copied, "the backup holds no event"
    assert copied == chain(original)[: len(copied)]
    assert "audit trail intact" in run("audit", "verify").stdout
    assert "replay matches storage" in run("audit", "replay").stdout


def test_a_sqlite_backup_taken_mid_burst_restores_whole(
    sqlite_rt: Runtime, tmp_path: Path, cli_server: CliServer
) -> None:
    on = cjji_for(cli_server, tmp_path)
    seed_people(sqlite_rt)
    backup = tmp_path / "backup.sqlite3"
    with Burst(sqlite_rt) as burst:
        burst.wait_for(3)
        said = on(sqlite_rt.settings.database_url)("backup", str(backup)).stdout
        burst.wait_for(burst.made + 3)  # the burst went on after the backup
    assert f"backed up to {backup}" in said

    elsewhere = f"sqlite:///{tmp_path / 'elsewhere' / 'cjji.sqlite3'}"
    run = on(elsewhere)
    restored_said = run("restore", str(backup)).stdout
    assert "audit trail intact" in restored_said
    restored = runtime_for(elsewhere, Clock(sqlite_rt.clock()), tmp_path)
    check_restored(sqlite_rt, restored, run)
    assert len(chain(restored)) < len(chain(sqlite_rt))  # taken mid-burst, not at its end


def test_a_restore_replaces_a_database_that_has_moved_on(
    sqlite_rt: Runtime, tmp_path: Path, cli_server: CliServer
) -> None:
    run = cjji_for(cli_server, tmp_path)(sqlite_rt.settings.database_url)
    seed_people(sqlite_rt)
    register_terms(sqlite_rt, _create(sqlite_rt))
    backup = tmp_path / "backup.sqlite3"
    run("backup", str(backup))
    at_backup = chain(sqlite_rt)
    register_terms(sqlite_rt, "mappa", b"Terms v2")  # the database moves on
    assert len(chain(sqlite_rt)) > len(at_backup)
    sqlite_rt.engine.dispose()

    run("restore", str(backup))
    assert chain(sqlite_rt) == at_backup
    assert "audit trail intact" in run("audit", "verify").stdout
    assert "replay matches storage" in run("audit", "replay").stdout


def test_a_backup_whose_trail_is_broken_is_refused(
    sqlite_rt: Runtime, tmp_path: Path, cli_server: CliServer
) -> None:
    on = cjji_for(cli_server, tmp_path)
    seed_people(sqlite_rt)
    register_terms(sqlite_rt, _create(sqlite_rt))
    backup = tmp_path / "backup.sqlite3"
    on(sqlite_rt.settings.database_url)("backup", str(backup))
    with sqlite3.connect(backup) as conn:
        conn.execute("UPDATE audit_event SET actor = 'someone else' WHERE seq = 2")
    conn.close()

    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    refused = on(elsewhere)("restore", str(backup), expect=2)
    assert refused.stderr.count("\n") == 1
    assert "audit trail" in refused.stderr and "broken at event 2" in refused.stderr
    assert not (tmp_path / "elsewhere.sqlite3").exists()  # nothing was written

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    refused = on(elsewhere)("restore", str(not_a_backup), expect=2)
    assert "is not a SQLite backup" in refused.stderr


def _create(rt: Runtime) -> str:
    send(
        rt,
        LEAD,
        CreateWorkStream(
            ref="mappa",
            title="MAPPA",
            kind="thematic_inspection",
            fields={"lead": "HMI Probation", "supporting": ["HMI Prisons"]},
        ),
    )
    return "mappa"


@pytest.mark.postgres
def test_a_postgres_backup_taken_mid_burst_restores_whole(
    pg_rt: Runtime, own_pg_database: str, tmp_path: Path, cli_server: CliServer
) -> None:
    on = cjji_for(cli_server, tmp_path)
    seed_people(pg_rt)
    backup = tmp_path / "backup.dump"
    with Burst(pg_rt) as burst:
        burst.wait_for(3)
        on(pg_rt.settings.database_url)("backup", str(backup))
        burst.wait_for(burst.made + 3)

    upgrade(engine_for(own_pg_database))  # a live database to replace: its tables go
    with engine_for(own_pg_database).begin() as conn:  # one a newer release might add
        conn.execute(text("CREATE TABLE from_a_newer_release (id integer)"))
    run = on(own_pg_database)
    assert "audit trail intact" in run("restore", str(backup)).stdout
    restored = runtime_for(own_pg_database, Clock(pg_rt.clock()), tmp_path)
    check_restored(pg_rt, restored, run)
    with engine_for(own_pg_database).connect() as conn:
        assert not inspect(conn).has_table("from_a_newer_release")
