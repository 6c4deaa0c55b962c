"""`cjji plans render`: a real process writes section B of the imported plan, on SQLite
and PostgreSQL, and each file says what the published plan says."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import Clock, runtime_for
from tests.e2e.test_cli import PEOPLE, PROGRAMME, Cjji, cjji, database_url  # noqa: F401
from tests.support.plan_seed import READERS, check_against_seed, missing_by_ref
from workflow.application.queries import plan_document


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
    missing = missing_by_ref(rt, "cjji-2021-23")

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


# Untraced: the docs' example runs the commands the test above measures (docs/testing.md).
@pytest.mark.untraced
def test_the_example_of_docs_plans_rendering_runs_and_prints_what_it_says(
    cjji: Cjji,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Each `$ cjji …` line of the page's console block runs (paths under `config/` read
    from the repository); the lines shown after it are what it prints (`…`: not shown)."""
    for args, shown, code in _console_example(DOCS):
        done = cjji(*args, expect=code)
        if shown != ["…"]:
            assert (done.stdout + done.stderr).splitlines() == shown, args
    assert (tmp_path / "section-b.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "cjji-2021-23-section-b.docx").read_bytes().startswith(b"PK")


DOCS = PROGRAMME.parents[2] / "docs/plans-rendering.md"


def _console_example(page: Path) -> list[tuple[list[str], list[str], int]]:
    block = page.read_text(encoding="utf-8").split("```console\n", 1)[1].split("```", 1)[0]
    steps: list[tuple[list[str], list[str], int]] = []
    for line in block.splitlines():
        if line.startswith("$ cjji "):
            args = [
                str(PROGRAMME.parents[2] / a) if a.startswith("config/") else a
                for a in shlex.split(line[len("$ cjji ") :])
            ]
            steps.append((args, [], 0))
        else:
            steps[-1][1].append(line)
    return [(a, s, 2 if s and s[0].startswith("cjji: error:") else 0) for a, s, _ in steps]
