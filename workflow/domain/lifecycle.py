"""The lifecycle: versioned transition tables, and one shared ``transitions`` machine each.

Every allowed move is one row of a table; :data:`TRANSITIONS` is version 1. Each work
stream keeps the version it started under (``WorkStream.lifecycle_version``) for life, so
a new version applies only to work streams created after it is registered, and the
guards, the machine and replay of a stream in flight keep the rules it started with (like
Temporal's workflow versioning). docs/lifecycle.md says how to add a version.

Each version's machine is built once and never holds a work stream: :func:`fire` runs an
event against the aggregate passed in, so a million rows cost no more machines than one
(pytransitions issue #146). Callbacks only record events; services do the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from transitions import EventData, Machine

from workflow.domain import guards as g
from workflow.domain.errors import TransitionRefused
from workflow.domain.events import Transitioned
from workflow.domain.guards import Guard, MoveContext
from workflow.domain.stages import OPEN_STAGES, Stage, Trigger
from workflow.domain.workstream import WorkStream


@dataclass(frozen=True)
class Move:
    trigger: Trigger
    source: Stage
    dest: Stage
    guards: tuple[Guard, ...] = ()


T = Trigger
S = Stage

TRANSITIONS: tuple[Move, ...] = (
    Move(
        T.START_FIELDWORK,
        S.SCOPING,
        S.FIELDWORK,
        (
            g.not_a_scoping_study,
            g.lead_recorded,
            g.supporting_recorded,
            g.terms_of_reference_agreed,
        ),
    ),
    Move(T.CONCLUDE_SCOPING, S.SCOPING, S.CLOSED, (g.is_scoping_study, g.scoping_decision_given)),
    Move(T.START_DRAFTING, S.FIELDWORK, S.DRAFTING),
    Move(
        T.SUBMIT_FOR_SIGNOFF,
        S.DRAFTING,
        S.JOINT_SIGNOFF,
        (g.draft_registered, g.factual_accuracy_done),
    ),
    Move(T.SEND_BACK, S.JOINT_SIGNOFF, S.DRAFTING, (g.changes_requested,)),
    Move(T.COMPLETE_SIGNOFF, S.JOINT_SIGNOFF, S.PUBLICATION, (g.report_approved_by_every_body,)),
    Move(
        T.PUBLISH,
        S.PUBLICATION,
        S.FOLLOW_UP,
        (
            g.report_approved_by_every_body,
            g.publication_scheduled,
            g.publication_time_reached,
            g.embargoed_copy_sent,
            g.published_version_is_the_approved_one,
        ),
    ),
    Move(T.CLOSE, S.FOLLOW_UP, S.CLOSED, (g.recommendations_closed,)),
    *(Move(T.PAUSE, s, S.PAUSED) for s in OPEN_STAGES),
    *(Move(T.RESUME, S.PAUSED, s, (g.paused_from(s),)) for s in OPEN_STAGES),
    *(Move(T.WITHDRAW, s, S.WITHDRAWN, (g.reason_given,)) for s in (*OPEN_STAGES, S.PAUSED)),
)


def _with_guards(
    table: Iterable[Move], extra: dict[Trigger, tuple[Guard, ...]]
) -> tuple[Move, ...]:
    return tuple(
        Move(m.trigger, m.source, m.dest, m.guards + extra.get(m.trigger, ())) for m in table
    )


#: Version 2, jointly owned at every key decision (CJJI standard methodology, 2024): the
#: moves wait for the key matters that must stand before them. Fieldwork needs the scope
#: and the methodology agreed; joint sign-off the findings and judgements; publication
#: the recommendations and the publication arrangements. Its streams also name each
#: body's lead inspector and senior-level oversight before the terms of reference are
#: registered (:attr:`Lifecycle.names_key_people`).
KEY_DECISIONS: tuple[Move, ...] = _with_guards(
    TRANSITIONS,
    {
        T.START_FIELDWORK: (g.key_people_named, g.methodology_agreed),
        T.SUBMIT_FOR_SIGNOFF: (g.findings_agreed,),
        T.PUBLISH: (g.recommendations_agreed, g.publication_arrangements_agreed),
    },
)

#: Moves the engine makes by itself when a joint decision completes; people cannot fire them.
AUTOMATIC_TRIGGERS = frozenset({T.COMPLETE_SIGNOFF, T.SEND_BACK})


def _moves_from(
    transitions: Iterable[Move] = TRANSITIONS,
) -> dict[tuple[Stage, Trigger], list[Move]]:
    table: dict[tuple[Stage, Trigger], list[Move]] = defaultdict(list)
    for move in transitions:
        table[(move.source, move.trigger)].append(move)
    return dict(table)


@dataclass(frozen=True)
class Lifecycle:
    """One version of the rules: its transition table, indexed by (source, trigger)."""

    version: int
    transitions: tuple[Move, ...]
    moves: dict[tuple[Stage, Trigger], list[Move]] = field(compare=False, repr=False)
    #: Whether every participating body names its lead inspector and senior-level
    #: oversight before the terms of reference can be registered.
    names_key_people: bool = False

    @classmethod
    def of(
        cls, version: int, transitions: Iterable[Move], *, names_key_people: bool = False
    ) -> Lifecycle:
        table = tuple(transitions)
        return cls(version, table, _moves_from(table), names_key_people)

    def allows(self, source: Stage, dest: Stage, trigger: str | None) -> bool:
        """Whether a recorded move (as replay reads it) is a row of this table."""
        return any(
            m.source is source and m.dest is dest and (trigger is None or m.trigger == trigger)
            for m in self.transitions
        )


#: Every version there is, by number. Version 1 is the table above; add a version with
#: :func:`register` (never change a registered table: streams in flight rely on it).
LIFECYCLES: dict[int, Lifecycle] = {1: Lifecycle.of(1, TRANSITIONS)}

MOVES = LIFECYCLES[1].moves


def register(
    version: int, transitions: Iterable[Move], *, names_key_people: bool = True
) -> Lifecycle:
    """Add a new version: from now on new work streams start under it. Every version from
    2 on keeps the key people rule unless it says otherwise."""
    if version in LIFECYCLES:
        raise ValueError(f"lifecycle version {version} exists: a registered table never changes")
    if version != current_version() + 1:
        raise ValueError(f"the next lifecycle version is {current_version() + 1}, not {version}")
    LIFECYCLES[version] = Lifecycle.of(version, transitions, names_key_people=names_key_people)
    return LIFECYCLES[version]


def unregister(version: int) -> None:
    """For tests only: forget the newest version (and its machine)."""
    if version != current_version() or version <= SHIPPED:
        raise ValueError("only the newest version, never a shipped one, can be forgotten")
    del LIFECYCLES[version]
    machine.cache_clear()


def current_version() -> int:
    """The version new work streams start under: the newest registered."""
    return max(LIFECYCLES)


def lifecycle(version: int) -> Lifecycle:
    try:
        return LIFECYCLES[version]
    except KeyError:
        known = ", ".join(map(str, sorted(LIFECYCLES)))
        raise ValueError(f"no lifecycle version {version} (known: {known})") from None


register(2, KEY_DECISIONS)
#: The versions the engine ships with: tests may add (and forget) later ones.
SHIPPED = 2


def allowed_triggers(state: Stage, version: int = 1) -> list[Trigger]:
    moves = lifecycle(version).moves
    return [t for t in Trigger if (state, t) in moves]


def _condition(guard: Guard) -> Any:
    def check(event: EventData) -> bool:
        ws = cast(WorkStream, event.model)
        return guard(ws, event.kwargs["ctx"]) is None

    return check


def _record_move(event: EventData) -> None:
    ws = cast(WorkStream, event.model)
    ctx: MoveContext = event.kwargs["ctx"]
    assert event.transition is not None
    # transitions keeps enum states by member name.
    source, dest = Stage[str(event.transition.source)], Stage[str(event.transition.dest)]
    paused_for: int | None = None
    if dest is Stage.PAUSED:
        ws.paused_from, ws.paused_at = source, ctx.at
    elif source is Stage.PAUSED and ws.paused_at is not None:
        # The clock stops while paused: keep the time so deadlines can move on by it.
        paused_for = max(int((ctx.at - ws.paused_at).total_seconds()), 0)
        ws.paused_seconds += paused_for
        ws.paused_from, ws.paused_at = None, None
    if dest is Stage.WITHDRAWN:
        ws.withdrawn_reason = ctx.reason
    published = event.event.name == T.PUBLISH
    if published:
        ws.publication.url, ws.publication.version = ctx.url, ctx.version
        ws.publication.published_at = ctx.at
    decided = event.event.name == T.CONCLUDE_SCOPING and ctx.decision is not None
    if decided:
        ws.scoping_decision = ctx.decision
    ws.record(
        Transitioned(
            actor=ctx.actor,
            body=ctx.body,
            at=ctx.at,
            from_state=source.value,
            to_state=dest.value,
            reason=ctx.reason,
            trigger=event.event.name,
            paused_for_seconds=paused_for,
            url=ctx.url if published else None,
            version=ctx.version if published else None,
            decision=ctx.decision.value if decided and ctx.decision else None,
        )
    )


@cache
def machine(version: int = 1) -> Machine:
    """The one machine definition every work stream of ``version`` shares."""
    return Machine(
        model=None,
        states=list(Stage),
        transitions=[
            {
                "trigger": m.trigger.value,
                "source": m.source,
                "dest": m.dest,
                "conditions": [_condition(guard) for guard in m.guards],
                "after": _record_move,
            }
            for m in lifecycle(version).transitions
        ],
        initial=Stage.SCOPING,
        auto_transitions=False,
        send_event=True,
    )


def unmet_conditions(ws: WorkStream, trigger: Trigger, ctx: MoveContext) -> list[str]:
    """Why ``trigger`` cannot fire now; empty when it can."""
    moves = lifecycle(ws.lifecycle_version).moves.get((ws.state, trigger))
    if not moves:
        allowed = ", ".join(allowed_triggers(ws.state, ws.lifecycle_version)) or (
            "none: it is finished"
        )
        return [f"that move does not exist from {ws.state.value} (allowed: {allowed})"]
    reasons: list[str] = []
    for move in moves:
        unmet = [r for r in (guard(ws, ctx) for guard in move.guards) if r is not None]
        if not unmet:
            return []
        reasons.extend(unmet)
    return reasons


def fire(ws: WorkStream, trigger: Trigger | str, ctx: MoveContext) -> Stage:
    """Move ``ws`` by ``trigger`` or raise :class:`TransitionRefused` naming why not."""
    try:
        trig = Trigger(trigger)
    except ValueError:
        known = ", ".join(t.value for t in Trigger)
        raise TransitionRefused(
            ws.ref, ws.state.value, str(trigger), f"no such trigger (known: {known})"
        ) from None
    reasons = unmet_conditions(ws, trig, ctx)
    if reasons:
        raise TransitionRefused(ws.ref, ws.state.value, trig.value, "; ".join(_unique(reasons)))
    moved = machine(ws.lifecycle_version).events[trig.value].trigger(ws, ctx=ctx)
    if not moved:  # the machine and the table disagree: a bug, never a user error
        raise AssertionError(f"{trig} refused by the machine although every guard passed")
    return ws.state


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
