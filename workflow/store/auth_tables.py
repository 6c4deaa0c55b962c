"""Tables for access control: API tokens, browser sessions, used sign-off links and the
security log.

Secrets are never stored: a token or session is kept as the SHA-256 of its random value
(high-entropy values need no slow hash), so a copy of the database signs nobody in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

#: What a token issued before scopes existed may do (its holder's roles still bound it).
ALL_SCOPES = "read act decide admin"


class ApiTokenRow(SQLModel, table=True):
    """A bearer token for scripts, acting as one user."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    label: str = Field(max_length=120)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    prefix: str = Field(max_length=16)  # shown in listings so a person can tell tokens apart
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    scopes: str = Field(
        default=ALL_SCOPES, max_length=64, sa_column_kwargs={"server_default": ALL_SCOPES}
    )


class WebSessionRow(SQLModel, table=True):
    """A signed-in browser; the cookie holds the random value whose hash is ``id_hash``."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime
    expires_at: datetime
    #: When the browser last used it: a session idle longer than the timeout has ended.
    last_seen_at: datetime | None = None


class SignoffLinkUseRow(SQLModel, table=True):
    """A sign-off link that has been used. The primary key makes a second use fail."""

    __tablename__ = "signoff_link_use"

    jti: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=80)
    stream_ref: str = Field(max_length=120)
    body: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    version: str = Field(max_length=64)
    used_at: datetime


class SecurityLogRow(SQLModel, table=True):
    """Refusals of someone not signed in (a failed sign-in, an unknown token, a form
    without its CSRF token), counted per source and window: anyone can cause them, so
    they never touch the audit chain, and a flood of them adds one row per window."""

    __tablename__ = "security_log"
    __table_args__ = (
        UniqueConstraint("source", "kind", "window_start", name="uq_security_log_window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)  # the client's address
    kind: str = Field(max_length=32)  # sign-in, token, csrf, link
    window_start: datetime = Field(index=True)
    count: int
    first_at: datetime
    last_at: datetime
    last_detail: str = Field(max_length=300)
