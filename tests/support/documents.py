"""Documents made in the test, as people write them: a Word document (python-docx), an
OpenDocument text (odfpy) and a PDF written by hand, each from a list of paragraphs."""

from __future__ import annotations

import io

DRAFT = (
    "Joint inspection of MAPPA",
    "Finding 1: risk information was not shared in time.",
)


def a_docx(*paragraphs: str, table: tuple[str, ...] = ("Area", "Rating")) -> bytes:
    """A .docx whose first paragraph is a heading, the others plain, then a one-row table."""
    from docx import Document

    heading, *body = paragraphs or DRAFT
    document = Document()
    document.add_heading(heading, level=1)
    for paragraph in body:
        document.add_paragraph(paragraph)
    if table:
        row = document.add_table(rows=1, cols=len(table)).rows[0]
        for cell, text in zip(row.cells, table, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def an_odt(*paragraphs: str, table: tuple[str, ...] = ("Area", "Rating")) -> bytes:
    """An .odt made as LibreOffice would store it: a heading, paragraphs, a one-row table."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    heading, *body = paragraphs or DRAFT
    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=heading))
    for paragraph in body:
        document.text.addElement(P(text=paragraph))
    if table:
        grid = Table(name="Ratings")
        grid.addElement(TableColumn(numbercolumnsrepeated=len(table)))
        row = TableRow()
        for text in table:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        grid.addElement(row)
        document.text.addElement(grid)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def a_pdf(text: str) -> bytes:
    """A one-page PDF whose page shows ``text``, written by hand with a correct xref."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
