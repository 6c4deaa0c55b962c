"""The `cjji` command as a person or a script uses it: a real process on a real database."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.support.cli_server import CliServer
from workflow.store.db import normalise_url

PROGRAMME = Path(__file__).resolve().parents[2] / "config/programmes/cjji-2021-23.yaml"
PEOPLE = PROGRAMME.parents[1] / "people.demo.yaml"
Cjji = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    url: str = request.getfixturevalue("pg_database")
    from tests.conftest import wipe, runtime_for, Clock  # noqa: I001 - test helpers
    from datetime import UTC, datetime

    wipe(runtime_for(url, Clock(datetime.now(UTC)), tmp_path))
    return url


@pytest.fixture
def cjji(database_url: str, tmp_path: Path, cli_server: CliServer) -> Cjji:
    """Each command a process of its own (forked from the session's server, which has
    done the imports once: tests/support/cli_server.py)."""
    env = {**os.environ, "CJJI_DATABASE_URL": database_url, "CJJI_DATA_DIR": str(tmp_path)}

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = cli_server.run(args, env=env, cwd=tmp_path)
        assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
        return done

    return run


@pytest.fixture
def cjji_in_process(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cjji]:
    """The same ``cjji`` entry point, its parsing, output and exit codes, called in this
    process: for the long walk, whose sixty-odd commands would otherwise each pay for an
    interpreter and its imports. The other tests here start real processes."""
    from config.settings import get_settings
    from workflow.cli import main as cli_main
    from workflow.cli import output

    monkeypatch.setenv("CJJI_DATABASE_URL", database_url)
    monkeypatch.setenv("CJJI_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        output.runtime.cache_clear()  # each command starts afresh, as a process would
        get_settings.cache_clear()
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "argv", ["cjji", *args])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli_main.main()
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        done = subprocess.CompletedProcess(["cjji", *args], code, out.getvalue(), err.getvalue())
        assert code == expect, (args, code, done.stdout, done.stderr)
        return done

    yield run
    output.runtime.cache_clear()
    get_settings.cache_clear()


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_a_newcomer_imports_the_programme_and_lists_it_with_correct_leads(cjji: Cjji) -> None:
    cjji("db", "upgrade")
    cjji("users", "load", str(PEOPLE))  # an empty directory: the first set-up may load it
    cjji("programme", "import", str(PROGRAMME), "--actor", "admin")
    listed = as_json(cjji("streams", "list", "--json"))
    assert isinstance(listed, list) and len(listed) == 18
    leads = {s["ref"]: s["lead"] for s in listed}
    assert leads["mental-health"] == "HMIPROBATION"
    assert leads["case-file-quality"] == "HMCPSI"
    assert leads["police-custody"] is None
    human = cjji("streams", "list", "--lead", "HMIC").stdout
    assert "racial-disproportionality" in human and "mappa" not in human


# The long walk runs on SQLite only: PostgreSQL runs the same handlers in the integration
# tests. It calls the entry point in this process (see cjji_in_process).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_work_stream_walks_the_whole_lifecycle_from_the_cli(
    cjji_in_process: Cjji, tmp_path: Path
) -> None:
    cjji = cjji_in_process
    cjji("db", "upgrade")
    cjji("users", "load", str(PEOPLE))
    cjji(
        "users",
        "add",
        "a.lead",
        "--name",
        "Ann Lead",
        "--email",
        "ann@probation.example",
        "--body",
        "HMI Probation",
        "--role",
        "inspector",
        "--role",
        "contact",
        "--actor",
        "admin",
    )
    lead = ("--actor", "a.lead", "--body", "HMI Probation")
    cjji(
        "streams",
        "create",
        "--ref",
        "omic-2026",
        "--title",
        "OMiC",
        "--kind",
        "thematic_inspection",
        "--lead",
        "HMI Probation",
        "--supporting",
        "HMI Prisons",
        "--expected",
        "Spring 2027",
        *lead,
    )
    refused = cjji("streams", "fire", "omic-2026", "start_fieldwork", *lead, expect=3)
    assert refused.stderr.count("\n") == 1
    assert (
        "omic-2026 is in scoping: cannot start_fieldwork: no terms of reference" in refused.stderr
    )
    tor = tmp_path / "tor.txt"
    tor.write_text("Terms of reference: OMiC outcomes", encoding="utf-8")
    unnamed = cjji(
        "drafts", "add", "omic-2026", "--kind", "terms_of_reference", "--file", str(tor), *lead,
        expect=3,
    )  # fmt: skip
    assert "HMIPROBATION, HMIPRISONS have not (`cjji streams name-leads" in unnamed.stderr
    for body in ("HMIPROBATION", "HMIPRISONS"):
        named = cjji(
            "streams", "name-leads", "omic-2026", "--body", body,
            "--lead-inspector", f"lead.{body.lower()}",
            "--senior-oversight", f"chief.{body.lower()}",
            "--actor", f"chief.{body.lower()}",
        )  # fmt: skip
        assert f"{body} named lead.{body.lower()} (lead inspector)" in named.stdout

    def agree(
        kind: str, text: str, bodies: tuple[str, ...] = ("HMIPROBATION", "HMIPRISONS")
    ) -> str:
        """Register a version of the key matter ``kind``; each of ``bodies`` approves it."""
        file = tmp_path / f"{kind}.txt"
        file.write_text(text, encoding="utf-8")
        added = cjji("drafts", "add", "omic-2026", "--kind", kind, "--file", str(file), *lead,
                     "--json")  # fmt: skip
        registered: str = as_json(added)["version"]
        for body in bodies:
            cjji(
                "signoff", "record", "omic-2026", "--body", body,
                "--actor", f"signatory.{body.lower()}", "--decision", "approve",
                "--version", registered, "--kind", kind,
            )  # fmt: skip
        return registered

    tor_version = as_json(
        cjji(
            "drafts",
            "add",
            "omic-2026",
            "--kind",
            "terms_of_reference",
            "--file",
            str(tor),
            *lead,
            "--json",
        )
    )["version"]
    for body in ("HMIPROBATION", "HMIPRISONS"):
        cjji(
            "signoff",
            "record",
            "omic-2026",
            "--body",
            body,
            "--actor",
            f"signatory.{body.lower()}",
            "--decision",
            "approve",
            "--version",
            tor_version,
            "--kind",
            "terms_of_reference",
        )
    method = agree("methodology", "Case file reading and interviews", ("HMIPROBATION",))
    awaiting = cjji("streams", "fire", "omic-2026", "start_fieldwork", *lead, expect=3)
    assert awaiting.stderr.count("\n") == 1
    assert (
        f"cannot start_fieldwork: the methodology (version {method[:12]}) awaits agreement "
        "from HMIPRISONS" in awaiting.stderr
    )
    shown_matters = cjji("streams", "show", "omic-2026").stdout
    assert "key decisions" in shown_matters and "methodology" in shown_matters
    agree("methodology", "Case file reading and interviews, v2")
    cjji("streams", "fire", "omic-2026", "start_fieldwork", *lead)
    cjji("streams", "fire", "omic-2026", "pause", *lead, "--reason", "Covid-19")
    cjji("streams", "fire", "omic-2026", "resume", *lead)
    cjji("streams", "fire", "omic-2026", "start_drafting", *lead)
    agree("findings", "Findings: key workers carry too many cases")
    cjji(
        "recommendations",
        "add",
        "omic-2026",
        *lead,
        "--text",
        "Review key worker caseloads",
        "--addressed-to",
        "HM Prison and Probation Service",
    )
    draft = tmp_path / "draft.txt"
    draft.write_text("Draft report", encoding="utf-8")
    first = as_json(cjji("drafts", "add", "omic-2026", "--file", str(draft), *lead, "--json"))
    cjji("fa", "team", "omic-2026", *lead, "--member", "a.lead")
    cjji("fa", "start", "omic-2026", *lead, "--party", "HMP Exampleton")
    cjji(
        "fa",
        "comment",
        "omic-2026",
        *lead,
        "--party",
        "HMP Exampleton",
        "--text",
        "Paragraph 4 names the wrong governor",
    )
    blocked = cjji("streams", "fire", "omic-2026", "submit_for_signoff", *lead, expect=3)
    assert "comment(s) 1 have no disposition" in blocked.stderr
    cjji("fa", "dispose", "omic-2026", "1", *lead, "--disposition", "accepted")
    on_team = cjji("fa", "sign-off", "omic-2026", *lead, expect=3)
    assert "was on the fieldwork team" in on_team.stderr
    cjji("fa", "sign-off", "omic-2026", "--actor", "chief.hmiprobation", "--body", "HMIPROBATION")
    draft.write_text("Draft report, governor corrected", encoding="utf-8")
    version = as_json(cjji("drafts", "add", "omic-2026", "--file", str(draft), *lead, "--json"))[
        "version"
    ]
    assert version != first["version"]
    cjji("streams", "fire", "omic-2026", "submit_for_signoff", *lead)
    status = as_json(cjji("signoff", "status", "omic-2026", "--json"))
    assert status["outstanding"]["awaiting"] == ["HMIPROBATION", "HMIPRISONS"]
    decide = ("signoff", "record", "omic-2026", "--decision", "approve")
    impostor = cjji(
        *decide,
        "--body",
        "HMIPRISONS",
        "--actor",
        "signatory.hmicfrs",
        "--version",
        version,
        expect=3,
    )
    assert "acts for HMICFRS and cannot decide for HMIPRISONS" in impostor.stderr
    stale = cjji(
        *decide,
        "--body",
        "HMIPRISONS",
        "--actor",
        "signatory.hmiprisons",
        "--version",
        tor_version,
        expect=3,
    )
    assert "unknown report version" in stale.stderr
    for body in ("HMIPROBATION", "HMIPRISONS"):
        cjji(
            "signoff",
            "record",
            "omic-2026",
            "--body",
            body,
            "--actor",
            f"deputy.{body.lower()}",
            "--decision",
            "approve",
            "--version",
            version,
        )
    shown = as_json(cjji("streams", "show", "omic-2026", "--json"))
    assert shown["state"] == "publication"
    cjji("publication", "schedule", "omic-2026", *lead, "--at", "2030-01-15T00:01+00:00")
    cjji(
        "publication",
        "recipient",
        "omic-2026",
        *lead,
        "--name",
        "MoJ press office",
        "--email",
        "press@justice.example",
        "--kind",
        "press",
    )

    def publish(approved: str, *extra: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        url = "https://www.justiceinspectorates.gov.uk/omic"
        return cjji(
            "publication", "publish", "omic-2026", *lead, "--url", url, "--version", approved,
            *extra, expect=expect,
        )  # fmt: skip

    early = publish(version, expect=3)
    assert "embargoed copy has not gone" in early.stderr
    recs = agree("recommendations", "1. Review key worker caseloads", ("HMIPROBATION",))
    assert (
        f"the recommendations (version {recs[:12]}) await agreement from HMIPRISONS"
        in publish(version, expect=3).stderr
    )
    agree("recommendations", "1. Review key worker caseloads")
    agree("publication_arrangements", "15 January 2030 00:01; embargo: MoJ press office")
    cjji("publication", "send-embargo", "omic-2026", *lead)
    wrong = publish(first["version"], expect=3)
    assert "must be the one every body approved" in wrong.stderr
    too_soon = publish(version, expect=3)
    assert "confirm an early release and give the reason" in too_soon.stderr
    publish(version, "--early-release", "the walk cannot wait for the scheduled day")
    still_open = cjji("streams", "fire", "omic-2026", "close", *lead, expect=3)
    assert "1 recommendation(s) still open" in still_open.stderr
    cjji(
        "recommendations",
        "respond",
        "omic-2026",
        "1",
        *lead,
        "--response",
        "agreed",
        "--owner",
        "HMPPS",
        "--action-plan",
        "Caseload audit",
        "--due",
        "2030-06-30",
    )
    cjji("recommendations", "review", "omic-2026", "1", *lead, "--judgement", "good_progress")
    cjji(
        "recommendations",
        "close",
        "omic-2026",
        "1",
        *lead,
        "--evidence",
        "Caseloads audited in March",
    )
    register_rows = as_json(cjji("recommendations", "list", "omic-2026", "--json"))
    assert register_rows["recommendations"][0]["status"] == "closed"
    cjji("streams", "fire", "omic-2026", "close", *lead)
    assert as_json(cjji("streams", "show", "omic-2026", "--json"))["state"] == "closed"
    log = as_json(cjji("audit", "log", "omic-2026", "--json"))
    assert [e["to"] for e in log if e["action"] == "transitioned"] == [
        "fieldwork",
        "paused",
        "fieldwork",
        "drafting",
        "joint_signoff",
        "publication",
        "follow_up",
        "closed",
    ]
    assert "intact" in cjji("audit", "verify").stdout
    cjji("audit", "replay")


def test_audit_verify_fails_naming_the_event_after_a_raw_sql_edit(
    cjji: Cjji, database_url: str
) -> None:
    cjji("db", "upgrade")
    cjji("users", "load", str(PEOPLE))
    cjji("programme", "import", str(PROGRAMME), "--actor", "admin")
    assert as_json(cjji("audit", "verify", "--json"))["ok"] is True
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'Mallory' WHERE seq = 7"))
    engine.dispose()
    broken = cjji("audit", "verify", expect=1)
    assert "audit trail broken at event 7" in broken.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("streams", "list", "--state", "finished"), "state 'finished' is not known"),
        (("streams", "show", "no-such-stream"), "no work stream 'no-such-stream'"),
        (("streams", "fire", "x", "pause"), "Missing option '--actor'"),
        (("streams", "list", "--lead", "HMI Nowhere"), "unknown body 'HMI Nowhere'"),
        (("programme", "import", "/nonexistent.yaml"), "no such file"),
    ],
)
def test_bad_input_exits_2_with_one_line_saying_what_to_fix(
    cjji: Cjji, args: tuple[str, ...], message: str
) -> None:
    cjji("db", "upgrade")
    done = cjji(*args, expect=2)
    assert done.stderr.startswith("cjji: error: ")
    assert done.stderr.count("\n") == 1
    assert message in done.stderr


def test_commands_refuse_an_unmigrated_database_and_say_how_to_fix_it(tmp_path: Path) -> None:
    env = {**os.environ, "CJJI_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-m", "workflow.cli.main", "streams", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    # The heads as the migrations stand (0003 deadlines; 0008 security joins 0004 access and
    # the report's journey).
    assert "is at revision none, not 0003,0013" in done.stderr
    assert "run `cjji db upgrade` first" in done.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_body_awaited_at_signoff_is_dropped_from_the_cli_only_by_an_agreed_change(
    cjji_in_process: Cjji, database_url: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from tests.conftest import Clock, runtime_for
    from tests.integration.test_participants import drop_test_at_signoff

    cjji = cjji_in_process
    cjji("db", "upgrade")
    drop_test_at_signoff(runtime_for(database_url, Clock(datetime.now(UTC)), tmp_path))
    lead = ("--actor", "lead.hmicfrs")
    edit = cjji("streams", "edit", "drop-test", "--supporting", "HMCPSI", *lead, expect=3)
    assert "cjji streams propose-participants" in edit.stderr
    reason = ("--reason", "HMI Probation has withdrawn its inspectors")
    propose = ("streams", "propose-participants", "drop-test", "--supporting", "HMCPSI")
    proposed = cjji(*propose, *reason, *lead)
    assert proposed.stdout.strip() == (
        "proposed change 1 of drop-test's participants (drop HMIPROBATION): awaiting HMCPSI"
    )
    shown = cjji("streams", "show", "drop-test").stdout
    assert "change of participants 1 proposed (drop HMIPROBATION; reason: HMI Probation" in shown
    decide = ("streams", "decide-participants", "drop-test", "--proposal", "1", "--decision")
    probation = ("--body", "HMIPROBATION", "--actor", "signatory.hmiprobation")
    dropped = cjji(*decide, "agree", *probation, expect=3)
    assert "HMIPROBATION would be dropped by proposal 1" in dropped.stderr
    cps = ("--body", "HMCPSI", "--actor", "signatory.hmcpsi")
    agreed = as_json(cjji(*decide, "agree", *cps, "--json"))
    assert (agreed["supporting"], agreed["participants_proposal"]["outcome"]) == (
        ["HMCPSI"],
        "applied",
    )
    action = ("--action", "participants_proposal_changed")
    log = as_json(cjji("audit", "log", "drop-test", *action, "--json"))
    assert [e["payload"]["change"] for e in log] == ["proposed", "agreed", "applied"]
