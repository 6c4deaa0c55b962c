"""The report's journey on the pages: a thematic inspection taken from scoping to closed by
form posts alone, each step audited; refusals shown on the page and audited; the
recommendations register with its filters and CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import httpx2 as httpx

from tests.api.helpers import browser, csrf_of
from tests.api.test_access import new_person
from tests.conftest import Clock
from tests.integration.walk import (
    BODIES,
    LEAD,
    agree,
    agree_terms,
    approve_all,
    check_facts,
    publish,
    to_signoff,
)
from tests.integration.walk import create as create_stream
from tests.support.acting import send
from workflow.application.commands import (
    AddRecommendation,
    CreateWorkStream,
    FireTrigger,
    RegisterDocument,
)
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime

REF = "mappa"
PAGE = f"/streams/{REF}"


class Person:
    """A signed-in browser and the CSRF token its forms carry."""

    def __init__(self, rt: Runtime, username: str) -> None:
        self.username = username
        self.client = browser(rt, username)
        self.token = csrf_of(self.client.get("/programme").text)

    def page(self, path: str = PAGE) -> str:
        answer = self.client.get(path)
        assert answer.status_code == 200, answer.text
        return answer.text

    def post(self, path: str, files: dict[str, Any] | None = None, **data: Any) -> httpx.Response:
        return self.client.post(
            f"{PAGE}/{path}", data={"csrf_token": self.token, **data}, files=files
        )

    def notice(self, answer: httpx.Response) -> str:
        """The success banner of the page a step redirected to."""
        assert answer.status_code == 303, answer.text
        page = self.page(answer.headers["location"])
        found = re.search(r'govuk-notification-banner__heading">\s*(.*?)\s*</p>', page, re.S)
        assert found is not None, "no notice on the page"
        return found.group(1)


class Trail:
    """What a test expects of the audit trail after each form post."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.seen = 0  # the newest event an earlier step was checked against

    def step(self, answer: httpx.Response, action: str, **payload: Any) -> dict[str, Any]:
        """The step went through (303 back to the page) and recorded ``action`` after every
        earlier step's events (reactions may record more events after it)."""
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"].startswith(f"{PAGE}?done=")
        events = queries.audit_log(self.rt, REF, limit=1000)
        event: dict[str, Any] = next(e for e in reversed(events) if e["action"] == action)
        assert event["seq"] > self.seen, event
        self.seen = events[-1]["seq"]
        for key, value in payload.items():
            assert event["payload"][key] == value, event
        return event

    def refused(
        self, answer: httpx.Response, status: int, words: str, audited: bool = True
    ) -> None:
        """A refusal: the page again, with the service's sentence in the error summary,
        and an event: ``rule_refused`` for a refusal by the rules (409), ``access_refused``
        for one by permission (403)."""
        assert answer.status_code == status, answer.text
        summary = answer.text.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
        assert words in summary.replace("&#39;", "'"), summary
        action = "rule_refused" if status == 409 else "access_refused"
        latest = queries.audit_log(self.rt, action=action)
        if audited:
            assert latest and words in (latest[-1]["reason"] or ""), latest[-1:]
            assert latest[-1]["payload"]["what"].startswith(f"POST {PAGE}")
            assert latest[-1]["stream"] == REF
        else:
            assert not latest or words not in (latest[-1]["reason"] or "")


def day(prefix: str, d: int, m: int, y: int) -> dict[str, Any]:
    """What a GOV.UK date input named ``prefix`` sends."""
    return {f"{prefix}-day": str(d), f"{prefix}-month": str(m), f"{prefix}-year": str(y)}


def state(rt: Runtime, ref: str = REF) -> str:
    return str(queries.show_stream(rt, ref)["state"])


def decide(rt: Runtime, body: str, version: str, kind: str = "report") -> None:
    """A signatory records their body's approval through the existing form."""
    signatory = Person(rt, f"signatory.{body.lower()}")
    page = signatory.page()
    assert f"{body}'s decision is awaited" in page
    answer = signatory.post("decisions", decision="approve", version=version, kind=kind)
    assert answer.status_code == 303, answer.text
    event = queries.audit_log(rt, REF, action="decision_recorded")[-1]
    assert (event["actor"], event["body"]) == (signatory.username, body)
    assert event["payload"]["version"] == version


def test_a_thematic_inspection_is_taken_from_scoping_to_closed_on_the_pages(
    rt: Runtime,
) -> None:
    trail = Trail(rt)
    create_stream(rt)
    send(rt, LEAD, CreateWorkStream(ref="mappa-2023", title="MAPPA again", kind="review"))
    lead, reviewer = Person(rt, "lead.hmiprobation"), Person(rt, "chief.hmiprobation")

    # Scoping: the terms of reference, pasted, then agreed by every body on the page.
    page = lead.page()
    assert "Register a new version of the terms of reference" in page
    assert 'data-trigger="start_fieldwork"' in page and "no terms of reference" in page
    answer = lead.post("documents", kind="terms_of_reference", text="Terms of reference v1")
    tor = trail.step(answer, "document_registered", kind="terms_of_reference")["payload"]["version"]
    assert f"Version {tor[:12]} of the terms of reference is registered" in lead.notice(answer)
    for body in BODIES:
        decide(rt, body, tor, "terms_of_reference")
    agree_on_the_page(rt, trail, lead, "methodology", "Case files read in four areas")

    # Moves, with the page's version to refuse a lost update.
    version = queries.show_stream(rt, REF)["version"]
    answer = lead.post("moves", trigger="start_fieldwork", expected_version=str(version))
    trail.step(answer, "transitioned", trigger="start_fieldwork")
    assert "mappa is now in Fieldwork" in lead.notice(answer)
    answer = lead.post("fieldwork-team", members=["lead.hmiprobation", "lead.hmiprisons"])
    assert trail.step(answer, "edited")["payload"]["changes"]["fieldwork_team"][1] == [
        "lead.hmiprobation",
        "lead.hmiprisons",
    ]
    trail.step(lead.post("moves", trigger="start_drafting"), "transitioned")
    assert state(rt) == "drafting"
    agree_on_the_page(rt, trail, lead, "findings", "Risk information is not shared in time")

    # Drafting: the draft uploaded as a file; the factual accuracy check.
    answer = lead.post(
        "documents", kind="report", files={"file": ("draft-v1.txt", b"Draft report v1")}
    )
    draft = trail.step(answer, "document_registered", kind="report")["payload"]["version"]
    answer = lead.post(
        "factual-accuracy",
        parties="Avon and Somerset Police\nHMPPS\n",
        **day("due", 31, 1, 2022),
    )
    trail.step(answer, "factual_accuracy_changed", change="started")
    assert "comments are due by 2022-01-31" in lead.notice(answer)
    answer = lead.post("factual-accuracy/comments", party="HMPPS", text="Table 2 uses 2020 figures")
    trail.step(answer, "factual_accuracy_changed", change="comment_added", number=1)
    answer = lead.post("factual-accuracy/comments/1/disposition", disposition="accepted")
    trail.step(answer, "factual_accuracy_changed", change="comment_disposed")
    # The lead was on the fieldwork team: they may not sign off their own findings.
    trail.refused(lead.post("factual-accuracy/sign-off"), 403, "was on the fieldwork team")
    answer = reviewer.post("factual-accuracy/sign-off")
    signed = trail.step(answer, "factual_accuracy_changed", change="signed_off")
    assert signed["actor"] == "chief.hmiprobation"
    trail.refused(
        lead.post("moves", trigger="submit_for_signoff"),
        409,
        "accepted factual accuracy comments call for a new draft version",
    )

    # Recommendations are recorded while drafting.
    for text, to, clock in (
        ("Share risk information within 24 hours", "Chief constables", "pcc_response"),
        ("Review the MAPPA guidance", "HMPPS", "none"),
    ):
        answer = lead.post(
            "recommendations", text=text, addressed_to=to, type="recommendation", clock=clock
        )
        trail.step(answer, "recommendation_added")
    assert len(queries.show_stream(rt, REF)["recommendations"]) == 2

    # The corrected draft, pasted, then joint sign-off by every body through its form.
    answer = lead.post("documents", kind="report", text="Draft report v2, table 2 corrected")
    approved = trail.step(answer, "document_registered")["payload"]["version"]
    assert approved != draft
    trail.step(lead.post("moves", trigger="submit_for_signoff"), "transitioned")
    assert state(rt) == "joint_signoff"
    trail.refused(
        lead.post("publication/publish", url="https://example.org/r", version=approved),
        409,
        "cannot publish",
    )
    for body in BODIES:
        decide(rt, body, approved)
    assert state(rt) == "publication"
    moved = queries.audit_log(rt, REF, action="transitioned")[-1]
    assert (moved["to"], moved["actor"]) == ("publication", "signatory.hmicfrs")

    # Publication: the date, a recipient, the embargoed copy, publishing.
    page = lead.page()
    assert f'value="{approved}"' in page  # the approved version is filled in
    answer = lead.post("publication/schedule", at="00:01", **day("on", 1, 3, 2022))
    trail.step(answer, "publication_changed", change="scheduled")
    assert "01 Mar 2022, 00:01 (UK time)" in lead.notice(answer)
    answer = lead.post(
        "publication/recipients", name="MoJ press office", email="press@moj.example", kind="press"
    )
    trail.step(answer, "publication_changed", change="recipient_added", email="press@moj.example")
    trail.refused(
        lead.post("publication/publish", url="https://example.org/r", version=approved),
        409,
        "the embargoed copy has not gone to its recipients yet",
    )
    trail.step(lead.post("publication/embargo"), "publication_changed", change="embargo_sent")
    url = "https://www.justiceinspectorates.gov.uk/mappa"
    trail.refused(
        lead.post("publication/publish", url=url, version=approved, early_release_reason="now"),
        409,
        "no recommendations version is registered",
    )
    agree_on_the_page(rt, trail, lead, "recommendations", "1. Share risk information")
    agree_on_the_page(
        rt, trail, lead, "publication_arrangements", "1 March 2022 00:01; embargo: MoJ press"
    )
    trail.refused(
        lead.post("publication/publish", url=url, version=approved),
        409,
        "to publish before then, confirm an early release and give the reason",
    )
    early = "the minister has announced the findings"
    answer = lead.post("publication/publish", url=url, version=approved, early_release_reason=early)
    moved = trail.step(answer, "transitioned", url=url, version=approved)
    assert moved["reason"] == f"early release: {early}"
    assert state(rt) == "follow_up"
    assert f"Published at {url}" in lead.notice(answer)
    answer = lead.post("urgent-notification", **day("on", 14, 2, 2022))
    trail.step(answer, "publication_changed", change="urgent_notification")

    # Follow-up: responses, a review, closing with evidence, carrying; then closing.
    trail.refused(lead.post("moves", trigger="close"), 409, "2 recommendation(s) still open")
    trail.refused(
        lead.post("recommendations/1/response", response="agreed", owner="Chief constables"),
        422,
        "needs an owner, an action plan and a due date",
        audited=False,
    )
    answer = lead.post(
        "recommendations/1/response",
        response="agreed",
        owner="Chief constables",
        action_plan="A protocol by June",
        **day("due", 30, 6, 2022),
    )
    trail.step(answer, "recommendation_changed", change="responded")
    trail.refused(
        lead.post("recommendations/1/close", evidence="Protocol seen"),
        409,
        "has no progress review yet",
    )
    answer = lead.post("recommendations/1/reviews", judgement="good_progress", note="On track")
    trail.step(answer, "recommendation_changed", change="reviewed")
    answer = lead.post("recommendations/1/close", evidence="Protocol seen in March")
    trail.step(answer, "recommendation_changed", change="closed")
    answer = lead.post("recommendations/2/carry", into="mappa-2023")
    trail.step(answer, "recommendation_changed", change="carried")
    answer = lead.post("moves", trigger="close")
    trail.step(answer, "transitioned", trigger="close")
    assert state(rt) == "closed"
    assert "mappa is now in Closed" in lead.notice(answer)

    # The page tells the whole story, and the chain still verifies.
    page = lead.page()
    assert 'data-comment="1"' in page and "Table 2 uses 2020 figures" in page
    assert "press@moj.example" in page and url in page
    assert "Protocol seen in March" in page and 'href="/streams/mappa-2023"' in page
    assert 'action="/streams/mappa/' not in page  # nothing is left to do
    assert queries.verify_audit(rt).ok


def test_only_the_lead_bodys_staff_see_and_use_the_forms(rt: Runtime) -> None:
    trail = Trail(rt)
    create_stream(rt)
    agree_terms(rt, REF)
    read_only = Person(rt, new_person(rt, ["read_only", "inspector"], body="HMIPROBATION"))
    page = read_only.page()
    assert 'data-trigger="start_fieldwork"' in page  # the moves are shown to everyone
    assert 'action="/streams/mappa/' not in page and 'id="move-start-fieldwork"' not in page
    trail.refused(read_only.post("moves", trigger="start_fieldwork"), 403, "read-only access")
    supporting = Person(rt, "lead.hmicfrs")  # an inspector, but not of the lead body
    assert 'action="/streams/mappa/' not in supporting.page()
    trail.refused(
        supporting.post("moves", trigger="start_fieldwork"),
        403,
        "only the lead body moves it, not HMICFRS",
    )
    signatory = Person(rt, "signatory.hmiprobation")
    trail.refused(
        signatory.post("documents", kind="terms_of_reference", text="Other terms"),
        403,
        "needs the inspector or chief_inspector role",
    )
    lead = Person(rt, "lead.hmiprobation")
    assert 'id="move-start-fieldwork"' in lead.page()
    assert state(rt) == "scoping"


def test_a_form_without_its_csrf_token_is_refused_and_audited(rt: Runtime) -> None:
    create_stream(rt)
    agree_terms(rt, REF)
    lead = Person(rt, "lead.hmiprobation")
    for token in ("", "forged"):
        answer = lead.client.post(
            f"{PAGE}/moves", data={"trigger": "start_fieldwork", "csrf_token": token}
        )
        assert answer.status_code == 403 and "reload the page" in answer.text
        latest = queries.audit_log(rt, action="access_refused")[-1]
        assert (latest["actor"], latest["stream"]) == ("lead.hmiprobation", REF)
        assert latest["payload"]["what"] == f"POST {PAGE}/moves"
    signed_out = browser(rt).post(f"{PAGE}/moves", data={"trigger": "start_fieldwork"})
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")
    assert state(rt) == "scoping"


def test_moves_that_need_more_say_so_and_a_stale_page_is_refused(rt: Runtime) -> None:
    trail = Trail(rt)
    create_stream(rt)
    lead = Person(rt, "lead.hmiprobation")
    page = lead.page()
    assert "Withdraw…" in page and "Why withdraw?" in page and "Pause…" in page
    version = queries.show_stream(rt, REF)["version"]
    trail.refused(lead.post("moves", trigger="withdraw"), 409, "a reason is required")
    answer = lead.post("moves", trigger="pause", reason="Covid-19", expected_version=str(version))
    trail.step(answer, "transitioned", trigger="pause")
    stale = lead.post("moves", trigger="resume", expected_version=str(version))
    assert stale.status_code == 409 and "someone changed it" in stale.text
    answer = lead.post("moves", trigger="withdraw", reason="Replaced by a review")
    assert trail.step(answer, "transitioned")["reason"] == "Replaced by a review"
    assert "withdrawn because Replaced by a review" in lead.page()


def test_a_refused_form_is_shown_again_as_it_was_sent(rt: Runtime) -> None:
    trail = Trail(rt)
    create_stream(rt)
    to_signoff(rt)
    approve_all(rt, REF, queries.show_stream(rt, REF)["report"])
    lead = Person(rt, "lead.hmiprobation")
    answer = lead.post("publication/schedule", at="25:00", **day("on", 1, 3, 2022))
    trail.refused(answer, 422, "a time in the 24-hour clock", audited=False)
    assert 'id="pub-schedule-error"' in answer.text and 'value="25:00"' in answer.text
    assert '<details class="govuk-details cjji-step" data-form="pub-schedule" open>' in answer.text
    answer = lead.post("publication/recipients", name="Press", email="press.example", kind="press")
    trail.refused(answer, 422, "is not an email address", audited=False)
    answer = lead.post("documents", kind="report", text="A late change")
    trail.refused(answer, 409, "a report version is registered in drafting or joint_signoff")
    answer = lead.post(
        "documents", kind="report", text="both", files={"file": ("v.txt", b"and a file")}
    )
    trail.refused(answer, 422, "give the text or a file, not both", audited=False)
    answer = lead.post("documents", kind="report", text="  ")
    trail.refused(answer, 422, "the document is empty", audited=False)


def agree_on_the_page(rt: Runtime, trail: Trail, lead: Person, kind: str, text: str) -> str:
    """The lead registers a version of a key matter through the page's form; every body
    agrees it."""
    answer = lead.post("documents", kind=kind, text=text)
    version: str = trail.step(answer, "document_registered", kind=kind)["payload"]["version"]
    for body in BODIES:
        decide(rt, body, version, kind)
    return version


def drafting(rt: Runtime, ref: str) -> None:
    agree_terms(rt, ref)
    send(rt, LEAD, FireTrigger(key=ref, trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key=ref, trigger="start_drafting"))
    agree(rt, ref, "findings")


def test_the_register_page_ages_filters_and_exports_recommendations(
    rt: Runtime, clock: Clock
) -> None:
    create_stream(rt)
    create_stream(rt, "custody-visit")
    drafting(rt, REF)
    drafting(rt, "custody-visit")
    for ref, text, to, statutory in (
        (REF, "Share risk information", "Chief constables", "pcc_response"),
        (REF, "Review the guidance", "HMPPS", "none"),
        ("custody-visit", "=HYPERLINK(evil)", "Chief constables", "none"),
    ):
        send(
            rt,
            LEAD,
            AddRecommendation(key=ref, text=text, addressed_to=to, clock=statutory),
        )
    send(rt, LEAD, RegisterDocument(key=REF, kind="report", content=b"Draft report v1"))
    check_facts(rt, REF)
    send(rt, LEAD, FireTrigger(key=REF, trigger="submit_for_signoff"))
    approve_all(rt, REF, queries.show_stream(rt, REF)["report"])
    clock.advance(days=3)
    publish(rt, REF, clock.now + timedelta(days=10))  # published today, three days on
    clock.advance(days=40)

    viewer = Person(rt, new_person(rt, ["read_only"]))
    page = viewer.page("/recommendations")
    assert '<a class="govuk-service-navigation__link" href="/recommendations"' in page
    assert page.count('<tr class="govuk-table__row" data-ref=') == 3
    ageing = page.split('id="ageing-table"', 1)[1].split("</table>", 1)[0]
    chief = ageing.split('data-owner="Chief constables"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r">([0-9.]+)<", chief) == ["2", "43", "41.5"]
    assert 'data-owner="HMPPS"' in ageing

    filtered = viewer.page("/recommendations?owner=hmpps&status=open")
    assert filtered.count('<tr class="govuk-table__row" data-ref=') == 1
    assert "Review the guidance" in filtered and "Share risk information" not in filtered
    only = viewer.page("/recommendations?stream=custody-visit")
    assert only.count('<tr class="govuk-table__row" data-ref=') == 1

    exported = viewer.client.get("/recommendations.csv", params={"owner": "Chief constables"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="recommendations.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["ref"], r["number"]) for r in rows] == [("custody-visit", "1"), (REF, "1")]
    assert rows[0]["text"] == "'=HYPERLINK(evil)"  # not run as a formula by a spreadsheet
    assert rows[0]["days_open"] == "43" and rows[1]["days_open"] == "40"
    assert (
        rows[1]["statutory_due"]
        == (clock.now - timedelta(days=40) + timedelta(days=56)).date().isoformat()
    )

    unknown = viewer.client.get("/recommendations?stream=nowhere")
    assert unknown.status_code == 404 and "no work stream" in unknown.text
    assert viewer.client.get("/recommendations?status=lost").status_code == 422


def test_a_visit_links_to_the_rolling_programme_it_is_part_of(rt: Runtime) -> None:
    create_stream(rt)  # and the demo people
    for ref, kind, parent in (
        ("custody", "rolling_programme", None),
        ("custody-avon", "visit", "custody"),
    ):
        send(rt, LEAD, CreateWorkStream(ref=ref, title=ref, kind=kind, parent_ref=parent))
    page = Person(rt, "lead.hmiprobation").page("/streams/custody-avon")
    assert '<a class="govuk-link" href="/streams/custody">custody</a>' in page
