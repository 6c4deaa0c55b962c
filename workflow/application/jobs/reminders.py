"""The reminder sweep: remind whoever owes what is due, once, and escalate what is long overdue.

One sweep reads the open deadlines whose next reminder date has come (an indexed query on
``deadline.next_reminder_on``: the cost follows what is due, not the number of work
streams), claims each (deadline, threshold, due date, recipient) by inserting it into the
``reminder`` table with ``ON CONFLICT DO NOTHING``, and writes the outbox row that sends the
claimed ones, in one transaction. A second sweep at the same moment (two beats), a retried
task or a restarted process finds the claim and sends nothing again; PostgreSQL's
``SKIP LOCKED`` keeps two sweeps off the same rows in the first place.

The outbox row is delivered by :func:`workflow.application.jobs.delivery.deliver`, which asks
:func:`reminder_messages` what to send.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from workflow.application.deadline_ledger import deadline_config
from workflow.application.queries.people import people_of
from workflow.application.runtime import Runtime
from workflow.domain import deadlines as rules_of
from workflow.domain.deadline_rules import ReminderPolicy
from workflow.domain.events import ReminderSent, ReminderSkipped
from workflow.domain.joint_decisions import DOCUMENT_DECIDED_IN, DocumentKind
from workflow.domain.roles import Role
from workflow.domain.stages import Stage
from workflow.domain.working_days import Jurisdiction, calendar_for, london_date
from workflow.domain.workstream import WorkStream
from workflow.notifications import render
from workflow.store.db import is_postgres
from workflow.store.deadline_tables import DeadlineRow, ReminderRow
from workflow.store.tables import UserRow, WorkStreamRow
from workflow.store.uow import UnitOfWork

SEND_REMINDER = "cjji.send_reminder"
SYSTEM = "system"
log = logging.getLogger("cjji.reminders")


@dataclass
class SweepResult:
    """What one sweep did: deadlines looked at, recipients claimed, messages queued."""

    today: date
    deadlines: int = 0
    reminded: int = 0  # (threshold, recipient) pairs claimed now
    escalated: int = 0  # of which escalations
    messages: int = 0  # outbox rows written
    nobody: int = 0  # thresholds with nobody recorded to tell

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "deadlines": self.deadlines,
            "reminded": self.reminded,
            "escalated": self.escalated,
            "messages": self.messages,
            "nobody_to_tell": self.nobody,
        }


def due_query(today: date, limit: int) -> Any:
    """Open deadlines whose next reminder is due: served by ``ix_deadline_reminder_due``."""
    return (
        select(DeadlineRow)
        .where(
            col(DeadlineRow.closed_at).is_(None),
            col(DeadlineRow.next_reminder_on) <= today,
        )
        .order_by(col(DeadlineRow.next_reminder_on), col(DeadlineRow.id))
        .limit(limit)
    )


def sweep(rt: Runtime, now: datetime | None = None, *, batch: int = 200) -> SweepResult:
    """Send every reminder due at ``now`` (default: the runtime's clock), each at most once.

    Works in batches, one transaction each, so a sweep over many due deadlines holds its
    locks briefly; a deadline once swept has its next reminder date moved past today.
    """
    moment = now or rt.clock()
    today = london_date(moment)
    _, policy = deadline_config()
    result = SweepResult(today)
    while True:
        with rt.uow() as uow:
            query = due_query(today, batch)
            if is_postgres(rt.engine):
                # Two sweeps at once take different rows; the unique claim is the backstop.
                query = query.with_for_update(skip_locked=True)
            rows: Sequence[DeadlineRow] = uow.session.exec(query).all()
            places = _jurisdictions(uow.session, {r.stream_id for r in rows})
            people = _People(uow.session)
            for row in rows:
                _remind(uow, people, row, policy, places.get(row.stream_id), moment, result)
            published = uow.commit()
        rt.publish(published)  # after the commit: a rolled-back batch sends nothing
        result.deadlines += len(rows)
        if len(rows) < batch:
            return result


def _jurisdictions(session: Session, stream_ids: set[int]) -> dict[int, str]:
    if not stream_ids:
        return {}
    found = session.exec(
        select(WorkStreamRow.id, WorkStreamRow.jurisdiction).where(
            col(WorkStreamRow.id).in_(stream_ids)
        )
    ).all()
    return {stream_id: place for stream_id, place in found if stream_id is not None}


class _People:
    """Who holds which roles in each body, looked up once per batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._found: dict[tuple[str, frozenset[Role]], list[UserRow]] = {}

    def of(self, body: str | None, roles: set[Role]) -> list[UserRow]:
        if body is None:
            return []
        key = (body, frozenset(roles))
        if key not in self._found:
            self._found[key] = people_of(self.session, [body], roles)
        return self._found[key]


def _remind(
    uow: UnitOfWork,
    people: _People,
    row: DeadlineRow,
    policy: ReminderPolicy,
    jurisdiction: str | None,
    moment: datetime,
    result: SweepResult,
) -> None:
    today = london_date(moment)
    cal = calendar_for(jurisdiction or Jurisdiction.ENGLAND_AND_WALES)
    opened_on = london_date(row.opened_at)
    since = row.next_reminder_on or today
    for threshold in rules_of.reminders_to_send(row.due_on, opened_on, policy, cal, since, today):
        _send(uow, people, row, threshold, moment, result)
    row.next_reminder_on = rules_of.next_reminder(row.due_on, opened_on, policy, cal, after=today)
    uow.session.add(row)


def _send(
    uow: UnitOfWork,
    directory: _People,
    row: DeadlineRow,
    threshold: str,
    moment: datetime,
    result: SweepResult,
) -> None:
    body, roles = rules_of.recipients(row.owed_by, row.body, threshold)
    people = directory.of(body, roles)
    if not people:
        result.nobody += 1
        who = ", ".join(sorted(r.value for r in roles))
        uow.record(
            ReminderSkipped(
                actor=SYSTEM,
                body=body,
                at=moment,
                deadline=row.id,
                threshold=threshold,
                why=f"nobody to tell: no active {who} of {body or 'the lead (none yet)'}",
            ),
            row.stream_ref,
        )
        return
    claimed = _claim(uow.session, row, threshold, [p.username for p in people], moment)
    if not claimed:
        return  # claimed already by another sweep, or before a restart: sent once
    due, today, recipients = (
        row.due_on.isoformat(),
        london_date(moment).isoformat(),
        sorted(claimed.values()),
    )
    payload = {
        "ref": row.stream_ref,
        "deadline": row.id,
        "threshold": threshold,
        "due": due,
        "today": today,
        "recipients": recipients,
    }
    outbox = uow.enqueue(SEND_REMINDER, payload, row.stream_ref)
    uow.session.execute(
        update(ReminderRow)
        .where(col(ReminderRow.id).in_(list(claimed)))
        .values(outbox_id=outbox.id)
    )
    uow.record(
        ReminderSent(
            actor=SYSTEM,
            body=body,
            at=moment,
            ref=row.stream_ref,
            deadline=row.id,
            threshold=threshold,
            due=due,
            today=today,
            recipients=tuple(recipients),
            rule=row.rule,
            outbox_id=outbox.id,
        ),
        row.stream_ref,
    )
    result.messages += 1
    result.reminded += len(claimed)
    result.escalated += len(claimed) if threshold == rules_of.ESCALATE else 0


def _claim(
    session: Session, row: DeadlineRow, threshold: str, usernames: list[str], moment: datetime
) -> dict[int, str]:
    """Insert one claim per recipient, skipping those claimed before: {reminder id: username}."""
    values = [
        {
            "deadline_id": row.id,
            "threshold": threshold,
            "due_on": row.due_on,
            "recipient": username,
            "outbox_id": "",  # set once the outbox row exists, in this same transaction
            "created_at": moment,
        }
        for username in usernames
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ReminderRow)
        .values(values)
        .on_conflict_do_nothing(index_elements=["deadline_id", "threshold", "due_on", "recipient"])
        .returning(col(ReminderRow.id), col(ReminderRow.recipient))
    )
    return {int(found.id): str(found.recipient) for found in session.execute(statement)}


# -- what the delivery sends -------------------------------------------------------------
Composed = tuple[UserRow, str, str, str]  # recipient, template, subject, body


def reminder_messages(
    rt: Runtime, session: Session, payload: dict[str, Any], ws: WorkStream
) -> tuple[list[Composed], str | None]:
    """The messages an outbox row of :data:`SEND_REMINDER` asks for, or why none is sent."""
    row = session.get(DeadlineRow, payload["deadline"])
    if row is None or row.closed_at is not None:
        why = row.closed_reason if row is not None else "it no longer exists"
        return [], f"deadline {payload['deadline']} closed before the reminder went out ({why})"
    if row.due_on.isoformat() != payload["due"]:
        return [], f"deadline {row.id} moved to {row.due_on.isoformat()} before it went out"
    if row.paused_on is not None or ws.state is Stage.PAUSED:
        return [], f"{ws.ref} was paused before the reminder went out: its clock has stopped"
    kind = DOCUMENT_DECIDED_IN.get(Stage(row.stage))
    if row.owed_by == "participant" and row.body and kind is not None:
        not_owed = ws.decision_not_owed(row.body, kind, ws.document(kind).current)
        if not_owed:
            return [], f"{not_owed} before the reminder went out"
    users = session.exec(
        select(UserRow)
        .where(col(UserRow.username).in_(payload["recipients"]), col(UserRow.active))
        .order_by(col(UserRow.username))
    ).all()
    today, due = date.fromisoformat(payload["today"]), row.due_on
    threshold = payload["threshold"]
    body = rt.bodies.resolve(row.body).name if row.body else "the lead inspectorate"
    what = row.what + (" (from the inspected body)" if row.owed_by == "inspected_body" else "")
    common: dict[str, Any] = {
        "stream_title": ws.title,
        "ref": ws.ref,
        "what": what,
        "due": rules_of.long_date(due),
        "body": body,
        "public_url": rt.settings.public_url,
    }
    out: list[Composed] = []
    for user in users:
        example = _command(row, ws, user.username)
        if threshold == rules_of.ESCALATE:
            subject, text = render_escalation(common, user, (today - due).days, example)
            out.append((user, "escalation", subject, text))
        else:
            subject, text = render_reminder(common, (due - today).days, example)
            out.append((user, "reminder", subject, text))
    return out, None if out else "nobody to tell: the recipients are no longer active"


def render_reminder(common: dict[str, Any], days_left: int, example: str) -> tuple[str, str]:
    return render("reminder", **common, days_left=days_left, cli_example=example)


def render_escalation(
    common: dict[str, Any], user: UserRow, days_overdue: int, example: str
) -> tuple[str, str]:
    return render(
        "escalation",
        **common,
        chief_inspector=user.name,
        days_overdue=max(days_overdue, 0),
        cli_example=example,
    )


def _command(row: DeadlineRow, ws: WorkStream, username: str) -> str:
    """The command that meets this deadline, for the message."""
    kind = next((k for s, k in DOCUMENT_DECIDED_IN.items() if s.value == row.stage), None)
    version = ws.document(kind).current if kind else None
    if row.owed_by == "participant" and kind and version:
        extra = "" if kind is DocumentKind.REPORT else f" --kind {kind.value}"
        return (
            f"cjji signoff record {ws.ref} --body {row.body} --actor {username} "
            f"--decision approve --version {version}{extra}"
        )
    return f"cjji deadlines done {row.id} --actor {username} --body {row.body or ws.lead or ''}"
