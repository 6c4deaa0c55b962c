"""Reading the people directory: who acts for which body, who is told what, which API
tokens exist."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from workflow.application.principal import Principal
from workflow.application.runtime import Runtime
from workflow.domain.errors import NotFound
from workflow.domain.roles import Role
from workflow.store.auth_tables import ApiTokenRow
from workflow.store.tables import UserRow

_ROLE_NAMES = frozenset(r.value for r in Role)


def principal_of(user: UserRow) -> Principal:
    """The principal of a person of the directory."""
    assert user.id is not None
    roles = frozenset(Role(r) for r in user.roles if r in _ROLE_NAMES)
    return Principal(user.id, user.username, user.name, user.body, roles)


def find_user(session: Session, username: str) -> UserRow | None:
    return session.exec(select(UserRow).where(col(UserRow.username) == username)).first()


def user_named(session: Session, username: str) -> UserRow:
    """The user ``username``, or NotFound."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}: `cjji users list` shows them")
    return user


def any_user(session: Session) -> bool:
    """Whether the directory holds anyone at all (a fresh install holds nobody)."""
    return session.exec(select(UserRow.id).limit(1)).first() is not None


def people_of(session: Session, bodies: Iterable[str], roles: Iterable[Role]) -> list[UserRow]:
    """Active people of ``bodies`` holding any of ``roles``, in a stable order."""
    wanted = {r.value for r in roles}
    rows = session.exec(
        select(UserRow)
        .where(col(UserRow.body).in_(list(bodies)), col(UserRow.active))
        .order_by(col(UserRow.body), col(UserRow.username))
    ).all()
    return [u for u in rows if wanted.intersection(u.roles)]


def list_users(rt: Runtime, body: str | None = None) -> list[UserRow]:
    with rt.read() as session:
        query = select(UserRow).order_by(col(UserRow.body), col(UserRow.username))
        if body:
            query = query.where(col(UserRow.body) == rt.bodies.code_of(body))
        return list(session.exec(query).all())


def get_user(rt: Runtime, username: str) -> UserRow:
    with rt.read() as session:
        return user_named(session, username)


def list_tokens(rt: Runtime, username: str | None = None) -> list[dict[str, Any]]:
    with rt.read() as session:
        query = select(ApiTokenRow, UserRow).where(col(ApiTokenRow.user_id) == col(UserRow.id))
        if username:
            query = query.where(col(UserRow.username) == username)
        rows = session.exec(query.order_by(col(ApiTokenRow.id))).all()
        return [
            {
                "id": token.id,
                "username": user.username,
                "label": token.label,
                "prefix": token.prefix,
                "scopes": token.scopes,
                "created_at": token.created_at,
                "expires_at": token.expires_at,
                "last_used_at": token.last_used_at,
                "revoked_at": token.revoked_at,
            }
            for token, user in rows
        ]


def token_owner(rt: Runtime, token_id: int) -> str:
    with rt.read() as session:
        row = session.get(ApiTokenRow, token_id)
        user = session.get(UserRow, row.user_id) if row else None
        if row is None or user is None:
            raise NotFound(f"no API token {token_id}: `cjji tokens list` shows them")
        return user.username


__all__ = [
    "any_user",
    "find_user",
    "get_user",
    "list_tokens",
    "list_users",
    "people_of",
    "principal_of",
    "token_owner",
    "user_named",
]
