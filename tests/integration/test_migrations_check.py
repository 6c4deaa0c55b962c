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
