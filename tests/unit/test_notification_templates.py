"""The e-mail templates: each names the work stream, the action and how to respond."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest

from workflow.adapters.text_changes import text_changes
from workflow.notifications import TEMPLATE_NAMES, render

STREAM = {
    "stream_title": "Joint thematic inspection of the criminal justice journey for rape",
    "ref": "JI-2021-07",
    "public_url": "https://cjji.example.gov.uk/",
}
URL = "https://cjji.example.gov.uk/streams/JI-2021-07"
CLI = (
    "cjji signoff record JI-2021-07 --body HMCPSI --actor 'Anne Inspector' "
    "--decision approve --version 9c1e4f2"
)

CONTEXTS: dict[str, dict[str, Any]] = {
    "stage_entered": {
        **STREAM,
        "state": "joint_signoff",
        "from_state": "drafting",
        "reason": None,
        "lead": "HMICFRS",
        "participants": ("HMICFRS", "HMCPSI"),
    },
    "decision_requested": {
        **STREAM,
        "body": "HMCPSI",
        "body_name": "HM Crown Prosecution Service Inspectorate",
        "document": "report",
        "version": "9c1e4f2",
        "due": "Friday 24 September 2021",
        "changes": None,
    },
    "reminder": {
        **STREAM,
        "what": "written contributions",
        "due": "Wednesday 9 June 2021",
        "days_left": 2,
        "body": "HMI Probation",
    },
    "escalation": {
        **STREAM,
        "what": "written contributions",
        "due": "Wednesday 9 June 2021",
        "days_overdue": 5,
        "body": "HMI Probation",
        "chief_inspector": "the Chief Inspector of Probation",
    },
    "published": {**STREAM, "url": "https://www.justiceinspectorates.gov.uk/rape-part-1"},
    "embargoed_copy": {
        **STREAM,
        "recipient": "MoJ press office",
        "publication": "15 January 2030 00:01 UTC",
        "link": "https://cjji.example/embargo/abc",
        "link_days": 30,
        "lead": "HMICFRS",
    },
}

#: Words that say what is asked of the reader, per template.
ACTIONS = {
    "stage_entered": "approve the same version of the draft report",
    "decision_requested": "asked to approve version 9c1e4f2 of the report",
    "reminder": "Needed from HMI Probation: written contributions",
    "escalation": "Please make sure HMI Probation provides written contributions",
    "published": "owner of each recommendation is asked to",
    "embargoed_copy": "do not publish, quote or share it before",
}


def test_every_shipped_template_has_a_context_here() -> None:
    assert set(CONTEXTS) == set(TEMPLATE_NAMES)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_each_template_names_the_stream_the_action_and_how_to_respond(name: str) -> None:
    subject, body = render(name, **CONTEXTS[name])
    assert "JI-2021-07" in subject
    assert "\n" not in subject
    assert not subject.startswith("Subject:")
    assert STREAM["stream_title"] in body
    assert "JI-2021-07" in body
    assert ACTIONS[name] in " ".join(body.split())
    assert "How to respond" in body
    assert URL in body
    assert "{{" not in body
    assert "Subject:" not in body
    assert body.endswith("\n")
    assert not body.startswith("\n")


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
@pytest.mark.parametrize("missing", ["stream_title", "ref", "public_url"])
def test_a_missing_variable_raises(name: str, missing: str) -> None:
    context = {key: value for key, value in CONTEXTS[name].items() if key != missing}
    with pytest.raises(jinja2.UndefinedError, match=missing):
        render(name, **context)


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("stage_entered", "participants"),
        ("stage_entered", "lead"),
        ("decision_requested", "version"),
        ("decision_requested", "changes"),
        ("decision_requested", "public_url"),
        ("reminder", "days_left"),
        ("escalation", "chief_inspector"),
        ("published", "url"),
    ],
)
def test_each_template_specific_variable_is_required(name: str, missing: str) -> None:
    context = {key: value for key, value in CONTEXTS[name].items() if key != missing}
    with pytest.raises(jinja2.UndefinedError, match=missing):
        render(name, **context)


NEXT_STEPS = {
    "scoping": "Agree the terms of reference",
    "fieldwork": "due 3 working days after fieldwork ends",
    "drafting": "drafting the report",
    "joint_signoff": "Every participating body must approve the same version",
    "publication": "embargoed copy",
    "follow_up": "owner of each recommendation is asked for a response",
    "closed": "no further action is needed",
    "paused": "deadlines are stopped until it is resumed",
    "withdrawn": "has been withdrawn",
}


@pytest.mark.parametrize(("state", "next_step"), NEXT_STEPS.items())
def test_stage_entered_says_what_happens_next_in_each_state(state: str, next_step: str) -> None:
    context = {**CONTEXTS["stage_entered"], "state": state, "from_state": "scoping"}
    subject, body = render("stage_entered", **context)
    assert STREAM["stream_title"] in subject
    assert next_step in " ".join(body.split())


def test_stage_entered_gives_the_reason_for_a_withdrawal_and_tolerates_no_previous_state() -> None:
    context = {
        **CONTEXTS["stage_entered"],
        "state": "withdrawn",
        "from_state": None,
        "reason": "superseded by the 2022 police custody programme",
    }
    subject, body = render("stage_entered", **context)
    assert subject.endswith("has been withdrawn")
    assert "Reason given: superseded by the 2022 police custody programme" in body
    assert "moved to withdrawn" in body


def test_stage_entered_refuses_a_state_it_does_not_know() -> None:
    context = {**CONTEXTS["stage_entered"], "state": "limbo"}
    with pytest.raises(jinja2.UndefinedError):
        render("stage_entered", **context)


def test_stage_entered_lists_the_lead_and_every_participant() -> None:
    context = {**CONTEXTS["stage_entered"], "participants": ("HMICFRS", "HMCPSI", "Estyn")}
    _, body = render("stage_entered", **context)
    assert "Lead inspectorate: HMICFRS" in body
    assert "Participating bodies: HMICFRS, HMCPSI, Estyn" in body


def test_decision_requested_gives_the_decision_page_and_the_date_not_a_command() -> None:
    subject, body = render("decision_requested", **CONTEXTS["decision_requested"])
    assert "by Friday 24 September 2021" in subject
    assert "Please record your decision by Friday 24 September 2021" in body
    assert "/streams/JI-2021-07#decisions" in body
    assert "cjji " not in body and "command line" not in body
    assert "version 9c1e4f2" in body


def changed(**overrides: Any) -> dict[str, Any]:
    """What queries/changes.py gives for a body whose approval of version 1 was voided."""
    lines = text_changes("Title\nFinding: late\nEnd", "Title\nFinding: on time\nEnd").lines
    return {
        "kind": "report",
        "approved": "a1" * 32,
        "approved_number": 1,
        "version": "9c1e4f2",
        "number": 2,
        "lines": lines,
        "added": 1,
        "removed": 1,
        "left_out": 0,
        "unreadable": None,
        "same_file": False,
        **overrides,
    }


def test_decision_requested_shows_what_changed_since_the_version_the_body_approved() -> None:
    context = {**CONTEXTS["decision_requested"], "changes": changed(left_out=12)}
    _, body = render("decision_requested", **context)
    assert "HMCPSI approved version 1 of the report (a1a1a1a1a1a1)" in body
    assert "What changed since version 1 (1 line added, 1 removed):" in body
    assert "    - Finding: late\n    + Finding: on time\n" in body
    assert "    @@ From line 1 of the new version @@\n" in body
    assert "... and 12 more lines" in body


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"lines": ()}, "Its text is the same as version 1's: only the file changed."),
        (
            {"lines": (), "unreadable": "The changes cannot be shown (a damaged file)."},
            "The changes cannot be shown (a damaged file).",
        ),
        (
            {"lines": (), "same_file": True, "number": 3},
            "It is the very file of version 1, registered again: nothing in it changed.",
        ),
    ],
)
def test_decision_requested_says_when_there_are_no_changes_to_show(
    overrides: dict[str, Any], said: str
) -> None:
    context = {**CONTEXTS["decision_requested"], "changes": changed(**overrides)}
    _, body = render("decision_requested", **context)
    assert said in body
    assert "What changed since" not in body


def test_the_send_back_notice_carries_the_comment_that_caused_it() -> None:
    context = {
        **CONTEXTS["stage_entered"],
        "state": "drafting",
        "from_state": "joint_signoff",
        "comments": [{"body": "HMICFRS", "comment": "The custody chapter needs 2021 figures"}],
    }
    _, body = render("stage_entered", **context)
    assert "Changes requested:" in body
    assert "HMICFRS: The custody chapter needs 2021 figures" in body


def test_decision_requested_without_a_date_asks_for_a_decision_as_soon_as_possible() -> None:
    subject, body = render("decision_requested", **{**CONTEXTS["decision_requested"], "due": None})
    assert " by " not in subject
    assert "No date is set" in body


@pytest.mark.parametrize(
    ("days_left", "in_subject", "in_body"),
    [
        (3, "due by Wednesday 9 June 2021", "That is in 3 days."),
        (1, "due by Wednesday 9 June 2021", "That is in 1 day."),
        (0, "due today", "That is today."),
        (-4, "overdue since Wednesday 9 June 2021", "That was 4 days ago: it is overdue."),
    ],
)
def test_reminder_counts_the_days_left_or_overdue(
    days_left: int, in_subject: str, in_body: str
) -> None:
    subject, body = render("reminder", **{**CONTEXTS["reminder"], "days_left": days_left})
    assert in_subject in subject
    assert in_body in body


def test_reminder_and_escalation_show_a_command_when_one_is_given() -> None:
    for name in ("reminder", "escalation"):
        _, without = render(name, **CONTEXTS[name])
        assert "From the command line" not in without
        _, with_command = render(name, **CONTEXTS[name], cli_example=CLI)
        assert CLI in with_command


def test_escalation_is_addressed_to_the_chief_inspector() -> None:
    subject, body = render("escalation", **CONTEXTS["escalation"])
    assert "5 days overdue" in subject
    assert body.startswith("To the Chief Inspector of Probation, chief inspector for HMI Probation")


def test_published_gives_the_report_address_or_says_it_is_not_recorded() -> None:
    _, body = render("published", **CONTEXTS["published"])
    assert "https://www.justiceinspectorates.gov.uk/rape-part-1" in body
    _, body = render("published", **{**CONTEXTS["published"], "url": None})
    assert "has not been recorded yet" in body


def test_a_title_with_a_line_break_still_gives_a_one_line_subject() -> None:
    context = {**CONTEXTS["published"], "stream_title": "Youth offending\nservices"}
    subject, _ = render("published", **context)
    assert subject == "Published: Youth offending services (JI-2021-07)"


def test_an_unknown_template_is_an_error() -> None:
    with pytest.raises(jinja2.TemplateNotFound):
        render("no_such_template", **STREAM)
