"""Checking a rendered section B against the published plan, work stream by work stream.

The published text is the seed document (a copy in ``tests/fixtures/``). For every work
stream the rendered file shows, the check finds the plan's own paragraph for it (from its
heading or bullet to the next one) and compares: the title is the plan's, under the
plan's section heading; the lead is the body the plan names after "Lead inspectorate:"
(the plan's misspellings resolved by the body registry); the bodies are those the plan
names in that paragraph; the expected publication is the plan's words. Where the plan
is silent or hedges, the record's ``missing`` sentence must say so.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from workflow.application.queries import streams as queries
from workflow.application.runtime import Runtime
from workflow.domain.bodies import DEFAULT_BODIES, BodyKind
from workflow.domain.plan_document import PlanDocument, PlanEntry

SEED = Path(__file__).resolve().parents[1] / "fixtures/joint-inspection-business-plan-2021-23.txt"
SEED_SECTIONS = (
    "Continuing commitments: core joint inspections",
    "Continuing commitments: joint thematic inspections",
    "Joint inspections involving three or more of the Criminal Justice inspectorates",
    "Joint inspections involving two Criminal Justice inspectorates",
)


def flat(text: str) -> str:
    """One line, single spaces, straight apostrophes, no bullets or emphasis marks."""
    text = text.replace("\u2019", "'").replace("\u2022", " ").replace("**", "")
    return " ".join(text.split())


def section_b() -> str:
    """Section B of the seed, from its heading to Annex A (the contents list skipped)."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index("B. Joint inspection programme for 2021–23\n\nThe overall")
    return text[start : text.index("\nAnnex A\n", start)]


def html_text(content: bytes) -> str:
    page = content.decode("utf-8")
    page = page[page.index("<main") : page.index("</main>")]  # the document, not the chrome
    return flat(unescape(re.sub(r"<[^>]+>", " ", page)))


def docx_text(content: bytes) -> str:
    from docx import Document

    return flat(" ".join(p.text for p in Document(io.BytesIO(content)).paragraphs))


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


#: How to read each format's text back.
READERS = {"html": html_text, "docx": docx_text, "pdf": pdf_text}


def missing_by_ref(rt: Runtime, plan: str) -> dict[str, str]:
    """Each work stream's ``missing`` sentences, joined, by ref."""
    return {
        s["ref"]: " ".join(queries.show_stream(rt, s["ref"])["missing"])
        for s in queries.list_streams(rt, plan=plan)
    }


@dataclass(frozen=True)
class Shown:
    """What the rendered file says about one work stream."""

    heading: str
    lead: str
    bodies: str
    publication: str


def shown(text: str, document: PlanDocument) -> dict[str, Shown]:
    """Each entry's section heading and facts, read from the rendered file's text."""
    headings = [g.heading for g in document.groups]
    marks = [(t, "heading") for t in headings] + [(e.title, e.ref) for e in document.entries()]
    found: list[tuple[int, str, str]] = []
    at = 0
    for title, ref in sorted(marks, key=lambda m: _order(m, document)):
        at = text.index(flat(title), at)
        found.append((at, title, ref))
        at += len(flat(title))
    out: dict[str, Shown] = {}
    heading = ""
    for i, (at, title, ref) in enumerate(found):
        if ref == "heading":
            heading = title
            continue
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        segment = text[at + len(flat(title)) : end]
        facts = re.search(
            r"Lead inspectorate: (.*?) Inspectorates involved: (.*?) "
            r"Expected publication: (.*?)(?: Continuing commitments| New work| Other work|$)",
            segment,
        )
        assert facts, (ref, segment)
        out[ref] = Shown(heading, *(f.strip() for f in facts.groups()))
    return out


def _order(mark: tuple[str, str], document: PlanDocument) -> int:
    sequence: list[str] = []
    for group in document.groups:
        sequence.append(group.heading)
        for entry in group.entries:
            sequence += [entry.ref, *(c.ref for c in entry.children)]
    return sequence.index(mark[0] if mark[1] == "heading" else mark[1])


def _named(paragraph: str) -> set[str]:
    """The codes of every body the paragraph names, by code, name or alias."""
    codes = set()
    for body in DEFAULT_BODIES:
        for name in (body.code, body.name, *body.aliases):
            if re.search(rf"\b{re.escape(flat(name))}\b", paragraph, flags=re.I):
                codes.add(body.code)
    return codes


def _label(code: str) -> str:
    body = DEFAULT_BODIES.resolve(code)
    return f"{body.name} ({body.code})"


def check_against_seed(text: str, document: PlanDocument, missing: dict[str, str]) -> int:
    """Assert, entry by entry, that ``text`` (a rendered file) says what the plan says;
    ``missing`` is each work stream's ``missing`` sentences, joined. Returns how many
    entries were checked."""
    raw = section_b()
    facts = shown(text, document)
    parents = {c.ref: e for g in document.groups for e in g.entries for c in e.children}
    # a paragraph ends where the next work stream, section heading or part begins
    ends = sorted(
        [_start(raw, e.title) for g in document.groups for e in g.entries]
        + [raw.index(h) for h in SEED_SECTIONS]
        + [raw.index("Programme of new work"), len(raw)]
    )
    for entry in document.entries():
        owner: PlanEntry = parents.get(entry.ref, entry)
        begin = _start(raw, owner.title)
        paragraph = flat(raw[begin : min(e for e in ends if e > begin)])
        got = facts[entry.ref]
        assert paragraph.startswith(flat(owner.title)), (entry.ref, paragraph[:80])
        # the plan's section heading is the one above the paragraph
        above = max((raw.rfind(h, 0, begin), h) for h in SEED_SECTIONS)
        assert above[0] >= 0 and got.heading.casefold() == above[1].casefold(), (entry.ref, got)
        # the lead: the body the plan names, or a gap the record states
        lead = re.search(r"Lead inspectorate: (.+?)(?: with |\. |\.$|$)", paragraph)
        if lead:
            assert got.lead == _label(DEFAULT_BODIES.code_of(lead.group(1))), (entry.ref, got)
        else:
            assert got.lead == "not named in the plan" or "lead" in missing[entry.ref], entry.ref
        # the bodies: every one the plan names; more only for "all four" inspectorates
        named = _named(paragraph)
        rendered = {b.code for b in DEFAULT_BODIES if _label(b.code) in got.bodies}
        assert named <= rendered, (entry.ref, named, got.bodies)
        extra = rendered - named
        if extra:
            assert "all four" in paragraph, (entry.ref, extra)
            assert all(DEFAULT_BODIES.resolve(c).kind is BodyKind.CJ_INSPECTORATE for c in extra)
        if not rendered:
            assert got.bodies == "not named in the plan" and "bodies" in missing[entry.ref]
        # the expected publication: the plan's own words, or none where it gives none
        if entry.expected_publication:
            assert got.publication == entry.expected_publication, (entry.ref, got)
            assert entry.expected_publication.casefold() in paragraph.casefold(), entry.ref
        else:
            assert "Expected publication" not in paragraph, entry.ref
            assert got.publication in ("not given in the plan", "in parts, as below"), got
    return len(document.entries())


def _start(raw: str, title: str) -> int:
    """Where the plan's heading or bullet for ``title`` begins (not a passing mention)."""
    found = re.search(rf"^(?:- )?(?:\*\*)?({re.escape(title)})", raw, flags=re.M)
    assert found, title
    return found.start(1)
