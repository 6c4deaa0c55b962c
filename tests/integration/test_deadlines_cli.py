"""`cjji deadlines`, `cjji reminders sweep` and `cjji calendar export` as people run them."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from tests.conftest import Clock
from tests.integration.deadline_walk import create_review, review_to_signoff
from tests.support.cli_server import CliServer
from workflow.application.queries import deadlines
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime

pytestmark = pytest.mark.slow  # each command is a process of its own
Cjji = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rt(pg_rt: Runtime) -> Runtime:
    """PostgreSQL only: each command is a process of its own (seconds to start), and the
    handlers below it are tested on both databases already."""
    return pg_rt


@pytest.fixture
def cjji(rt: Runtime, tmp_path: Path, cli_server: CliServer) -> Cjji:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CJJI_")},
        "CJJI_DATABASE_URL": rt.settings.database_url,
        "CJJI_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = cli_server.run(args, env=env, cwd=tmp_path)
        assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
        return done

    return run


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_deadlines_are_listed_filtered_and_shown_as_a_table(
    rt: Runtime, clock: Clock, cjji: Cjji
) -> None:
    create_review(rt)
    review_to_signoff(rt)
    listed = as_json(cjji("deadlines", "list", "--json"))
    assert {d["rule"] for d in listed} >= {"signoff_response", "expected_publication"}
    soon = as_json(cjji("deadlines", "list", "--due-before", "2022-01-25", "--json"))
    # A review needs no factual accuracy check; the plan window ends later (31 May).
    assert {d["rule"] for d in soon} == {"signoff_response"}
    hmic = as_json(cjji("deadlines", "list", "--body", "HMIC", "--json"))
    assert [(d["rule"], d["body"]) for d in hmic] == [("signoff_response", "HMICFRS")]
    overdue = as_json(cjji("deadlines", "list", "--overdue", "--json"))  # today is long after
    assert overdue and all(d["overdue"] for d in overdue)
    human = cjji("deadlines", "list", "--stream", "mappa").stdout
    assert "a decision on the draft report" in human and "HMICFRS (participant)" in human
    assert "deadline(s)" in human


def test_a_deadline_is_extended_with_a_reason_and_bad_input_exits_2(
    rt: Runtime, clock: Clock, cjji: Cjji
) -> None:
    create_review(rt)
    review_to_signoff(rt)
    target = deadlines.list_deadlines(rt, body="HMICFRS")[0]
    who = ("--actor", "lead.hmiprobation", "--body", "HMI Probation")
    moved = as_json(
        cjji(
            "deadlines", "extend", str(target["id"]), "--to", "2022-02-28",
            "--reason", "the report grew", *who, "--json",
        )
    )  # fmt: skip
    assert moved["due"] == "2022-02-28" and moved["extended_reason"] == "the report grew"
    args = ("deadlines", "extend", str(target["id"]))
    bad_date = cjji(*args, "--to", "28/02/2022", "--reason", "x", *who, expect=2)
    assert bad_date.stderr.startswith("cjji: error: --to '28/02/2022' is not a date")
    no_reason = cjji(*args, "--to", "2022-03-31", "--reason", " ", *who, expect=2)
    assert "reason is required" in no_reason.stderr
    earlier = cjji(*args, "--to", "2022-01-11", "--reason", "x", *who, expect=2)
    assert "an extension moves it later" in earlier.stderr
    far = cjji(*args, "--to", "9999-12-31", "--reason", "x", *who, expect=2)
    assert "is more than 10 years after the due date" in far.stderr
    assert "Traceback" not in far.stderr
    other = ("--actor", "lead.hmicfrs", "--body", "HMIC")
    cjji(*args, "--to", "2022-03-31", "--reason", "x", *other, expect=3)
    cjji("deadlines", "extend", "999999", "--to", "2022-03-31", "--reason", "x", *who, expect=2)
    assert len(queries.audit_log(rt, "mappa", action="deadline_changed", limit=1000)) > 0


def test_planned_dates_rule_changes_and_met_deadlines_from_the_command_line(
    rt: Runtime, clock: Clock, cjji: Cjji
) -> None:
    create_review(rt)
    who = ("--actor", "lead.hmiprobation", "--body", "HMIPROBATION")
    opened = as_json(
        cjji("deadlines", "milestone", "mappa", "fieldwork", "--on", "2022-02-14", *who, "--json")
    )
    notice = next(d for d in opened if d["rule"] == "notice_before_fieldwork")
    assert notice["due"] == "2022-01-31"
    changed = as_json(
        cjji(
            "deadlines", "override", "mappa", "notice_before_fieldwork",
            "--duration", "15 working days", "--reason", "a prison needs longer", *who, "--json",
        )
    )  # fmt: skip
    assert [d["due"] for d in changed] == ["2022-01-24"]
    met = as_json(cjji("deadlines", "done", str(notice["id"]), *who, "--note", "sent", "--json"))
    assert met["closed_reason"] == "met: sent"
    cjji("deadlines", "milestone", "mappa", "lunch", "--on", "2022-02-14", *who, expect=2)


def test_a_sweep_by_hand_reports_what_it_sent_once(rt: Runtime, clock: Clock, cjji: Cjji) -> None:
    create_review(rt)
    review_to_signoff(rt)  # sign-off due Monday 24 January 2022
    first = as_json(cjji("reminders", "sweep", "--now", "2022-01-24", "--json"))
    assert first["today"] == "2022-01-24"
    assert first["messages"] > 0 and first["reminded"] >= 6
    again = as_json(cjji("reminders", "sweep", "--now", "2022-01-24T16:00:00+00:00", "--json"))
    assert again["messages"] == 0
    human = cjji("reminders", "sweep", "--now", "2022-01-24T17:00:00").stdout
    assert "reminder sweep for 2022-01-24" in " ".join(human.split()) and "messages" in human
    bad = cjji("reminders", "sweep", "--now", "tomorrow", expect=2)
    assert "is not a date or time" in bad.stderr


def test_a_calendar_is_exported_per_body_or_work_stream(
    rt: Runtime, clock: Clock, cjji: Cjji, tmp_path: Path
) -> None:
    create_review(rt)
    review_to_signoff(rt)
    printed = cjji("calendar", "export", "--body", "HMICFRS").stdout
    calendar = Calendar.from_ical(printed)
    assert isinstance(calendar, Calendar)
    assert len(calendar.events) == len(deadlines.list_deadlines(rt, stream="mappa"))
    out = tmp_path / "mappa.ics"
    data = as_json(cjji("calendar", "export", "--stream", "mappa", "--out", str(out), "--json"))
    assert data["file"] == str(out) and data["events"] == len(calendar.events)
    assert Calendar.from_ical(out.read_bytes()).events
    inline = as_json(cjji("calendar", "export", "--body", "HMICFRS", "--json"))
    assert inline["ics"].startswith("BEGIN:VCALENDAR")
    cjji("calendar", "export", expect=2)
    cjji("calendar", "export", "--body", "HMICFRS", "--stream", "mappa", expect=2)
    cjji("calendar", "export", "--body", "Atlantis", expect=2)
