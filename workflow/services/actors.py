"""Who is acting, and the permission questions every service asks the same way."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.domain.bodies import BodyKind, BodyRegistry
from workflow.domain.errors import InvalidInput, NotPermitted
from workflow.domain.workstream import WorkStream

SYSTEM = "system"


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


ENGINE = Actor(SYSTEM, None)


def ensure_may_move(ws: WorkStream, actor: Actor, bodies: BodyRegistry) -> None:
    """Only the lead body moves a work stream: singly led. With no lead yet recorded, any
    CJ inspectorate may (someone must be able to pause or withdraw it)."""
    if actor.body is None:
        raise NotPermitted(f"moving {ws.ref} needs the acting body (--body CODE)")
    if ws.lead is not None:
        if actor.body != ws.lead:
            raise NotPermitted(
                f"{ws.ref} is led by {ws.lead}: only the lead body moves it, not {actor.body}"
            )
        return
    if bodies.resolve(actor.body).kind is not BodyKind.CJ_INSPECTORATE:
        raise NotPermitted(
            f"{ws.ref} has no lead yet: only a CJ inspectorate may act on it, not {actor.body}"
        )
