"""participants proposal: a change of participants agreed by every remaining body

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_stream") as batch:
        batch.add_column(sa.Column("participants_proposal", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("work_stream") as batch:
        batch.drop_column("participants_proposal")
