"""Tables for access control: API tokens, browser sessions and used sign-off links.

Secrets are never stored: a token or session is kept as the SHA-256 of its random value
(high-entropy values need no slow hash), so a copy of the database signs nobody in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


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


class WebSessionRow(SQLModel, table=True):
    """A signed-in browser; the cookie holds the random value whose hash is ``id_hash``."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime
    expires_at: datetime


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
