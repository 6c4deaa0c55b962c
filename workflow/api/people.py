"""/api/me, /api/users and /api/tokens: people and their access (administrators manage)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from workflow.api.schemas import (
    NO_NUL,
    Me,
    TokenCreate,
    TokenCreated,
    TokenInfo,
    User,
    UserChange,
    UserCreate,
)
from workflow.application import authentication as access
from workflow.application.commands import AddUsers, CreateToken, RevokeToken, SetActive, SetPassword
from workflow.application.queries import people as directory
from workflow.http.deps import Rt, Who
from workflow.store.tables import UserRow

router = APIRouter(prefix="/api", tags=["people and access"])
Username = Annotated[str, Path(pattern=r"^[A-Za-z0-9._@-]{1,80}$")]


def public(user: UserRow) -> dict[str, Any]:
    return {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "body": user.body,
        "roles": user.roles,
        "active": user.active,
    }


@router.get("/me", response_model=Me, summary="Who you are")
def me(rt: Rt, who: Who) -> dict[str, Any]:
    return {
        **public(directory.get_user(rt, who.username)),
        "may_move": who.is_mover,
        "may_decide": who.is_decider,
        "administrator": who.is_admin,
    }


@router.get("/users", response_model=list[User], summary="List users (administrators)")
def list_users(
    rt: Rt, who: Who, body: Annotated[str | None, Query(pattern=NO_NUL, max_length=120)] = None
) -> list[dict[str, Any]]:
    access.require_admin(who, "listing users")
    return [public(u) for u in directory.list_users(rt, body)]


@router.post(
    "/users",
    response_model=User,
    status_code=status.HTTP_201_CREATED,
    summary="Add a user (administrators)",
)
def add_user(rt: Rt, who: Who, data: UserCreate) -> dict[str, Any]:
    """The new person has no password: they get one with `cjji users passwd` (an API
    token never sets a password)."""
    person = {
        "username": data.username,
        "name": data.name,
        "email": data.email,
        "body": data.body,
        "roles": [r.value for r in data.roles],
    }
    (user,) = rt.handle(AddUsers(people=(person,)), who)
    return public(directory.get_user(rt, user.username))


@router.get("/users/{username}", response_model=User, summary="Show a user")
def show_user(rt: Rt, who: Who, username: Username) -> dict[str, Any]:
    access.require_self_or_admin(who, username, "seeing other users")
    return public(directory.get_user(rt, username))


@router.patch("/users/{username}", response_model=User, summary="Change a user")
def change_user(rt: Rt, who: Who, username: Username, data: UserChange) -> dict[str, Any]:
    """Administrators (de)activate anyone. A password is never set with an API token (a
    stolen token must not become a stolen account): the request is refused, 403."""
    directory.get_user(rt, username)
    if data.password is not None:  # refused by the policy, before anything else changes
        rt.handle(SetPassword(username=username, password=data.password), who)
    if data.active is not None:
        rt.handle(SetActive(username=username, active=data.active), who)
    return public(directory.get_user(rt, username))


@router.get("/tokens", response_model=list[TokenInfo], summary="API tokens")
def list_tokens(rt: Rt, who: Who) -> list[dict[str, Any]]:
    """Your tokens; administrators see everyone's."""
    return directory.list_tokens(rt, None if who.is_admin else who.username)


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token",
)
def create_token(rt: Rt, who: Who, data: TokenCreate) -> access.IssuedToken:
    """A token for yourself (administrators: for anyone). It is shown once. Its scopes are
    no wider than its holder's roles, nor than the token that asks for it; it ends
    (default: in 90 days), no later than the token that asks for it."""
    username = data.username or who.username
    scopes = tuple(s.value for s in data.scopes) if data.scopes else None
    issued: access.IssuedToken = rt.handle(
        CreateToken(username=username, label=data.label, days=data.days, scopes=scopes), who
    )
    return issued


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Revoke an API token",
)
def revoke_token(rt: Rt, who: Who, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    rt.handle(RevokeToken(token_id=token_id), who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
