"""merkle and lifecycle versions: signed checkpoints of the audit tree, the bodies' public
keys and cosignatures; the lifecycle version each work stream started under

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("made_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.create_table(
        "audit_cosignature",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("cosigned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["size"], ["audit_checkpoint.size"]),
        sa.PrimaryKeyConstraint("size", "body"),
    )
    op.create_table(
        "audit_body_key",
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("verifier_key", sa.Text(), nullable=False),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("body"),
    )
    # Every work stream already in flight started under the one lifecycle there was: 1.
    with op.batch_alter_table("work_stream") as batch:
        batch.add_column(
            sa.Column("lifecycle_version", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a plain column in place (3.35+). A batch copy would drop and recreate
        # work_stream, which the foreign keys of its other tables refuse once it has rows.
        op.execute("ALTER TABLE work_stream DROP COLUMN lifecycle_version")
    else:
        op.drop_column("work_stream", "lifecycle_version")
    op.drop_table("audit_body_key")
    op.drop_table("audit_cosignature")
    op.drop_table("audit_checkpoint")
