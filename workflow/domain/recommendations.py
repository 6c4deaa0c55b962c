"""Recommendations a report makes, as far as the lifecycle needs them: are any still open."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RecommendationType(StrEnum):
    RECOMMENDATION = "recommendation"
    CAUSE_OF_CONCERN = "cause_of_concern"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"
    KEY_CONCERN = "key_concern"
    PRIORITY_CONCERN = "priority_concern"


class RecommendationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CARRIED = "carried"


@dataclass(frozen=True, slots=True)
class Recommendation:
    number: int
    text: str
    addressed_to: str
    type: RecommendationType = RecommendationType.RECOMMENDATION
    status: RecommendationStatus = RecommendationStatus.OPEN

    @property
    def is_open(self) -> bool:
        return self.status is RecommendationStatus.OPEN
