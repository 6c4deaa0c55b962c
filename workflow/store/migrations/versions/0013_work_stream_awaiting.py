"""work stream awaiting: the bodies whose decision is awaited, on the row and indexed

A body's inbox (``GET /decisions``) found its work streams by a condition on each row's
``documents`` JSON, which PostgreSQL's ``json`` type parses row by row. The store now
writes, with each work stream, the bodies whose decision on the document being decided on
now is awaited (``",A,B,"``, NULL for none; ``workflow.store.mapping.encode_awaiting``),
on an index: the inbox reads only the rows awaiting someone.

The upgrade fills it for every existing row from the same columns the store reads (the
state, the lead and supporting bodies, the documents), by the domain's own rule
(``workflow.domain.decisions_awaited.awaited_bodies``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 13:30:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from workflow.domain.decisions_awaited import awaited_bodies
from workflow.domain.joint_decisions import DocumentKind, JointDocument
from workflow.domain.stages import Stage
from workflow.store.mapping import document_from_json, encode_awaiting

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_work_stream_awaiting"
BATCH = 1000

work_stream = sa.table(
    "work_stream",
    sa.column("id", sa.Integer()),
    sa.column("state", sa.String()),
    sa.column("lead", sa.String()),
    sa.column("supporting", sa.JSON()),
    sa.column("documents", sa.JSON()),
    sa.column("awaiting", sa.Text()),
)


def awaiting_of(state: str, lead: str | None, supporting: Any, documents: Any) -> str | None:
    """The ``awaiting`` column of a row with these columns (as ``copy_to_row`` writes it)."""
    participants = ((lead,) if lead else ()) + tuple(b for b in supporting or () if b != lead)
    docs: dict[str, Any] = documents or {}

    def document(kind: DocumentKind) -> JointDocument:
        return document_from_json(kind, docs.get(kind.value, {}))

    return encode_awaiting(awaited_bodies(Stage(state), participants, document))


def upgrade() -> None:
    op.add_column("work_stream", sa.Column("awaiting", sa.Text(), nullable=True))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(
                work_stream.c.id,
                work_stream.c.state,
                work_stream.c.lead,
                work_stream.c.supporting,
                work_stream.c.documents,
            )
            .where(work_stream.c.id > last)
            .order_by(work_stream.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        filled = [
            {"key": id_, "value": value}
            for id_, state, lead, supporting, documents in rows
            if (value := awaiting_of(state, lead, supporting, documents)) is not None
        ]
        if filled:
            bind.execute(
                work_stream.update()
                .where(work_stream.c.id == sa.bindparam("key"))
                .values(awaiting=sa.bindparam("value")),
                filled,
            )
        last = rows[-1][0]
    op.create_index(INDEX, "work_stream", ["awaiting"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="work_stream")
    if op.get_bind().dialect.name == "sqlite":
        # As in 0010 and 0011: SQLite drops a column in place, without a batch copy.
        op.execute("ALTER TABLE work_stream DROP COLUMN awaiting")
    else:
        op.drop_column("work_stream", "awaiting")
