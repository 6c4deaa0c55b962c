"""Use cases on work streams: create, edit, move. Load, act, record, commit."""

from __future__ import annotations

import re
from typing import Any

from workflow.bootstrap import Runtime
from workflow.domain import lifecycle
from workflow.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from workflow.domain.events import Action, DomainEvent
from workflow.domain.fuzzy_dates import parse_fuzzy_date
from workflow.domain.guards import MoveContext
from workflow.domain.stages import Priority, ScopingDecision, Stage, Trigger, WorkStreamKind
from workflow.domain.working_days import Jurisdiction
from workflow.domain.workstream import EDITABLE_FIELDS, WorkStream
from workflow.services.actors import Actor, ensure_may_move
from workflow.store.uow import UnitOfWork

REF_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")


def choice(enum: type[Any], value: str, what: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{what} {value!r} is not known: use one of {allowed}") from None


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")
    return slug[:100].rstrip("-") or "work-stream"


def check_ref(ref: str) -> str:
    if not REF_PATTERN.match(ref) or ref.isdigit():
        raise InvalidInput(
            f"ref {ref!r} is not valid: use 3-120 lower-case letters, digits and hyphens"
        )
    return ref


def clean_fields(rt: Runtime, fields: dict[str, Any]) -> dict[str, Any]:
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
            out[name] = rt.bodies.code_of(value) if value else None
        elif name == "supporting":
            out[name] = tuple(dict.fromkeys(rt.bodies.codes(value)))
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
    rt: Runtime,
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
    values = clean_fields(rt, {"title": title, **fields})
    ws = WorkStream(
        ref=check_ref(ref or slugify(title)),
        title=values.pop("title"),
        kind=choice(WorkStreamKind, kind, "kind"),
        plan=plan,
        parent_ref=parent_ref,
        origin_ref=origin_ref,
        **values,
    )
    ws.record(
        DomainEvent(
            Action.CREATED,
            actor.name,
            actor.body,
            rt.clock(),
            None,
            ws.state.value,
            payload={"fields": ws.creation_fields()},
        )
    )
    return ws


def create_stream(rt: Runtime, actor: Actor, **kwargs: Any) -> WorkStream:
    with rt.uow() as uow:
        ws = new_stream(rt, actor, **kwargs)
        _check_parent(uow, ws)
        if uow.streams.exists(ws.ref):
            raise Conflict(f"a work stream {ws.ref!r} exists already: choose another --ref")
        uow.add_stream(ws)
        uow.commit()
    return ws


def _check_parent(uow: UnitOfWork, ws: WorkStream) -> None:
    if ws.parent_ref is None:
        return
    if not uow.streams.exists(ws.parent_ref):
        raise NotFound(f"no parent work stream {ws.parent_ref!r}")
    if ws.kind not in (WorkStreamKind.VISIT, WorkStreamKind.PHASE):
        raise InvalidInput("a child work stream is a visit (of a rolling programme) or a phase")


def edit_stream(
    rt: Runtime, actor: Actor, key: str, *, expected_version: int | None = None, **changes: Any
) -> WorkStream:
    with rt.uow() as uow:
        ws = _load(uow, key, expected_version)
        ensure_may_move(ws, actor, rt.bodies)
        values = clean_fields(rt, changes)
        if "lead" in values and "supporting" not in values:
            values["supporting"] = tuple(b for b in ws.supporting if b != values["lead"])
        if ws.state in (Stage.CLOSED, Stage.WITHDRAWN):
            raise NotPermitted(f"{ws.ref} is {ws.state.value}: it can no longer be edited")
        ws.edit(actor.name, actor.body, rt.clock(), **values)
        uow.commit()
    return ws


def _load(uow: UnitOfWork, key: str, expected_version: int | None) -> WorkStream:
    ws = uow.streams.get(key)
    if expected_version is not None and ws.version != expected_version:
        raise Conflict(
            f"{ws.ref} is at version {ws.version}, not {expected_version}: someone changed it; "
            "reload it and try again"
        )
    return ws


def fire_trigger(
    rt: Runtime,
    actor: Actor,
    key: str,
    trigger: str,
    *,
    reason: str | None = None,
    decision: str | None = None,
    expected_version: int | None = None,
    url: str | None = None,
    version: str | None = None,
) -> WorkStream:
    """A person's move. Moves the engine makes by itself cannot be fired by hand."""
    trig = choice(Trigger, trigger, "trigger")
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
    scoping = choice(ScopingDecision, decision, "decision") if decision else None
    if scoping is not None and trig is not Trigger.CONCLUDE_SCOPING:
        raise InvalidInput("--decision goes with conclude_scoping only")
    with rt.uow() as uow:
        ws = _load(uow, key, expected_version)
        ensure_may_move(ws, actor, rt.bodies)
        ctx = MoveContext(
            actor.name,
            actor.body,
            rt.clock(),
            reason,
            scoping,
            url,
            version.strip().lower() if version else None,
        )
        lifecycle.fire(ws, trig, ctx)
        if scoping is ScopingDecision.PROCEED:
            _spawn_inspection(rt, uow, actor, ws)
        uow.commit()
    return ws


def _spawn_inspection(rt: Runtime, uow: UnitOfWork, actor: Actor, study: WorkStream) -> None:
    """A scoping study that decides to proceed creates the inspection it scoped."""
    follow_on = new_stream(
        rt,
        actor,
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
    if uow.streams.exists(follow_on.ref):
        raise Conflict(f"the follow-on inspection {follow_on.ref!r} exists already")
    uow.add_stream(follow_on)
