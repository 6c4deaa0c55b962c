"""Commands on the report's journey: the factual accuracy check, recommendations and their
follow-up, publication and its embargo, urgent notifications and ratings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from workflow.application.commands.base import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class StartFactualAccuracy(Command):
    key: str
    parties: tuple[str, ...]
    due_on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AddFactualAccuracyComment(Command):
    key: str
    party: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DisposeFactualAccuracyComment(Command):
    key: str
    number: int
    disposition: str
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SignOffFactualAccuracy(Command):
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetFieldworkTeam(Command):
    key: str
    usernames: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AddRecommendation(Command):
    key: str
    text: str
    addressed_to: str
    type: str = "recommendation"
    clock: str = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class RespondToRecommendation(Command):
    key: str
    number: int
    response: str
    owner: str
    action_plan: str
    due: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewRecommendation(Command):
    key: str
    number: int
    judgement: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseRecommendation(Command):
    key: str
    number: int
    evidence: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CarryRecommendation(Command):
    key: str
    number: int
    into: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SchedulePublication(Command):
    key: str
    when: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AddEmbargoRecipient(Command):
    key: str
    name: str
    email: str
    kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SendEmbargoedCopy(Command):
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Publish(Command):
    """Publish ``version`` at ``url`` (https). Before the scheduled time only as an early
    release the lead confirms with a reason, which the audit trail keeps."""

    key: str
    url: str
    version: str
    early_release_reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordUrgentNotification(Command):
    key: str
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordRating(Command):
    key: str
    grade: str


__all__ = [
    "AddEmbargoRecipient",
    "AddFactualAccuracyComment",
    "AddRecommendation",
    "CarryRecommendation",
    "CloseRecommendation",
    "DisposeFactualAccuracyComment",
    "Publish",
    "RecordRating",
    "RecordUrgentNotification",
    "RespondToRecommendation",
    "ReviewRecommendation",
    "SchedulePublication",
    "SendEmbargoedCopy",
    "SetFieldworkTeam",
    "SignOffFactualAccuracy",
    "StartFactualAccuracy",
]
