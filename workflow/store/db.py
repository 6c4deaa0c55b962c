"""Engines and sessions. Built on demand, never at import time.

SQLite is made to behave like PostgreSQL's ``SELECT … FOR UPDATE`` for our purposes:
every transaction starts with ``BEGIN IMMEDIATE``, which takes the write lock at once,
so two writers can never both read a work stream and then both change it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from workflow.domain.errors import InvalidInput

#: The databases the engine runs on, as the scheme of a URL says them.
SUPPORTED = "sqlite:///PATH or postgresql://USER@HOST:PORT/NAME"
_SCHEMES = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"})
#: Seconds to wait for PostgreSQL to accept a connection (the default is to wait forever).
CONNECT_TIMEOUT = 10


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def parse_url(url: str) -> URL:
    """The URL of a supported database; :class:`InvalidInput` (no password) if it is not."""
    try:
        parsed = make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        raise InvalidInput(
            f"the database URL {_without_password(url)!r} is not a URL: expected {SUPPORTED}"
        ) from None
    if parsed.drivername not in _SCHEMES:
        raise InvalidInput(
            f"the database URL {shown_url(url)} names {parsed.get_backend_name()!r}, "
            f"which is not supported: use {SUPPORTED}"
        )
    return parsed


def shown_url(url: str) -> str:
    """The URL as configured, for messages: without its password."""
    try:
        return make_url(url)._replace(password=None).render_as_string(hide_password=False)
    except (ArgumentError, ValueError):
        return _without_password(url)


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not (sep and at):
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{host}"


def make_engine(url: str, *, writer: bool = True, **kwargs: Any) -> Engine:
    parse_url(url)
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT})
        return create_engine(url, pool_pre_ping=True, **kwargs)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # Readers start deferred transactions and never queue behind a writer (WAL mode).
    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


@cache
def engine_for(url: str, writer: bool = True) -> Engine:
    """One engine (and pool) per URL and purpose per process."""
    return make_engine(url, writer=writer)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
