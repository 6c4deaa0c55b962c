"""The published plan in Chromium: an administrator opens section B of the 2021–23 plan,
reads it by its headings and downloads the PDF that `cjji plans render` writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api.helpers import import_programme, with_password
from tests.integration.walk import seed_people
from tests.web.test_browser import page, server, shot, sign_in  # noqa: F401
from workflow.application.queries import plan_document
from workflow.bootstrap import Runtime

# Coverage's tracer is off: a browser drives what the page tests measure line for line
# (docs/testing.md, "Coverage's tracer off").
pytestmark = [pytest.mark.slow, pytest.mark.untraced]


def test_section_b_reads_by_its_headings_and_downloads_the_same_pdf(
    pg_rt: Runtime,
    server: str,  # noqa: F811 - the fixtures of tests/web/test_browser.py
    page: object,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    seed_people(pg_rt)
    with_password(pg_rt, "admin")
    import_programme(pg_rt)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, server, "admin")

    page.goto(f"{server}/plans/cjji-2021-23/section-b")

    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(
        "Section B: the joint inspection programme"
    )
    expect(main.get_by_role("heading", level=2)).to_have_text(
        ["Continuing commitments", "New work"]
    )
    expect(main.get_by_role("heading", level=4)).to_have_count(16)
    mappa = page.get_by_role("region", name=re.compile("^Joint inspection of multi-agency"))
    expect(mappa).to_contain_text("Lead inspectorate: HM Inspectorate of Probation")
    expect(mappa).to_contain_text("Expected publication: Spring 2022")
    shot(page, "plan-section-b")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "cjji-2021-23-section-b.pdf"
    assert saved.read_bytes() == plan_document.render(pg_rt, "cjji-2021-23", "pdf").content
    assert problems == []  # nothing the strict CSP refused, no script error
