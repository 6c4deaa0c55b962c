"""Importing the 2021–23 programme: counts, leads, idempotence, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.application.commands import ImportProgramme
from workflow.application.handlers.programme import ImportResult
from workflow.application.principal import engine_principal
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import InvalidInput

PROGRAMME = Path(__file__).resolve().parents[2] / "config/programmes/cjji-2021-23.yaml"
IMPORTER = engine_principal("Programme office")


def import_programme(rt: Runtime, who: object, path: Path) -> ImportResult:
    result: ImportResult = rt.handle(ImportProgramme(path=path), IMPORTER)
    return result


EXPECTED_LEADS = {
    "police-custody": None,
    "prison-rehabilitation-and-release-planning": "HMIPRISONS",
    "youth-inspection-programme": "HMIPROBATION",
    "rape": "HMICFRS",
    "neurodiversity-evidence-review": "HMIPRISONS",
    "drugs-misuse-on-probation": "HMIPROBATION",
    "mental-health": "HMIPROBATION",
    "racial-disproportionality": "HMICFRS",
    "covid-19-recovery-review": None,
    "mappa": "HMIPROBATION",
    "extremism-radicalisation-tact-supervision": "HMIPROBATION",
    "victims": "HMICFRS",
    "youth-violence": "HMICFRS",
    "case-file-quality": "HMCPSI",
    "offender-management-in-custody": "HMIPROBATION",
    "girls-in-custody": "HMIPRISONS",
}


def test_the_2021_23_programme_imports_every_work_stream_with_its_lead(rt: Runtime) -> None:
    result = import_programme(rt, IMPORTER, PROGRAMME)
    assert len(result.created) == 18
    listed = {s["ref"]: s for s in queries.list_streams(rt, plan="cjji-2021-23")}
    top_level = {ref: s for ref, s in listed.items() if s["parent_ref"] is None}
    assert len(top_level) == 16
    assert {ref: s["lead"] for ref, s in top_level.items()} == EXPECTED_LEADS
    phases = [s for s in listed.values() if s["parent_ref"] == "rape"]
    assert [p["expected_publication"] for p in phases] == ["summer 2021", "winter of 2021–22"]
    assert listed["rape"]["supporting"] == ["HMCPSI"]  # the plan's "HMCPIS"
    assert listed["victims"]["supporting"] == ["HMCPSI", "HMIPROBATION"]  # "HMCPSP"
    assert all(s["state"] == "scoping" for s in listed.values())


def test_what_the_plan_leaves_out_is_said_and_held_in_scoping(rt: Runtime) -> None:
    import_programme(rt, IMPORTER, PROGRAMME)
    covid = queries.show_stream(rt, "covid-19-recovery-review")
    assert covid["lead"] is None
    assert covid["supporting"] == []
    assert covid["missing"], "the gap is stated"
    assert covid["expected_latest"] == "2021-12-31"
    unmet = covid["moves"]["start_fieldwork"]["unmet"]
    assert any("no lead body" in u for u in unmet)
    case_files = queries.show_stream(rt, "case-file-quality")
    assert case_files["expected_publication"] == "Scope and fieldwork dates to be agreed"
    assert case_files["expected_latest"] is None


def test_importing_the_same_file_twice_changes_nothing(rt: Runtime) -> None:
    import_programme(rt, IMPORTER, PROGRAMME)
    events = len(queries.audit_log(rt, limit=10_000))
    again = import_programme(rt, IMPORTER, PROGRAMME)
    assert again.created == [] and again.updated == []
    assert len(again.unchanged) == 18
    assert len(queries.audit_log(rt, limit=10_000)) == events


def test_a_bad_file_imports_nothing_and_lists_every_error_by_entry_and_field(
    rt: Runtime, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    text = PROGRAMME.read_text(encoding="utf-8")
    text = text.replace("lead: HMCPSP", "lead: HM Inspectorate of Nowhere", 1)
    text = text.replace("kind: review", "kind: inquiry", 1)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as error:
        import_programme(rt, IMPORTER, bad)
    message = str(error.value)
    assert "2 error(s)" in message
    assert "field kind" in message
    assert (
        "(case-file-quality) field lead: Value error, unknown body 'HM Inspectorate of Nowhere'"
        in message
    )
    assert queries.list_streams(rt) == []
    assert queries.audit_log(rt) == []


def test_an_unreadable_file_is_refused_in_one_line(rt: Runtime, tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("plan: [unclosed", encoding="utf-8")
    with pytest.raises(InvalidInput, match="is not readable YAML") as error:
        import_programme(rt, IMPORTER, bad)
    assert "\n" not in str(error.value)
    with pytest.raises(InvalidInput, match="no such file"):
        import_programme(rt, IMPORTER, tmp_path / "missing.yaml")


def _plan(path: Path, code: str, streams: str) -> Path:
    path.write_text(
        f"plan:\n  code: {code}\n  title: Plan {code}\n  starts: 2023-04-01\n"
        f"  ends: 2025-03-31\nwork_streams:\n{streams}",
        encoding="utf-8",
    )
    return path


STREAM = """  - ref: {ref}
    title: {title}
    kind: {kind}
    lead: HMI Probation
    supporting: []
{extra}"""


def _entry(ref: str, title: str = "A review", kind: str = "review", extra: str = "") -> str:
    return STREAM.format(ref=ref, title=title, kind=kind, extra=extra)


def test_a_ref_of_another_plan_is_refused_naming_the_plan(rt: Runtime, tmp_path: Path) -> None:
    import_programme(rt, IMPORTER, _plan(tmp_path / "a.yaml", "plan-a", _entry("shared")))
    other = _plan(tmp_path / "b.yaml", "plan-b", _entry("shared", title="Overwritten"))
    with pytest.raises(InvalidInput, match="belongs to plan plan-a") as error:
        import_programme(rt, IMPORTER, other)
    assert "carried_from: plan-a" in str(error.value)
    shown = queries.show_stream(rt, "shared")
    assert (shown["title"], shown["plan"]) == ("A review", "plan-a")
    carried = _plan(
        tmp_path / "c.yaml",
        "plan-b",
        _entry("shared", title="Carried over", extra="    carried_from: plan-a\n"),
    )
    result = import_programme(rt, IMPORTER, carried)
    assert result.updated == ["shared"]
    shown = queries.show_stream(rt, "shared")
    assert (shown["title"], shown["plan"]) == ("Carried over", "plan-b")
    assert queries.replay_differences(rt) == {}


def test_a_changed_kind_is_refused_not_ignored(rt: Runtime, tmp_path: Path) -> None:
    import_programme(rt, IMPORTER, _plan(tmp_path / "a.yaml", "plan-a", _entry("one")))
    changed = _plan(tmp_path / "b.yaml", "plan-a", _entry("one", kind="thematic_inspection"))
    with pytest.raises(InvalidInput, match="kind is review in the engine"):
        import_programme(rt, IMPORTER, changed)
    assert queries.show_stream(rt, "one")["kind"] == "review"


def test_a_changed_plan_title_is_not_reported_unchanged(rt: Runtime, tmp_path: Path) -> None:
    path = _plan(tmp_path / "a.yaml", "plan-a", _entry("one"))
    import_programme(rt, IMPORTER, path)
    assert not import_programme(rt, IMPORTER, path).plan_updated
    path.write_text(path.read_text().replace("title: Plan plan-a", "title: Renamed"))
    assert import_programme(rt, IMPORTER, path).plan_updated
