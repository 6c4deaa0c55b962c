"""Done when: the 2021–23 plan lives its whole life through the real `cjji` command, on
SQLite and PostgreSQL, and the audit trail verifies and replays plans and work streams."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import PEOPLE, PROGRAMME, Cjji, as_json

# The fixtures `cjji` and `database_url` (a real process per command, on both databases).
pytest_plugins = ["tests.e2e.test_cli"]
CODE = "cjji-2021-23"
CHIEFS = ("hmicfrs", "hmcpsi", "hmiprisons", "hmiprobation")
ADMIN = ("--actor", "admin")

LATER_PLAN = """\
plan:
  code: cjji-2023-25
  title: Joint Inspection Business Plan 2023–25
  starts: 2023-04-01
  ends: 2025-03-31

work_streams:
  - ref: victims
    carried_from: cjji-2021-23
    title: "Victims: meeting the needs of victims in the CJS"
    section: three or more
    kind: thematic_inspection
    lead: HMICFRS
    supporting: [HMCPSP, HMI Probation]
    jurisdiction: england_and_wales
    priority: normal
    expected_publication: 2022/23
    summary: >-
      To inspect the quality of communication and support for victims at each stage of the
      CJS, including the impact of recent increases in court backlogs.
    missing: []
"""


def test_the_2021_23_plan_is_consulted_on_finalised_published_reviewed_and_carried_over(
    cjji: Cjji, tmp_path: Path
) -> None:
    cjji("db", "upgrade")
    cjji("users", "load", str(PEOPLE))
    cjji("programme", "import", str(PROGRAMME), *ADMIN)
    assert as_json(cjji("plans", "show", CODE, "--json"))["state"] == "draft"
    streams_before = len(as_json(cjji("streams", "list", "--json")))

    # consultation: dates, then responses with the topics they address
    cjji("plans", "open-consultation", CODE, "--opens", "2021-01-11", "--closes", "2021-02-28",
         *ADMIN)  # fmt: skip
    cjji("plans", "respond", CODE, "--respondent", "Jo Bloggs", "--organisation",
         "Magistrates Association", "--topic", "youth", "--topic", "remand", *ADMIN)  # fmt: skip
    refused = cjji("plans", "respond", CODE, "--respondent", "X", "--organisation", "Y",
                   "--topic", "z", "--actor", "chief.hmicfrs", expect=3)  # fmt: skip
    assert refused.stderr.count("\n") == 1 and "administrator" in refused.stderr

    # finalisation: every chief inspector approves one version, for their own body only
    shown = as_json(cjji("plans", "close-consultation", CODE, *ADMIN, "--json"))
    assert shown["state"] == "finalisation"
    assert shown["consultation"]["responses"][0]["topics"] == ["youth", "remand"]
    version = shown["approval"]["version"]
    assert len(version) == 64 and len(shown["approval"]["awaiting"]) == 4
    other = cjji("plans", "approve", CODE, "--body", "HMCPSI", "--version", version,
                 "--actor", "chief.hmicfrs", expect=3)  # fmt: skip
    assert "cannot approve the plan for HMCPSI" in other.stderr
    for chief in CHIEFS[:3]:
        cjji("plans", "approve", CODE, "--body", chief.upper(), "--version", version,
             "--actor", f"chief.{chief}")  # fmt: skip
    early = cjji("plans", "publish", CODE, *ADMIN, expect=3)
    assert "awaits the approval of HMIPROBATION" in early.stderr
    cjji("plans", "approve", CODE, "--body", "HMIPROBATION", "--version", version,
         "--actor", "chief.hmiprobation")  # fmt: skip
    published = as_json(cjji("plans", "publish", CODE, *ADMIN, "--json"))
    assert published["state"] == "published" and published["current_version"] == 1

    # the yearly review: one re-prioritised, one dropped, one commissioned in-year
    cjji("plans", "review", CODE, *ADMIN)
    cjji("plans", "reprioritise", CODE, "mental-health", "--priority", "high",
         "--reason", "Backlogs make it urgent", *ADMIN)  # fmt: skip
    cjji("plans", "drop", CODE, "case-file-quality", "--reason", "Covered by a single-agency "
         "inspection", *ADMIN)  # fmt: skip
    cjji("plans", "commission", CODE, "--ref", "remand-review", "--title", "Remand review",
         "--kind", "review", "--lead", "HMI Prisons", "--supporting", "HMI Probation",
         "--by", "the chief inspectors", "--on", "2022-01-05",
         "--reason", "Remand population at a record high", *ADMIN)  # fmt: skip
    cjji("plans", "conclude-review", CODE, *ADMIN)
    assert [v["number"] for v in as_json(cjji("plans", "versions", CODE, "--json"))] == [1, 2, 3, 4]

    changes = as_json(cjji("plans", "diff", CODE, "1", "4", "--json"))["changes"]
    assert changes == {
        "added": [
            {
                "ref": "remand-review",
                "title": "Remand review",
                "commissioned": {"on": "2022-01-05", "by": "the chief inspectors"},
            }
        ],
        "dropped": [{"ref": "case-file-quality", "title": "Case file quality"}],
        "deferred": [],
        "reprioritised": [{"ref": "mental-health", "from": "normal", "to": "high"}],
        "redated": [],
    }
    human = cjji("plans", "diff", CODE, "1", "4").stdout
    assert "3 change(s)" in human and "commissioned in-year 2022-01-05" in human
    dropped = as_json(cjji("streams", "show", "case-file-quality", "--json"))
    assert dropped["state"] == "withdrawn"
    assert dropped["withdrawn_reason"] == "Covered by a single-agency inspection"
    assert as_json(cjji("streams", "show", "mental-health", "--json"))["priority"] == "high"
    remand = as_json(cjji("streams", "show", "remand-review", "--json"))
    assert remand["plan"] == CODE and remand["state"] == "scoping"
    assert remand["commissioned_in_year"] == {"on": "2022-01-05", "by": "the chief inspectors"}

    # a later plan carries an open work stream over: no duplicate, both plans in its history
    later = tmp_path / "cjji-2023-25.yaml"
    later.write_text(LATER_PLAN, encoding="utf-8")
    cjji("programme", "import", str(later), *ADMIN)
    assert len(as_json(cjji("streams", "list", "--json"))) == streams_before + 1  # the new one
    victims = as_json(cjji("streams", "show", "victims", "--json"))
    assert victims["plan"] == "cjji-2023-25"
    assert victims["plans"] == ["cjji-2021-23", "cjji-2023-25"]
    bare = tmp_path / "bare.yaml"
    bare.write_text(
        LATER_PLAN.replace("cjji-2023-25", "cjji-2024-26")
        .replace("ref: victims", "ref: mappa")
        .replace("    carried_from: cjji-2021-23\n", ""),
        encoding="utf-8",
    )
    refused = cjji("programme", "import", str(bare), *ADMIN, expect=2)
    assert refused.stderr.count("\n") == 1
    assert "the ref belongs to plan cjji-2021-23" in refused.stderr

    # the trail holds it all: it verifies, and replay rebuilds plans and work streams
    assert "intact" in cjji("audit", "verify").stdout
    replayed = as_json(cjji("audit", "replay", "--json"))
    assert replayed["differences"] == {}
