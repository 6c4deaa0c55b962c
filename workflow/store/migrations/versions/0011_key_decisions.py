"""key decisions: each participating body's lead inspector and senior-level oversight

The other key matters (methodology, findings, recommendations, publication arrangements)
are joint documents kept, like the terms of reference and the report, in the work
stream's ``documents``: they need no column of their own.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_stream") as batch:
        batch.add_column(sa.Column("key_people", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # As in 0010: a batch copy would recreate work_stream, which the foreign keys of
        # its other tables refuse once it has rows; SQLite drops a column in place.
        op.execute("ALTER TABLE work_stream DROP COLUMN key_people")
    else:
        op.drop_column("work_stream", "key_people")
