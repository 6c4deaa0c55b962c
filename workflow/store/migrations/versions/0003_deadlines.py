"""deadlines, reminders, milestones and per-work-stream rule overrides

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:00:00

Written by hand. The two partial indexes (``WHERE closed_at IS NULL``) keep the reminder
sweep and the lists of open deadlines reading only open rows, however many have closed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")


def _text(length: int | None = None) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _moment() -> sqlmodel.sql.sqltypes.UTCDateTime:
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("stream_ref", _text(120), nullable=False),
        sa.Column("rule", _text(64), nullable=False),
        sa.Column("what", _text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("stage", _text(32), nullable=False),
        sa.Column("owed_by", _text(16), nullable=False),
        sa.Column("body", _text(32), nullable=True),
        sa.Column("closes_on", _text(80), nullable=False),
        sa.Column("anchor_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("original_due_on", sa.Date(), nullable=False),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("paused_on", sa.Date(), nullable=True),
        sa.Column("next_reminder_on", sa.Date(), nullable=True),
        sa.Column("opened_at", _moment(), nullable=False),
        sa.Column("extended_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", _moment(), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["stream_id"], ["work_stream.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.create_index("ix_deadline_body", ["body"], unique=False)
        batch_op.create_index("ix_deadline_stream_open", ["stream_id", "closed_at"], unique=False)
        batch_op.create_index(
            "ix_deadline_reminder_due",
            ["next_reminder_on"],
            unique=False,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        )
        batch_op.create_index(
            "ix_deadline_open_due",
            ["due_on"],
            unique=False,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        )

    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("threshold", _text(24), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recipient", _text(80), nullable=False),
        sa.Column("outbox_id", _text(36), nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
        sa.ForeignKeyConstraint(["deadline_id"], ["deadline.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deadline_id", "threshold", "due_on", "recipient"),
    )

    op.create_table(
        "stream_milestone",
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("name", _text(64), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", _moment(), nullable=False),
        sa.Column("recorded_by", _text(), nullable=False),
        sa.ForeignKeyConstraint(["stream_id"], ["work_stream.id"]),
        sa.PrimaryKeyConstraint("stream_id", "name"),
    )

    op.create_table(
        "deadline_override",
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("rule", _text(64), nullable=False),
        sa.Column("duration", _text(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_at", _moment(), nullable=False),
        sa.Column("set_by", _text(), nullable=False),
        sa.ForeignKeyConstraint(["stream_id"], ["work_stream.id"]),
        sa.PrimaryKeyConstraint("stream_id", "rule"),
    )


def downgrade() -> None:
    op.drop_table("deadline_override")
    op.drop_table("stream_milestone")
    op.drop_table("reminder")
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_open_due")
        batch_op.drop_index("ix_deadline_reminder_due")
        batch_op.drop_index("ix_deadline_stream_open")
        batch_op.drop_index("ix_deadline_body")
    op.drop_table("deadline")
