"""report journey: factual accuracy, publication, ratings, recommendations register

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-22 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_stream") as batch:
        batch.add_column(
            sa.Column("fieldwork_team", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("factual_accuracy", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("publication", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("rating", sa.String(length=32), nullable=True))
    with op.batch_alter_table("recommendation") as batch:
        batch.alter_column(
            "addressed_to",
            type_=sa.String(length=200),
            existing_type=sa.String(length=32),
            existing_nullable=False,
        )
        batch.add_column(sa.Column("owner", sa.String(), nullable=True))
        batch.add_column(sa.Column("due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("created_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("details", sa.JSON(), nullable=False, server_default="{}"))
        batch.create_index("ix_recommendation_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("recommendation") as batch:
        batch.drop_index("ix_recommendation_status")
        for column in ("details", "closed_on", "created_on", "due", "owner"):
            batch.drop_column(column)
        batch.alter_column(
            "addressed_to",
            type_=sa.String(length=32),
            existing_type=sa.String(length=200),
            existing_nullable=False,
        )
    with op.batch_alter_table("work_stream") as batch:
        for column in ("rating", "publication", "factual_accuracy", "fieldwork_team"):
            batch.drop_column(column)
