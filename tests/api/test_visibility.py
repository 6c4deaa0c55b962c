"""The table "Who sees what" of docs/api.md, read from the page and checked cell by cell:
for each state of the report and each kind of person, what the API shows them."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import api
from tests.conftest import Clock
from tests.integration.walk import LEAD, approve_all, to_signoff
from tests.integration.walk import create as create_stream
from tests.integration.walk import publish as publish_report
from tests.support.acting import send
from workflow.application.commands import AddEmbargoRecipient, SchedulePublication
from workflow.bootstrap import Runtime

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
#: Who looks, by the table's column: a person of each kind (config/people.demo.yaml).
VIEWERS = {
    "administrator": "admin",
    "participating body": "lead.hmicfrs",  # HMICFRS supports mappa
    "other body": "lead.hmcpsi",  # HMCPSI takes no part
}
#: The states a test can set up, and the table's "when" each one is.
STATES = {"at sign-off": "before publication", "embargoed": "before publication"}
STATES["published"] = "after publication"


def table() -> dict[tuple[str, str], dict[str, str]]:
    """``{(what, when): {column: cell}}`` from the section "Who sees what"."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Who sees what", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in section.splitlines() if r.startswith("| ") and "---" not in r]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    out = {}
    for row in rows[1:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        out[(cells[0], cells[1])] = dict(zip(header[2:], cells[2:], strict=True))
    return out


def set_up(rt: Runtime, clock: Clock, state: str) -> str:
    """Walk mappa to ``state``, with one refusal on its trail; returns the report version."""
    create_stream(rt)
    version = to_signoff(rt)
    # Someone who is neither viewer is refused: a refusal of "other people" for all three.
    assert api(rt, "lead.hmiprisons").patch("/api/streams/mappa", json={"title": "x"}).is_error
    if state == "at sign-off":
        return version
    approve_all(rt, "mappa", version)
    if state == "embargoed":
        send(rt, LEAD, SchedulePublication(key="mappa", when=clock.now + timedelta(days=10)))
        send(
            rt,
            LEAD,
            AddEmbargoRecipient(key="mappa", name="Press", email="press@moj.example", kind="press"),
        )
    else:
        publish_report(rt, "mappa", clock.now + timedelta(days=10))
    return version


def seen(client: TestClient, version: str) -> dict[str, Any]:
    """What the client is shown of each thing the table names."""
    report = client.get(f"/api/streams/mappa/documents/report/{version}")
    listed = client.get("/api/streams/mappa/documents").json()
    versions = [v["version"] for d in listed if d["kind"] == "report" for v in d["versions"]]
    record = client.get("/api/streams/mappa").json()
    events = client.get("/api/streams/mappa/events").json()
    addresses = any("email" in e["payload"] or "to" in e["payload"] for e in events)
    others_refused = any(
        e["action"] == "access_refused" and e["actor"] == "lead.hmiprisons" for e in events
    )
    recipients = (record.get("publication") or {}).get("recipients") or []
    return {
        "report": report.status_code,
        "report listed": version in versions and record["report"] == version,
        "recipients": bool(recipients),
        "addresses": addresses,
        "refusals": others_refused,
    }


@pytest.mark.parametrize("state", list(STATES))
def test_each_cell_of_who_sees_what(sqlite_rt: Runtime, clock: Clock, state: str) -> None:
    version = set_up(sqlite_rt, clock, state)
    cells = table()
    when = STATES[state]
    report = cells[("the report's text (preview, download, versions listed)", when)]
    recipients = cells[("the embargo's recipients (names, emails)", "always")]
    addresses = cells[("addresses in events (notifications, recipients)", "always")]
    refusals = cells[("refusals of other people in events", "always")]
    has_recipients = state != "at sign-off"
    for column, username in VIEWERS.items():
        shown = seen(api(sqlite_rt, username), version)
        expected_report = 200 if report[column] == "yes" else int(report[column])
        assert shown["report"] == expected_report, (state, column)
        assert shown["report listed"] is (report[column] == "yes"), (state, column)
        if has_recipients:
            assert shown["recipients"] is (recipients[column] == "yes"), (state, column)
            assert shown["addresses"] is (addresses[column] == "yes"), (state, column)
        assert shown["refusals"] is (refusals[column] == "yes"), (state, column)


def test_the_table_covers_every_column_and_says_only_yes_404_or_hidden() -> None:
    for (what, when), cells in table().items():
        assert set(cells) == set(VIEWERS), what
        assert set(cells.values()) <= {"yes", "404", "hidden"}, (what, when)
        assert re.fullmatch(r"always|before publication|after publication", when)


def test_the_web_pages_answer_404_to_an_outsider_for_the_report(
    sqlite_rt: Runtime, clock: Clock
) -> None:
    from tests.api.helpers import browser

    version = set_up(sqlite_rt, clock, "embargoed")
    outsider = browser(sqlite_rt, "lead.hmcpsi")
    base = f"/streams/mappa/documents/report/{version}"
    for path in (base, f"{base}/download", f"{base}/pdf"):
        assert outsider.get(path).status_code == 404, path
    page = outsider.get("/streams/mappa")
    assert page.status_code == 200 and "press@moj.example" not in page.text
    insider = browser(sqlite_rt, "lead.hmicfrs")
    assert insider.get(base).status_code == 200
    assert "press@moj.example" in insider.get("/streams/mappa").text
