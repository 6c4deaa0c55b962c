"""Delivering what an outbox row asks for: messages to the right people, each once.

Each recipient's message is sent and recorded (with an audit event) in one transaction
that holds the outbox row's lock, and a recipient already recorded for the row is
skipped: so a task that runs twice, even two copies at the same time, or one killed and
run again, sends each message once. (A crash in the instant between the
mail server accepting a message and the record being written can repeat that one
message; it carries the same reference and Message-ID, so mail systems can tell.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from workflow.adapters import logs
from workflow.application.authentication import ACCOUNT_LOCKED
from workflow.application.handlers.reactions import NOTIFY_TEAM, REQUEST_DECISION
from workflow.application.handlers.report import SEND_EMBARGO
from workflow.application.jobs.embargo import embargo_messages
from workflow.application.jobs.outbox import mark_done
from workflow.application.jobs.reminders import SEND_REMINDER, reminder_messages
from workflow.application.queries import changes
from workflow.application.queries.people import find_user, people_of
from workflow.application.queries.streams import load_readonly
from workflow.application.runtime import Runtime
from workflow.domain.events import NotificationDelivered, NotificationSkipped
from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.roles import DECIDERS, Role
from workflow.domain.stages import Stage
from workflow.domain.workstream import WorkStream
from workflow.notifications import Channel, Message, render
from workflow.notifications.message import Delivery
from workflow.store.deadline_tables import DeadlineRow
from workflow.store.tables import AuditEventRow, DeliveryRow, OutboxRow, UserRow
from workflow.store.uow import UnitOfWork

log = logs.get_logger("cjji.delivery")
SYSTEM = "system"


@dataclass(frozen=True)
class Outgoing:
    recipient: UserRow
    template: str
    message: Message


Composed = tuple[list[Outgoing], str | None]
StreamComposer = Callable[[Runtime, Session, OutboxRow, WorkStream], Composed]
#: What a row asks to send; ``None`` for a row about no work stream (an account's notice).
Composer = Callable[[Runtime, Session, OutboxRow, WorkStream | None], Composed]


def _team_message(
    rt: Runtime, session: Session, row: OutboxRow, ws: WorkStream
) -> tuple[list[Outgoing], str | None]:
    state = row.payload["state"]
    roles = [Role.CONTACT]
    if state == Stage.PUBLICATION:  # every party hears that the report is agreed
        roles += [Role.SIGNATORY, Role.DEPUTY_SIGNATORY, Role.CHIEF_INSPECTOR]
    people = people_of(session, ws.participants, roles)
    subject, body = render(
        "stage_entered",
        stream_title=ws.title,
        ref=ws.ref,
        state=state,
        from_state=row.payload.get("from_state") or "",
        reason=row.payload.get("reason") or "",
        comments=row.payload.get("comments") or [],
        public_url=rt.settings.public_url,
        lead=ws.lead or "not recorded",
        participants=list(ws.participants) or ["none recorded"],
    )
    return [_outgoing(row, u, "stage_entered", subject, body) for u in people], None


def _decision_message(
    rt: Runtime, session: Session, row: OutboxRow, ws: WorkStream
) -> tuple[list[Outgoing], str | None]:
    body_code, kind = row.payload["body"], DocumentKind(row.payload["kind"])
    version = row.payload["version"]
    # Decided already, superseded, dropped, or moved on: the request is no longer owed.
    not_owed = ws.decision_not_owed(body_code, kind, version)
    if not_owed:
        return [], f"{not_owed} before the request went out"
    body = rt.bodies.resolve(body_code)
    due = row.payload.get("due") or _decision_due(session, ws.ref, body_code)
    # A body whose approval this version voided reads what changed since the one it approved.
    changed = changes.since_approval(
        session, ws, kind, body_code, version, limit=changes.EMAIL_LINES
    )
    out = []
    for user in people_of(session, [body_code], DECIDERS):
        subject, text = render(
            "decision_requested",
            stream_title=ws.title,
            ref=ws.ref,
            body=body_code,
            body_name=body.name,
            document=kind.label,
            version=version,
            due=due,
            changes=changed,
            public_url=rt.settings.public_url,
        )
        out.append(_outgoing(row, user, "decision_requested", subject, text))
    return out, None


#: The deadline a decision request is answered by: 10 working days at joint sign-off.
DECISION_RULE = "signoff_response"


def _decision_due(session: Session, ref: str, body: str) -> str | None:
    """The due date of ``body``'s open decision deadline on ``ref``, if one is open."""
    row = session.exec(
        select(DeadlineRow).where(
            col(DeadlineRow.stream_ref) == ref,
            col(DeadlineRow.rule) == DECISION_RULE,
            col(DeadlineRow.body) == body,
            col(DeadlineRow.closed_at).is_(None),
        )
    ).first()
    if row is None:
        return None
    due = row.due_on
    return f"{due:%A} {due.day} {due:%B %Y}"


def _reminder_message(
    rt: Runtime, session: Session, row: OutboxRow, ws: WorkStream
) -> tuple[list[Outgoing], str | None]:
    messages, skipped = reminder_messages(rt, session, row.payload, ws)
    outgoing = [_outgoing(row, user, name, subject, text) for user, name, subject, text in messages]
    return outgoing, skipped


def _embargo_message(
    rt: Runtime, session: Session, row: OutboxRow, ws: WorkStream
) -> tuple[list[Outgoing], str | None]:
    messages, skipped = embargo_messages(rt, session, row, ws)
    outgoing = [_outgoing(row, user, name, subject, text) for user, name, subject, text in messages]
    return outgoing, skipped


#: What each task that reads an outbox row sends. Every task name a handler or a job can
#: put in the outbox is a key here and a task of the worker (tests/unit/test_task_names.py).
def _account_locked(
    rt: Runtime, session: Session, row: OutboxRow, _ws: WorkStream | None
) -> Composed:
    """Tell the owner that failed sign-ins have locked their account, and until when."""
    user = find_user(session, row.payload["username"])
    if user is None or not user.active:
        return [], "no active person of that name"
    subject, text = render(
        "account_locked",
        name=user.name,
        username=user.username,
        until=row.payload["until"],
        source=row.payload.get("source") or "unknown",
        public_url=rt.settings.public_url,
    )
    return [_outgoing(row, user, "account_locked", subject, text)], None


def _about_a_stream(compose: StreamComposer) -> Composer:
    def composer(rt: Runtime, session: Session, row: OutboxRow, ws: WorkStream | None) -> Composed:
        if ws is None:
            raise ValueError(f"outbox row {row.id} ({row.task}) names no work stream")
        return compose(rt, session, row, ws)

    return composer


COMPOSERS: dict[str, Composer] = {
    NOTIFY_TEAM: _about_a_stream(_team_message),
    REQUEST_DECISION: _about_a_stream(_decision_message),
    SEND_REMINDER: _about_a_stream(_reminder_message),
    SEND_EMBARGO: _about_a_stream(_embargo_message),
    ACCOUNT_LOCKED: _account_locked,
}


def _outgoing(row: OutboxRow, user: UserRow, template: str, subject: str, body: str) -> Outgoing:
    return Outgoing(
        user, template, Message((user.email,), subject, body, f"{row.id}-{user.username}")
    )


def _delivered(session: Session, outbox_id: str) -> set[str]:
    return set(
        session.exec(
            select(DeliveryRow.recipient).where(col(DeliveryRow.outbox_id) == outbox_id)
        ).all()
    )


def deliver(rt: Runtime, channel: Channel, outbox_id: str) -> int:
    """Do what outbox row ``outbox_id`` asks, once; returns the number of messages sent."""
    with rt.sessions() as session:
        row = session.get(OutboxRow, outbox_id)
        if row is None or row.done_at is not None:
            return 0  # unknown (rolled back) or done already: a redelivered task does nothing
        composer = COMPOSERS[row.task]
        ws = load_readonly(session, row.stream_ref)[1] if row.stream_ref else None
        outgoing, skipped = composer(rt, session, row, ws)
        already = _delivered(session, outbox_id)
    if rt.settings.fault_pause_before_send:
        time.sleep(rt.settings.fault_pause_before_send)
    why = skipped if skipped else (None if outgoing else "nobody to notify")
    pending = [item for item in outgoing if item.recipient.email not in already]
    if already:
        _audit_missing(rt, row, [item for item in outgoing if item.recipient.email in already])
    if not pending:
        with rt.uow() as uow:
            _mark_done(uow, row, ws, why, rt.clock())
            uow.commit()
        return 0
    # The last message's transaction also marks the row done: one commit fewer per task.
    last = pending[-1]
    return sum(
        _send_once(rt, channel, row, item, (ws, why) if item is last else None) for item in pending
    )


def _send_once(
    rt: Runtime,
    channel: Channel,
    row: OutboxRow,
    item: Outgoing,
    finish: tuple[WorkStream | None, str | None] | None = None,
) -> bool:
    """Send ``item`` under the outbox row's lock; record it the moment the server accepts it.

    Two copies of one task can run at once (a lease that ran out while the first was still
    sending): the lock makes the second wait until the first has committed its record, then
    see it and send nothing. On SQLite the transaction's write lock does the same.

    The delivery row is committed on its own, as soon as the channel reports the message
    accepted (for SMTP: after the server's reply to the message's data, before QUIT), in a
    short transaction that takes no audit-chain lock. Its audit event follows in the next
    transaction; a task run again after a crash between the two writes the missing event.
    """
    sent = False
    with rt.uow() as uow:
        _lock(uow, row)
        if _recorded(uow.session, row, item) is None:

            def accepted(delivery: Delivery) -> None:
                uow.session.add(_delivery_row(rt.clock(), row, item, delivery))
                uow.session.commit()  # the delivery row alone: it ends the lock too

            _send(channel, item.message, accepted)
            sent = True
            # Who and how, never what: the message's body stays out of the logs.
            log.info(
                "message delivered",
                outbox_id=row.id,
                template=item.template,
                username=item.recipient.username,
                channel=channel.name,
            )
    with rt.uow() as uow:
        _lock(uow, row)
        found = _recorded(uow.session, row, item)
        if found is not None and not _audited(uow.session, row, item):
            _audit(uow, found, row, item)
        if finish is not None:
            _mark_done(uow, row, *finish, rt.clock())
        uow.commit()
    return sent


def _audit_missing(rt: Runtime, row: OutboxRow, items: list[Outgoing]) -> None:
    """Write the audit event of a delivery recorded by a task that died before writing it."""
    with rt.uow() as uow:
        _lock(uow, row)
        for item in items:
            found = _recorded(uow.session, row, item)
            if found is not None and not _audited(uow.session, row, item):
                _audit(uow, found, row, item)
        uow.commit()


def _send(channel: Channel, message: Message, accepted: Callable[[Delivery], None]) -> None:
    """Send; ``accepted`` runs as soon as the channel knows the message was taken."""
    if getattr(channel, "reports_acceptance", False):
        channel.send(message, on_accepted=accepted)  # type: ignore[call-arg]
    else:
        accepted(channel.send(message))


def _lock(uow: UnitOfWork, row: OutboxRow) -> None:
    uow.session.exec(
        select(OutboxRow.id).where(col(OutboxRow.id) == row.id).with_for_update()
    ).first()


def _recorded(session: Session, row: OutboxRow, item: Outgoing) -> DeliveryRow | None:
    return session.exec(
        select(DeliveryRow).where(
            col(DeliveryRow.outbox_id) == row.id,
            col(DeliveryRow.recipient) == item.recipient.email,
        )
    ).first()


def _audited(session: Session, row: OutboxRow, item: Outgoing) -> bool:
    """Whether the delivery's audit event was written (it follows the delivery row)."""
    events = session.exec(
        select(AuditEventRow.payload).where(
            col(AuditEventRow.action) == NotificationDelivered.action.value,
            col(AuditEventRow.stream_ref) == row.stream_ref,
        )
    ).all()
    for payload in events:
        data = json.loads(payload)
        if data.get("outbox_id") == row.id and data.get("to") == item.recipient.email:
            return True
    return False


def _delivery_row(now: datetime, row: OutboxRow, item: Outgoing, delivery: Delivery) -> DeliveryRow:
    return DeliveryRow(
        outbox_id=row.id,
        recipient=item.recipient.email,
        channel=delivery.channel,
        provider_id=delivery.provider_id,
        delivered_at=now,
    )


def _audit(uow: UnitOfWork, found: DeliveryRow, row: OutboxRow, item: Outgoing) -> None:
    uow.record(
        NotificationDelivered(
            actor=SYSTEM,
            body=item.recipient.body,
            at=found.delivered_at,
            outbox_id=row.id,
            template=item.template,
            to=item.recipient.email,
            username=item.recipient.username,
            channel=found.channel,
            subject=item.message.subject,
        ),
        row.stream_ref,
    )


def _mark_done(
    uow: UnitOfWork, row: OutboxRow, ws: WorkStream | None, skipped: str | None, now: datetime
) -> None:
    """Mark the row done in ``uow``'s transaction, noting why nothing was sent if so."""
    mark_done(uow.session, row.id, now)
    if skipped:
        detail = {k: v for k, v in row.payload.items() if k != "ref"}
        uow.record(
            NotificationSkipped(
                actor=SYSTEM,
                body=None,
                at=now,
                outbox_id=row.id,
                task=row.task,
                why=skipped,
                detail=detail,
            ),
            row.stream_ref,
        )
        log.info("nothing sent", outbox_id=row.id, task=row.task, why=skipped)
