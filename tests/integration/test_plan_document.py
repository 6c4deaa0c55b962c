"""The published plan, rendered from the record: section B of 2021–23 as HTML, .docx and
PDF says, work stream by work stream, what the published plan says."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.support.plan_seed import READERS, check_against_seed, missing_by_ref, pdf_text
from workflow.application.commands import ImportProgramme
from workflow.application.principal import engine_principal
from workflow.application.queries import plan_document
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import InvalidInput, NotFound
from workflow.domain.plan_document import UNSECTIONED
from workflow.store.mapping import set_plan_section
from workflow.store.tables import WorkStreamRow

PROGRAMME = Path(__file__).resolve().parents[2] / "config/programmes/cjji-2021-23.yaml"
CODE = "cjji-2021-23"


def imported(rt: Runtime) -> dict[str, str]:
    """Import the shipped plan; each work stream's ``missing`` sentences, by ref."""
    rt.handle(ImportProgramme(path=PROGRAMME), engine_principal("Programme office"))
    return missing_by_ref(rt, CODE)


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_each_format_says_what_the_published_plan_says_work_stream_by_work_stream(
    sqlite_rt: Runtime, fmt: str
) -> None:
    missing = imported(sqlite_rt)
    document = plan_document.section_b(sqlite_rt, CODE)
    rendered = plan_document.render(sqlite_rt, CODE, fmt)

    checked = check_against_seed(READERS[fmt](rendered.content), document, missing)

    assert checked == 18  # 16 work streams, one of them in two phases
    assert rendered.filename == f"{CODE}-section-b.{fmt}"


def test_the_document_follows_the_plans_parts_and_sections_in_order(rt: Runtime) -> None:
    imported(rt)

    document = plan_document.section_b(rt, CODE)

    assert [(g.part, len(g.entries)) for g in document.groups] == [
        ("Continuing commitments", 3),
        ("Continuing commitments", 3),
        ("New work", 6),
        ("New work", 4),
    ]
    assert [e.ref for e in document.groups[0].entries] == [
        "police-custody",
        "prison-rehabilitation-and-release-planning",
        "youth-inspection-programme",
    ]
    rape = document.groups[1].entries[0]
    assert [c.ref for c in rape.children] == ["rape-phase-one", "rape-phase-two"]


def test_the_same_record_gives_the_same_bytes_in_every_format(sqlite_rt: Runtime) -> None:
    imported(sqlite_rt)

    for fmt in plan_document.FORMATS:
        first = plan_document.render(sqlite_rt, CODE, fmt).content
        assert plan_document.render(sqlite_rt, CODE, fmt).content == first, fmt


def test_curly_quotes_and_dashes_are_printed_as_written_in_the_pdf(sqlite_rt: Runtime) -> None:
    imported(sqlite_rt)

    text = pdf_text(plan_document.render(sqlite_rt, CODE, "pdf").content)

    assert "Joint Inspection Business Plan 2021–23" in text
    assert "winter of 2021–22" in text


def test_an_unknown_plan_or_format_is_refused_saying_what_to_do(sqlite_rt: Runtime) -> None:
    imported(sqlite_rt)

    with pytest.raises(NotFound, match="cjji-2021-23"):
        plan_document.section_b(sqlite_rt, "cjji-2099-01")
    with pytest.raises(InvalidInput, match="html, docx, pdf"):
        plan_document.render(sqlite_rt, CODE, "odt")


def test_importing_the_plan_again_fills_in_sections_the_record_lacks(rt: Runtime) -> None:
    imported(rt)
    with Session(rt.engine) as session:  # as a database imported before sections were kept
        for row in session.exec(select(WorkStreamRow)).all():
            set_plan_section(row, None)
            session.add(row)
        session.commit()
    assert [g.heading for g in plan_document.section_b(rt, CODE).groups] == [UNSECTIONED]

    imported(rt)

    document = plan_document.section_b(rt, CODE)
    assert [len(g.entries) for g in document.groups] == [3, 3, 6, 4]
    assert not queries.audit_log(rt, action="edited")
