"""Issue 11's whole journey of a Word report, where each person meets it: Chromium (driven
by Playwright) on the pages served by uvicorn, a real Celery worker sending the messages
through a real SMTP server, on a freshly wiped PostgreSQL database.

The lead uploads a .docx draft made here with python-docx on the work stream page; a
signatory reads its preview in the browser and downloads it, byte for byte the file
uploaded, then approves it; the lead uploads a second version, and that signatory reads
what changed since the version it approved, in its email and on the page; once every body
has approved, the embargoed copy reaches its recipient at the mail server, and the link
it carries, followed in a browser of its own, opens the report (its text, and its file);
publishing before the scheduled time is refused until the lead gives the reason for an
early release, and then accepted. The factual accuracy check and the other bodies'
decisions go through the services, to keep the walk short.
"""

from __future__ import annotations

import hashlib
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.api.helpers import with_password
from tests.integration.walk import (
    BODIES,
    LEAD,
    agree,
    agree_for_publication,
    agree_terms,
    check_facts,
    signatory,
)
from tests.integration.walk import create as create_stream
from tests.support.acting import send
from tests.support.deployment import Deployment
from tests.support.documents import a_docx
from tests.web.test_browser import page, serving, shot, sign_in  # noqa: F401 - a fixture
from workflow.application.commands import FireTrigger, RecordDecision
from workflow.application.queries import streams as queries

pytest_plugins = ["tests.support.fixtures_worker"]
# Coverage's tracer is off: its steps are the page, API and worker tests' steps, each of
# which those tests measure (docs/testing.md, "Coverage's tracer off").
pytestmark = [pytest.mark.slow, pytest.mark.untraced]

REF = "mappa"
FINDINGS = (
    "Finding 2: training is adequate.",
    "Finding 3: caseloads are high.",
    "Finding 4: supervision is regular.",
    "Finding 5: premises are suitable.",
)
DRAFT_1 = a_docx(
    "Joint inspection of MAPPA",
    "Finding 1: risk information was shared late.",
    *FINDINGS,
    "Conclusion: the arrangements need attention.",
)
DRAFT_2 = a_docx(
    "Joint inspection of MAPPA",
    "Finding 1: risk information was shared within 24 hours.",
    *FINDINGS,
    "Conclusion: the arrangements need attention.",
    "Recommendation: keep victims informed.",
)
REMOVED = "- Finding 1: risk information was shared late."
ADDED = (
    "+ Finding 1: risk information was shared within 24 hours.",
    "+ Recommendation: keep victims informed.",
)
EMBARGO_LINK = re.compile(r"https?://\S+?(/embargo/[A-Za-z0-9_.\-]+)")


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    text: str = part.get_content()
    return text


def test_a_word_report_goes_from_upload_to_early_publication_as_each_person_meets_it(
    deployment: Deployment,
    page: object,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    rt, mail = deployment.rt, deployment.mail
    create_stream(rt, REF)
    agree_terms(rt, REF)
    for trigger in ("start_fieldwork", "start_drafting"):
        send(rt, LEAD, FireTrigger(key=REF, trigger=trigger))
    agree(rt, REF, "findings")
    with_password(rt, "lead.hmiprobation", "signatory.hmicfrs")

    with serving(rt) as server:
        stream_url = f"{server}/streams/{REF}"

        def open_stream(username: str) -> None:
            sign_in(page, server, username)
            page.goto(stream_url)

        def sign_out(username: str) -> None:
            page.get_by_role("button", name=f"Sign out {username}").click()

        def upload(name: str, content: bytes) -> None:
            page.get_by_text("Register a new version of the report").click()
            page.get_by_label("Upload a file").set_input_files(
                {"name": name, "mimeType": "application/octet-stream", "buffer": content}
            )
            page.get_by_role("button", name="Register this version").click()
            expect(page.locator(".govuk-notification-banner")).to_contain_text(
                "of the report is registered"
            )

        def approve_in_browser() -> None:
            page.get_by_label("Approve this version").check()
            page.get_by_role("button", name="Record decision").click()
            expect(page.locator(".govuk-notification-banner")).to_contain_text("is recorded")

        # The lead uploads the Word draft on the work stream page.
        open_stream("lead.hmiprobation")
        upload("Draft report v1.docx", DRAFT_1)
        v1 = queries.show_stream(rt, REF)["report"]
        assert v1 == hashlib.sha256(DRAFT_1).hexdigest()
        sign_out("lead.hmiprobation")
        check_facts(rt, REF)
        send(rt, LEAD, FireTrigger(key=REF, trigger="submit_for_signoff"))

        # A signatory reads the preview in the browser, downloads the file, and approves.
        open_stream("signatory.hmicfrs")
        page.get_by_role("link", name=re.compile(r"^Read version .* of the report$")).click()
        expect(page.locator("body")).to_contain_text("Finding 1: risk information was shared late.")
        expect(page.locator("body")).to_contain_text("Area | Rating")
        page.go_back()
        row = page.locator("table[data-document='report'] tbody tr").first
        expect(row.locator("[data-sha256]")).to_have_text(v1)
        with page.expect_download() as downloading:
            row.get_by_role("link", name="Download this exact version").click()
        download = downloading.value
        assert download.suggested_filename == "Draft report v1.docx"
        saved = tmp_path / "downloaded.docx"
        download.save_as(saved)
        assert saved.read_bytes() == DRAFT_1  # byte for byte the file uploaded
        approve_in_browser()
        sign_out("signatory.hmicfrs")

        # A second version, uploaded during joint sign-off, voids that approval.
        deployment.drain()
        mail.clear()
        open_stream("lead.hmiprobation")
        upload("Draft report v2.docx", DRAFT_2)
        v2 = queries.show_stream(rt, REF)["report"]
        sign_out("lead.hmiprobation")

        # Its signatory reads what changed since version 1, in its email and on the page.
        deployment.drain()
        requests = [
            m
            for m in mail.messages
            if "Decision needed" in str(m["Subject"]) and "@hmicfrs." in str(m["To"])
        ]
        assert len(requests) == 2  # its signatory and its deputy
        for message in requests:
            text = plain(message)
            assert "What changed since version 1" in text
            assert all(line in text for line in (REMOVED, *ADDED)), text
        open_stream("signatory.hmicfrs")
        changes = page.locator("#what-changed")
        expect(changes).to_contain_text("What changed since version 1, which HMICFRS approved")
        expect(changes.locator("del")).to_have_text([REMOVED])
        expect(changes.locator("ins")).to_have_text(list(ADDED))
        shot(page, "21-what-changed")
        for body in BODIES[:2]:
            send(
                rt,
                signatory(body),
                RecordDecision(key=REF, body=body, decision="approve", version=v2),
            )
        approve_in_browser()
        expect(page.locator("#current-state")).to_have_text("Publication")
        sign_out("signatory.hmicfrs")

        # The lead schedules publication and sends the embargoed copy.
        open_stream("lead.hmiprobation")
        schedule = page.locator("#pub-schedule")
        schedule.get_by_label("Day").fill("1")
        schedule.get_by_label("Month").fill("3")
        schedule.get_by_label("Year").fill("2022")
        page.get_by_role("button", name="Set the date and time").click()
        recipient = page.locator("#pub-recipient")
        recipient.get_by_label("Name").fill("MoJ press office")
        recipient.get_by_label("Email address").fill("press@moj.example")
        recipient.get_by_label("Press").check()
        page.get_by_role("button", name="Add the recipient").click()
        page.get_by_role("button", name="Send the embargoed copy now").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "The embargoed copy is going to 1 recipient(s)"
        )

        # It arrives at the mail server; its link, followed in the recipient's own browser,
        # opens the report: its text to read, and the very file approved to download.
        deployment.drain()
        (embargoed,) = [m for m in mail.messages if str(m["Subject"]).startswith("EMBARGOED")]
        assert str(embargoed["To"]) == "press@moj.example"
        found = EMBARGO_LINK.search(plain(embargoed))
        assert found is not None, plain(embargoed)
        outsider = page.context.browser.new_context()  # type: ignore[union-attr]
        recipient_page = outsider.new_page()
        recipient_page.goto(server + found.group(1))
        expect(recipient_page.locator("h1")).to_have_text(f"Work stream {REF}")
        expect(recipient_page.locator("#embargo-notice")).to_contain_text(
            "Under embargo until 01 Mar 2022, 00:01 (UK time)"
        )
        expect(recipient_page.locator("#embargo-text")).to_contain_text(
            "Recommendation: keep victims informed."
        )
        shot(recipient_page, "22-embargoed-copy")
        with recipient_page.expect_download() as downloading:
            recipient_page.locator("#embargo-download").click()
        downloading.value.save_as(saved)
        assert saved.read_bytes() == DRAFT_2
        outsider.close()
        opened = queries.audit_log(rt, REF, action="embargo_accessed")
        assert [e["actor"] for e in opened] == ["press@moj.example"] * 2

        # Publishing before 1 March is refused without the reason, and accepted with it.
        agree_for_publication(rt, REF)
        page.goto(stream_url)
        publish = page.locator("#pub-publish")
        expect(publish.get_by_label("Version published")).to_have_value(v2)
        publish.get_by_label("Public URL of the report").fill(
            "https://www.justiceinspectorates.gov.uk/mappa"
        )
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "confirm an early release and give the reason"
        )
        expect(page.locator("#current-state")).to_have_text("Publication")
        page.locator("#pub-publish").get_by_label("Reason for an early release", exact=False).fill(
            "the findings were announced in Parliament"
        )
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator("#current-state")).to_have_text("Follow-up")
    moves = queries.audit_log(rt, REF, action="transitioned")
    assert moves[-1]["reason"] == "early release: the findings were announced in Parliament"
