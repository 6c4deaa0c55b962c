"""Commands on work streams: create, edit, move, and the joint decisions on documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.application.commands.base import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateWorkStream(Command):
    """``fields`` are the editable fields as a person gives them (see ``EDITABLE_FIELDS``)."""

    title: str
    kind: str
    ref: str | None = None
    plan: str | None = None
    parent_ref: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def lead(self) -> str | None:
        lead = self.fields.get("lead")
        return str(lead) if lead else None


@dataclass(frozen=True, slots=True, kw_only=True)
class EditWorkStream(Command):
    key: str
    changes: Mapping[str, Any]
    expected_version: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrateLifecycle(Command):
    """Put a work stream in flight under another lifecycle version (docs/lifecycle.md)."""

    key: str
    version: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FireTrigger(Command):
    """A person's move; moves the engine makes by itself cannot be fired by hand."""

    key: str
    trigger: str
    reason: str | None = None
    decision: str | None = None
    expected_version: int | None = None
    url: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterDocument(Command):
    key: str
    kind: str
    content: bytes
    filename: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NameKeyPeople(Command):
    """``body`` names its lead inspector and senior-level oversight for a work stream."""

    key: str
    body: str
    lead_inspector: str
    senior_oversight: str
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordDecision(Command):
    """``body``'s decision on one version of a document, taken by one of its signatories."""

    key: str
    body: str
    decision: str
    version: str
    kind: str = "report"
    comment: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposeParticipants(Command):
    """The lead proposes new participants, with a reason; every body that remains agrees.

    ``lead`` None keeps the lead; ``supporting`` None keeps the supporting bodies (it
    replaces the list otherwise). Bodies are named as people give them."""

    key: str
    reason: str
    lead: str | None = None
    supporting: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordParticipantsDecision(Command):
    """``body``'s decision (agree or refuse) on proposal ``number``, by one of its
    signatories."""

    key: str
    number: int
    body: str
    decision: str
    comment: str | None = None
