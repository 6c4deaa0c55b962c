"""security: the security log, token scopes, session activity

Revision ID: 0008
Revises: 0007, 0004
Create Date: 2026-12-04 04:00:00

Written by hand. Refusals of people who are not signed in go to ``security_log``, one
row per source and window with a count, not to the hash chain. Tokens get scopes (tokens
issued before keep every scope; their holder's roles still bound them) and sessions the
time they were last used (the idle timeout).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
# Also on 0004: it changes 0004's tables (api_token, web_session), which are on another
# branch, so it joins the two (a merge point: Alembic applies 0004 first).
down_revision: str | tuple[str, ...] | None = ("0007", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
Moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "security_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", String(length=64), nullable=False),
        sa.Column("kind", String(length=32), nullable=False),
        sa.Column("window_start", Moment(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", Moment(), nullable=False),
        sa.Column("last_at", Moment(), nullable=False),
        sa.Column("last_detail", String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "kind", "window_start", name="uq_security_log_window"),
    )
    op.create_index("ix_security_log_window_start", "security_log", ["window_start"])
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(
            sa.Column(
                "scopes",
                String(length=64),
                nullable=False,
                server_default="read act decide admin",
            )
        )
    with op.batch_alter_table("web_session") as batch:
        batch.add_column(sa.Column("last_seen_at", Moment(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_session") as batch:
        batch.drop_column("last_seen_at")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("scopes")
    op.drop_index("ix_security_log_window_start", table_name="security_log")
    op.drop_table("security_log")
