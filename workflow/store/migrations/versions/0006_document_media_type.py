"""document files: the media type of each stored version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Versions stored before this were text: null reads as text/plain.
    with op.batch_alter_table("document_content") as batch:
        batch.add_column(sa.Column("media_type", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document_content") as batch:
        batch.drop_column("media_type")
