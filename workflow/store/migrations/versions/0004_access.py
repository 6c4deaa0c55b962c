"""access: API tokens, browser sessions, used sign-off links

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 13:00:00

Written by hand. It branches from 0002 beside 0003 (deadlines); `cjji db upgrade`
upgrades to "heads", so the two branches apply in either order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
Moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", String(length=120), nullable=False),
        sa.Column("token_hash", String(length=64), nullable=False),
        sa.Column("prefix", String(length=16), nullable=False),
        sa.Column("created_at", Moment(), nullable=False),
        sa.Column("expires_at", Moment(), nullable=True),
        sa.Column("last_used_at", Moment(), nullable=True),
        sa.Column("revoked_at", Moment(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"], unique=False)
    op.create_index("ix_api_token_token_hash", "api_token", ["token_hash"], unique=True)

    op.create_table(
        "web_session",
        sa.Column("id_hash", String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Moment(), nullable=False),
        sa.Column("expires_at", Moment(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"], unique=False)

    op.create_table(
        "signoff_link_use",
        sa.Column("jti", String(length=64), nullable=False),
        sa.Column("username", String(length=80), nullable=False),
        sa.Column("stream_ref", String(length=120), nullable=False),
        sa.Column("body", String(length=32), nullable=False),
        sa.Column("kind", String(length=32), nullable=False),
        sa.Column("version", String(length=64), nullable=False),
        sa.Column("used_at", Moment(), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )


def downgrade() -> None:
    op.drop_table("signoff_link_use")
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
    op.drop_index("ix_api_token_token_hash", table_name="api_token")
    op.drop_index("ix_api_token_user_id", table_name="api_token")
    op.drop_table("api_token")
