"""A business plan's section B, read from the record: the read model of the published plan.

The page `/plans/{code}/section-b`, its downloads and `cjji plans render` all come from
:func:`section_b`, so they show the same work, in the plan's order: continuing
commitments, then new work, each work stream with its description, the bodies taking
part, its lead and its expected publication. A withdrawn work stream is no longer in
the programme, so it is left out; a rolling programme's visits are not plan entries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, select

from workflow.adapters import plan_documents
from workflow.application.runtime import Runtime
from workflow.domain.bodies import BodyRegistry
from workflow.domain.errors import InvalidInput, NotFound, UnknownBody
from workflow.domain.plan_document import (
    HEADINGS,
    UNSECTIONED,
    PlanDocument,
    PlanEntry,
    PlanGroup,
    PlanSection,
)
from workflow.domain.stages import Stage, WorkStreamKind
from workflow.store.mapping import plan_section_of
from workflow.store.tables import BusinessPlanRow, WorkStreamRow

FORMATS = ("html", "docx", "pdf")


@dataclass(frozen=True)
class RenderedFile:
    content: bytes
    media_type: str
    filename: str


def section_b(rt: Runtime, code: str) -> PlanDocument:
    """Section B of plan ``code``; :class:`NotFound` if no such plan was imported."""
    with rt.read() as session:
        plan = session.get(BusinessPlanRow, code)
        if plan is None:
            known = session.exec(select(BusinessPlanRow.code)).all()
            raise NotFound(
                f"no business plan {code!r}: import it with `cjji programme import FILE`"
                + (f" (plans imported: {', '.join(sorted(known))})" if known else "")
            )
        rows = session.exec(
            select(WorkStreamRow)
            .where(col(WorkStreamRow.plan) == code)
            .where(col(WorkStreamRow.kind) != WorkStreamKind.VISIT.value)
            .where(col(WorkStreamRow.state) != Stage.WITHDRAWN.value)
            .order_by(col(WorkStreamRow.id))
        ).all()
        title, starts = plan.title, plan.starts
    children: dict[str, list[WorkStreamRow]] = defaultdict(list)
    refs = {row.ref for row in rows}
    for row in rows:
        if row.parent_ref in refs:
            children[row.parent_ref].append(row)

    def entry(row: WorkStreamRow) -> PlanEntry:
        return _entry(rt.bodies, row, tuple(entry(c) for c in children[row.ref]))

    sections: dict[str | None, list[PlanEntry]] = defaultdict(list)
    for row in rows:
        if row.parent_ref not in refs:
            section = plan_section_of(row)
            sections[section if section in set(PlanSection) else None].append(entry(row))
    groups = [
        PlanGroup(HEADINGS[s].part, HEADINGS[s].heading, HEADINGS[s].introduction, tuple(found))
        for s in PlanSection
        if (found := sections.get(s.value))
    ]
    if sections.get(None):
        groups.append(
            PlanGroup(
                UNSECTIONED,
                UNSECTIONED,
                "Work streams the plan's file lists in no section.",
                tuple(sections[None]),
            )
        )
    return PlanDocument(code, title, tuple(groups), starts)


def _entry(bodies: BodyRegistry, row: WorkStreamRow, children: tuple[PlanEntry, ...]) -> PlanEntry:
    lead = (row.lead,) if row.lead else ()
    codes = lead + tuple(b for b in row.supporting if b != row.lead)
    return PlanEntry(
        ref=row.ref,
        title=row.title,
        description=row.summary,
        lead=_name(bodies, row.lead) if row.lead else None,
        bodies=tuple(_name(bodies, c) for c in codes),
        expected_publication=row.expected_text,
        children=children,
    )


def _name(bodies: BodyRegistry, code: str) -> str:
    """A body's full name and code, as a reader outside the inspectorates needs it."""
    try:
        body = bodies.resolve(code)
    except UnknownBody:  # a body since removed from the registry: its code is all there is
        return code
    return f"{body.name} ({body.code})"


def render(rt: Runtime, code: str, fmt: str) -> RenderedFile:
    """Section B of plan ``code`` as a file: ``html``, ``docx`` or ``pdf``."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    document = section_b(rt, code)
    write = {
        "html": plan_documents.to_html,
        "docx": plan_documents.to_docx,
        "pdf": plan_documents.to_pdf,
    }[fmt]
    return RenderedFile(write(document), plan_documents.MEDIA_TYPES[fmt], f"{code}-section-b.{fmt}")
