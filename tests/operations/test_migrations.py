"""Migrations on real data, on both databases.

``tests/fixtures/schema-0007.sqlite3`` was made by the code of the release before the
operations migration (commit e96354a, schema heads 0003, 0004 and 0007) with
``make_previous_release_fixture.py`` beside it: every table holds rows, a work stream
walked to closed. It is upgraded to today's heads on SQLite as it is, and on PostgreSQL
after its rows are copied into a database migrated to those same heads; then its trail
verifies and replays, its rows are all there, and the engine works on it. Every
migration's downgrade runs too: heads → base → heads on both databases.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Engine, Integer, String, inspect, select, text
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlmodel import SQLModel, col

from tests.api.helpers import api
from tests.conftest import Clock, runtime_for
from tests.integration.walk import LEAD
from tests.support.acting import send
from workflow.application.commands import CreateWorkStream
from workflow.application.queries import health, metrics, progress
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.decisions_awaited import awaited_bodies
from workflow.store import schema  # noqa: F401 - every table on the metadata
from workflow.store.audit import as_utc
from workflow.store.db import engine_for
from workflow.store.mapping import encode_awaiting
from workflow.store.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from workflow.store.tables import WorkStreamRow

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "schema-0007.sqlite3"
PREVIOUS_HEADS = ("0003", "0004", "0007")
# The tables added since the previous release (0008 security, 0009 operations, 0010 the
# witnessed log, 0012 the business plan's versions).
NEW_TABLES = {
    "plan_version",
    "security_log",
    "heartbeat",
    "audit_checkpoint",
    "audit_cosignature",
    "audit_body_key",
}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return str(request.getfixturevalue("own_pg_database"))


def tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names()) - {"alembic_version"}


def counts(engine: Engine, names: set[str]) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in names}


def test_every_migration_downgrades_and_upgrades_again(empty_url: str) -> None:
    engine = engine_for(empty_url)
    upgrade(engine)
    at_head = tables(engine)
    assert current_revision(engine) == head_revision()
    assert downgrade(engine, "base")[1] is None
    assert tables(engine) == set()
    upgrade(engine)
    assert tables(engine) == at_head
    assert current_revision(engine) == head_revision()


def upgrade_to_previous(engine: Engine) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        for head in PREVIOUS_HEADS:
            command.upgrade(cfg, head)


def copy_rows(source: Engine, target: Engine) -> None:
    """Every row of the fixture into the (migrated, empty) target, parents first."""
    wanted = tables(source)
    with source.connect() as read, target.begin() as write:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in wanted:
                continue
            # The columns the previous release had (today's code may have added some).
            names = {c["name"] for c in inspect(read).get_columns(table.name)}
            columns = [c for c in table.columns if c.name in names]
            write.execute(table.delete())
            rows = [dict(row._mapping) for row in read.execute(select(*columns))]
            if rows:
                # Only those columns: today's table would add its new columns' defaults,
                # which the previous release's schema does not have yet.
                bare = sql_table(table.name, *(sql_column(c.name, c.type) for c in columns))
                write.execute(bare.insert(), rows)
            key = table.c.get("id")
            if key is not None and isinstance(key.type, Integer) and key.autoincrement:
                write.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                    )
                )


@pytest.fixture(params=["sqlite", "postgres"])
def previous_release(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The previous release's database, on SQLite or PostgreSQL, not yet upgraded."""
    copy = tmp_path / "previous.sqlite3"
    shutil.copy(FIXTURE, copy)
    if request.param == "sqlite":
        return f"sqlite:///{copy}"
    url = str(request.getfixturevalue("own_pg_database"))
    upgrade_to_previous(engine_for(url))
    copy_rows(engine_for(f"sqlite:///{copy}"), engine_for(url))
    return url


def test_the_previous_releases_data_upgrades_to_head_whole(
    previous_release: str, tmp_path: Path
) -> None:
    engine = engine_for(previous_release)
    assert current_revision(engine) == ",".join(PREVIOUS_HEADS)
    old_tables = tables(engine)
    assert old_tables | NEW_TABLES == set(SQLModel.metadata.tables)
    before = counts(engine, old_tables)
    assert all(before.values()), f"the fixture leaves a table empty: {before}"

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert counts(engine, old_tables) == before
    rt = runtime_for(previous_release, Clock(queries_now(engine)), tmp_path)
    assert_whole(rt)
    # 0013 filled the bodies awaited on every row as the store writes them (none here).
    assert awaiting_column(engine) == awaiting_by_the_store(rt)
    assert set(awaiting_column(engine).values()) == {None}
    assert queries.show_stream(rt, "mappa")["state"] == "closed"

    # The engine works on it: a new change chains on, and the new parts read it.
    send(rt, LEAD, new_stream("after-upgrade"))
    assert_whole(rt)
    assert next(c.name for c in health.operations(rt)) == "outbox"
    scraped = metrics.exposition(metrics.registry_for(rt)).decode()
    assert 'cjji_transitions_total{trigger="close"} 1.0' in scraped
    assert "cjji_outbox_waiting 2.0" in scraped  # left waiting by the fixture
    assert api(rt, "admin").get("/api/streams/mappa").json()["state"] == "closed"

    # The operations migration's way back keeps every older row.
    after = counts(engine, old_tables)
    downgrade(engine, "0007")
    assert tables(engine) == old_tables
    assert counts(engine, old_tables) == after
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def assert_whole(rt: Runtime) -> None:
    verification = queries.verify_audit(rt)
    assert verification.ok, verification
    assert queries.replay_differences(rt) == {}


def queries_now(engine: Engine) -> datetime:
    """A clock after the fixture's last event, so new events follow it in time."""
    with engine.connect() as conn:
        last = conn.execute(text("SELECT max(at) FROM audit_event")).scalar_one()
    if isinstance(last, str):  # SQLite keeps the text
        last = datetime.fromisoformat(last)
    return as_utc(last) + timedelta(days=1)


def new_stream(ref: str) -> CreateWorkStream:
    return CreateWorkStream(
        ref=ref,
        title="After the upgrade",
        kind="thematic_inspection",
        fields={"lead": "HMI Probation", "supporting": ["HMI Prisons"]},
    )


def awaiting_column(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT ref, awaiting FROM work_stream")).all()
    return {row.ref: row.awaiting for row in found}


def awaiting_by_the_store(rt: Runtime) -> dict[str, str | None]:
    """What the store writes in ``awaiting`` for each work stream as it stands."""
    with rt.read() as session:
        refs = session.execute(select(col(WorkStreamRow.ref))).scalars().all()
        loaded = [queries.load_readonly(session, ref)[1] for ref in refs]
    return {
        ws.ref: encode_awaiting(awaited_bodies(ws.state, ws.participants, ws.document))
        for ws in loaded
    }


def decision(body: str, verdict: str, version: str) -> dict[str, Any]:
    at = "2022-03-01T09:00:00+00:00"
    return {
        "body": body,
        "actor": f"signatory.{body.lower()}",
        "decision": verdict,
        "version": version,
        "at": at,
        "comment": None,
        "round": 0,
    }


def test_the_awaiting_column_is_filled_from_each_rows_decisions(
    previous_release: str, tmp_path: Path
) -> None:
    """0013 fills ``awaiting`` from the rows it finds: decisions awaited in scoping and at
    sign-off (a body that requested changes is not awaited), none elsewhere; the inbox
    then finds them by it, and the column and its index are as the model declares."""
    engine = engine_for(previous_release)
    upgrade(engine, "0012")
    rows = sql_table(
        "work_stream",
        sql_column("ref", String()),
        sql_column("state", String()),
        sql_column("documents", JSON()),
    )
    empty: dict[str, list[Any]] = {"versions": [], "decisions": []}
    changed = {
        # In scoping with terms of reference registered, approved by the lead alone.
        "mappa-follow-up": (
            "scoping",
            {
                "terms_of_reference": {
                    "versions": ["t1"],
                    "decisions": [decision("HMIPROBATION", "approve", "t1")],
                },
                "report": empty,
            },
        ),
        # At sign-off with no lead; HMICFRS requested changes, so awaits a new version.
        "police-custody": (
            "joint_signoff",
            {
                "terms_of_reference": empty,
                "report": {
                    "versions": ["r1"],
                    "decisions": [decision("HMICFRS", "request_changes", "r1")],
                },
            },
        ),
    }
    with engine.begin() as conn:
        for ref, (state, documents) in changed.items():
            conn.execute(
                rows.update().where(rows.c.ref == ref).values(state=state, documents=documents)
            )
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    found = awaiting_column(engine)
    assert found["mappa-follow-up"] == ",HMIPRISONS,HMICFRS,"
    assert found["police-custody"] == ",HMIPRISONS,CQC,"
    assert {v for ref, v in found.items() if ref not in changed} == {None}
    rt = runtime_for(previous_release, Clock(queries_now(engine)), tmp_path)
    assert found == awaiting_by_the_store(rt)
    assert [r["ref"] for r in progress.awaiting(rt, "HMIPRISONS")] == list(changed)
    assert [r["ref"] for r in progress.awaiting(rt, "HMICFRS")] == ["mappa-follow-up"]
    assert progress.awaiting(rt, "HMIPROBATION") == []
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, SQLModel.metadata) if "awaiting" in repr(d)]
    assert diff == []
    downgrade(engine, "0012")
    with engine.connect() as conn:
        assert "awaiting" not in {c["name"] for c in inspect(conn).get_columns("work_stream")}
    upgrade(engine)
    assert awaiting_column(engine) == found
