"""The states a work stream moves through and the triggers that move it."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    SCOPING = "scoping"
    FIELDWORK = "fieldwork"
    DRAFTING = "drafting"
    JOINT_SIGNOFF = "joint_signoff"
    PUBLICATION = "publication"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


#: The states from which work can still be paused or withdrawn, in lifecycle order.
OPEN_STAGES: tuple[Stage, ...] = (
    Stage.SCOPING,
    Stage.FIELDWORK,
    Stage.DRAFTING,
    Stage.JOINT_SIGNOFF,
    Stage.PUBLICATION,
    Stage.FOLLOW_UP,
)
TERMINAL_STAGES = frozenset({Stage.CLOSED, Stage.WITHDRAWN})


class Trigger(StrEnum):
    START_FIELDWORK = "start_fieldwork"
    START_DRAFTING = "start_drafting"
    SUBMIT_FOR_SIGNOFF = "submit_for_signoff"
    SEND_BACK = "send_back"
    COMPLETE_SIGNOFF = "complete_signoff"
    PUBLISH = "publish"
    CLOSE = "close"
    CONCLUDE_SCOPING = "conclude_scoping"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAW = "withdraw"


class WorkStreamKind(StrEnum):
    THEMATIC_INSPECTION = "thematic_inspection"
    REVIEW = "review"
    SCOPING_STUDY = "scoping_study"
    ROLLING_PROGRAMME = "rolling_programme"
    VISIT = "visit"
    PHASE = "phase"


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class ScopingDecision(StrEnum):
    PROCEED = "proceed"
    DO_NOT_PROCEED = "do_not_proceed"
