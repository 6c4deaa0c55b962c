"""Section B of a business plan as a file to circulate: HTML, a Word document, a PDF.

Each format is written from the same :class:`PlanDocument`, so they say the same thing.
The .docx is made with python-docx; the PDF with fpdf2, which is pure Python (WeasyPrint
would need the Pango system libraries) and embeds the bundled DejaVu Sans, so curly quotes
and en dashes print as written. The same document always gives the same bytes: creation
dates are the plan's first day, never the clock, and the .docx's zip entries carry one
fixed timestamp, so a download can be compared byte for byte with the CLI's file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from html import escape
from pathlib import Path

from workflow.domain.plan_document import PlanDocument, PlanEntry

HTML = "text/html; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
MEDIA_TYPES = {"html": HTML, "docx": DOCX, "pdf": PDF}

FONTS = Path(__file__).with_name("data") / "fonts"
#: When the plan gives no first day: a fixed moment, so the bytes still never change.
FALLBACK_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


def issued(starts: date | None) -> datetime:
    """The creation date written into a file's metadata: the plan's first day."""
    return datetime.combine(starts, time(), UTC) if starts else FALLBACK_MOMENT


def _walk(document: PlanDocument) -> Iterator[tuple[str, object]]:
    """The document as a flat sequence of (what, value), the order every format follows."""
    part = None
    for group in document.groups:
        if group.part != part:
            part = group.part
            yield "part", part
        yield "heading", group.heading
        yield "text", group.introduction
        for entry in group.entries:
            yield "entry", entry
            for child in entry.children:
                yield "child", child


# -- HTML ----------------------------------------------------------------------------
def to_html(document: PlanDocument) -> bytes:
    """A standalone, accessible HTML page: one h1, then h2 parts, h3 sections, h4 entries."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document.heading)}</title></head>",
        "<body><main>",
        f"<h1>{escape(document.heading)}</h1>",
    ]
    for what, value in _walk(document):
        if what == "part":
            out.append(f"<h2>{escape(str(value))}</h2>")
        elif what == "heading":
            out.append(f"<h3>{escape(str(value))}</h3>")
        elif what == "text":
            out.append(f"<p>{escape(str(value))}</p>")
        elif isinstance(value, PlanEntry):
            out.append(_html_entry(value, "h4" if what == "entry" else "h5"))
    out += ["</main></body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def _html_entry(entry: PlanEntry, tag: str) -> str:
    lines = [f'<section data-ref="{escape(entry.ref)}">', f"<{tag}>{escape(entry.title)}</{tag}>"]
    if entry.description:
        lines.append(f"<p>{escape(entry.description)}</p>")
    lines.append("<ul>" + "".join(f"<li>{escape(fact)}</li>" for fact in entry.facts()) + "</ul>")
    lines.append("</section>")
    return "\n".join(lines)


# -- Word ----------------------------------------------------------------------------
def to_docx(document: PlanDocument) -> bytes:
    """A .docx with real heading styles (so a screen reader and Word's navigation see the
    structure) and the same bytes for the same document."""
    from docx import Document  # imported on first use: most commands never need it

    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.language = document.heading, "cjji-workflow", "en-GB"
    moment = issued(document.starts).replace(tzinfo=None)
    props.created = props.modified = props.last_printed = moment
    props.revision, props.last_modified_by = 1, "cjji-workflow"
    doc.add_heading(document.heading, level=0)
    for what, value in _walk(document):
        if what == "part":
            doc.add_heading(str(value), level=1)
        elif what == "heading":
            doc.add_heading(str(value), level=2)
        elif what == "text":
            doc.add_paragraph(str(value))
        elif isinstance(value, PlanEntry):
            doc.add_heading(value.title, level=3 if what == "entry" else 4)
            if value.description:
                doc.add_paragraph(value.description)
            for fact in value.facts():
                doc.add_paragraph(fact, style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue(), issued(document.starts))


def _fixed_zip(content: bytes, moment: datetime) -> bytes:
    """The same archive with every entry stamped ``moment``: python-docx stamps the clock."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


# -- PDF -----------------------------------------------------------------------------
def to_pdf(document: PlanDocument) -> bytes:
    """A PDF with an outline (bookmarks) of its headings, its title and language set, in
    DejaVu Sans."""
    from fpdf import FPDF  # imported on first use: most commands never need it

    pdf = FPDF(format="A4")
    pdf.set_creation_date(issued(document.starts))
    pdf.set_title(document.heading)
    pdf.set_author("cjji-workflow")
    pdf.set_creator("cjji-workflow")
    pdf.set_producer("cjji-workflow")
    pdf.set_lang("en-GB")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVuSans", "", FONTS / "DejaVuSans.ttf")
    pdf.add_font("DejaVuSans", "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.add_page()

    def write(text: str, size: float, bold: bool = False, gap: float = 2) -> None:
        pdf.set_font("DejaVuSans", "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def heading(text: str, level: int, size: float) -> None:
        if pdf.will_page_break(size * 2):
            pdf.add_page()
        pdf.start_section(text, level=level)
        write(text, size, bold=True)

    heading(document.heading, 0, 18)
    for what, value in _walk(document):
        if what == "part":
            heading(str(value), 0, 16)
        elif what == "heading":
            heading(str(value), 1, 13)
        elif what == "text":
            write(str(value), 10, gap=4)
        elif isinstance(value, PlanEntry):
            heading(value.title, 2 if what == "entry" else 3, 11.5 if what == "entry" else 10.5)
            if value.description:
                write(value.description, 10)
            for fact in value.facts():
                write(f"•  {fact}", 10, gap=1)
            pdf.ln(3)
    return bytes(pdf.output())
