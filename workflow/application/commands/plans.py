"""Commands on a business plan's own life: move it, record consultation responses and the
chief inspectors' decisions, and change it at the yearly review or in-year. A command on
a plan names it by ``code`` (never ``key``, which names a work stream)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from workflow.application.commands.base import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class MovePlan(Command):
    """open_consultation (with its dates), close_consultation, publish, start_review,
    conclude_review or supersede (naming the successor)."""

    code: str
    trigger: str
    reason: str | None = None
    opens: date | None = None
    closes: date | None = None
    successor: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordConsultationResponse(Command):
    code: str
    respondent: str
    organisation: str
    topics: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPlanDecision(Command):
    """A chief inspector's decision, for ``body`` (their own), on one version of the plan."""

    code: str
    body: str
    version: str
    decision: str = "approve"
    comment: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReprioritiseWork(Command):
    code: str
    ref: str
    priority: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeferWork(Command):
    """Defer a work stream to next year; ``expected`` is its new expected publication."""

    code: str
    ref: str
    reason: str
    expected: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DropWork(Command):
    """Drop a work stream from the plan: it is withdrawn with the reason."""

    code: str
    ref: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommissionWork(Command):
    """New work commissioned in-year: it joins the plan as a new work stream."""

    code: str
    ref: str
    title: str
    kind: str
    commissioned_by: str
    reason: str
    commissioned_on: date | None = None
    lead: str | None = None
    supporting: tuple[str, ...] = ()
    expected: str | None = None
    priority: str = "normal"
