"""SQLModel tables. Rows are storage only: the repository turns them into domain objects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class BusinessPlanRow(SQLModel, table=True):
    __tablename__ = "business_plan"

    code: str = Field(primary_key=True, max_length=64)
    title: str
    starts: date | None = None
    ends: date | None = None
    #: The plan's own life (workflow/domain/business_plan.py): draft until consulted on.
    state: str = Field(
        default="draft", sa_column=Column(Text, nullable=False, server_default="draft")
    )
    consultation_opens: date | None = None
    consultation_closes: date | None = None
    #: Consultation responses and the chief inspectors' decisions, as the domain encodes them.
    record: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    superseded_by: str | None = Field(default=None, max_length=64)


class PlanVersionRow(SQLModel, table=True):
    """One numbered version of a published plan: what it held, and the change that made it."""

    __tablename__ = "plan_version"

    plan_code: str = Field(foreign_key="business_plan.code", primary_key=True, max_length=64)
    number: int = Field(primary_key=True)
    made_at: datetime
    made_by: str
    change: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    entries: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class WorkStreamRow(SQLModel, table=True):
    __tablename__ = "work_stream"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, index=True, max_length=120)
    title: str
    kind: str = Field(max_length=32)
    jurisdiction: str = Field(max_length=32)
    plan: str | None = Field(default=None, index=True, max_length=64)
    priority: str = Field(default="normal", max_length=16)
    lead: str | None = Field(default=None, index=True, max_length=32)
    supporting: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    missing: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    expected_text: str | None = None
    expected_earliest: date | None = None
    expected_latest: date | None = None
    parent_ref: str | None = Field(default=None, index=True, max_length=120)
    origin_ref: str | None = Field(default=None, max_length=120)
    state: str = Field(default="scoping", index=True, max_length=32)
    paused_from: str | None = Field(default=None, max_length=32)
    paused_at: datetime | None = None
    paused_seconds: int = 0
    withdrawn_reason: str | None = None
    scoping_decision: str | None = Field(default=None, max_length=32)
    documents: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fieldwork_team: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    factual_accuracy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    publication: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    rating: str | None = Field(default=None, max_length=32)
    #: The latest change of participants proposed, open or closed (its decisions inside).
    participants_proposal: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    #: The lifecycle version the work stream started under: its transition table for life.
    lifecycle_version: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, server_default="1")
    )
    #: Each participating body's lead inspector and senior-level oversight, by body code.
    key_people: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    #: The bodies whose decision on the document being decided on now is awaited, as
    #: ",A,B," (``workflow.store.mapping.encode_awaiting``), or NULL when none is: written
    #: with the aggregate, so that a body's inbox finds its work streams on the index.
    awaiting: str | None = Field(default=None, sa_column=Column(Text, index=True))
    version: int = 0
    created_at: datetime
    updated_at: datetime


class StreamBodyRow(SQLModel, table=True):
    """Which bodies take part in which work stream: an index for "everything of body X"."""

    __tablename__ = "stream_body"

    stream_id: int = Field(foreign_key="work_stream.id", primary_key=True)
    body: str = Field(primary_key=True, index=True, max_length=32)
    role: str = Field(max_length=16)  # lead or supporting


class DocumentContentRow(SQLModel, table=True):
    """The exact bytes of each registered document version, with the file's name and media
    type, kept so a signatory can read it and anyone may download that very version."""

    __tablename__ = "document_content"
    __table_args__ = (UniqueConstraint("stream_id", "kind", "content_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(foreign_key="work_stream.id", index=True)
    kind: str = Field(max_length=32)
    content_hash: str = Field(max_length=64)
    filename: str | None = None
    #: What the bytes are (read from them when registered): text/plain, a .docx, an .odt or
    #: a PDF.
    media_type: str | None = Field(default=None, max_length=120)
    content: bytes
    registered_at: datetime
    registered_by: str


class RecommendationRow(SQLModel, table=True):
    __tablename__ = "recommendation"
    __table_args__ = (UniqueConstraint("stream_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(foreign_key="work_stream.id", index=True)
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    type: str = Field(max_length=32)
    addressed_to: str = Field(max_length=200)
    status: str = Field(default="open", max_length=16, index=True)
    owner: str | None = None
    due: date | None = None
    created_on: date | None = None
    closed_on: date | None = None
    #: The whole recommendation (response, reviews, evidence…); the columns above are for
    #: queries across the programme.
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditEventRow(SQLModel, table=True):
    """One link of the hash chain. ``seq`` is gap-free: a gap means a deleted event."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_stream_seq", "stream_ref", "seq"),)

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    stream_ref: str | None = Field(default=None, max_length=120)
    actor: str
    body: str | None = Field(default=None, max_length=32)
    at: datetime
    action: str = Field(index=True, max_length=48)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    payload: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON, as hashed
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHeadRow(SQLModel, table=True):
    """The end of the chain: locked by every append, so the chain never forks."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(max_length=64)


class AuditCheckpointRow(SQLModel, table=True):
    """A signed tree head of the audit trail: one per tree size, made by the engine."""

    __tablename__ = "audit_checkpoint"

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: str = Field(max_length=64)  # hex, the same root as in the note
    made_at: datetime
    note: str = Field(sa_column=Column(Text, nullable=False))  # with the engine's signature


class AuditCosignatureRow(SQLModel, table=True):
    """One body's signature line on one checkpoint, checked when it was received."""

    __tablename__ = "audit_cosignature"

    size: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("audit_checkpoint.size"), primary_key=True, autoincrement=False
        )
    )
    body: str = Field(primary_key=True, max_length=32)
    signature: str = Field(sa_column=Column(Text, nullable=False))  # the whole "— name …" line
    cosigned_at: datetime


class AuditBodyKeyRow(SQLModel, table=True):
    """A participating body's public key: only the public half is ever given to the engine."""

    __tablename__ = "audit_body_key"

    body: str = Field(primary_key=True, max_length=32)
    verifier_key: str = Field(sa_column=Column(Text, nullable=False))  # name+keyid+base64
    registered_at: datetime


class OutboxRow(SQLModel, table=True):
    """Work a committed change asks for, written in the same transaction as the change.

    Its id is the Celery task id and the dedupe key: a task redelivered with the same id
    finds ``done_at`` set and does nothing.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "done_at", "lease_until"),)

    id: str = Field(primary_key=True, max_length=36)
    stream_ref: str | None = Field(default=None, max_length=120)
    task: str = Field(max_length=80)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    lease_until: datetime | None = None
    published_at: datetime | None = None
    attempts: int = 0
    done_at: datetime | None = None
    #: The correlation id of the request or command that wrote it, and who acted: the
    #: worker logs its delivery under them (docs/operations.md).
    correlation_id: str | None = Field(default=None, max_length=64)
    actor: str | None = Field(default=None, max_length=120)


class UserRow(SQLModel, table=True):
    """A person who acts for one body, with roles (signatory, deputy_signatory, contact…)."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=80)
    name: str
    email: str = Field(max_length=254)
    body: str = Field(index=True, max_length=32)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    password_hash: str | None = None
    active: bool = True
    created_at: datetime


class DeliveryRow(SQLModel, table=True):
    """One message delivered for one outbox row to one recipient: the dedupe record."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("outbox_id", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: str = Field(index=True, max_length=36)
    recipient: str = Field(max_length=254)
    channel: str = Field(max_length=16)
    provider_id: str | None = None
    delivered_at: datetime
