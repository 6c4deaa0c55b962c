"""What changed, where signatories meet it: a body that approved version 1 of the report
and is asked to decide on version 2 reads the changes between the two (the text of each
Word document, compared line by line) in the email that asks it, received at a real SMTP
server, on the work stream page where it decides, in its inbox of decisions awaited, and
on its sign-off link's page. A body that had not approved is asked plainly; a send-back
and a new draft show the same."""

from __future__ import annotations

from email.message import EmailMessage

from tests.conftest import Clock
from tests.integration.test_messages_received import deliver_all, text_of
from tests.integration.walk import LEAD, create, signatory, to_signoff
from tests.support.acting import send
from tests.support.documents import a_docx
from tests.support.smtp import MailCatcher
from tests.web.test_journey_pages import Person
from workflow.application import authentication as access
from workflow.application.commands import FireTrigger, RecordDecision, RegisterDocument
from workflow.application.handlers.reactions import REQUEST_DECISION
from workflow.bootstrap import Runtime

pytest_plugins = ["tests.support.fixtures_smtp"]

FINDINGS = (
    "Finding 2: training is adequate.",
    "Finding 3: caseloads are high.",
    "Finding 4: supervision is regular.",
    "Finding 5: premises are suitable.",
    "Finding 6: partners meet monthly.",
)
V1 = a_docx(
    "Joint inspection of MAPPA",
    "Finding 1: risk information was shared late.",
    *FINDINGS,
    "Conclusion",
)
V2 = a_docx(
    "Joint inspection of MAPPA",
    "Finding 1: risk information was shared within 24 hours.",
    *FINDINGS,
    "Finding 7: victims are kept informed.",
    "Conclusion",
)
#: The changed lines, as the email marks them (the page shows the same, escaped).
CHANGES = (
    "- Finding 1: risk information was shared late.",
    "+ Finding 1: risk information was shared within 24 hours.",
    "+ Finding 7: victims are kept informed.",
)


def approve(rt: Runtime, body: str, version: str) -> None:
    send(
        rt,
        signatory(body),
        RecordDecision(key="mappa", body=body, decision="approve", version=version),
    )


def asked(mail: MailCatcher, body: str) -> list[EmailMessage]:
    """The requests for ``body``'s decision on the report that reached the mail server."""
    return [
        m
        for m in mail.messages
        if "Decision needed" in str(m["Subject"])
        and ": report for " in str(m["Subject"])
        and f"@{body.lower()}." in str(m["To"])
    ]


def test_a_body_whose_approval_a_new_version_voided_reads_what_changed_everywhere_it_decides(
    rt: Runtime, clock: Clock, mail_catcher: MailCatcher
) -> None:
    create(rt)
    v1 = to_signoff(rt, draft=V1)
    deliver_all(rt, mail_catcher, REQUEST_DECISION)
    approve(rt, "HMICFRS", v1)
    approve(rt, "HMIPRISONS", v1)
    mail_catcher.clear()
    clock.advance(hours=2)
    v2 = send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=V2)).version

    deliver_all(rt, mail_catcher, REQUEST_DECISION)
    for message in asked(mail_catcher, "HMICFRS"):  # its signatory and its deputy
        body = text_of(message)
        assert "HMICFRS approved version 1 of the report" in body, body
        assert "What changed since version 1 (2 lines added, 1 removed)" in body
        for line in CHANGES:
            assert line in body
        assert "  Finding 2: training is adequate." in body  # context, unmarked
        assert "Finding 4: supervision is regular." not in body  # too far from a change
        assert "@@ From line 6 of the new version @@" in body  # where the second change is
    assert len(asked(mail_catcher, "HMICFRS")) == 2
    never_approved = asked(mail_catcher, "HMIPROBATION")
    assert never_approved
    for message in never_approved:
        assert "What changed" not in text_of(message)
        assert CHANGES[0] not in text_of(message)

    page = Person(rt, "signatory.hmicfrs").page()
    box = page.split("HMICFRS's decision is awaited", 1)[1].split("</form>", 1)[0]
    assert "What changed since version 1, which HMICFRS approved" in box
    for line in CHANGES:
        assert line in box
    assert f"/streams/mappa/documents/report/{v1}/download" in box  # both files, to compare
    inbox = Person(rt, "signatory.hmicfrs").page("/decisions")
    assert 'id="what-changed-mappa"' in inbox
    assert all(line in inbox for line in CHANGES)
    assert "What changed" not in Person(rt, "signatory.hmiprobation").page()

    token, _ = access.issue_signoff_link(
        rt, "deputy.hmiprisons", "mappa", "HMIPRISONS", "report", v2
    )
    link_page = Person(rt, "deputy.hmiprisons").page(f"/decide/{token}")
    assert "What changed since version 1, which HMIPRISONS approved" in link_page
    for line in CHANGES:
        assert line in link_page


def test_after_a_send_back_the_new_draft_shows_what_changed_to_the_bodies_that_had_approved(
    rt: Runtime, clock: Clock, mail_catcher: MailCatcher
) -> None:
    create(rt)
    v1 = to_signoff(rt, draft=V1)
    approve(rt, "HMICFRS", v1)
    send(
        rt,
        signatory("HMIPRISONS"),
        RecordDecision(
            key="mappa",
            body="HMIPRISONS",
            decision="request_changes",
            version=v1,
            comment="Say how quickly risk information is shared now",
        ),
    )
    deliver_all(rt, mail_catcher, REQUEST_DECISION)
    mail_catcher.clear()
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=V2))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))

    deliver_all(rt, mail_catcher, REQUEST_DECISION)
    (approver, *_) = asked(mail_catcher, "HMICFRS")
    assert all(line in text_of(approver) for line in CHANGES)
    (requester, *_) = asked(mail_catcher, "HMIPRISONS")
    assert "What changed" not in text_of(requester)  # it asked for changes: no approval voided
    page = Person(rt, "signatory.hmicfrs").page()
    assert "What changed since version 1, which HMICFRS approved" in page


def test_the_file_approved_registered_again_says_nothing_changed_and_asks_again(
    rt: Runtime, clock: Clock, mail_catcher: MailCatcher
) -> None:
    create(rt)
    v1 = to_signoff(rt, draft=V1)
    approve(rt, "HMICFRS", v1)
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=V2))
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=V1))  # back to v1
    deliver_all(rt, mail_catcher, REQUEST_DECISION)
    (message, *_) = asked(mail_catcher, "HMICFRS")
    assert "It is the very file of version 1, registered again" in text_of(message)
    assert CHANGES[0] not in text_of(message)
    page = Person(rt, "signatory.hmicfrs").page()
    assert "Version 3 is the very file of version 1, registered again" in page
