"""Deadlines, the reminders claimed for them, planned dates and per-work-stream rule changes.

Deadlines are rows, never messages waiting in the broker: the sweep finds what is due with
one indexed query (``ix_deadline_reminder_due``: open deadlines by the date of their next
reminder), so its cost follows what is due, not how many work streams there are.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

_OPEN = text("closed_at IS NULL")


class DeadlineRow(SQLModel, table=True):
    """One thing owed by one party of a work stream, by a date (London)."""

    __tablename__ = "deadline"
    __table_args__ = (
        # The sweep's query: open deadlines whose next reminder is on or before today.
        Index(
            "ix_deadline_reminder_due",
            "next_reminder_on",
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        # `cjji deadlines list --due-before/--overdue` and the calendar feeds.
        Index("ix_deadline_open_due", "due_on", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_deadline_stream_open", "stream_id", "closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(foreign_key="work_stream.id")
    stream_ref: str = Field(max_length=120)
    rule: str = Field(max_length=64)
    what: str
    description: str = Field(sa_column=Column(Text, nullable=False))
    stage: str = Field(max_length=32)  # the state it was opened in
    owed_by: str = Field(max_length=16)  # lead, supporting, participant or inspected_body
    body: str | None = Field(default=None, index=True, max_length=32)  # who owes (or chases) it
    closes_on: str = Field(max_length=80)  # state_left, publication, event:NAME or none
    anchor_on: date
    due_on: date
    original_due_on: date
    paused_days: int = 0  # working days added by pauses, kept when a rule is re-dated
    paused_on: date | None = None
    next_reminder_on: date | None = None
    opened_at: datetime
    extended_reason: str | None = Field(default=None, sa_column=Column(Text))
    closed_at: datetime | None = None
    closed_reason: str | None = Field(default=None, sa_column=Column(Text))


class ReminderRow(SQLModel, table=True):
    """A reminder claimed for one recipient: the key that makes each one go out once."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("deadline_id", "threshold", "due_on", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: int = Field(foreign_key="deadline.id")
    threshold: str = Field(max_length=24)  # before-10, before-3, due, overdue-5…, escalate
    due_on: date  # the due date it reminds of: an extension starts reminders afresh
    recipient: str = Field(max_length=80)  # username
    outbox_id: str = Field(max_length=36)
    created_at: datetime


class MilestoneRow(SQLModel, table=True):
    """A date recorded for a work stream: planned (fieldwork, publication) or happened."""

    __tablename__ = "stream_milestone"

    stream_id: int = Field(foreign_key="work_stream.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=64)
    on_date: date
    recorded_at: datetime
    recorded_by: str


class RuleOverrideRow(SQLModel, table=True):
    """A deadline rule's duration changed for one work stream, with the reason."""

    __tablename__ = "deadline_override"

    stream_id: int = Field(foreign_key="work_stream.id", primary_key=True)
    rule: str = Field(primary_key=True, max_length=64)
    duration: str = Field(max_length=40)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    set_at: datetime
    set_by: str
