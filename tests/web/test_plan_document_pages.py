"""The published plan in the service: `/plans/{code}/section-b` says what the published
plan says, and its downloads are the very files `cjji plans render` writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.helpers import browser, import_programme
from tests.integration.walk import seed_people
from tests.support.plan_seed import check_against_seed, html_text, missing_by_ref
from workflow.application.queries import plan_document
from workflow.bootstrap import Runtime

CODE = "cjji-2021-23"


def test_the_section_b_page_says_what_the_published_plan_says(rt: Runtime) -> None:
    seed_people(rt)
    import_programme(rt)
    client = browser(rt, "signatory.hmcpsi")

    page = client.get(f"/plans/{CODE}/section-b")

    assert page.status_code == 200
    document = plan_document.section_b(rt, CODE)
    assert check_against_seed(html_text(page.content), document, missing_by_ref(rt, CODE)) == 18
    # one h1, and headings in order: parts, sections, work streams, phases
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    assert [main.count(f"<h{n}") for n in range(1, 6)] == [1, 2, 4, 16, 2]
    assert f'href="/plans/{CODE}/section-b.docx"' in page.text
    assert f'href="/plans/{CODE}/section-b.pdf"' in page.text
    overview = client.get("/programme", params={"plan": CODE})
    assert f'href="/plans/{CODE}/section-b"' in overview.text


def test_the_downloads_are_byte_for_byte_the_files_the_cli_writes(
    sqlite_rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_people(sqlite_rt)
    import_programme(sqlite_rt)
    client = browser(sqlite_rt, "signatory.hmcpsi")

    for fmt, media_type in (("docx", "wordprocessingml"), ("pdf", "application/pdf")):
        download = client.get(f"/plans/{CODE}/section-b.{fmt}")
        assert download.status_code == 200 and media_type in download.headers["content-type"]
        disposition = download.headers["content-disposition"]
        assert disposition == f'attachment; filename="{CODE}-section-b.{fmt}"'
        written = _cli_render(sqlite_rt, tmp_path / f"cli.{fmt}", fmt, monkeypatch)
        assert download.content == written


def test_an_unknown_plan_or_format_is_a_page_that_says_so(rt: Runtime) -> None:
    seed_people(rt)
    import_programme(rt)
    client = browser(rt, "signatory.hmcpsi")

    missing = client.get("/plans/cjji-2099-01/section-b")
    assert missing.status_code == 404 and "no business plan" in missing.text
    odt = client.get(f"/plans/{CODE}/section-b.odt")
    assert odt.status_code == 422 and "there are .docx and .pdf" in odt.text
    assert client.get(f"/plans/{CODE}/section-b.html").status_code == 422
    assert client.get("/plans/Not%20a%20code/section-b").status_code == 422


def test_a_visitor_is_sent_to_sign_in_first(rt: Runtime) -> None:
    seed_people(rt)
    assert browser(rt).get(f"/plans/{CODE}/section-b.pdf").status_code == 303


def _cli_render(rt: Runtime, out: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """`cjji plans render` on the same database, in this process."""
    from config.settings import get_settings
    from workflow.cli import main as cli_main
    from workflow.cli import output as cli_output

    monkeypatch.setenv("CJJI_DATABASE_URL", rt.settings.database_url)
    get_settings.cache_clear()
    cli_output.runtime.cache_clear()
    try:
        done = CliRunner().invoke(
            cli_main.app, ["plans", "render", CODE, "--format", fmt, "--output", str(out)]
        )
    finally:
        get_settings.cache_clear()
        cli_output.runtime.cache_clear()
    assert done.exit_code == 0, done.output
    return out.read_bytes()
