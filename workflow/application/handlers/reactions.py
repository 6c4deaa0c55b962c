"""Event handlers: what a change asks of others, as outbox rows in its own transaction
(so the work asked for commits with the change or not at all). Tasks named here live in
:mod:`tasks.jobs`."""

from __future__ import annotations

from workflow.application.context import Context
from workflow.domain.events import DocumentRegistered, Event, SignoffRequested, Transitioned
from workflow.domain.joint_decisions import DECIDED_DURING, Decision, DocumentKind
from workflow.domain.stages import Stage, Trigger
from workflow.domain.workstream import WorkStream

NOTIFY_TEAM = "cjji.notify_team"
REQUEST_DECISION = "cjji.request_decision"


def request_decisions_at_signoff(event: Transitioned, ws: WorkStream, ctx: Context) -> None:
    # Registered before the team's notice: a signatory's request is what someone must act
    # on, and the worker takes messages in the order they were sent.
    if event.to_state == Stage.JOINT_SIGNOFF and ws.report.current:
        _request_decisions(ctx, ws, DocumentKind.REPORT, event)


def notify_team(event: Transitioned, ws: WorkStream, ctx: Context) -> None:
    payload: dict[str, object] = {
        "ref": ws.ref,
        "state": event.to_state,
        "from_state": event.from_state,
        "reason": event.reason,
    }
    if event.trigger == Trigger.SEND_BACK:
        # The team hears what to change: each body's comment with its request for changes.
        report = ws.report
        payload["comments"] = [
            {"body": record.body, "comment": record.comment}
            for record in report.decisions
            if record.decision is Decision.REQUEST_CHANGES
            and record.comment
            and record.version == report.current
            and record.round == report.round
        ]
    ctx.uow.enqueue(NOTIFY_TEAM, payload, ws.ref)


def request_decisions_on_new_version(
    event: DocumentRegistered, ws: WorkStream, ctx: Context
) -> None:
    kind = DocumentKind(event.kind)
    # A new report version during sign-off voids earlier approvals: ask again.
    # A new version of a key matter (terms of reference, methodology, findings, ...) where
    # it is decided asks every body to agree it.
    if ws.state in DECIDED_DURING[kind]:
        _request_decisions(ctx, ws, kind, event)


def _request_decisions(ctx: Context, ws: WorkStream, kind: DocumentKind, cause: Event) -> None:
    version = ws.document(kind).current
    for body in ws.participants:
        ws.record(
            SignoffRequested(
                actor=cause.actor,
                body=body,
                at=cause.at,
                from_state=ws.state,
                to_state=ws.state,
                kind=kind.value,
                version=version,
            )
        )
        ctx.uow.enqueue(
            REQUEST_DECISION,
            {"ref": ws.ref, "body": body, "kind": kind.value, "version": version},
            ws.ref,
        )
