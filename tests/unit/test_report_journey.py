"""The report's journey as pure rules: factual accuracy, recommendations, ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workflow.domain import report_journey as journey
from workflow.domain.errors import InvalidInput, NotPermitted, Refused
from workflow.domain.factual_accuracy import Disposition
from workflow.domain.recommendations import (
    Progress,
    Recommendation,
    Response,
    Review,
    StatutoryClock,
)
from workflow.domain.stages import Stage, WorkStreamKind
from workflow.domain.workstream import WorkStream

T0 = datetime(2023, 3, 1, 10, tzinfo=UTC)


def drafting() -> WorkStream:
    ws = WorkStream(
        "mh",
        "Mental health",
        WorkStreamKind.THEMATIC_INSPECTION,
        lead="HMIPROBATION",
        supporting=("HMIPRISONS",),
        state=Stage.DRAFTING,
        fieldwork_team=("lead.hmiprobation",),
    )
    ws.report.versions.append("a" * 64)
    return ws


def test_a_factual_accuracy_comment_without_disposition_blocks_completion() -> None:
    ws = drafting()
    journey.start_factual_accuracy(ws, ("Police force",), None, "lead", "HMIPROBATION", T0)
    journey.add_fa_comment(ws, "Police force", "Figure 3 is wrong", "lead", "HMIPROBATION", T0)
    journey.add_fa_comment(ws, "Police force", "Typo on p. 4", "lead", "HMIPROBATION", T0)
    journey.dispose_fa_comment(ws, 2, Disposition.ACCEPTED, None, "lead", "HMIPROBATION", T0)
    with pytest.raises(Refused, match=r"comment\(s\) 1 have no disposition"):
        journey.sign_off_factual_accuracy(ws, "reviewer", "HMIPROBATION", T0)


def test_a_rejection_needs_a_reason() -> None:
    ws = drafting()
    journey.start_factual_accuracy(ws, ("CPS Area",), None, "lead", "HMIPROBATION", T0)
    journey.add_fa_comment(ws, "CPS Area", "We disagree", "lead", "HMIPROBATION", T0)
    with pytest.raises(InvalidInput, match="a rejection needs a reason"):
        journey.dispose_fa_comment(ws, 1, Disposition.REJECTED, " ", "lead", "HMIPROBATION", T0)


def test_the_check_is_signed_by_a_lead_body_member_who_was_not_on_fieldwork() -> None:
    ws = drafting()
    journey.start_factual_accuracy(ws, ("Prison",), None, "lead", "HMIPROBATION", T0)
    with pytest.raises(NotPermitted, match="was on the fieldwork team"):
        journey.sign_off_factual_accuracy(ws, "lead.hmiprobation", "HMIPROBATION", T0)
    with pytest.raises(Refused, match="member of the lead body"):
        journey.sign_off_factual_accuracy(ws, "someone", "HMIPRISONS", T0)
    journey.sign_off_factual_accuracy(ws, "chief.hmiprobation", "HMIPROBATION", T0)
    assert ws.factual_accuracy is not None and ws.factual_accuracy.complete


def test_recommendations_are_recorded_only_while_drafting() -> None:
    ws = drafting()
    rec = journey.add_recommendation(
        ws, Recommendation(0, "Do X", "Chief constables"), "lead", "HMIPROBATION", T0
    )
    assert (rec.number, rec.created_on) == (1, T0.date())
    ws.state = Stage.JOINT_SIGNOFF
    with pytest.raises(Refused, match="recording recommendations happens in drafting"):
        journey.add_recommendation(ws, Recommendation(0, "Do Y", "CPS"), "l", "HMIPROBATION", T0)


def test_the_56_day_clock_starts_at_publication() -> None:
    rec = Recommendation(1, "Publish a response", "PCC", clock=StatutoryClock.PCC_RESPONSE)
    assert rec.statutory_due(None, None) is None
    assert rec.statutory_due(date(2023, 3, 2), None) == date(2023, 4, 27)
    urgent = Recommendation(
        2, "Respond", "Secretary of State", clock=StatutoryClock.URGENT_NOTIFICATION
    )
    assert urgent.statutory_due(date(2023, 3, 2), date(2023, 1, 10)) == date(2023, 2, 7)


def test_an_agreed_response_needs_an_owner_a_plan_and_a_due_date() -> None:
    rec = Recommendation(1, "Do X", "Chief constables")
    with pytest.raises(InvalidInput, match="needs an owner, an action plan and a due date"):
        rec.respond(Response.AGREED, "", "", None)
    assert rec.respond(Response.NOT_AGREED, "", "", None).response is Response.NOT_AGREED


def test_closing_a_recommendation_needs_a_review_and_evidence() -> None:
    rec = Recommendation(1, "Do X", "Chief constables")
    with pytest.raises(Refused, match="no progress review yet"):
        rec.close("done", date(2024, 1, 1))
    reviewed = rec.review(Review(date(2023, 12, 1), Progress.GOOD, "inspector"))
    with pytest.raises(InvalidInput, match="closing needs evidence"):
        reviewed.close("  ", date(2024, 1, 1))
    closed = reviewed.close("Audit report", date(2024, 1, 1))
    assert not closed.is_open
    with pytest.raises(Refused, match="is closed: cannot review"):
        closed.review(Review(date(2024, 2, 1), Progress.GOOD, "inspector"))


@pytest.mark.parametrize(
    ("lead", "grades"),
    [
        ("HMIPROBATION", ["Outstanding", "Good", "Requires improvement", "Inadequate"]),
        ("HMICFRS", ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"]),
    ],
)
def test_each_inspectorate_rates_on_its_own_scheme(lead: str, grades: list[str]) -> None:
    visit = WorkStream("yot-1", "YOT visit", WorkStreamKind.VISIT, lead=lead)
    for grade in grades:
        assert journey.record_rating(visit, grade, "i", lead, T0) == grade.lower().replace(" ", "_")


def test_probation_has_no_adequate_grade_and_joint_thematics_are_unrated() -> None:
    visit = WorkStream("yot-1", "YOT visit", WorkStreamKind.VISIT, lead="HMIPROBATION")
    with pytest.raises(InvalidInput, match="not a grade of HMIPROBATION"):
        journey.record_rating(visit, "Adequate", "i", "HMIPROBATION", T0)
    with pytest.raises(InvalidInput, match="is not rated"):
        journey.record_rating(drafting(), "Good", "i", "HMIPROBATION", T0)


def test_refusals_about_the_factual_accuracy_check_name_the_command_that_fixes_them() -> None:
    from workflow.domain import lifecycle
    from workflow.domain.guards import MoveContext
    from workflow.domain.stages import Trigger

    ws = drafting()
    with pytest.raises(
        Refused, match=r"no factual accuracy check: start one first with `cjji fa start`"
    ):
        journey.sign_off_factual_accuracy(ws, "reviewer", "HMIPROBATION", T0)
    with pytest.raises(Refused, match=r"no factual accuracy check.*`cjji fa start`"):
        lifecycle.fire(ws, Trigger.SUBMIT_FOR_SIGNOFF, MoveContext("lead", "HMIPROBATION", T0))


def test_publish_fired_as_a_plain_trigger_says_to_use_cjji_publication_publish() -> None:
    from workflow.domain import lifecycle
    from workflow.domain.guards import MoveContext
    from workflow.domain.stages import Trigger

    ws = drafting()
    ws.state = Stage.PUBLICATION
    with pytest.raises(Refused) as refused:
        lifecycle.fire(ws, Trigger.PUBLISH, MoveContext("lead", "HMIPROBATION", T0))
    message = str(refused.value)
    assert "`cjji publication publish KEY --url URL --version HASH`" in message
    assert "`cjji publication schedule`" in message
    assert "`cjji publication send-embargo`" in message
