"""Document versions and the joint decisions taken on them.

A body's decision is recorded under the work stream's row lock, and the move that a
complete set of decisions calls for happens in that same transaction: so whatever the
interleaving, exactly one decision (the last) moves the work stream, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from workflow.bootstrap import Runtime
from workflow.domain import lifecycle
from workflow.domain.errors import InvalidInput, NotPermitted, Refused
from workflow.domain.guards import MoveContext
from workflow.domain.joint_decisions import Decision, DecisionRecord, DocumentKind, content_hash
from workflow.domain.stages import Stage, Trigger
from workflow.domain.workstream import WorkStream
from workflow.services.actors import Actor, ensure_may_move
from workflow.services.directory import ensure_may_decide
from workflow.services.streams import choice
from workflow.store.tables import DocumentContentRow

#: The state in which each document is decided on.
DECIDED_IN = {
    DocumentKind.TERMS_OF_REFERENCE: Stage.SCOPING,
    DocumentKind.REPORT: Stage.JOINT_SIGNOFF,
}
#: The states in which a new version may be registered.
REGISTERED_IN = {
    DocumentKind.TERMS_OF_REFERENCE: (Stage.SCOPING,),
    DocumentKind.REPORT: (Stage.DRAFTING, Stage.JOINT_SIGNOFF),
}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Registered:
    stream: WorkStream
    version: str
    new: bool


def register_document(
    rt: Runtime, actor: Actor, key: str, kind: str, content: bytes, filename: str | None = None
) -> Registered:
    doc_kind: DocumentKind = choice(DocumentKind, kind, "document kind")
    if not content:
        raise InvalidInput("the document is empty: give a file with the text to decide on")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"the document is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
    version = content_hash(content)
    with rt.uow() as uow:
        ws = uow.streams.get(key)
        ensure_may_move(ws, actor, rt.bodies)
        if ws.state not in REGISTERED_IN[doc_kind]:
            allowed = " or ".join(s.value for s in REGISTERED_IN[doc_kind])
            raise Refused(
                f"{ws.ref} is in {ws.state.value}: a {doc_kind.value.replace('_', ' ')}"
                f" version is registered in {allowed}"
            )
        now = rt.clock()
        new = ws.register_document(doc_kind, version, actor.name, actor.body, now)
        if new and not _content_stored(uow.session, uow.streams.id_of(ws.ref), doc_kind, version):
            uow.session.add(
                DocumentContentRow(
                    stream_id=uow.streams.id_of(ws.ref),
                    kind=doc_kind.value,
                    content_hash=version,
                    filename=filename,
                    content=content,
                    registered_at=now,
                    registered_by=actor.name,
                )
            )
        uow.commit()
    return Registered(ws, version, new)


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


def record_decision(
    rt: Runtime,
    actor: Actor,
    key: str,
    *,
    body: str,
    decision: str,
    version: str,
    kind: str = DocumentKind.REPORT.value,
    comment: str | None = None,
) -> Decided:
    doc_kind: DocumentKind = choice(DocumentKind, kind, "document kind")
    verdict: Decision = choice(Decision, decision, "decision")
    body_code = rt.bodies.code_of(body)
    with rt.uow() as uow:
        ensure_may_decide(uow.session, actor, body_code)
        ws = uow.streams.get(key)
        if body_code not in ws.participants:
            raise NotPermitted(
                f"{body_code} does not take part in {ws.ref}: "
                f"its bodies are {', '.join(ws.participants) or 'not recorded'}"
            )
        if ws.state is not DECIDED_IN[doc_kind]:
            raise Refused(
                f"{ws.ref} is in {ws.state.value}: decisions on the "
                f"{doc_kind.value.replace('_', ' ')} are taken in "
                f"{DECIDED_IN[doc_kind].value}"
            )
        now = rt.clock()
        ws.record_decision(
            doc_kind,
            DecisionRecord(body_code, actor.name, verdict, version.strip().lower(), now, comment),
        )
        moved = _move_on(ws, doc_kind, verdict, actor, body_code, now)
        uow.commit()
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
