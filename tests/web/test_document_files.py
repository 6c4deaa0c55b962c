"""Documents as files, where people meet them: a .docx made here is uploaded on the work
stream page, downloaded byte for byte as the same file with its type and name, its SHA-256
shown beside it, and read in the preview; a PDF's text is shown; other binary files are
refused with a message that says what to upload."""

from __future__ import annotations

import hashlib
import io

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from docx import Document
from sqlmodel import SQLModel

from tests.integration.walk import LEAD, agree_terms
from tests.integration.walk import create as create_stream
from tests.support.acting import send
from tests.web.test_journey_pages import PAGE, REF, Person
from workflow.adapters.document_files import DOCX, PDF
from workflow.application.commands import FireTrigger
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime


def drafting(rt: Runtime) -> Person:
    create_stream(rt, REF)
    agree_terms(rt, REF)
    send(rt, LEAD, FireTrigger(key=REF, trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key=REF, trigger="start_drafting"))
    return Person(rt, "lead.hmiprobation")


def a_docx() -> bytes:
    document = Document()
    document.add_heading("Joint inspection of MAPPA", level=1)
    document.add_paragraph("Finding 1: risk information was not shared in time.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Area"
    table.rows[0].cells[1].text = "Rating"
    out = io.BytesIO()
    document.save(out)
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


def test_an_uploaded_docx_downloads_byte_for_byte_and_its_text_is_shown(rt: Runtime) -> None:
    lead = drafting(rt)
    content = a_docx()
    answer = lead.post(
        "documents",
        files={"file": ("Draft report v1.docx", content, "application/octet-stream")},
        kind="report",
    )
    assert answer.status_code == 303, answer.text
    version = queries.show_stream(rt, REF)["report"]
    assert version == hashlib.sha256(content).hexdigest()

    page = lead.page()
    assert f"{PAGE}/documents/report/{version}/download" in page
    assert f"data-sha256>{version}<" in page  # the SHA-256 beside the download

    download = lead.client.get(f"{PAGE}/documents/report/{version}/download")
    assert download.status_code == 200
    assert download.content == content  # the very bytes uploaded
    assert download.headers["content-type"] == DOCX
    assert download.headers["content-disposition"] == (
        'attachment; filename="Draft report v1.docx"'
    )
    assert hashlib.sha256(download.content).hexdigest() == version

    preview = lead.client.get(f"{PAGE}/documents/report/{version}")
    assert preview.status_code == 200
    assert preview.headers["content-type"].startswith("text/plain")
    assert "Joint inspection of MAPPA" in preview.text
    assert "Finding 1: risk information was not shared in time." in preview.text
    assert "Area | Rating" in preview.text


def test_a_pdf_is_kept_as_it_came_and_its_text_is_shown(rt: Runtime) -> None:
    lead = drafting(rt)
    content = a_pdf("Draft report in PDF")
    answer = lead.post(
        "documents", files={"file": ("draft.pdf", content, "application/pdf")}, kind="report"
    )
    assert answer.status_code == 303, answer.text
    version = queries.show_stream(rt, REF)["report"]
    download = lead.client.get(f"{PAGE}/documents/report/{version}/download")
    assert (download.content, download.headers["content-type"]) == (content, PDF)
    assert "Draft report in PDF" in lead.client.get(f"{PAGE}/documents/report/{version}").text


def test_another_binary_file_is_refused_with_what_to_upload_instead(rt: Runtime) -> None:
    lead = drafting(rt)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    answer = lead.post("documents", files={"file": ("chart.png", png, "image/png")}, kind="report")
    assert answer.status_code == 422, answer.text
    assert "a Word document (.docx) or a PDF" in answer.text
    assert "chart.png" in answer.text
    assert queries.show_stream(rt, REF)["report"] is None


def test_the_migration_gives_document_content_exactly_the_columns_declared(rt: Runtime) -> None:
    with rt.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [
            d for d in compare_metadata(context, SQLModel.metadata) if "document_content" in repr(d)
        ]
    assert diff == []
