"""Validation gaps closed by issue 16, through the bus on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.walk import LEAD, seed_people
from tests.support.acting import send
from workflow.application.commands import CreateWorkStream, EditWorkStream, ImportProgramme
from workflow.application.principal import engine_principal
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import InvalidInput


def _create(rt: Runtime, ref: str, kind: str, parent: str | None = None, **fields: object) -> None:
    send(
        rt,
        LEAD,
        CreateWorkStream(
            ref=ref,
            title=ref,
            kind=kind,
            parent_ref=parent,
            fields={"lead": "HMI Probation", **fields},
        ),
    )


def test_visits_and_phases_sit_only_under_the_right_parent(rt: Runtime) -> None:
    seed_people(rt)
    _create(rt, "custody", "rolling_programme")
    _create(rt, "theme", "thematic_inspection")
    with pytest.raises(InvalidInput, match="a visit belongs to a rolling programme"):
        _create(rt, "orphan-visit", "visit")
    with pytest.raises(InvalidInput, match="not to a thematic_inspection"):
        _create(rt, "theme-visit", "visit", "theme")
    with pytest.raises(InvalidInput, match="not of a rolling_programme"):
        _create(rt, "custody-phase", "phase", "custody")
    _create(rt, "custody-avon", "visit", "custody")
    _create(rt, "theme-part-one", "phase", "theme")
    refs = {s["ref"] for s in queries.list_streams(rt)}
    assert refs == {"custody", "theme", "custody-avon", "theme-part-one"}


def test_a_partner_is_refused_on_work_of_a_nation_it_does_not_inspect(rt: Runtime) -> None:
    seed_people(rt)
    with pytest.raises(InvalidInput, match="CQC inspects in England only"):
        _create(rt, "welsh-work", "review", jurisdiction="wales", supporting=["CQC"])
    _create(rt, "welsh-work", "review", jurisdiction="wales", supporting=["Estyn"])
    with pytest.raises(InvalidInput, match="ESTYN inspects in Wales only"):
        send(rt, LEAD, EditWorkStream(key="welsh-work", changes={"jurisdiction": "england"}))
    with pytest.raises(InvalidInput, match="CQC inspects in England only"):
        send(rt, LEAD, EditWorkStream(key="welsh-work", changes={"supporting": ["CQC"]}))


def test_an_unreadable_date_in_a_plan_gives_a_warning_line(rt: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "plan: {code: dates, title: T}\nwork_streams:\n"
        "  - {ref: vague, title: V, kind: review, expected_publication: 'when it is ready'}\n"
        "  - {ref: clear, title: C, kind: review, expected_publication: 'Spring 2026'}\n",
        encoding="utf-8",
    )
    result = rt.handle(ImportProgramme(path=path), engine_principal("Programme office"))
    assert result.created == ["vague", "clear"]
    assert result.warnings == [
        "vague: expected_publication 'when it is ready' is not a date the engine can read: "
        "imported as undated"
    ]
