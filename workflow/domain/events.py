"""Domain events: facts recorded by the domain, written to the audit trail by services.

Actions are named in the past tense. ``payload`` holds exactly what a replay needs to
rebuild the work stream (see :mod:`workflow.domain.replay`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    TRANSITIONED = "transitioned"
    DOCUMENT_REGISTERED = "document_registered"
    DECISION_RECORDED = "decision_recorded"
    RECOMMENDATION_ADDED = "recommendation_added"
    RECOMMENDATION_CHANGED = "recommendation_changed"
    NOTIFICATION_DELIVERED = "notification_delivered"
    SIGNOFF_REQUESTED = "signoff_requested"
    DEADLINE_CHANGED = "deadline_changed"
    REMINDER_SENT = "reminder_sent"
    MILESTONE_RECORDED = "milestone_recorded"
    ACCESS_REFUSED = "access_refused"
    USER_CHANGED = "user_changed"
    NOTIFICATION_SKIPPED = "notification_skipped"
    FACTUAL_ACCURACY_CHANGED = "factual_accuracy_changed"
    PUBLICATION_CHANGED = "publication_changed"
    EMBARGO_ACCESSED = "embargo_accessed"
    RATING_RECORDED = "rating_recorded"


@dataclass(frozen=True, slots=True)
class DomainEvent:
    action: Action
    actor: str
    body: str | None
    at: datetime
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
