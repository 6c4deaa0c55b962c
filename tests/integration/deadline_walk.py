"""Helpers for the deadline and reminder tests: a review walked to joint sign-off, swept,
and its reminders delivered through a channel that keeps what it is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from tests.integration.walk import LEAD, agree, agree_terms, name_leads, seed_people
from tests.support.acting import send
from workflow.application.commands import CreateWorkStream, FireTrigger, RegisterDocument
from workflow.application.jobs import delivery
from workflow.application.jobs.reminders import SEND_REMINDER
from workflow.application.principal import Actor
from workflow.bootstrap import Runtime
from workflow.domain.stages import Stage
from workflow.domain.workstream import WorkStream
from workflow.notifications import Delivery, Message
from workflow.store.deadline_tables import ReminderRow
from workflow.store.tables import OutboxRow


def create_review(
    rt: Runtime, ref: str = "mappa", *, actor: Actor = LEAD, **extra: Any
) -> WorkStream:
    """A review led by HMI Probation with HMI Prisons and HMICFRS (reviews need no factual
    accuracy check before sign-off, so the walk is short). Another ``lead`` in ``extra``
    needs an ``actor`` of that body."""
    seed_people(rt)
    fields: dict[str, Any] = {
        "lead": "HMI Probation",
        "supporting": ["HMI Prisons", "HMIC"],
        "expected_publication": "Spring 2022",
        **extra,
    }
    command = CreateWorkStream(ref=ref, title=f"Review {ref}", kind="review", fields={**fields})
    ws: WorkStream = send(rt, actor, command)
    if ws.lead:
        name_leads(rt, ref)
    return ws


def review_to_signoff(rt: Runtime, ref: str = "mappa") -> str:
    """Walk ``ref`` from scoping into joint sign-off; returns the draft version."""
    agree_terms(rt, ref)
    send(rt, LEAD, FireTrigger(key=ref, trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key=ref, trigger="start_drafting"))
    agree(rt, ref, "findings")
    draft = RegisterDocument(key=ref, kind="report", content=f"Draft of {ref}".encode())
    version: str = send(rt, LEAD, draft).version
    ws = send(rt, LEAD, FireTrigger(key=ref, trigger="submit_for_signoff"))
    assert ws.state is Stage.JOINT_SIGNOFF
    return version


@dataclass
class Keeper:
    """A channel that keeps every message instead of sending it."""

    name: str = "keeper"
    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> Delivery:
        self.sent.append(message)
        return Delivery(self.name, message.to, None)


def reminder_rows(rt: Runtime) -> list[OutboxRow]:
    with rt.read() as session:
        query = select(OutboxRow).where(col(OutboxRow.task) == SEND_REMINDER)
        return list(session.exec(query.order_by(col(OutboxRow.created_at))).all())


def claims(rt: Runtime) -> list[ReminderRow]:
    with rt.read() as session:
        return list(session.exec(select(ReminderRow).order_by(col(ReminderRow.id))).all())


def deliver_all(rt: Runtime, channel: Keeper) -> int:
    """Deliver every reminder outbox row not yet done, as the worker would."""
    sent = 0
    for row in reminder_rows(rt):
        if row.done_at is None:
            sent += delivery.deliver(rt, channel, row.id)
    return sent


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def at_nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
