"""Document versions and the joint decisions taken on them.

A body's decision is recorded under the work stream's row lock, and the move that a
complete set of decisions calls for happens in that same transaction: so whatever the
interleaving, exactly one decision (the last) moves the work stream, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from workflow.adapters.document_files import UnsupportedDocument, media_type_of
from workflow.application.commands import NameKeyPeople, RecordDecision, RegisterDocument
from workflow.application.context import Context
from workflow.application.inputs import choice
from workflow.application.principal import Actor
from workflow.domain import lifecycle
from workflow.domain.errors import InvalidInput, Refused
from workflow.domain.guards import MoveContext
from workflow.domain.joint_decisions import (
    DECIDED_DURING,
    REGISTERED_DURING,
    Decision,
    DecisionRecord,
    DocumentKind,
    content_hash,
)
from workflow.domain.key_people import KeyPeople
from workflow.domain.stages import Stage, Trigger
from workflow.domain.workstream import WorkStream
from workflow.store.tables import DocumentContentRow, UserRow

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Registered:
    stream: WorkStream
    version: str
    new: bool


def register_document(cmd: RegisterDocument, ctx: Context) -> Registered:
    doc_kind: DocumentKind = choice(DocumentKind, cmd.kind, "document kind")
    content = cmd.content
    if not content:
        raise InvalidInput("the document is empty: give a file with the text to decide on")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"the document is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
    try:
        media_type = media_type_of(content, cmd.filename)
    except UnsupportedDocument as error:
        raise InvalidInput(str(error)) from None
    version = content_hash(content)
    uow, actor = ctx.uow, ctx.actor
    ws = uow.streams.get(cmd.key)
    if ws.state not in REGISTERED_DURING[doc_kind]:
        allowed = " or ".join(s.value for s in REGISTERED_DURING[doc_kind])
        raise Refused(
            f"{ws.ref} is in {ws.state.value}: a {doc_kind.label} version is registered in "
            f"{allowed}"
        )
    if doc_kind is DocumentKind.TERMS_OF_REFERENCE:
        _check_key_people_named(ws)
    now = ctx.clock()
    new = ws.register_document(doc_kind, version, actor.name, actor.body, now)
    stream_id = uow.streams.id_of(ws.ref)
    if new and not _content_stored(uow.session, stream_id, doc_kind, version):
        uow.session.add(
            DocumentContentRow(
                stream_id=stream_id,
                kind=doc_kind.value,
                content_hash=version,
                filename=cmd.filename,
                media_type=media_type,
                content=content,
                registered_at=now,
                registered_by=actor.name,
            )
        )
    return Registered(ws, version, new)


def _check_key_people_named(ws: WorkStream) -> None:
    """Under a lifecycle that asks it, each body names its lead inspector and senior-level
    oversight before the scope is developed (CJJI standard methodology)."""
    missing = ws.unnamed_key_people()
    if lifecycle.lifecycle(ws.lifecycle_version).names_key_people and missing:
        raise Refused(
            f"{ws.ref}: the terms of reference can be registered once every participating "
            f"body has named its lead inspector and senior-level oversight; "
            f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} not "
            f"(`cjji streams name-leads {ws.ref} --body BODY --lead-inspector USERNAME "
            "--senior-oversight USERNAME`)"
        )


@dataclass(frozen=True)
class Named:
    stream: WorkStream
    changed: bool


def name_key_people(cmd: NameKeyPeople, ctx: Context) -> Named:
    """The policy has checked that the actor is an inspector or chief inspector of
    ``cmd.body``, which takes part; here, that both are people of that body."""
    body = ctx.bodies.code_of(cmd.body)
    ws = ctx.uow.streams.get(cmd.key)
    if ws.state.value in ("closed", "withdrawn"):
        raise Refused(f"{ws.ref} is {ws.state.value}: its people can no longer be named")
    lead = _person_of(ctx, body, cmd.lead_inspector, "lead inspector")
    oversight = _person_of(ctx, body, cmd.senior_oversight, "senior-level oversight")
    actor = ctx.actor
    changed = ws.name_key_people(
        body, KeyPeople(lead, oversight), actor.name, actor.body, ctx.clock(), cmd.reason
    )
    return Named(ws, changed)


def _person_of(ctx: Context, body: str, username: str, role: str) -> str:
    name = username.strip()
    if not name:
        raise InvalidInput(f"give the username of {body}'s {role}")
    row = ctx.uow.session.exec(select(UserRow).where(col(UserRow.username) == name)).first()
    if row is None or not row.active:
        raise InvalidInput(
            f"no active person {name!r} in the directory: `cjji users list` shows them"
        )
    if row.body != body:
        raise InvalidInput(f"{name} acts for {row.body}, not {body}: name one of {body}'s people")
    return name


def _content_stored(session: Session, stream_id: int, kind: DocumentKind, version: str) -> bool:
    found = session.exec(
        select(DocumentContentRow.id).where(
            col(DocumentContentRow.stream_id) == stream_id,
            col(DocumentContentRow.kind) == kind.value,
            col(DocumentContentRow.content_hash) == version,
        )
    ).first()
    return found is not None


@dataclass(frozen=True)
class Decided:
    stream: WorkStream
    moved_to: Stage | None


def record_decision(cmd: RecordDecision, ctx: Context) -> Decided:
    """The policy has checked that the actor is a signatory or deputy of ``cmd.body`` and
    that the body takes part; the domain checks the version and the round."""
    doc_kind: DocumentKind = choice(DocumentKind, cmd.kind, "document kind")
    verdict: Decision = choice(Decision, cmd.decision, "decision")
    body_code = ctx.bodies.code_of(cmd.body)
    ws = ctx.uow.streams.get(cmd.key)
    if ws.state not in DECIDED_DURING[doc_kind]:
        raise Refused(
            f"{ws.ref} is in {ws.state.value}: decisions on the {doc_kind.label} are taken "
            f"in {' or '.join(s.value for s in DECIDED_DURING[doc_kind])}"
        )
    now = ctx.clock()
    actor = ctx.actor
    ws.record_decision(
        doc_kind,
        DecisionRecord(
            body_code, actor.name, verdict, cmd.version.strip().lower(), now, cmd.comment
        ),
    )
    moved = _move_on(ws, doc_kind, verdict, actor, body_code, now)
    return Decided(ws, moved)


def _move_on(
    ws: WorkStream, kind: DocumentKind, verdict: Decision, actor: Actor, body: str, now: datetime
) -> Stage | None:
    """At joint sign-off the last approval moves the report on; a request sends it back."""
    if kind is not DocumentKind.REPORT:
        return None
    if verdict is Decision.REQUEST_CHANGES:
        ctx = MoveContext(actor.name, body, now, f"{body} requested changes")
        return lifecycle.fire(ws, Trigger.SEND_BACK, ctx)
    if verdict is Decision.APPROVE and ws.report.approved_by_all(ws.participants):
        ctx = MoveContext(actor.name, body, now, "every participating body approved")
        return lifecycle.fire(ws, Trigger.COMPLETE_SIGNOFF, ctx)
    return None


HANDLERS = {
    RegisterDocument: register_document,
    RecordDecision: record_decision,
    NameKeyPeople: name_key_people,
}
