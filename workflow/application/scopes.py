"""What an API token may do: its scopes, never wider than its holder's roles.

A token carries some of ``read``, ``act``, ``decide`` and ``admin``. When it is used, the
principal it signs in keeps only the roles its scopes cover, so the policy table and every
read check see a narrower person; a token with ``read`` alone acts as ``read_only``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from workflow.domain.errors import InvalidInput
from workflow.domain.roles import Role


class Scope(StrEnum):
    READ = "read"  # see what the person may see
    ACT = "act"  # move work streams, record what staff record
    DECIDE = "decide"  # record a body's decision (signatories and deputies)
    ADMIN = "admin"  # manage people and access


#: Every scope, as stored: what a token issued before scopes existed holds.
ALL = "read act decide admin"

#: The scope each role needs on a token; every other staff role needs ``act``.
SCOPE_OF_ROLE = {
    Role.ADMINISTRATOR: Scope.ADMIN,
    Role.SIGNATORY: Scope.DECIDE,
    Role.DEPUTY_SIGNATORY: Scope.DECIDE,
    Role.READ_ONLY: Scope.READ,
}


def scope_of(role: Role) -> Scope:
    return SCOPE_OF_ROLE.get(role, Scope.ACT)


def scopes_of_roles(roles: Iterable[Role]) -> frozenset[Scope]:
    """The widest scopes a person with ``roles`` may give a token."""
    held = frozenset(roles)
    if Role.READ_ONLY in held:  # read_only wins over every other role, as in the policy
        return frozenset({Scope.READ})
    return frozenset({Scope.READ} | {scope_of(role) for role in held})


def narrow(roles: Iterable[Role], scopes: Iterable[str]) -> frozenset[Role]:
    """The roles a token with ``scopes`` keeps of its holder's; ``read_only`` if none."""
    allowed = frozenset(scopes)
    kept = frozenset(r for r in roles if r is not Role.READ_ONLY and scope_of(r) in allowed)
    return kept or frozenset({Role.READ_ONLY})


def parse(scopes: Iterable[str]) -> frozenset[Scope]:
    out = set()
    for name in scopes:
        try:
            out.add(Scope(name.strip().lower()))
        except ValueError:
            raise InvalidInput(
                f"no token scope {name!r}: use {', '.join(s.value for s in Scope)}"
            ) from None
    if not out:
        raise InvalidInput("give a token at least one scope (read, act, decide, admin)")
    return frozenset(out)


def spelled(scopes: Iterable[str]) -> str:
    """Scopes as stored and shown: in a fixed order, separated by spaces."""
    given = set(scopes)
    return " ".join(s.value for s in Scope if s.value in given)


__all__ = [
    "ALL",
    "SCOPE_OF_ROLE",
    "Scope",
    "narrow",
    "parse",
    "scope_of",
    "scopes_of_roles",
    "spelled",
]
