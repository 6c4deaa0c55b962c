"""Ratings: each inspectorate's own scheme, kept apart from the workflow state.

HM Inspectorate of Probation grades on four points, HMICFRS on five; joint thematic
inspections, reviews and scoping studies are not rated.
"""

from __future__ import annotations

from workflow.domain.errors import InvalidInput
from workflow.domain.stages import WorkStreamKind

SCHEMES: dict[str, tuple[str, ...]] = {
    "HMIPROBATION": ("outstanding", "good", "requires_improvement", "inadequate"),
    "HMICFRS": ("outstanding", "good", "adequate", "requires_improvement", "inadequate"),
}
#: Kinds of work that carry a single inspectorate's judgement (a visit of a core programme).
RATED_KINDS = frozenset({WorkStreamKind.VISIT})


def check_rating(kind: WorkStreamKind, lead: str | None, grade: str) -> str:
    """The grade, normalised, if the lead's scheme has it; :class:`InvalidInput` otherwise."""
    if kind not in RATED_KINDS:
        raise InvalidInput(
            f"a {kind.value} is not rated: joint thematic work carries no "
            "grade (only visits of a core programme are rated)"
        )
    scheme = SCHEMES.get(lead or "")
    if scheme is None:
        raise InvalidInput(
            f"{lead or 'no lead'} has no rating scheme; schemes exist for {', '.join(SCHEMES)}"
        )
    normalised = grade.strip().lower().replace(" ", "_")
    if normalised not in scheme:
        raise InvalidInput(
            f"{grade!r} is not a grade of {lead}'s scheme: use one of {', '.join(scheme)}"
        )
    return normalised
