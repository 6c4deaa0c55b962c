"""The worked walk-through of docs/plans.md runs, and prints what the page says it prints
(the mechanism of tests/e2e/test_docs_walkthrough.py, on this page)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.test_docs_walkthrough import drift, run, walkthrough_steps
from tests.support.cli_server import CliServer

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs/plans.md"


def test_the_plans_page_walks_a_plan_from_draft_to_carried_over() -> None:
    commands = [s.command for s in walkthrough_steps(PAGE.read_text(encoding="utf-8"))]
    for needed in ("open-consultation", "approve", "publish", "review", "diff", "carried_from"):
        assert any(needed in command for command in commands), needed
    assert commands[-2:] == ["cjji audit verify", "cjji audit replay"]


# Untraced: every command here is one the CLI tests run and measure (docs/testing.md).
@pytest.mark.untraced
def test_every_command_of_the_plans_walkthrough_prints_what_the_page_shows(
    tmp_path: Path, cli_server: CliServer
) -> None:
    (tmp_path / "var").mkdir()
    shutil.copytree(ROOT / "config", tmp_path / "config")
    steps = walkthrough_steps(PAGE.read_text(encoding="utf-8"))
    drifted = drift(steps, run(steps, tmp_path, cli_server.bin))
    assert not drifted, "docs/plans.md's walk-through has drifted:\n" + "\n".join(drifted)
