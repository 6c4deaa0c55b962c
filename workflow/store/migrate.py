"""Schema migrations with Alembic, driven from code (`cjji db upgrade`).

Every command checks first that the database is at the code's revision. That check reads
the ``alembic_version`` table and the revision lines of the migration files without
importing Alembic (and the Mako and Pygments it brings), which would add a sixth of a
second to every `cjji` command; ``tests/integration/test_migrations_check.py`` keeps the
two readings equal to Alembic's own.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"', re.M)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = (.+)$", re.M)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> tuple[str | None, str | None]:
    """Bring the database to ``revision``; returns (revision before, revision after).

    "heads", not "head": features may add migrations on parallel branches.
    """
    from alembic import command

    before = current_revision(engine)
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    return before, current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    """The database's revision(s), comma-separated, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        heads = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        return ",".join(sorted(heads)) or None


def head_revision(engine: Engine | None = None) -> str | None:
    """The revision(s) the code expects, comma-separated: those no migration builds on."""
    return _heads()


@cache
def _heads() -> str | None:
    revisions: set[str] = set()
    built_on: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            built_on.update(re.findall(r'"([^"]+)"', down.group(1)))
    return ",".join(sorted(revisions - built_on)) or None


def downgrade(engine: Engine, revision: str = "base") -> tuple[str | None, str | None]:
    """Take the database back to ``revision`` (tests prove every migration's way back;
    docs/operations.md says when an operator would)."""
    from alembic import command

    before = current_revision(engine)
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
    return before, current_revision(engine)
