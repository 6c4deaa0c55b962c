"""Who is acting: a person of the directory (a :class:`Principal`), as the audit records
them (an :class:`Actor`), or the engine itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflow.domain.bodies import BodyRegistry
from workflow.domain.errors import InvalidInput
from workflow.domain.roles import DECIDERS, Role

SYSTEM = "system"
#: Holders of these roles, in the lead body, move its work streams.
MOVERS = frozenset({Role.INSPECTOR, Role.CHIEF_INSPECTOR})


@dataclass(frozen=True, slots=True)
class Actor:
    """A named person acting for a body (``body`` is a resolved code), or the engine itself."""

    name: str
    body: str | None

    @classmethod
    def of(cls, name: str, body: str | None, bodies: BodyRegistry) -> Actor:
        if not name or not name.strip():
            raise InvalidInput("an actor name is required: say who is acting (--actor NAME)")
        return cls(name.strip(), bodies.code_of(body) if body else None)


ENGINE_ACTOR = Actor(SYSTEM, None)


@dataclass(frozen=True, slots=True)
class Principal:
    """Someone the policy asks about: who they are, which body they act for, their roles.

    People come from the directory (signed in, by token, by a signed link, or named on the
    command line). ``engine`` is the engine's own principal, for what it does by itself.
    """

    user_id: int
    username: str
    name: str
    body: str | None
    roles: frozenset[Role]
    engine: bool = False
    #: Set when an API token signed them in: the token's scopes (the roles above are
    #: already narrowed to them) and when it ends. A token cannot change a password or
    #: mint a token wider or longer-lived than itself.
    token_scopes: frozenset[str] | None = None
    token_expires_at: datetime | None = None

    @property
    def via_token(self) -> bool:
        return self.token_scopes is not None

    @property
    def actor(self) -> Actor:
        """How the audit trail records this principal: their username, acting for their body."""
        return Actor(self.username, self.body)

    @property
    def read_only(self) -> bool:
        # read_only wins over any other role a person was given by mistake.
        return Role.READ_ONLY in self.roles

    @property
    def is_admin(self) -> bool:
        return not self.read_only and Role.ADMINISTRATOR in self.roles

    @property
    def is_decider(self) -> bool:
        return not self.read_only and bool(DECIDERS & self.roles)

    @property
    def is_mover(self) -> bool:
        return not self.read_only and bool(MOVERS & self.roles)


def engine_principal(name: str = SYSTEM) -> Principal:
    """The engine acting by itself (``cjji run``'s demo set-up, scheduled work)."""
    return Principal(0, name, name, None, frozenset(), engine=True)


__all__ = ["ENGINE_ACTOR", "MOVERS", "SYSTEM", "Actor", "Principal", "engine_principal"]
