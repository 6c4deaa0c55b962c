"""The people directory: who acts for which body, and who is told what."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, col, select

from workflow.bootstrap import Runtime
from workflow.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from workflow.domain.events import Action, DomainEvent
from workflow.domain.roles import DECIDERS, Role
from workflow.services.actors import Actor
from workflow.services.streams import choice
from workflow.store.tables import UserRow


def _clean_roles(roles: Iterable[str]) -> list[str]:
    return sorted({choice(Role, r.strip(), "role").value for r in roles if r.strip()})


def _new_user(
    rt: Runtime,
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
        body=rt.bodies.code_of(body),
        roles=clean,
        password_hash=password_hash,
        created_at=rt.clock(),
    )


def add_users(
    rt: Runtime, actor: Actor, users: Sequence[UserRow], *, skip_known: bool = False
) -> list[UserRow]:
    """Store new users in one transaction, each audited; a known username is a conflict."""
    added = []
    with rt.uow() as uow:
        for row in users:
            if find_user(uow.session, row.username) is not None:
                if skip_known:
                    continue
                raise Conflict(f"a user {row.username!r} exists already")
            uow.session.add(row)
            uow.record(
                DomainEvent(
                    Action.USER_CHANGED,
                    actor.name,
                    actor.body,
                    rt.clock(),
                    payload={
                        "username": row.username,
                        "body": row.body,
                        "roles": row.roles,
                        "email": row.email,
                    },
                )
            )
            added.append(row)
        uow.commit()
    return added


def add_user(rt: Runtime, actor: Actor, **fields: Any) -> UserRow:
    return add_users(rt, actor, [_new_user(rt, **fields)])[0]


def list_users(rt: Runtime, body: str | None = None) -> list[UserRow]:
    with rt.read() as session:
        query = select(UserRow).order_by(col(UserRow.body), col(UserRow.username))
        if body:
            query = query.where(col(UserRow.body) == rt.bodies.code_of(body))
        return list(session.exec(query).all())


def find_user(session: Session, username: str) -> UserRow | None:
    return session.exec(select(UserRow).where(col(UserRow.username) == username)).first()


def people_of(session: Session, bodies: Iterable[str], roles: Iterable[Role]) -> list[UserRow]:
    """Active people of ``bodies`` holding any of ``roles``, in a stable order."""
    wanted = {r.value for r in roles}
    rows = session.exec(
        select(UserRow)
        .where(col(UserRow.body).in_(list(bodies)), col(UserRow.active))
        .order_by(col(UserRow.body), col(UserRow.username))
    ).all()
    return [u for u in rows if wanted.intersection(u.roles)]


def ensure_may_decide(session: Session, actor: Actor, body: str) -> None:
    """Only a body's own signatory, or a deputy recorded for it, decides for that body."""
    user = find_user(session, actor.name)
    if user is None or not user.active:
        raise NotPermitted(
            f"{actor.name!r} is not a known user: `cjji users add` records "
            "signatories and their deputies"
        )
    if user.body != body:
        raise NotPermitted(f"{user.username} acts for {user.body} and cannot decide for {body}")
    if not DECIDERS.intersection(user.roles):
        raise NotPermitted(f"{user.username} is not a signatory or deputy of {body}")


def load_people_file(rt: Runtime, actor: Actor, path: Path) -> list[str]:
    """Add the people of a YAML list (username, name, email, body, roles); known ones stay."""
    try:
        entries: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InvalidInput(f"cannot read {path}: {error}".replace("\n", " ")) from None
    if not isinstance(entries, list):
        raise InvalidInput(f"{path} must be a YAML list of people")
    try:
        rows = [_new_user(rt, **entry) for entry in entries]
    except TypeError as error:
        raise InvalidInput(
            f"{path}: each person needs username, name, email, body and roles ({error})"
        ) from None
    return [u.username for u in add_users(rt, actor, rows, skip_known=True)]


def get_user(rt: Runtime, username: str) -> UserRow:
    with rt.read() as session:
        user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}: `cjji users list` shows them")
    return user
