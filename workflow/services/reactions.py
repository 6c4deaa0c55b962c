"""What committed events ask for: outbox rows for notifications and sign-off requests.

Called by the unit of work inside the transaction, so the work asked for commits with the
change or not at all. Tasks named here live in :mod:`tasks.jobs`.
"""

from __future__ import annotations

from collections.abc import Sequence

from workflow.domain.events import Action, DomainEvent
from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.stages import Stage
from workflow.domain.workstream import WorkStream
from workflow.services import deadlines
from workflow.store.uow import UnitOfWork

NOTIFY_TEAM = "cjji.notify_team"
REQUEST_DECISION = "cjji.request_decision"


def react(uow: UnitOfWork, ws: WorkStream, events: Sequence[DomainEvent]) -> None:
    for event in events:
        if event.action is Action.TRANSITIONED and event.to_state:
            # The requests go to the broker first: a signatory's request is what someone must
            # act on, and the worker takes messages in the order they were sent.
            if event.to_state == Stage.JOINT_SIGNOFF and ws.report.current:
                _request_decisions(uow, ws, DocumentKind.REPORT, event)
            uow.enqueue(
                NOTIFY_TEAM,
                {
                    "ref": ws.ref,
                    "state": event.to_state,
                    "from_state": event.from_state,
                    "reason": event.reason,
                },
                ws.ref,
            )
        elif event.action is Action.DOCUMENT_REGISTERED:
            kind = DocumentKind(event.payload["kind"])
            # A new report version during sign-off voids earlier approvals: ask again.
            # A new terms-of-reference version in scoping asks every body to agree it.
            if (kind is DocumentKind.REPORT and ws.state is Stage.JOINT_SIGNOFF) or (
                kind is DocumentKind.TERMS_OF_REFERENCE and ws.state is Stage.SCOPING
            ):
                _request_decisions(uow, ws, kind, event)
    deadlines.on_events(uow, ws, events)  # deadlines open and close with the move


def _request_decisions(
    uow: UnitOfWork, ws: WorkStream, kind: DocumentKind, cause: DomainEvent
) -> None:
    version = ws.document(kind).current
    for body in ws.participants:
        ws.record(
            DomainEvent(
                Action.SIGNOFF_REQUESTED,
                cause.actor,
                body,
                cause.at,
                ws.state,
                ws.state,
                payload={"kind": kind.value, "version": version},
            )
        )
        uow.enqueue(
            REQUEST_DECISION,
            {"ref": ws.ref, "body": body, "kind": kind.value, "version": version},
            ws.ref,
        )
