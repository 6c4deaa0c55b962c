"""Section B of a business plan as a document: its parts, its headings and its entries.

A plan lists its work in four sections, grouped in two parts, in this order: continuing
commitments (core joint inspections; joint thematic inspections) and new work (three or
more CJ inspectorates; bilateral). The engine keeps, for each work stream, the section
the plan lists it in; this module says how those sections are headed and ordered, and
holds the document's content as plain values that every format (HTML, .docx, PDF) is
written from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PlanSection(StrEnum):
    """Where section B lists a work stream (the programme file's ``section``)."""

    CONTINUING_CORE = "continuing core"
    CONTINUING_THEMATIC = "continuing thematic"
    THREE_OR_MORE = "three or more"
    BILATERAL = "bilateral"


@dataclass(frozen=True)
class SectionHeading:
    part: str
    heading: str
    introduction: str


#: The headings and one-line introductions of the 2021–23 plan, in the plan's order.
HEADINGS: dict[PlanSection, SectionHeading] = {
    PlanSection.CONTINUING_CORE: SectionHeading(
        "Continuing commitments",
        "Continuing commitments: core joint inspections",
        "Rolling programmes that continue through the plan.",
    ),
    PlanSection.CONTINUING_THEMATIC: SectionHeading(
        "Continuing commitments",
        "Continuing commitments: joint thematic inspections",
        "Joint thematic inspections started under an earlier plan and completed in this one.",
    ),
    PlanSection.THREE_OR_MORE: SectionHeading(
        "New work",
        "Joint inspections involving three or more of the criminal justice inspectorates",
        "New joint work that spans the criminal justice system.",
    ),
    PlanSection.BILATERAL: SectionHeading(
        "New work",
        "Joint inspections involving two criminal justice inspectorates",
        "Bilateral inspections, possibly with other agencies such as CQC and Ofsted.",
    ),
}

#: Where a work stream the plan file gave no section is listed.
UNSECTIONED = "Other work in this plan"


@dataclass(frozen=True)
class PlanEntry:
    """One work stream as the published plan shows it (a phase is an entry's child)."""

    ref: str
    title: str
    description: str
    lead: str | None
    #: Every body taking part, the lead first, by name.
    bodies: tuple[str, ...]
    expected_publication: str | None
    children: tuple[PlanEntry, ...] = ()

    def facts(self) -> tuple[str, str, str]:
        """The three lines every format prints under the description, in the plan's words
        where the plan gives them and saying so where it does not."""
        when = self.expected_publication
        if when is None:
            when = "in parts, as below" if self.children else "not given in the plan"
        return (
            f"Lead inspectorate: {self.lead or 'not named in the plan'}",
            f"Inspectorates involved: {', '.join(self.bodies) or 'not named in the plan'}",
            f"Expected publication: {when}",
        )


@dataclass(frozen=True)
class PlanGroup:
    part: str
    heading: str
    introduction: str
    entries: tuple[PlanEntry, ...]


@dataclass(frozen=True)
class PlanDocument:
    code: str
    title: str
    groups: tuple[PlanGroup, ...]
    #: The plan's first day: the date its files are stamped with, never the clock.
    starts: date | None = None

    @property
    def heading(self) -> str:
        return f"{self.title}: section B, the joint inspection programme"

    def entries(self) -> list[PlanEntry]:
        """Every entry, children after their parent, in the document's order."""
        out: list[PlanEntry] = []
        for group in self.groups:
            for entry in group.entries:
                out.append(entry)
                out.extend(entry.children)
        return out
