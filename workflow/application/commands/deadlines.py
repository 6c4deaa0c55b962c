"""Commands on deadlines: extend one, mark one met, record a milestone date, give a work
stream's rule another duration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.application.commands.base import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtendDeadline(Command):
    deadline_id: int
    to: date
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkDeadlineMet(Command):
    deadline_id: int
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordMilestone(Command):
    key: str
    name: str
    on: date
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OverrideDeadlineRule(Command):
    key: str
    rule_key: str
    duration: str
    reason: str
