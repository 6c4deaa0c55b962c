"""Handlers of the commands on work streams: create, edit, move."""

from __future__ import annotations

from typing import Any

from workflow.application.commands import (
    CreateWorkStream,
    EditWorkStream,
    FireTrigger,
    MigrateLifecycle,
)
from workflow.application.context import Context
from workflow.application.inputs import check_ref, choice, slugify
from workflow.application.principal import Actor
from workflow.domain import lifecycle
from workflow.domain.bodies import BodyRegistry, nation_problems
from workflow.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from workflow.domain.events import WorkStreamCreated
from workflow.domain.fuzzy_dates import parse_fuzzy_date
from workflow.domain.guards import MoveContext
from workflow.domain.stages import Priority, ScopingDecision, Stage, Trigger, WorkStreamKind
from workflow.domain.working_days import Jurisdiction
from workflow.domain.workstream import EDITABLE_FIELDS, WorkStream
from workflow.store.uow import UnitOfWork


def clean_fields(bodies: BodyRegistry, fields: dict[str, Any]) -> dict[str, Any]:
    """Turn user input for editable fields into domain values, or say what is wrong."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise InvalidInput(f"{name} cannot be changed; editable: {', '.join(EDITABLE_FIELDS)}")
        if name == "title":
            if not str(value).strip():
                raise InvalidInput("a title is required")
            out[name] = str(value).strip()
        elif name == "lead":
            out[name] = bodies.code_of(value) if value else None
        elif name == "supporting":
            out[name] = tuple(dict.fromkeys(bodies.codes(value)))
        elif name == "jurisdiction":
            out[name] = choice(Jurisdiction, value, "jurisdiction")
        elif name == "priority":
            out[name] = choice(Priority, value, "priority")
        elif name == "expected_publication":
            out[name] = parse_fuzzy_date(value) if value else None
        elif name in ("missing", "fieldwork_team"):
            out[name] = tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
        else:
            out[name] = value
    if "lead" in out and "supporting" in out:
        out["supporting"] = tuple(b for b in out["supporting"] if b != out["lead"])
    return out


def new_stream(
    ctx: Context,
    actor: Actor,
    *,
    ref: str | None,
    title: str,
    kind: str,
    plan: str | None = None,
    parent_ref: str | None = None,
    origin_ref: str | None = None,
    **fields: Any,
) -> WorkStream:
    """A work stream not yet stored, with its ``created`` event recorded."""
    values = clean_fields(ctx.bodies, {"title": title, **fields})
    ws = WorkStream(
        ref=check_ref(ref or slugify(title)),
        title=values.pop("title"),
        kind=choice(WorkStreamKind, kind, "kind"),
        plan=plan,
        parent_ref=parent_ref,
        origin_ref=origin_ref,
        # The rules it starts under stay its rules: a later version applies to later streams.
        lifecycle_version=lifecycle.current_version(),
        **values,
    )
    check_nations(ctx.bodies, ws.ref, ws.participants, ws.jurisdiction)
    ws.record(
        WorkStreamCreated(
            actor=actor.name,
            body=actor.body,
            at=ctx.clock(),
            to_state=ws.state.value,
            fields=ws.creation_fields(),
        )
    )
    return ws


def create_stream(cmd: CreateWorkStream, ctx: Context) -> WorkStream:
    ws = new_stream(
        ctx,
        ctx.actor,
        ref=cmd.ref,
        title=cmd.title,
        kind=cmd.kind,
        plan=cmd.plan,
        parent_ref=cmd.parent_ref,
        **cmd.fields,
    )
    _check_parent(ctx.uow, ws)
    if ctx.uow.streams.exists(ws.ref):
        raise Conflict(f"a work stream {ws.ref!r} exists already: choose another --ref")
    ctx.uow.add_stream(ws)
    return ws


def _check_parent(uow: UnitOfWork, ws: WorkStream) -> None:
    if ws.parent_ref is None:
        if ws.kind is WorkStreamKind.VISIT:
            raise InvalidInput(
                "a visit belongs to a rolling programme: give the programme's ref as its parent"
            )
        return
    if not uow.streams.exists(ws.parent_ref):
        raise NotFound(f"no parent work stream {ws.parent_ref!r}")
    problem = parent_problem(ws.kind, uow.streams.get(ws.parent_ref).kind)
    if problem:
        raise InvalidInput(f"{ws.ref}: {problem}")


def parent_problem(kind: WorkStreamKind, parent: WorkStreamKind) -> str | None:
    """Why a work stream of ``kind`` cannot sit under one of ``parent``, if it cannot."""
    if kind not in (WorkStreamKind.VISIT, WorkStreamKind.PHASE):
        return "a child work stream is a visit (of a rolling programme) or a phase"
    if kind is WorkStreamKind.VISIT and parent is not WorkStreamKind.ROLLING_PROGRAMME:
        return f"a visit belongs to a rolling programme, not to a {parent.value}"
    if kind is WorkStreamKind.PHASE and parent not in PHASED_KINDS:
        return (
            f"a phase is part of a report published in parts (a thematic inspection or a "
            f"review), not of a {parent.value}"
        )
    return None


#: Kinds whose report may be published in parts, each a ``phase``.
PHASED_KINDS = frozenset({WorkStreamKind.THEMATIC_INSPECTION, WorkStreamKind.REVIEW})


def check_nations(
    bodies: BodyRegistry, ref: str, participants: tuple[str, ...], jurisdiction: Jurisdiction
) -> None:
    """Refuse a partner body that does not inspect in the work's nation."""
    problems = nation_problems(bodies, participants, jurisdiction.value)
    if problems:
        raise InvalidInput(
            f"{ref} is work of {jurisdiction.value.replace('_', ' ')}: "
            + "; ".join(problems)
            + ": remove it, or change the jurisdiction"
        )


def edit_stream(cmd: EditWorkStream, ctx: Context) -> WorkStream:
    ws = _load(ctx.uow, cmd.key, cmd.expected_version)
    values = clean_fields(ctx.bodies, dict(cmd.changes))
    if "lead" in values and "supporting" not in values:
        values["supporting"] = tuple(b for b in ws.supporting if b != values["lead"])
    if ws.state in (Stage.CLOSED, Stage.WITHDRAWN):
        raise NotPermitted(f"{ws.ref} is {ws.state.value}: it can no longer be edited")
    lead, supporting = values.get("lead", ws.lead), values.get("supporting", ws.supporting)
    if "lead" in values or "supporting" in values:
        ws.check_participants_change(lead, supporting)
    check_nations(
        ctx.bodies,
        ws.ref,
        ((lead,) if lead else ()) + tuple(supporting),
        values.get("jurisdiction", ws.jurisdiction),
    )
    ws.edit(ctx.actor.name, ctx.actor.body, ctx.clock(), **values)
    return ws


def migrate_lifecycle(cmd: MigrateLifecycle, ctx: Context) -> WorkStream:
    """Deliberately put a work stream under another version of the rules, with a reason.

    Refused if the new version has no way on from where the work stream stands (it would be
    stuck), or from the stage a paused work stream would resume to."""
    reason = (cmd.reason or "").strip()
    if not reason:
        raise InvalidInput("say why the work stream changes lifecycle version: --reason")
    try:
        target = lifecycle.lifecycle(cmd.version)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    ws = _load(ctx.uow, cmd.key, None)
    if ws.lifecycle_version == target.version:
        raise InvalidInput(f"{ws.ref} is already under lifecycle version {target.version}")
    if ws.state in (Stage.CLOSED, Stage.WITHDRAWN):
        raise NotPermitted(f"{ws.ref} is {ws.state.value}: its history is finished")
    stuck = [
        s
        for s in (ws.state, ws.paused_from)
        if s is not None and not lifecycle.allowed_triggers(s, target.version)
    ]
    if stuck:
        raise NotPermitted(
            f"lifecycle version {target.version} has no move on from {stuck[0].value}: "
            f"{ws.ref} would be stuck there"
        )
    ws.move_to_lifecycle(target.version, ctx.actor.name, ctx.actor.body, ctx.clock(), reason)
    return ws


def _load(uow: UnitOfWork, key: str, expected_version: int | None) -> WorkStream:
    ws = uow.streams.get(key)
    if expected_version is not None and ws.version != expected_version:
        raise Conflict(
            f"{ws.ref} is at version {ws.version}, not {expected_version}: someone changed it; "
            "reload it and try again"
        )
    return ws


def fire_trigger(cmd: FireTrigger, ctx: Context) -> WorkStream:
    """A person's move. Moves the engine makes by itself cannot be fired by hand."""
    trig = choice(Trigger, cmd.trigger, "trigger")
    if trig in lifecycle.AUTOMATIC_TRIGGERS:
        when = (
            "when a body requests changes"
            if trig is Trigger.SEND_BACK
            else "when every participating body has approved the draft"
        )
        raise NotPermitted(
            f"{trig.value} happens by itself {when} at joint sign-off: record decisions with "
            "`cjji signoff record`"
        )
    scoping = choice(ScopingDecision, cmd.decision, "decision") if cmd.decision else None
    if scoping is not None and trig is not Trigger.CONCLUDE_SCOPING:
        raise InvalidInput("--decision goes with conclude_scoping only")
    ws = _load(ctx.uow, cmd.key, cmd.expected_version)
    actor = ctx.actor
    move = MoveContext(
        actor.name,
        actor.body,
        ctx.clock(),
        cmd.reason,
        scoping,
        cmd.url,
        cmd.version.strip().lower() if cmd.version else None,
    )
    lifecycle.fire(ws, trig, move)
    if scoping is ScopingDecision.PROCEED:
        _spawn_inspection(ctx, ws)
    return ws


def _spawn_inspection(ctx: Context, study: WorkStream) -> None:
    """A scoping study that decides to proceed creates the inspection it scoped."""
    follow_on = new_stream(
        ctx,
        ctx.actor,
        ref=f"{study.ref}-inspection"[:120],
        title=f"{study.title} (inspection)",
        kind=WorkStreamKind.THEMATIC_INSPECTION.value,
        plan=study.plan,
        origin_ref=study.ref,
        lead=study.lead,
        supporting=study.supporting,
        jurisdiction=study.jurisdiction.value,
        priority=study.priority.value,
        summary=study.summary,
    )
    if ctx.uow.streams.exists(follow_on.ref):
        raise Conflict(f"the follow-on inspection {follow_on.ref!r} exists already")
    ctx.uow.add_stream(follow_on)


HANDLERS = {
    CreateWorkStream: create_stream,
    EditWorkStream: edit_stream,
    FireTrigger: fire_trigger,
    MigrateLifecycle: migrate_lifecycle,
}
