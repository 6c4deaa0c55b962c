"""Backing up and restoring the database, with proof that the restored trail is whole.

SQLite is copied through sqlite3's online backup API: one consistent snapshot taken in a
read transaction, so the engine keeps running (WAL mode: writers do not wait for it).
PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with ``pg_restore``;
both must be on PATH. A restore first proves the backup's audit trail: SQLite by reading
the file itself; PostgreSQL by restoring into a scratch database on the same server,
verifying there and dropping it. A backup whose trail does not verify is refused, and
the database is left as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from workflow.domain.audit_chain import Verification
from workflow.domain.errors import InvalidInput, WorkflowError
from workflow.store.audit import verify_chain
from workflow.store.db import make_engine, normalise_url
from workflow.store.migrate import current_revision

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupRefused(InvalidInput):
    """The backup cannot be restored: not a backup, or its audit trail is broken."""


class ToolMissing(WorkflowError):
    """pg_dump or pg_restore is not on PATH."""


@dataclass(frozen=True)
class Restored:
    verification: Verification
    revision: str | None
    #: The backup's tables: a restore drops any other the database had (a newer
    #: release's), so that the schema is the backup's revision exactly.
    tables: frozenset[str] = frozenset()


# -- SQLite -----------------------------------------------------------------------------
def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput("an in-memory SQLite database cannot be backed up")
    return Path(database)


def backup_sqlite(url: str, target: Path) -> None:
    """Copy the live database at ``url`` into ``target`` (replaced if it exists)."""
    source = sqlite3.connect(sqlite_path(url), timeout=30)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # all pages in one step: one snapshot of one moment
        copy.execute("PRAGMA journal_mode=DELETE")  # the file alone is the whole backup
    finally:
        copy.close()
        source.close()
    partial.replace(target)


def verify_sqlite_backup(backup: Path) -> Restored:
    _expect(backup, SQLITE_MAGIC, "a SQLite backup")
    # A copy is read, never the backup itself: opening a SQLite file may write to it.
    scratch = backup.with_name(f".{backup.name}.{uuid.uuid4().hex[:8]}.check")
    shutil.copyfile(backup, scratch)
    engine = make_engine(f"sqlite:///{scratch}", poolclass=NullPool)
    try:
        return _verified(engine, backup)
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)


def restore_sqlite(backup: Path, url: str) -> Restored:
    """Replace the database at ``url`` with the backup, once its trail has verified."""
    restored = verify_sqlite_backup(backup)
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(backup)
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return restored


# -- PostgreSQL ---------------------------------------------------------------------------
def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(
            f"{name} is not on PATH: install the PostgreSQL client tools "
            f"(docs/operations.md gives the {name} command to run by hand)"
        )
    return path


def libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump's and pg_restore's connection options for ``url``, the password passed in
    the environment (PGPASSWORD), never on the command line other users can read."""
    parsed: URL = make_url(normalise_url(url))
    args = [f"--dbname={parsed.database}"]
    if parsed.host:
        args.append(f"--host={parsed.host}")
    if parsed.port:
        args.append(f"--port={parsed.port}")
    if parsed.username:
        args.append(f"--username={parsed.username}")
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        first = next((line for line in done.stderr.splitlines() if line.strip()), "")
        raise WorkflowError(f"{Path(argv[0]).name} failed: {first.strip()}")


def pg_dump_command(url: str, target: Path) -> list[str]:
    args, _ = libpq(url)
    return [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={target}",
        *args,
    ]


def backup_postgres(url: str, target: Path) -> None:
    """A consistent dump (pg_dump reads one snapshot) while the engine runs."""
    argv = pg_dump_command(url, target.with_name(target.name + ".partial"))
    argv[0] = _tool("pg_dump")
    _run(argv, libpq(url)[1])
    target.with_name(target.name + ".partial").replace(target)


def _admin_url(url: str) -> URL:
    return make_url(normalise_url(url)).set(database="postgres")


def _pg_restore(backup: Path, url: str, *, clean: bool) -> None:
    args, env = libpq(url)
    argv = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    argv += ["--clean", "--if-exists", "--single-transaction"] if clean else []
    _run([*argv, *args, str(backup)], env)


def verify_postgres_backup(backup: Path, url: str) -> Restored:
    """Restore into a scratch database beside ``url``'s, verify the trail there, drop it."""
    _expect(backup, PG_MAGIC, "a pg_dump custom-format backup")
    admin = _admin_url(url)
    scratch = f"{make_url(normalise_url(url)).database}_restore_check_{uuid.uuid4().hex[:8]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    scratch_url = admin.set(database=scratch).render_as_string(hide_password=False)
    try:
        _pg_restore(backup, scratch_url, clean=False)
        engine = make_engine(scratch_url, poolclass=NullPool)
        try:
            return _verified(engine, backup)
        finally:
            engine.dispose()
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def restore_postgres(backup: Path, url: str) -> Restored:
    restored = verify_postgres_backup(backup, url)
    _pg_restore(backup, url, clean=True)
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for table in set(inspect(connection).get_table_names()) - restored.tables:
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    finally:
        engine.dispose()
    return restored


# -- both ------------------------------------------------------------------------------
def _expect(backup: Path, magic: bytes, what: str) -> None:
    if not backup.is_file():
        raise InvalidInput(f"no such file: {backup}")
    with backup.open("rb") as file:
        if file.read(len(magic)) != magic:
            raise BackupRefused(f"{backup} is not {what}: restore refused, nothing changed")


def _verified(engine: Engine, backup: Path) -> Restored:
    revision = current_revision(engine)
    if revision is None:
        raise BackupRefused(f"{backup} holds no cjji database: restore refused, nothing changed")
    with Session(engine) as session:
        verification = verify_chain(session)
        tables = frozenset(inspect(session.connection()).get_table_names())
    if not verification.ok:
        raise BackupRefused(
            f"the audit trail in {backup} is broken at event {verification.first_bad_seq} "
            f"({verification.problem}): restore refused, nothing changed"
        )
    return Restored(verification, revision, tables)
