"""The quick schema check every command makes reads what Alembic itself reads."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from workflow.store.db import engine_for
from workflow.store.migrate import alembic_config, current_revision, head_revision, upgrade


def test_the_heads_read_from_the_files_are_alembics_heads(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    assert head_revision(engine) == ",".join(sorted(heads))
    assert len(heads) >= 2, "the migrations have parallel heads: all of them are read"


def test_the_current_revision_is_alembics_before_and_after_an_upgrade(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'x.sqlite3'}")

    def alembics() -> str | None:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
        return ",".join(sorted(heads)) or None

    assert current_revision(engine) is None
    assert alembics() is None
    upgrade(engine)
    assert current_revision(engine) == alembics() == head_revision(engine)


def test_0008_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    """The security migration's downgrade removes what it added, and its upgrade runs again."""
    from alembic import command
    from sqlalchemy import inspect

    engine = engine_for(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    upgrade(engine)

    def shape() -> tuple[bool, set[str], set[str]]:
        found = inspect(engine)
        return (
            found.has_table("security_log"),
            {c["name"] for c in found.get_columns("api_token")},
            {c["name"] for c in found.get_columns("web_session")},
        )

    assert shape()[0] and "scopes" in shape()[1] and "last_seen_at" in shape()[2]
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0007")
    has_log, token_columns, session_columns = shape()
    assert not has_log and "scopes" not in token_columns and "last_seen_at" not in session_columns
    assert current_revision(engine) == "0003,0004,0007"
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine) and shape()[0]
