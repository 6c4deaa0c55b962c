"""Versioned lifecycles: a work stream keeps the rules it started under.

Promise: registering a new version of the transition table changes nothing for the work
streams already in flight; their moves, the reasons given for refusals, and the replay
of their history stay version 1's. Work streams created afterwards follow the new
version. Moving a stream to another version is a deliberate, audited act.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from tests.integration.walk import LEAD, create
from tests.support.acting import send
from workflow.application.commands import FireTrigger, MigrateLifecycle
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain import lifecycle
from workflow.domain.errors import InvalidInput, NotPermitted, TransitionRefused
from workflow.domain.lifecycle import TRANSITIONS, Move
from workflow.domain.stages import Stage, Trigger
from workflow.store.migrate import alembic_config, upgrade

#: The version new work streams start under today, and the next one these tests register.
OLD = lifecycle.current_version()
NEXT = OLD + 1


def version_two() -> tuple[Move, ...]:
    """A trivial new version: a work stream can no longer be paused while scoping."""
    return tuple(
        m
        for m in lifecycle.lifecycle(OLD).transitions
        if not (m.trigger is Trigger.PAUSE and m.source is Stage.SCOPING)
    )


@pytest.fixture
def with_version_two() -> Iterator[None]:
    lifecycle.register(NEXT, version_two())
    yield
    lifecycle.unregister(NEXT)


def test_a_stream_started_under_v1_keeps_v1_after_v2_is_registered(
    rt: Runtime, with_version_two: None
) -> None:
    del with_version_two
    # "mappa" started before the next version existed: simulate by making it under OLD.
    lifecycle.unregister(NEXT)
    create(rt, "mappa")
    lifecycle.register(NEXT, version_two())
    create(rt, "newer")
    assert queries.show_stream(rt, "mappa")["lifecycle_version"] == OLD
    assert queries.show_stream(rt, "newer")["lifecycle_version"] == NEXT

    # OLD lets mappa pause while scoping; NEXT does not let the newer one.
    assert "pause" in queries.show_stream(rt, "mappa")["moves"]
    assert "pause" not in queries.show_stream(rt, "newer")["moves"]
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="waiting for data"))
    with pytest.raises(TransitionRefused, match="that move does not exist from scoping"):
        send(rt, LEAD, FireTrigger(key="newer", trigger="pause", reason="waiting"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="resume"))

    # Replay of each history under its own version agrees with what is stored.
    assert queries.replay_differences(rt) == {}


def test_replay_disagrees_when_a_stream_is_put_under_other_rules_behind_the_engines_back(
    rt: Runtime, with_version_two: None
) -> None:
    del with_version_two
    lifecycle.unregister(NEXT)
    create(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="waiting for data"))
    lifecycle.register(NEXT, version_two())
    with rt.engine.begin() as conn:
        conn.execute(text(f"UPDATE work_stream SET lifecycle_version = {NEXT} WHERE ref = 'mappa'"))
    assert queries.replay_differences(rt) == {"mappa": ["lifecycle_version"]}


def test_a_history_its_own_version_forbids_is_reported_by_replay(rt: Runtime) -> None:
    """If a move in the trail is not in the stream's table, replay says so by name."""
    create(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="waiting for data"))
    with rt.engine.begin() as conn:  # the created event now says version NEXT, hashes aside
        conn.execute(
            text(
                "UPDATE audit_event SET payload = replace(payload, :old, :new) "
                "WHERE action = 'created'"
            ),
            {"old": f'"lifecycle_version":{OLD}', "new": f'"lifecycle_version":{NEXT}'},
        )
    lifecycle.register(NEXT, version_two())
    try:
        differences = queries.replay_differences(rt)
    finally:
        lifecycle.unregister(NEXT)
    assert differences == {
        "mappa": [
            f"mappa: a move scoping → paused by pause, which lifecycle version {NEXT} does not "
            "allow"
        ]
    }


def test_moving_a_stream_to_another_version_is_deliberate_and_audited(
    rt: Runtime, with_version_two: None
) -> None:
    del with_version_two
    lifecycle.unregister(NEXT)
    create(rt, "mappa")
    lifecycle.register(NEXT, version_two())
    with pytest.raises(InvalidInput, match="say why"):
        send(rt, LEAD, MigrateLifecycle(key="mappa", version=NEXT, reason=" "))
    with pytest.raises(InvalidInput, match="no lifecycle version 7"):
        send(rt, LEAD, MigrateLifecycle(key="mappa", version=7, reason="why not"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="waiting for data"))
    # Paused from scoping, which NEXT cannot resume to... it can: resume is kept.
    ws = send(rt, LEAD, MigrateLifecycle(key="mappa", version=NEXT, reason="the board agreed"))
    assert ws.lifecycle_version == NEXT
    assert queries.show_stream(rt, "mappa")["lifecycle_version"] == NEXT
    event = queries.audit_log(rt, "mappa", action="edited")[-1]
    assert (event["actor"], event["reason"]) == ("Ann Lead", "the board agreed")
    assert event["payload"] == {"changes": {"lifecycle_version": [OLD, NEXT]}}
    assert queries.replay_differences(rt) == {}
    with pytest.raises(InvalidInput, match=f"already under lifecycle version {NEXT}"):
        send(rt, LEAD, MigrateLifecycle(key="mappa", version=NEXT, reason="again"))


def test_a_version_that_would_strand_a_stream_is_refused(rt: Runtime) -> None:
    create(rt, "mappa")
    stranding = tuple(m for m in TRANSITIONS if m.source is not Stage.SCOPING)
    lifecycle.register(NEXT, stranding)
    try:
        with pytest.raises(NotPermitted, match="no move on from scoping"):
            send(rt, LEAD, MigrateLifecycle(key="mappa", version=NEXT, reason="try"))
    finally:
        lifecycle.unregister(NEXT)


def test_a_registered_version_never_changes() -> None:
    with pytest.raises(ValueError, match="a registered table never changes"):
        lifecycle.register(1, ())
    with pytest.raises(ValueError, match=f"the next lifecycle version is {NEXT}"):
        lifecycle.register(NEXT + 1, ())
    with pytest.raises(ValueError, match="never a shipped one"):
        lifecycle.unregister(OLD)


def test_the_migration_adds_exactly_what_the_tables_declare_and_goes_back_down(
    rt: Runtime,
) -> None:
    mine = (
        "audit_checkpoint",
        "audit_cosignature",
        "audit_body_key",
        "lifecycle_version",
        "key_people",
    )
    with rt.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(context, SQLModel.metadata)
            if any(m in repr(d) for m in mine)
        ]
    assert diff == []
    if rt.engine.dialect.name != "sqlite":
        return  # the PostgreSQL database is shared by the session: go down on SQLite only
    create(rt, "mappa")
    config = alembic_config(rt.engine)
    with rt.engine.begin() as connection:  # below 0010 (through 0011): to 0009
        config.attributes["connection"] = connection
        command.downgrade(config, "0010-1")
    with rt.engine.connect() as connection:
        columns = [r[1] for r in connection.execute(text("PRAGMA table_info(work_stream)"))]
        tables = {r[0] for r in connection.execute(text("SELECT name FROM sqlite_master"))}
    assert "lifecycle_version" not in columns
    assert not {"audit_checkpoint", "audit_cosignature", "audit_body_key"} & tables
    upgrade(rt.engine)
    assert queries.show_stream(rt, "mappa")["lifecycle_version"] == 1  # existing: version 1
