"""Validation gaps closed by issue 16: names, refs, plan dates and factual accuracy parties."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from workflow.application.handlers.programme import load_programme
from workflow.application.inputs import check_ref, slugify
from workflow.domain import report_journey as journey
from workflow.domain.bodies import DEFAULT_BODIES, nation_problems
from workflow.domain.errors import InvalidInput, Refused
from workflow.domain.stages import Stage, WorkStreamKind
from workflow.domain.workstream import WorkStream

T0 = datetime(2023, 3, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "name", ["H.M.I. Prisons", "h.m.i. prisons", "HMI-Prisons", "HMI  Prisons"]
)
def test_punctuation_and_spacing_do_not_matter_in_a_body_name(name: str) -> None:
    assert DEFAULT_BODIES.code_of(name) == "HMIPRISONS"


def test_welsh_letters_are_transliterated_not_dropped() -> None:
    assert slugify("Arolwg o'r ŵyl a'r ŷd") == "arolwg-o-r-wyl-a-r-yd"
    assert slugify("Ærøskøbing straße") == "aeroskobing-strasse"


def test_a_title_without_latin_letters_gets_a_stable_useful_ref() -> None:
    ref = slugify("Επιθεώρηση φυλακών")
    assert ref.startswith("work-stream-") and ref == slugify("Επιθεώρηση φυλακών")
    assert ref != slugify("Проверка тюрем")
    assert check_ref(ref) == ref


def test_a_partner_of_one_nation_is_refused_on_the_others_work() -> None:
    assert nation_problems(DEFAULT_BODIES, ["CQC", "HMIPRISONS"], "wales") == [
        "CQC inspects in England only"
    ]
    assert nation_problems(DEFAULT_BODIES, ["Estyn"], "england")
    assert nation_problems(DEFAULT_BODIES, ["CQC", "Estyn"], "england_and_wales") == []


def test_a_plan_that_starts_after_it_ends_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "plan: {code: back-to-front, title: T, starts: 2024-04-01, ends: 2023-03-31}\n"
        "work_streams:\n  - {ref: one, title: One, kind: review}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="starts on 2024-04-01 after it ends on 2023-03-31"):
        load_programme(path, DEFAULT_BODIES)


def test_a_visit_at_the_top_or_a_phase_under_a_rolling_programme_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "plan: {code: nesting, title: T}\n"
        "work_streams:\n"
        "  - {ref: lonely-visit, title: V, kind: visit}\n"
        "  - ref: custody\n    title: C\n    kind: rolling_programme\n"
        "    children: [{ref: custody-phase, title: P, kind: phase}]\n"
        "  - ref: theme\n    title: T\n    kind: thematic_inspection\n"
        "    children: [{ref: theme-visit, title: V, kind: visit}]\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as error:
        load_programme(path, DEFAULT_BODIES)
    message = str(error.value)
    assert "lonely-visit: a visit belongs under a rolling programme" in message
    assert "custody-phase: a phase is part of a report published in parts" in message
    assert "theme-visit: a visit belongs to a rolling programme, not to a thematic" in message


def test_a_comment_from_a_party_never_sent_the_draft_is_refused() -> None:
    ws = WorkStream(
        "mh",
        "Mental health",
        WorkStreamKind.THEMATIC_INSPECTION,
        lead="HMIPROBATION",
        state=Stage.DRAFTING,
    )
    ws.report.versions.append("a" * 64)
    journey.start_factual_accuracy(ws, ("Avon Police",), None, "lead", "HMIPROBATION", T0)
    with pytest.raises(Refused, match=r"'Kent Police' was not sent the draft.*Avon Police"):
        journey.add_fa_comment(ws, "Kent Police", "Wrong", "lead", "HMIPROBATION", T0)
    assert journey.add_fa_comment(ws, "avon police", "Right", "lead", "HMIPROBATION", T0) == 1
