"""The report's journey in a real browser: Chromium, driven by Playwright, against uvicorn
on PostgreSQL (the fixtures of test_browser.py).

The lead inspector registers the terms of reference and the draft, moves the work stream,
runs the factual accuracy check and records a recommendation through the forms of the
work stream page; a refusal is shown in the error summary; the reviewer signs the check
off; a signatory gives the last approval; the lead schedules publication, adds an embargo
recipient, sends the embargoed copy and publishes the approved version (filled in), then
follows the recommendation up and closes the work stream; the register shows it. The
signatories' other decisions are recorded through the services, to keep the walk short.
Screenshots of the new pages go to tests/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re

import pytest

from tests.api.helpers import with_password
from tests.conftest import Clock
from tests.integration.walk import LEAD, agree, agree_for_publication, agree_terms, signatory
from tests.integration.walk import create as create_stream
from tests.support.acting import send
from tests.web.test_browser import page, server, shot, sign_in  # noqa: F401 - fixtures
from workflow.application.commands import (
    AddRecommendation,
    CreateWorkStream,
    FireTrigger,
    RecordDecision,
)
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime

# Coverage's tracer is off: a browser drives what the page tests measure line for line
# (docs/testing.md, "Coverage's tracer off").
pytestmark = [pytest.mark.slow, pytest.mark.untraced]
REF = "omic-journey"


def test_a_lead_inspector_takes_a_report_from_scoping_to_closed_in_the_browser(
    pg_rt: Runtime,
    clock: Clock,
    server: str,  # noqa: F811 - the fixture
    page: object,  # noqa: F811 - the fixture
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    create_stream(pg_rt, REF, lead="HMI Probation", supporting=["HMI Prisons", "HMIC"])
    send(pg_rt, LEAD, CreateWorkStream(ref="omic-2023", title="OMIC again", kind="review"))
    create_stream(pg_rt, "custody-2022")  # other open recommendations, for the register
    agree_terms(pg_rt, "custody-2022")
    for trigger in ("start_fieldwork", "start_drafting"):
        send(pg_rt, LEAD, FireTrigger(key="custody-2022", trigger=trigger))
    for text, to in (("Record every detention", "Chief constables"), ("Audit cells", "HMPPS")):
        send(pg_rt, LEAD, AddRecommendation(key="custody-2022", text=text, addressed_to=to))
    with_password(pg_rt, "lead.hmiprobation", "chief.hmiprobation", "signatory.hmicfrs")
    stream_url = f"{server}/streams/{REF}"

    def open_stream(username: str) -> None:
        sign_in(page, server, username)
        page.goto(stream_url)

    def sign_out(username: str) -> None:
        page.get_by_role("button", name=f"Sign out {username}").click()

    def unfold(summary: str) -> None:
        """Open a folded form (a details element), unless it is open already."""
        folded = page.locator("details", has=page.locator("summary", has_text=summary))
        if folded.get_attribute("open") is None:
            folded.locator("summary").click()

    def notice(text: str) -> None:
        expect(page.locator(".govuk-notification-banner")).to_contain_text(text)

    def state(label: str) -> None:
        expect(page.locator("#current-state")).to_have_text(label)

    # Scoping: the terms of reference, pasted into the page.
    open_stream("lead.hmiprobation")
    unfold("Register a new version of the terms of reference")
    page.get_by_label("Paste the text").fill("Terms of reference: offender management in custody")
    page.get_by_role("button", name="Register this version").click()
    notice("of the terms of reference is registered")
    terms = queries.show_stream(pg_rt, REF)["terms_of_reference"]
    for body in ("HMIPROBATION", "HMIPRISONS", "HMICFRS"):
        send(
            pg_rt,
            signatory(body),
            RecordDecision(
                key=REF, body=body, decision="approve", version=terms, kind="terms_of_reference"
            ),
        )
    agree(pg_rt, REF, "methodology")  # every body agrees the methodology too
    page.goto(stream_url)
    shot(page, "11-journey-scoping")

    # Moves, the fieldwork team, the draft uploaded as a file.
    page.get_by_role("button", name="Start fieldwork").click()
    state("Fieldwork")
    unfold("Record the fieldwork team")
    page.get_by_label(re.compile(r"\(lead\.hmiprobation, HMIPROBATION\)")).check()
    page.get_by_role("button", name="Record the team").click()
    notice("The fieldwork team is recorded")
    page.get_by_role("button", name="Start drafting").click()
    state("Drafting")
    unfold("Register a new version of the report")
    page.get_by_label("Upload a file").set_input_files(
        {"name": "draft-v1.txt", "mimeType": "text/plain", "buffer": b"Draft report v1"}
    )
    page.get_by_role("button", name="Register this version").click()
    notice("of the report is registered")

    # The factual accuracy check: started, a comment, its disposition; a recommendation.
    page.get_by_label("Inspected bodies checking the draft").fill("Avon and Somerset Police")
    page.get_by_role("button", name="Start the check").click()
    notice("The factual accuracy check has started")
    unfold("Record a comment from an inspected body")
    page.locator("#fa-comment").get_by_label("Comment").fill("Table 2 uses 2020 figures")
    page.get_by_role("button", name="Record the comment").click()
    unfold("Dispose of comment 1")
    page.locator("#fa-dispose-1").get_by_label("Rejected").check()
    page.locator("#fa-dispose-1").get_by_label("Reason (required to reject)").fill(
        "The table cites the 2021 figures"
    )
    page.get_by_role("button", name="Record the disposition").click()
    expect(page.locator("[data-comment='1']")).to_contain_text("Rejected by lead.hmiprobation")
    for text, to, statutory in (
        ("Share risk information within 24 hours", "Chief constables", "pcc_response"),
        ("Review the key worker scheme", "HMPPS", "none"),
    ):
        unfold("Add a recommendation")
        form = page.locator("#rec-add")
        form.get_by_label("Recommendation").fill(text)
        form.get_by_label("Addressed to").fill(to)
        form.get_by_label("Statutory clock").select_option(statutory)
        page.get_by_role("button", name="Add the recommendation").click()
        notice("The recommendation is recorded")
    page.goto(f"{stream_url}#factual-accuracy")
    shot(page, "12-journey-drafting")

    # The lead was on the fieldwork team: the refusal is on the page, in the error summary.
    page.get_by_role("button", name="Sign off the factual accuracy check").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("was on the fieldwork team")
    expect(page.locator("#fa-sign-off-error")).to_be_visible()
    shot(page, "13-journey-refusal")
    sign_out("lead.hmiprobation")

    open_stream("chief.hmiprobation")
    page.get_by_role("button", name="Sign off the factual accuracy check").click()
    notice("The factual accuracy check is signed off")
    expect(page.locator(".cjji-fa-status")).to_contain_text("Signed off by chief.hmiprobation")
    sign_out("chief.hmiprobation")

    agree(pg_rt, REF, "findings")  # and the findings and judgements, before sign-off
    open_stream("lead.hmiprobation")
    page.get_by_role("button", name="Submit for joint sign-off").click()
    state("Joint sign-off")
    sign_out("lead.hmiprobation")
    approved = queries.show_stream(pg_rt, REF)["report"]
    for body in ("HMIPROBATION", "HMIPRISONS"):
        send(
            pg_rt,
            signatory(body),
            RecordDecision(key=REF, body=body, decision="approve", version=approved),
        )
    open_stream("signatory.hmicfrs")
    expect(page.locator("form[action$='/moves']")).to_have_count(0)  # a signatory moves nothing
    page.get_by_label("Approve this version").check()
    page.get_by_role("button", name="Record decision").click()
    state("Publication")
    sign_out("signatory.hmicfrs")

    # Publication: the date and time, a recipient, the embargoed copy, publishing (the
    # recommendations and the publication arrangements agreed by every body first).
    agree_for_publication(pg_rt, REF)
    open_stream("lead.hmiprobation")
    schedule = page.locator("#pub-schedule")
    schedule.get_by_label("Day").fill("1")
    schedule.get_by_label("Month").fill("3")
    schedule.get_by_label("Year").fill("2022")
    expect(schedule.get_by_label("Time (UK time, 24-hour clock)")).to_have_value("00:01")
    page.get_by_role("button", name="Set the date and time").click()
    notice("Publication is set for 01 Mar 2022, 00:01 (UK time)")
    recipient = page.locator("#pub-recipient")
    recipient.get_by_label("Name").fill("MoJ press office")
    recipient.get_by_label("Email address").fill("press@moj.example")
    recipient.get_by_label("Press").check()
    page.get_by_role("button", name="Add the recipient").click()
    expect(page.locator("#embargo-recipients")).to_contain_text("press@moj.example")
    page.get_by_role("button", name="Send the embargoed copy now").click()
    notice("The embargoed copy is going to 1 recipient(s)")
    publish = page.locator("#pub-publish")
    expect(publish.get_by_label("Version published")).to_have_value(approved)
    publish.get_by_label("Public URL of the report").fill(
        "https://www.justiceinspectorates.gov.uk/omic"
    )
    publish.get_by_label("Reason for an early release", exact=False).fill(
        "the findings were announced in Parliament"
    )
    shot(page, "14-journey-publication")
    page.get_by_role("button", name="Publish", exact=True).click()
    state("Follow-up")
    notice("Published at https://www.justiceinspectorates.gov.uk/omic")

    # Follow-up: the response, a progress review, closing with evidence; then closing.
    unfold("Record the response to recommendation 1")
    respond = page.locator("#rec-1-respond")
    respond.get_by_label("Agreed", exact=True).check()
    respond.get_by_label("Owner").fill("Chief constables")
    respond.get_by_label("Action plan").fill("An information-sharing protocol by June")
    respond.get_by_label("Day").fill("30")
    respond.get_by_label("Month").fill("6")
    respond.get_by_label("Year").fill("2022")
    page.get_by_role("button", name="Record the response").click()
    notice("The response is recorded")
    unfold("Review the progress of recommendation 1")
    page.locator("#rec-1-review").get_by_label("Good progress").check()
    page.get_by_role("button", name="Record the review").click()
    notice("The progress review is recorded")
    unfold("Close recommendation 1 with evidence")
    page.locator("#rec-1-close").get_by_label("Evidence that it is done").fill(
        "The protocol, signed by every force"
    )
    shot(page, "15-journey-follow-up")
    page.get_by_role("button", name="Close the recommendation").click()
    notice("The recommendation is closed")
    unfold("Carry recommendation 2 into another work stream")
    page.locator("#rec-2-carry").get_by_label(re.compile("The work stream that takes it on")).fill(
        "omic-2023"
    )
    page.get_by_role("button", name="Carry it").click()
    notice("The recommendation is carried into the other work stream")
    page.get_by_role("button", name="Close the work stream").click()
    state("Closed")
    shot(page, "16-journey-closed")

    # The register across the programme, six weeks on: ageing by owner, filters, CSV.
    clock.advance(days=45)
    sign_in(page, server, "lead.hmiprobation")  # the session ended after 12 hours
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Recommendations").click()
    expect(page.get_by_role("heading", name="Recommendations register")).to_be_visible()
    # Four of its own, and the carried one again, open on the work stream that took it on.
    expect(page.locator("#register-table tbody tr")).to_have_count(5)
    expect(page.locator("#register-table")).to_contain_text(f"carried from {REF} #2")
    expect(page.locator("#ageing-table tr[data-owner='Chief constables']")).to_contain_text("45")
    shot(page, "17-recommendations-register")
    page.get_by_label("Owner body").fill("Chief constables")
    page.get_by_label("Status").select_option("closed")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#register-table tbody tr")).to_have_count(1)
    expect(page.locator("#register-table tbody tr").first).to_contain_text(REF)
    csv_link = page.get_by_role("link", name=re.compile("Download as CSV"))
    expect(csv_link).to_have_attribute(
        "href", "/recommendations.csv?owner=Chief+constables&status=closed"
    )
    shot(page, "18-recommendations-filtered")
    events = {e["action"] for e in queries.audit_log(pg_rt, REF, limit=1000)}
    assert {
        "document_registered",
        "transitioned",
        "factual_accuracy_changed",
        "recommendation_added",
        "recommendation_changed",
        "publication_changed",
        "decision_recorded",
        "access_refused",
    } <= events
