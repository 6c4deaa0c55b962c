"""Documents as files, where people meet them: a .docx made here is uploaded on the work
stream page, downloaded byte for byte as the same file with its type and name, its SHA-256
shown beside it, and read in the preview; an .odt and a PDF likewise; other binary files
(and other zip archives) are refused with a message that says what to upload."""

from __future__ import annotations

import hashlib
import io
import zipfile

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from tests.integration.walk import LEAD, agree_terms
from tests.integration.walk import create as create_stream
from tests.support.acting import send
from tests.support.documents import a_docx, a_pdf, an_odt
from tests.web.test_journey_pages import PAGE, REF, Person
from workflow.adapters.document_files import DOCX, ODT, PDF
from workflow.application.commands import FireTrigger
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime


def drafting(rt: Runtime) -> Person:
    create_stream(rt, REF)
    agree_terms(rt, REF)
    send(rt, LEAD, FireTrigger(key=REF, trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key=REF, trigger="start_drafting"))
    return Person(rt, "lead.hmiprobation")


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


def test_a_pdf_opens_in_the_browser_itself_and_other_files_are_sent_to_download(
    rt: Runtime,
) -> None:
    lead = drafting(rt)
    content = a_pdf("Draft report in PDF")
    lead.post("documents", files={"file": ("draft.pdf", content, "application/pdf")}, kind="report")
    version = queries.show_stream(rt, REF)["report"]
    page = lead.client.get(PAGE).text
    assert f'href="{PAGE}/documents/report/{version}/pdf"' in page
    shown = lead.client.get(f"{PAGE}/documents/report/{version}/pdf")
    assert shown.status_code == 200 and shown.content == content
    assert shown.headers["content-type"] == PDF
    assert shown.headers["content-disposition"].startswith("inline;")
    assert shown.headers["x-content-sha256"] == version

    text = b"Draft report as text"
    lead.post("documents", files={"file": ("draft.txt", text, "text/plain")}, kind="report")
    plain = queries.show_stream(rt, REF)["report"]
    refused = lead.client.get(f"{PAGE}/documents/report/{plain}/pdf")
    assert refused.status_code == 422
    assert "not a PDF" in refused.text and "download" in refused.text


def test_an_odt_is_recognised_from_its_bytes_kept_as_it_came_and_its_text_is_shown(
    rt: Runtime,
) -> None:
    lead = drafting(rt)
    content = an_odt(
        "Joint inspection of MAPPA", "Finding 1: risk information was not shared in time."
    )
    # The browser's claim is ignored: the type is read from the file's own mimetype entry.
    answer = lead.post(
        "documents",
        files={"file": ("Draft report.odt", content, "application/octet-stream")},
        kind="report",
    )
    assert answer.status_code == 303, answer.text
    version = queries.show_stream(rt, REF)["report"]
    assert version == hashlib.sha256(content).hexdigest()

    download = lead.client.get(f"{PAGE}/documents/report/{version}/download")
    assert download.content == content
    assert download.headers["content-type"] == ODT
    assert download.headers["content-disposition"] == 'attachment; filename="Draft report.odt"'

    preview = lead.client.get(f"{PAGE}/documents/report/{version}")
    assert preview.status_code == 200
    assert preview.text.splitlines() == [
        "Joint inspection of MAPPA",
        "Finding 1: risk information was not shared in time.",
        "Area | Rating",
    ]


def test_another_opendocument_or_zip_archive_is_refused(rt: Runtime) -> None:
    lead = drafting(rt)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    spreadsheet = out.getvalue()
    answer = lead.post("documents", files={"file": ("figures.ods", spreadsheet, "")}, kind="report")
    assert answer.status_code == 422, answer.text
    assert "an OpenDocument text (.odt)" in answer.text
    assert queries.show_stream(rt, REF)["report"] is None


def test_another_binary_file_is_refused_with_what_to_upload_instead(rt: Runtime) -> None:
    lead = drafting(rt)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    answer = lead.post("documents", files={"file": ("chart.png", png, "image/png")}, kind="report")
    assert answer.status_code == 422, answer.text
    assert "a Word document (.docx), an OpenDocument text (.odt) or a PDF" in answer.text
    assert "chart.png" in answer.text
    assert queries.show_stream(rt, REF)["report"] is None


def test_the_migration_gives_document_content_exactly_the_columns_declared(rt: Runtime) -> None:
    with rt.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [
            d for d in compare_metadata(context, SQLModel.metadata) if "document_content" in repr(d)
        ]
    assert diff == []
