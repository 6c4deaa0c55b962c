"""Who a test acts as, on the bus: a person of the directory where the test has loaded
one, else a member of staff of the body the test names.

The entry points build principals from the directory only; tests of handlers and rules
that need no directory use :func:`staff`.
"""

from __future__ import annotations

from typing import Any

from workflow.application.commands import Command
from workflow.application.principal import Actor, Principal, engine_principal
from workflow.application.queries.people import find_user, principal_of
from workflow.bootstrap import Runtime
from workflow.domain.roles import Role

#: What a member of staff named by a test may do unless it says otherwise: move the
#: work streams their body leads and administer the directory. Deciding for a body needs
#: a signatory of the directory, as it does for everyone.
STAFF_ROLES = frozenset({Role.INSPECTOR, Role.CHIEF_INSPECTOR, Role.ADMINISTRATOR})


def staff(name: str, body: str | None, *roles: Role) -> Principal:
    return Principal(0, name, name, body, frozenset(roles) or STAFF_ROLES)


def principal(rt: Runtime, actor: Actor | Principal | str, body: str | None = None) -> Principal:
    """The directory's person of that name if there is one, else :func:`staff`."""
    if isinstance(actor, Principal):
        return actor
    if isinstance(actor, str):
        actor = Actor.of(actor, body, rt.bodies)
    if actor.name == "system":
        return engine_principal()
    with rt.read() as session:
        user = find_user(session, actor.name)
    if user is not None and user.active and (actor.body is None or actor.body == user.body):
        return principal_of(user)
    return staff(actor.name, actor.body)


def send(rt: Runtime, actor: Actor | Principal | str, command: Command) -> Any:
    """Send ``command`` on the bus as ``actor`` (see :func:`principal`)."""
    return rt.handle(command, principal(rt, actor))
