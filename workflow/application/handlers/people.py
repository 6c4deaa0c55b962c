"""Handlers of the commands on people and access: the directory, passwords, API tokens.

Who may send each command is the policy's business (:mod:`workflow.application.policy`):
administrators, each person for themselves, the engine for the demonstration set-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from workflow.adapters.yaml_files import YAMLError, load_yaml
from workflow.application import scopes
from workflow.application.authentication import (
    IssuedToken,
    demo_password_hash,
    hash_password,
    new_token,
    verify_password,
)
from workflow.application.commands import (
    AddUsers,
    CreateToken,
    LoadPeople,
    RevokeToken,
    SetActive,
    SetDemoPasswords,
    SetPassword,
)
from workflow.application.context import Context
from workflow.application.inputs import check_text, choice
from workflow.application.queries.people import find_user, principal_of, user_named
from workflow.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from workflow.domain.events import UserAdded, UserChanged
from workflow.domain.roles import Role
from workflow.store.audit import as_utc
from workflow.store.auth_tables import ApiTokenRow, WebSessionRow
from workflow.store.tables import UserRow


# -- the directory ----------------------------------------------------------------------
def _clean_roles(roles: Iterable[str]) -> list[str]:
    return sorted({choice(Role, r.strip(), "role").value for r in roles if r.strip()})


def _new_user(
    ctx: Context,
    *,
    username: str,
    name: str,
    email: str,
    body: str,
    roles: Sequence[str],
    password_hash: str | None = None,
) -> UserRow:
    username = username.strip()
    if not username or " " in username:
        raise InvalidInput("a username is required, without spaces (e.g. a.inspector)")
    if "@" not in email:
        raise InvalidInput(f"{email!r} is not an email address")
    clean = _clean_roles(roles)
    if not clean:
        raise InvalidInput(f"give at least one role: {', '.join(Role)}")
    return UserRow(
        username=username,
        name=name.strip() or username,
        email=email.strip(),
        body=ctx.bodies.code_of(body),
        roles=clean,
        password_hash=password_hash,
        created_at=ctx.clock(),
    )


def _store_users(
    ctx: Context, people: Sequence[Mapping[str, Any]], *, skip_known: bool
) -> list[UserRow]:
    """Store new users, each audited; a known username is a conflict unless skipped."""
    rows = [_new_user(ctx, **person) for person in people]
    # One query for the whole file (the demo directory is read at every set-up).
    known = set(
        ctx.uow.session.exec(
            select(UserRow.username).where(col(UserRow.username).in_([r.username for r in rows]))
        ).all()
    )
    added = []
    for row in rows:
        if row.username in known:
            if skip_known:
                continue
            raise Conflict(f"a user {row.username!r} exists already")
        known.add(row.username)  # the same username twice in one file
        ctx.uow.session.add(row)
        ctx.uow.record(
            UserAdded(
                actor=ctx.actor.name,
                body=ctx.actor.body,
                at=ctx.clock(),
                username=row.username,
                user_body=row.body,
                roles=tuple(row.roles),
                email=row.email,
            )
        )
        added.append(row)
    ctx.uow.session.flush()  # the new users' ids, for whoever acts as them next
    return added


def add_users(cmd: AddUsers, ctx: Context) -> list[UserRow]:
    return _store_users(ctx, cmd.people, skip_known=cmd.skip_known)


def read_people_file(path: Path) -> tuple[Mapping[str, Any], ...]:
    """The people of a YAML list (username, name, email, body and roles)."""
    try:
        entries: Any = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as error:
        raise InvalidInput(f"cannot read {path}: {error}".replace("\n", " ")) from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidInput(f"{path} must be a YAML list of people")
    check_text("people", entries, str(path))  # control characters and lengths
    return tuple(entries)


def load_people(cmd: LoadPeople, ctx: Context) -> list[str]:
    """Add the people of a YAML file; those already known stay as they are."""
    people = read_people_file(cmd.path)
    try:
        added = _store_users(ctx, people, skip_known=True)
    except TypeError as error:
        raise InvalidInput(
            f"{cmd.path}: each person needs username, name, email, body and roles ({error})"
        ) from None
    return [u.username for u in added]


# -- passwords and access ---------------------------------------------------------------
def _user_event(ctx: Context, user: UserRow, *, change: str) -> UserChanged:
    return UserChanged(
        actor=ctx.actor.name,
        body=ctx.actor.body,
        at=ctx.clock(),
        username=user.username,
        user_body=user.body,
        change=change,
    )


def _end_sessions(session: Session, user: UserRow) -> None:
    session.execute(delete(WebSessionRow).where(col(WebSessionRow.user_id) == user.id))


def set_password(cmd: SetPassword, ctx: Context) -> None:
    """Give a person a new password; every session they had ends. A person changing
    their own needs their current one: a session or terminal left open is not enough."""
    user = user_named(ctx.uow.session, cmd.username)
    own = ctx.who.username == user.username and not ctx.who.is_admin and not ctx.who.engine
    if own and not verify_password(user.password_hash, cmd.current_password or ""):
        raise NotPermitted(
            "give your current password to change it (an administrator can set a new "
            "one if you have forgotten it)"
        )
    digest = hash_password(cmd.password, user.username)
    user.password_hash = digest
    ctx.uow.session.add(user)
    _end_sessions(ctx.uow.session, user)
    ctx.uow.record(_user_event(ctx, user, change="password set"))


def set_demo_passwords(cmd: SetDemoPasswords, ctx: Context) -> list[str]:
    """The demo password for demo people who have none (never in production)."""
    if ctx.settings.environment == "production":
        raise NotPermitted("demonstration passwords are never set in production")
    digest = demo_password_hash()
    changed = []
    for username in cmd.usernames:
        user = find_user(ctx.uow.session, username)
        if user is None or user.password_hash is not None:
            continue
        user.password_hash = digest
        ctx.uow.session.add(user)
        ctx.uow.record(_user_event(ctx, user, change="demo password set"))
        changed.append(username)
    return changed


def set_active(cmd: SetActive, ctx: Context) -> UserRow:
    """Let a person in, or shut them out (their sessions and tokens stop working)."""
    user = user_named(ctx.uow.session, cmd.username)
    user.active = cmd.active
    ctx.uow.session.add(user)
    if not cmd.active:
        _end_sessions(ctx.uow.session, user)
    ctx.uow.record(_user_event(ctx, user, change="activated" if cmd.active else "deactivated"))
    return user


def create_token(cmd: CreateToken, ctx: Context) -> IssuedToken:
    """A token with scopes no wider than its holder's roles, that ends; one minted with a
    token lives no longer than that token and, for its own holder, is no wider."""
    label = cmd.label.strip()
    if not label or len(label) > 120:
        raise InvalidInput("give the token a label of 1-120 characters saying what uses it")
    days = cmd.days if cmd.days is not None else ctx.settings.token_days
    if not 1 <= days <= 3650:
        raise InvalidInput("a token lasts between 1 and 3650 days")
    user = user_named(ctx.uow.session, cmd.username)
    if not user.active:
        raise NotPermitted(f"{cmd.username} is deactivated: activate them before issuing a token")
    assert user.id is not None
    holder = scopes.scopes_of_roles(principal_of(user).roles)
    wanted = scopes.parse(cmd.scopes) if cmd.scopes else holder
    if not wanted <= holder:
        raise NotPermitted(
            f"a token for {user.username} cannot have the scope "
            f"{scopes.spelled(wanted - holder)}: their roles allow {scopes.spelled(holder)}"
        )
    now = as_utc(ctx.clock())
    expires = now + timedelta(days=days)
    if ctx.who.via_token:
        # For oneself, no wider than the token that asks; for someone else, an
        # administrator's token (the policy saw to that) within that person's roles.
        minting = ctx.who.token_scopes or frozenset()
        if user.username == ctx.who.username and not wanted <= minting:
            raise NotPermitted(
                "a token cannot make a token wider than itself: this one has "
                f"{scopes.spelled(minting)}, asked for {scopes.spelled(wanted)}"
            )
        if ctx.who.token_expires_at is not None and expires > ctx.who.token_expires_at:
            raise NotPermitted(
                "a token cannot make a token that outlives itself: this one ends "
                f"{ctx.who.token_expires_at:%Y-%m-%d %H:%M} UTC; ask for fewer days"
            )
    token, token_hash, prefix = new_token()
    row = ApiTokenRow(
        user_id=user.id,
        label=label,
        token_hash=token_hash,
        prefix=prefix,
        created_at=now,
        expires_at=expires,
        scopes=scopes.spelled(wanted),
    )
    ctx.uow.session.add(row)
    ctx.uow.record(_user_event(ctx, user, change=f"API token {row.prefix}… issued ({row.scopes})"))
    ctx.uow.session.flush()
    assert row.id is not None
    return IssuedToken(token, row.id, label, row.prefix, cmd.username, row.expires_at, row.scopes)


def revoke_token(cmd: RevokeToken, ctx: Context) -> None:
    row = ctx.uow.session.get(ApiTokenRow, cmd.token_id)
    user = ctx.uow.session.get(UserRow, row.user_id) if row else None
    if row is None or user is None:
        raise NotFound(f"no API token {cmd.token_id}: `cjji tokens list` shows them")
    if row.revoked_at is None:
        row.revoked_at = as_utc(ctx.clock())
        ctx.uow.session.add(row)
        ctx.uow.record(_user_event(ctx, user, change=f"API token {row.prefix}… revoked"))


HANDLERS: dict[type, Any] = {
    AddUsers: add_users,
    LoadPeople: load_people,
    SetPassword: set_password,
    SetDemoPasswords: set_demo_passwords,
    SetActive: set_active,
    CreateToken: create_token,
    RevokeToken: revoke_token,
}
