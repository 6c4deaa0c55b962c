"""A version downloaded over the API is the file that was uploaded: the same bytes, of
the media type read from them when registered (not always octet-stream), named as it was,
its SHA-256 in a header and in the URL; the list of versions says each file's type, name
and size. A name in other letters is kept exactly, beside an ASCII one, on the API and the
web pages alike."""

from __future__ import annotations

import hashlib

import pytest

from tests.api.helpers import api
from tests.integration.walk import LEAD, agree_terms
from tests.integration.walk import create as create_stream
from tests.support.acting import send
from tests.support.documents import a_docx, a_pdf, an_odt
from tests.web.test_journey_pages import Person
from workflow.adapters.document_files import DOCX, ODT, PDF
from workflow.application.commands import FireTrigger
from workflow.bootstrap import Runtime

REF = "mappa"
FILES = {
    "Draft report.docx": (a_docx(), DOCX),
    "Draft report.odt": (an_odt(), ODT),
    "Draft report.pdf": (a_pdf("Draft report in PDF"), PDF),
    "draft.txt": ("Draft report, plain – with a dash".encode(), "text/plain; charset=utf-8"),
}


def in_drafting(rt: Runtime) -> None:
    create_stream(rt, REF)
    agree_terms(rt, REF)
    for trigger in ("start_fieldwork", "start_drafting"):
        send(rt, LEAD, FireTrigger(key=REF, trigger=trigger))


@pytest.mark.parametrize("filename", list(FILES))
def test_the_api_download_is_the_uploaded_file_with_its_type_name_and_sha256(
    rt: Runtime, filename: str
) -> None:
    in_drafting(rt)
    content, media_type = FILES[filename]
    lead = api(rt, "lead.hmiprobation")
    uploaded = lead.post(
        f"/api/streams/{REF}/documents/report",
        files={"file": (filename, content, "application/octet-stream")},
    )
    assert uploaded.status_code == 201, uploaded.text
    version = uploaded.json()["version"]
    assert version == hashlib.sha256(content).hexdigest()

    reader = api(rt, "signatory.hmicfrs")  # any signed-in person may read a version
    download = reader.get(f"/api/streams/{REF}/documents/report/{version}")
    assert download.status_code == 200, download.text
    assert download.content == content
    assert download.headers["content-type"] == media_type
    assert download.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert download.headers["x-content-sha256"] == version
    assert download.headers["x-content-type-options"] == "nosniff"

    (listed,) = [
        v
        for d in reader.get(f"/api/streams/{REF}/documents").json()
        if d["kind"] == "report"
        for v in d["versions"]
    ]
    assert listed["version"] == version
    assert listed["filename"] == filename
    assert listed["media_type"] == media_type.split(";")[0]
    assert listed["size"] == len(content)
    assert listed["download"] == f"/api/streams/{REF}/documents/report/{version}"


def test_the_download_is_documented_with_each_media_type_and_the_sha256_header(
    rt: Runtime,
) -> None:
    document = api(rt).get("/openapi.json").json()
    answer = document["paths"]["/api/streams/{key}/documents/{kind}/{version}"]["get"]
    ok = answer["responses"]["200"]
    assert set(ok["content"]) >= {"text/plain", DOCX, ODT, PDF}
    assert "X-Content-SHA256" in ok["headers"]


def test_a_file_name_in_other_letters_is_kept_exactly_beside_an_ascii_one(rt: Runtime) -> None:
    in_drafting(rt)
    name = "报告 über Gefängnisse.docx"
    content = a_docx()
    lead = api(rt, "lead.hmiprobation")
    uploaded = lead.post(f"/api/streams/{REF}/documents/report", files={"file": (name, content)})
    version = uploaded.json()["version"]
    expected = (
        'attachment; filename="uber Gefangnisse.docx"; '
        "filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%C3%BCber%20Gef%C3%A4ngnisse.docx"
    )
    by_api = lead.get(f"/api/streams/{REF}/documents/report/{version}")
    on_page = Person(rt, "signatory.hmicfrs").client.get(
        f"/streams/{REF}/documents/report/{version}/download"
    )
    for download in (by_api, on_page):
        assert download.status_code == 200, download.text
        assert download.content == content
        assert download.headers["content-disposition"] == expected
