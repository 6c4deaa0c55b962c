"""`cjji plans render`: a real process writes section B of the imported plan, on SQLite
and PostgreSQL, and each file says what the published plan says."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import Clock, runtime_for
from tests.e2e.test_cli import PEOPLE, PROGRAMME, Cjji, cjji, database_url  # noqa: F401
from tests.support.plan_seed import check_against_seed, docx_text, html_text, pdf_text
from workflow.application.queries import plan_document
from workflow.application.queries import streams as queries

READERS = {"html": html_text, "docx": docx_text, "pdf": pdf_text}


def test_plans_render_writes_each_format_that_matches_the_published_plan(
    cjji: Cjji,  # noqa: F811 - the fixture of tests/e2e/test_cli.py
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    cjji("db", "upgrade")
    cjji("users", "load", str(PEOPLE))
    cjji("programme", "import", str(PROGRAMME), "--actor", "admin")
    rt = runtime_for(database_url, Clock(datetime.now(UTC)), tmp_path)
    document = plan_document.section_b(rt, "cjji-2021-23")
    missing = {
        s["ref"]: " ".join(queries.show_stream(rt, s["ref"])["missing"])
        for s in queries.list_streams(rt, plan="cjji-2021-23")
    }

    for fmt, read in READERS.items():
        out = tmp_path / f"plan.{fmt}"
        done = cjji("plans", "render", "cjji-2021-23", "--format", fmt, "--output", str(out))
        assert f"written to {out}" in done.stdout
        assert check_against_seed(read(out.read_bytes()), document, missing) == 18
        assert out.read_bytes() == plan_document.render(rt, "cjji-2021-23", fmt).content

    shown = json.loads(cjji("plans", "render", "cjji-2021-23", "--json").stdout)
    assert shown["file"] == "cjji-2021-23-section-b.pdf"
    assert (tmp_path / shown["file"]).read_bytes().startswith(b"%PDF-")
    rt.engine.dispose()


def test_plans_render_refuses_bad_input_in_one_line_with_exit_2(
    cjji: Cjji,  # noqa: F811
    tmp_path: Path,
) -> None:
    cjji("db", "upgrade")

    unknown = cjji("plans", "render", "cjji-2099-01", expect=2)
    assert unknown.stderr.count("\n") == 1 and "no business plan 'cjji-2099-01'" in unknown.stderr
    odt = cjji("plans", "render", "cjji-2099-01", "--format", "odt", expect=2)
    assert "--format 'odt' is not one of html, docx, pdf" in odt.stderr
    nowhere = cjji("plans", "render", "x", "--output", str(tmp_path / "no" / "f.pdf"), expect=2)
    assert "no such directory" in nowhere.stderr
