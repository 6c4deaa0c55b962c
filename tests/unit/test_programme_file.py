"""The 2021–23 programme file transcribes section B of the business plan faithfully."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflow.domain.bodies import DEFAULT_BODIES
from workflow.domain.fuzzy_dates import parse_fuzzy_date

PROGRAMME = Path(__file__).parents[2] / "config" / "programmes" / "cjji-2021-23.yaml"

FIELDS = {
    "ref",
    "title",
    "section",
    "kind",
    "lead",
    "supporting",
    "jurisdiction",
    "priority",
    "expected_publication",
    "summary",
    "missing",
}
SECTIONS = {"continuing core", "continuing thematic", "three or more", "bilateral"}
KINDS = {"thematic_inspection", "review", "scoping_study", "rolling_programme", "visit", "phase"}
JURISDICTIONS = {"england", "wales", "england_and_wales"}
PRIORITIES = {"high", "normal", "low"}
#: The one date in the plan that is words, not a date.
UNREADABLE_DATES = {"Scope and fieldwork dates to be agreed"}

# Each top-level work stream of section B: (ref, section, kind, lead, expected publication).
SECTION_B = [
    ("police-custody", "continuing core", "rolling_programme", None, None),
    (
        "prison-rehabilitation-and-release-planning",
        "continuing core",
        "rolling_programme",
        "HMI Prisons",
        None,
    ),
    ("youth-inspection-programme", "continuing core", "rolling_programme", "HMI Probation", None),
    ("rape", "continuing thematic", "thematic_inspection", "HMICFRS", None),
    (
        "neurodiversity-evidence-review",
        "continuing thematic",
        "review",
        "HMI Prisons",
        "summer 2021",
    ),
    (
        "drugs-misuse-on-probation",
        "continuing thematic",
        "thematic_inspection",
        "HMI Probation",
        "August 2021",
    ),
    ("mental-health", "three or more", "thematic_inspection", "HMI Probation", "Autumn 2021"),
    ("racial-disproportionality", "three or more", "review", "HMICFRS", "Spring 2022"),
    ("covid-19-recovery-review", "three or more", "review", None, "by December 2021"),
    ("mappa", "three or more", "thematic_inspection", "HMI Probation", "Spring 2022"),
    (
        "extremism-radicalisation-tact-supervision",
        "three or more",
        "thematic_inspection",
        "HMI Probation",
        "2022–23",
    ),
    ("victims", "three or more", "thematic_inspection", "HMICFRS", "2022/23"),
    ("youth-violence", "bilateral", "thematic_inspection", "HMICFRS", "Spring 2022"),
    (
        "case-file-quality",
        "bilateral",
        "thematic_inspection",
        "HMCPSP",
        "Scope and fieldwork dates to be agreed",
    ),
    (
        "offender-management-in-custody",
        "bilateral",
        "thematic_inspection",
        "HMI Probation",
        "Spring 2022",
    ),
    ("girls-in-custody", "bilateral", "thematic_inspection", "HMI Prisons", "Spring 2022"),
]


@pytest.fixture(scope="module")
def programme() -> dict[str, Any]:
    with PROGRAMME.open(encoding="utf-8") as file:
        loaded: dict[str, Any] = yaml.safe_load(file)
    return loaded


def _all_work_streams(entries: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for entry in entries:
        yield entry
        yield from _all_work_streams(entry.get("children", []))


@pytest.fixture(scope="module")
def every_entry(programme: dict[str, Any]) -> list[dict[str, Any]]:
    return list(_all_work_streams(programme["work_streams"]))


@pytest.fixture(scope="module")
def by_ref(every_entry: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["ref"]: entry for entry in every_entry}


def test_the_plan_covers_the_business_years_2021_to_2023(programme: dict[str, Any]) -> None:
    assert programme["plan"] == {
        "code": "cjji-2021-23",
        "title": "Joint Inspection Business Plan 2021–23",
        "starts": date(2021, 4, 1),
        "ends": date(2023, 3, 31),
    }


def test_section_b_has_sixteen_work_streams_in_the_plans_order(programme: dict[str, Any]) -> None:
    refs = [entry["ref"] for entry in programme["work_streams"]]
    assert refs == [row[0] for row in SECTION_B]


@pytest.mark.parametrize(("ref", "section", "kind", "lead", "expected"), SECTION_B)
def test_each_work_stream_has_the_section_kind_lead_and_date_the_plan_gives(
    by_ref: dict[str, dict[str, Any]],
    ref: str,
    section: str,
    kind: str,
    lead: str | None,
    expected: str | None,
) -> None:
    entry = by_ref[ref]
    assert (entry["section"], entry["kind"], entry["lead"]) == (section, kind, lead)
    assert entry["expected_publication"] == expected


def test_the_rape_report_has_two_phases_dated_as_the_plan_says(
    by_ref: dict[str, dict[str, Any]],
) -> None:
    phases = by_ref["rape"]["children"]
    assert [p["ref"] for p in phases] == ["rape-phase-one", "rape-phase-two"]
    assert [p["expected_publication"] for p in phases] == ["summer 2021", "winter of 2021–22"]
    assert all(p["kind"] == "phase" and p["lead"] == "HMICFRS" for p in phases)
    assert all(p["supporting"] == ["HMCPIS"] for p in phases)


def test_only_the_rape_report_has_children(programme: dict[str, Any]) -> None:
    with_children = [e["ref"] for e in programme["work_streams"] if e.get("children")]
    assert with_children == ["rape"]


def test_refs_are_unique_across_the_whole_file(every_entry: list[dict[str, Any]]) -> None:
    refs = [entry["ref"] for entry in every_entry]
    assert len(refs) == 18
    assert len(set(refs)) == len(refs)


def test_every_entry_has_exactly_the_documented_fields(every_entry: list[dict[str, Any]]) -> None:
    for entry in every_entry:
        assert set(entry) - {"children"} == FIELDS, entry["ref"]


def test_every_entry_uses_only_allowed_values(every_entry: list[dict[str, Any]]) -> None:
    for entry in every_entry:
        assert entry["section"] in SECTIONS, entry["ref"]
        assert entry["kind"] in KINDS, entry["ref"]
        assert entry["jurisdiction"] in JURISDICTIONS, entry["ref"]
        assert entry["priority"] in PRIORITIES, entry["ref"]
        assert isinstance(entry["summary"], str), entry["ref"]
        assert entry["summary"].strip(), entry["ref"]
        assert isinstance(entry["supporting"], list), entry["ref"]
        assert all(isinstance(m, str) and m for m in entry["missing"]), entry["ref"]


def test_every_phase_is_a_child_and_every_child_a_phase(programme: dict[str, Any]) -> None:
    assert all(e["kind"] != "phase" for e in programme["work_streams"])
    for entry in programme["work_streams"]:
        assert all(child["kind"] == "phase" for child in entry.get("children", []))


def test_every_body_named_is_known_to_the_registry(every_entry: list[dict[str, Any]]) -> None:
    for entry in every_entry:
        names = [entry["lead"], *entry["supporting"]] if entry["lead"] else entry["supporting"]
        for name in names:
            assert name in DEFAULT_BODIES, f"{entry['ref']}: {name!r}"


def test_the_lead_is_never_also_a_supporting_body(every_entry: list[dict[str, Any]]) -> None:
    for entry in every_entry:
        supporting = {DEFAULT_BODIES.code_of(name) for name in entry["supporting"]}
        assert len(supporting) == len(entry["supporting"]), entry["ref"]
        if entry["lead"]:
            assert DEFAULT_BODIES.code_of(entry["lead"]) not in supporting, entry["ref"]


def test_every_date_in_the_file_is_read_except_the_one_that_is_not_a_date(
    every_entry: list[dict[str, Any]],
) -> None:
    dated = [e["expected_publication"] for e in every_entry if e["expected_publication"]]
    assert len(dated) == 14  # 12 of the 16 work streams, and both phases
    for text in dated:
        assert isinstance(text, str), text
        assert parse_fuzzy_date(text).is_understood == (text not in UNREADABLE_DATES), text


@pytest.mark.parametrize(
    ("ref", "earliest", "latest"),
    [
        ("rape-phase-one", date(2021, 6, 1), date(2021, 8, 31)),
        ("rape-phase-two", date(2021, 12, 1), date(2022, 2, 28)),
        ("drugs-misuse-on-probation", date(2021, 8, 1), date(2021, 8, 31)),
        ("covid-19-recovery-review", None, date(2021, 12, 31)),
        ("extremism-radicalisation-tact-supervision", date(2022, 4, 1), date(2023, 3, 31)),
        ("victims", date(2022, 4, 1), date(2023, 3, 31)),
    ],
)
def test_the_plans_dates_read_as_the_expected_ranges(
    by_ref: dict[str, dict[str, Any]], ref: str, earliest: date | None, latest: date | None
) -> None:
    parsed = parse_fuzzy_date(by_ref[ref]["expected_publication"])
    assert (parsed.earliest, parsed.latest) == (earliest, latest)


def test_a_gap_in_lead_or_date_is_explained_in_missing(every_entry: list[dict[str, Any]]) -> None:
    for entry in every_entry:
        text = entry["expected_publication"]
        undated = text is None or not parse_fuzzy_date(text).is_understood
        if entry["lead"] is None or undated:
            assert entry["missing"], entry["ref"]


def test_the_covid_review_names_no_bodies_and_says_so(by_ref: dict[str, dict[str, Any]]) -> None:
    covid = by_ref["covid-19-recovery-review"]
    assert covid["lead"] is None
    assert covid["supporting"] == []
    assert any("no lead" in m for m in covid["missing"])
    assert any("no participating bodies" in m for m in covid["missing"])


def test_youth_inspections_take_the_union_of_both_nations_partners(
    by_ref: dict[str, dict[str, Any]],
) -> None:
    youth = by_ref["youth-inspection-programme"]
    assert set(youth["supporting"]) == {"HMICFRS", "CQC", "Care Inspectorate Wales", "Estyn", "HIW"}
    assert any("per visit" in m for m in youth["missing"])


def test_police_custody_names_its_bodies_but_no_lead(by_ref: dict[str, dict[str, Any]]) -> None:
    custody = by_ref["police-custody"]
    assert custody["lead"] is None
    assert custody["supporting"] == ["HMI Prisons", "HMICFRS", "CQC"]


def test_the_uncertain_racial_disproportionality_partner_is_noted(
    by_ref: dict[str, dict[str, Any]],
) -> None:
    assert any('"likely"' in m for m in by_ref["racial-disproportionality"]["missing"])
