"""The worked walk-through of docs/cli.md runs, and prints what the page says it prints.

How it works, and why this way:

- **Parsing.** Every ```console block under the heading "A worked walk-through" is read in
  order. A line starting with `$ ` is a command; the lines after it, up to the next
  command or the end of the block, are its expected output (stdout and stderr together,
  as a terminal shows them).
- **Running.** All commands run in ONE bash process reading a generated script, in one
  temporary directory, so shell variables (`TOR=…`), files written with `printf … > file`
  and `echo $?` behave exactly as they do for a reader typing them. `cjji` is the real
  entry point, each command a process of its own forked from the session's server, which
  has done the imports once (tests/support/cli_server.py, first on `PATH`); the database
  is a fresh SQLite file `var/cjji.sqlite3` under the directory (`CJJI_DATABASE_URL`),
  `CJJI_DATA_DIR` is the directory, and the broker is the default embedded one: nothing
  needs a worker. Before each command the script prints a marker line; after it, the
  exit status is kept in `__rc` and restored (`(exit $__rc)`) before the next command,
  so that `echo $?` shows the status of the command before it, not of the marker.
- **Comparing.** Each command's output must equal the page's lines after normalising
  only what is volatile: ISO dates and times (a deadline counted from today, times in
  tables) become `<date>`, and runs of spaces and horizontal box-drawing characters are
  collapsed, so that a table whose column widths change with its contents still
  compares its cells. A line holding only `…` on the page stands for any number of
  lines (output the page trims). A command that the page shows with no output must print
  nothing.
- **Exit codes.** A command followed on the page by `echo $?` is checked through that
  line's output (the page shows the code it must exit with, e.g. 3 for a refusal); every
  other `cjji` command must exit 0.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.cli_server import CliServer

PAGE = Path(__file__).resolve().parents[2] / "docs/cli.md"
HEADING = "## A worked walk-through"
MARKER = "@@cjji-docs-walkthrough@@"
DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)?)?"
)
RULES = re.compile(r"[\s━─═]+")


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def walkthrough_steps(page: str) -> list[Step]:
    """The commands of the section's ```console blocks, in order, with their output."""
    start = page.index(HEADING)
    following = page.find("\n## ", start + len(HEADING))
    section = page[start : following if following != -1 else len(page)]
    steps: list[Step] = []
    in_console = False
    for line in section.splitlines():
        if not in_console:
            in_console = line.strip() == "```console"
            continue
        if line.strip() == "```":
            in_console = False
        elif line.startswith("$ "):
            steps.append(Step(line[2:]))
        else:
            assert steps, f"output before any command in the walk-through: {line!r}"
            steps[-1].expected.append(line)
    return steps


def script_for(steps: list[Step]) -> str:
    lines = ["exec 2>&1", "__rc=0"]
    for number, step in enumerate(steps):
        lines += [f"echo '{MARKER} {number}'", "(exit $__rc)", step.command, "__rc=$?"]
        lines.append(f"echo '{MARKER} rc' $__rc")
    return "\n".join(lines) + "\n"


def run(steps: list[Step], directory: Path, cjji_bin: Path) -> list[tuple[list[str], int]]:
    """Each step's output lines and exit status, from one bash process; ``cjji_bin``
    holds the ``cjji`` that bash finds first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CJJI_")}
    path = [str(cjji_bin), str(Path(sys.executable).parent), env.get("PATH", "")]
    env |= {
        "PATH": os.pathsep.join(path),
        "CJJI_DATABASE_URL": "sqlite:///var/cjji.sqlite3",
        "CJJI_DATA_DIR": str(directory),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-s"],
        input=script_for(steps),
        env=env,
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=280,
    )
    results: list[tuple[list[str], int]] = []
    current: list[str] = []
    for line in done.stdout.splitlines():
        if line.startswith(f"{MARKER} rc "):
            results.append((current, int(line.split()[-1])))
        elif line.startswith(f"{MARKER} "):
            current = []
        else:
            current.append(line)
    assert len(results) == len(steps), (done.stdout[-2000:], done.stderr[-2000:])
    return results


def normalise(line: str) -> str:
    return RULES.sub(" ", DATE.sub("<date>", line)).strip()


def matches(expected: list[str], actual: list[str]) -> bool:
    """Equal after normalising; a `…` line on the page stands for any lines."""
    want = [normalise(line) for line in expected]
    got = [normalise(line) for line in actual]
    while got and not got[-1]:
        got.pop()
    while want and not want[-1]:
        want.pop()
    if "…" not in want:
        return want == got
    parts = "\n".join(want).split("…")
    segments = [[line for line in part.split("\n") if line] for part in parts]
    at = 0
    for index, segment in enumerate(segments):
        if not segment:
            continue
        if index == 0:
            if got[: len(segment)] != segment:
                return False
            at = len(segment)
            continue
        found = next(
            (
                i
                for i in range(at, len(got) - len(segment) + 1)
                if got[i : i + len(segment)] == segment
            ),
            None,
        )
        if found is None:
            return False
        at = found + len(segment)
    return at == len(got) or want[-1] == "…"


def test_the_page_has_a_walkthrough_from_set_up_to_closed() -> None:
    steps = walkthrough_steps(PAGE.read_text(encoding="utf-8"))
    commands = [step.command for step in steps]
    assert commands[0] == "cjji db upgrade"
    for needed in ("cjji fa sign-off", "cjji publication send-embargo", "close"):
        assert any(needed in command for command in commands), needed
    assert not any(
        "fire omic-2026 publish" in c and steps[i + 1].command != "echo $?"
        for i, c in enumerate(commands)
    )


# Untraced: every command here is one the CLI tests run and measure (docs/testing.md).
@pytest.mark.untraced
def test_every_command_of_the_walkthrough_prints_what_the_page_shows(
    tmp_path: Path, cli_server: CliServer
) -> None:
    steps = walkthrough_steps(PAGE.read_text(encoding="utf-8"))
    drifted = drift(steps, run(steps, tmp_path, cli_server.bin))
    assert not drifted, "docs/cli.md's walk-through has drifted:\n" + "\n".join(drifted)


def drift(steps: list[Step], results: list[tuple[list[str], int]]) -> list[str]:
    """Each step whose output or exit status is not what the page shows, in words."""
    drifted: list[str] = []
    for number, (step, (output, status)) in enumerate(zip(steps, results, strict=True)):
        checked_by_echo = number + 1 < len(steps) and steps[number + 1].command == "echo $?"
        if status != 0 and not checked_by_echo:
            drifted.append(f"$ {step.command}\n  exited {status}, the page shows no failure")
        if not matches(step.expected, output):
            drifted.append(
                f"$ {step.command}\n  page:\n"
                + "\n".join(f"    {line}" for line in step.expected)
                + "\n  actual:\n"
                + "\n".join(f"    {line}" for line in output)
            )
    return drifted


def test_the_comparison_catches_drift_and_ignores_only_volatile_parts() -> None:
    assert matches(["due by 2026-12-17"], ["due by 2027-01-04"])
    assert matches(["│ a │ b │"], ["│ a     │ b       │"])
    assert not matches(["recorded comment 1"], ["recorded comment 2"])
    assert not matches([], ["cjji: error: something new"])
    assert not matches(["line"], ["line", "an extra line"])
    assert matches(["…", "│ state │ closed │", "…"], ["┏━┓", "│ state │ closed │", "└─┘"])
    assert not matches(["…", "│ state │ closed │", "…"], ["│ state │ open │"])
    steps = walkthrough_steps("## A worked walk-through\n```console\n$ X=1\n$ echo $X\n1\n```\n")
    assert [(s.command, s.expected) for s in steps] == [("X=1", []), ("echo $X", ["1"])]
