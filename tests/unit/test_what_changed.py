"""What changed, as pure rules: whose approval a new version voided (the domain), and the
readable changes between two texts (difflib, in the documents adapter)."""

from __future__ import annotations

from datetime import UTC, datetime

from workflow.adapters.text_changes import text_changes
from workflow.domain.joint_decisions import Decision, DecisionRecord, DocumentKind, JointDocument

T0 = datetime(2023, 3, 1, 10, tzinfo=UTC)
V1, V2, V3 = "1" * 64, "2" * 64, "3" * 64


def report(*versions: str) -> JointDocument:
    return JointDocument(DocumentKind.REPORT, versions=list(versions))


def decide(doc: JointDocument, body: str, decision: Decision, comment: str | None = None) -> None:
    assert doc.current is not None
    doc.decisions.append(
        DecisionRecord(body, f"signatory.{body}", decision, doc.current, T0, comment, doc.round)
    )


def test_a_new_version_voids_an_approval_and_names_the_version_approved() -> None:
    doc = report(V1)
    decide(doc, "HMICFRS", Decision.APPROVE)
    assert doc.voided_approval("HMICFRS") is None  # still standing: nothing voided yet
    doc.versions.append(V2)
    voided = doc.voided_approval("HMICFRS")
    assert voided is not None
    assert (voided.version, voided.round) == (V1, 0)
    doc.versions.append(V3)  # voided again before deciding: still against what it approved
    voided = doc.voided_approval("HMICFRS")
    assert voided is not None and voided.version == V1


def test_no_approval_is_voided_for_a_body_that_never_approved_or_spoke_since() -> None:
    doc = report(V1)
    decide(doc, "HMIPRISONS", Decision.REQUEST_CHANGES, "Add the 2021 figures")
    decide(doc, "HMIPROBATION", Decision.APPROVE)
    decide(doc, "HMIPROBATION", Decision.REVOKE)
    doc.versions.append(V2)
    decide(doc, "HMICFRS", Decision.APPROVE)
    assert doc.voided_approval("HMIPRISONS") is None  # its last word was a request
    assert doc.voided_approval("HMIPROBATION") is None  # it took its approval back
    assert doc.voided_approval("HMICFRS") is None  # it approved the current version
    assert doc.voided_approval("ESTYN") is None  # it never decided


def test_the_same_text_registered_again_still_voids_the_approval_of_the_earlier_round() -> None:
    doc = report(V1)
    decide(doc, "HMICFRS", Decision.APPROVE)
    doc.versions += [V2, V1]
    voided = doc.voided_approval("HMICFRS")
    assert voided is not None and (voided.version, voided.round) == (V1, 0)


def test_the_changes_mark_removed_and_added_lines_with_their_context() -> None:
    old = "Title\nIntro\nFinding 1: late\nFinding 2\nFinding 3\nFinding 4\nEnd"
    new = "Title\nIntro\nFinding 1: on time\nFinding 2\nFinding 3\nFinding 4\nFinding 5\nEnd"
    changes = text_changes(old, new, context=1)
    assert [(line.sign, line.text) for line in changes.lines] == [
        ("@", "From line 2 of the new version"),
        (" ", "Intro"),
        ("-", "Finding 1: late"),
        ("+", "Finding 1: on time"),
        (" ", "Finding 2"),
        ("@", "From line 6 of the new version"),
        (" ", "Finding 4"),
        ("+", "Finding 5"),
        (" ", "End"),
    ]
    assert (changes.added, changes.removed, changes.left_out) == (2, 1, 0)
    assert [line.marked for line in changes.lines[1:4]] == [
        "  Intro",
        "- Finding 1: late",
        "+ Finding 1: on time",
    ]


def test_identical_texts_have_no_changes() -> None:
    changes = text_changes("Same\ntext", "Same\ntext")
    assert (changes.lines, changes.added, changes.removed) == ((), 0, 0)


def test_a_long_list_of_changes_is_cut_and_says_how_much_was_left_out() -> None:
    old = "\n".join(f"line {n}" for n in range(100))
    new = "\n".join(f"line {n} changed" for n in range(100))
    changes = text_changes(old, new, limit=30)
    assert len(changes.lines) == 30
    assert changes.left_out == 201 - 30  # one heading and 200 changed lines in all
    assert (changes.added, changes.removed) == (100, 100)  # the counts are of everything
