"""business plan lifecycle: the plan's state, consultation, approvals and versions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
Moment = sqlmodel.sql.sqltypes.UTCDateTime
COLUMNS = ("state", "consultation_opens", "consultation_closes", "record", "superseded_by")


def upgrade() -> None:
    with op.batch_alter_table("business_plan") as batch:
        batch.add_column(sa.Column("state", sa.Text(), nullable=False, server_default="draft"))
        batch.add_column(sa.Column("consultation_opens", sa.Date(), nullable=True))
        batch.add_column(sa.Column("consultation_closes", sa.Date(), nullable=True))
        batch.add_column(sa.Column("record", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("superseded_by", String(length=64), nullable=True))
    op.create_table(
        "plan_version",
        sa.Column("plan_code", String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("made_at", Moment(), nullable=False),
        sa.Column("made_by", String(), nullable=False),
        sa.Column("change", sa.JSON(), nullable=True),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_code"], ["business_plan.code"]),
        sa.PrimaryKeyConstraint("plan_code", "number"),
    )


def downgrade() -> None:
    op.drop_table("plan_version")
    if op.get_bind().dialect.name == "sqlite":
        # As in 0010 and 0011: SQLite drops a column in place, without a batch copy.
        for column in COLUMNS:
            op.execute(f"ALTER TABLE business_plan DROP COLUMN {column}")
    else:
        for column in COLUMNS:
            op.drop_column("business_plan", column)
