"""The pages through a cookie-keeping client: sign-in, CSRF, what each person sees."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.api.helpers import PASSWORD, browser, csrf_of, import_programme, with_password
from tests.api.test_access import new_person
from tests.integration.walk import create as create_stream
from tests.integration.walk import seed_people, to_signoff
from tests.support.witnesses import body_key, cosign_latest
from workflow.application import authentication as access
from workflow.application import security_log
from workflow.application.jobs.checkpoints import make_checkpoint
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime


def refusals(rt: Runtime) -> list[dict[str, Any]]:
    return queries.audit_log(rt, action="access_refused")


def test_every_page_sends_a_visitor_to_sign_in_and_back_afterwards(rt: Runtime) -> None:
    seed_people(rt)
    with_password(rt, "admin")
    client = browser(rt)
    redirected = client.get("/streams/mappa?x=1")
    assert redirected.status_code == 303
    assert redirected.headers["location"] == "/sign-in?next=%2Fstreams%2Fmappa%3Fx%3D1"
    form = client.get("/sign-in?next=/audit")
    assert form.status_code == 200 and 'autocomplete="current-password"' in form.text
    signed_in = client.post(
        "/sign-in",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "/audit",
        },
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/audit"
    cookie = signed_in.headers["set-cookie"]
    assert "cjji_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_wrong_password_shows_the_error_and_is_logged(rt: Runtime) -> None:
    seed_people(rt)
    client = browser(rt)
    form = client.get("/sign-in")
    refused = client.post(
        "/sign-in",
        data={"username": "admin", "password": "wrong", "csrf_token": csrf_of(form.text)},
    )
    assert refused.status_code == 401
    assert "There is a problem" in refused.text and "not right" in refused.text
    # Nobody signed in: the security log counts it, the audit chain is not touched.
    assert refusals(rt) == []
    assert [r["kind"] for r in security_log.entries(rt)] == ["sign-in"]


def test_a_form_without_its_csrf_token_is_refused_and_audited(rt: Runtime) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    client = browser(rt, "signatory.hmicfrs")
    forged = client.post(
        "/streams/mappa/decisions",
        data={"decision": "approve", "version": version, "kind": "report", "csrf_token": "x"},
    )
    assert forged.status_code == 403 and "reload the page" in forged.text
    assert refusals(rt)[-1]["actor"] == "signatory.hmicfrs"
    assert queries.show_stream(rt, "mappa")["outstanding"]["standing"] == {}
    sign_in_without = browser(rt).post(
        "/sign-in", data={"username": "admin", "password": PASSWORD, "csrf_token": ""}
    )
    assert sign_in_without.status_code == 403


def test_sign_in_never_redirects_to_another_site(rt: Runtime) -> None:
    seed_people(rt)
    with_password(rt, "admin")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client = browser(rt)
        form = client.get("/sign-in")
        done = client.post(
            "/sign-in",
            data={
                "username": "admin",
                "password": PASSWORD,
                "csrf_token": csrf_of(form.text),
                "next": target,
            },
        )
        assert done.headers["location"] == "/programme"


def test_the_overview_filters_by_state_body_plan_and_overdue_and_exports_csv(
    rt: Runtime,
) -> None:
    seed_people(rt)
    import_programme(rt)
    client = browser(rt, "signatory.hmcpsi")
    page = client.get("/programme")
    assert page.status_code == 200
    assert page.text.count('<tr class="govuk-table__row" data-ref=') == 18
    filtered = client.get(
        "/programme", params={"body": "HMCPSI", "plan": "cjji-2021-23", "overdue": "yes"}
    )
    refs = {line.split('"')[1] for line in filtered.text.split("data-ref=")[1:]}
    assert "racial-disproportionality" not in refs  # Spring 2022: not yet late on 10 Jan 2022
    assert "rape-phase-one" in refs and "case-file-quality" not in refs
    exported = client.get("/programme.csv", params={"body": "HMCPSI"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["ref"] for r in rows} >= {"rape-phase-one", "case-file-quality"}
    assert all("HMCPSI" in (r["lead"] + r["supporting"]) for r in rows)
    assert client.get("/programme", params={"state": "nowhere"}).status_code == 422


def test_the_timeline_shows_planned_windows_and_periods_in_each_state(rt: Runtime) -> None:
    create_stream(rt)
    to_signoff(rt)
    page = browser(rt, "admin").get("/programme/timeline")
    assert page.status_code == 200
    assert '<svg class="timeline"' in page.text and 'class="planned"' in page.text
    for state in ("scoping", "fieldwork", "drafting", "joint_signoff"):
        assert f'data-state="{state}"' in page.text
    assert "Spring 2022 (2022-03-01 to 2022-05-31)" in page.text


def test_the_work_stream_page_marks_the_current_state_and_lists_decisions_by_body(
    rt: Runtime,
) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    page = browser(rt, "lead.hmicfrs").get("/streams/mappa")
    assert page.status_code == 200
    assert 'data-state="joint_signoff" aria-current="step"' in page.text
    assert version[:12] in page.text
    assert "<strong>HMICFRS</strong> awaited" in page.text
    assert "Record decision" not in page.text  # an inspector does not decide


def test_a_signatory_records_a_decision_from_the_work_stream_page(rt: Runtime) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    client = browser(rt, "signatory.hmicfrs")
    page = client.get("/streams/mappa")
    assert "HMICFRS's decision is awaited" in page.text
    done = client.post(
        "/streams/mappa/decisions",
        data={
            "decision": "approve",
            "version": version,
            "kind": "report",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert "decision (approve) is recorded" in after.text
    assert queries.show_stream(rt, "mappa")["outstanding"]["standing"] == {"HMICFRS": "approve"}
    awaiting = client.get("/decisions")
    assert "Nothing awaits HMICFRS" in awaiting.text


def test_a_refused_decision_is_shown_on_the_page_and_audited(rt: Runtime) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    client = browser(rt, "signatory.hmicfrs")
    page = client.get("/decisions")
    refused = client.post(
        "/streams/mappa/decisions",
        data={
            "decision": "request_changes",
            "version": version,
            "kind": "report",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert refused.status_code == 422 and "needs a comment" in refused.text
    stale = client.post(
        "/streams/mappa/decisions",
        data={
            "decision": "approve",
            "version": "b" * 64,
            "kind": "report",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert stale.status_code == 409
    refused_by_rule = queries.audit_log(rt, action="rule_refused")[-1]
    assert refused_by_rule["payload"]["what"] == "POST /streams/mappa/decisions"


def test_the_audit_log_is_for_administrators_and_shows_the_verification(rt: Runtime) -> None:
    create_stream(rt)
    admin = browser(rt, "admin")
    page = admin.get("/audit", params={"stream": "mappa", "action": "created"})
    assert page.status_code == 200
    assert "The audit trail is intact" in page.text
    assert page.text.count('data-action="created"') == 1
    refused = browser(rt, "lead.hmiprobation").get("/audit")
    assert refused.status_code == 403
    assert refusals(rt)[-1]["actor"] == "lead.hmiprobation"


def test_the_audit_page_shows_the_latest_checkpoint_and_who_cosigned_it(rt: Runtime) -> None:
    create_stream(rt)
    admin = browser(rt, "admin")
    before = admin.get("/audit")
    assert 'id="no-checkpoint"' in before.text
    probation, _cfrs = body_key(rt, "HMIPROBATION"), body_key(rt, "HMICFRS")
    made = make_checkpoint(rt).checkpoint
    cosign_latest(rt, probation)
    page = admin.get("/audit")
    assert page.status_code == 200
    size = made.checkpoint.size
    assert f'<strong id="checkpoint-size">{size}</strong>' in page.text
    assert 'data-body="HMIPROBATION" data-cosigned="yes"' in page.text
    assert 'data-body="HMICFRS" data-cosigned="no"' in page.text
    # The note shown is the engine's checkpoint with the body's cosignature on it.
    assert f"cjji-workflow/audit\n{size}\n" in page.text
    assert "— HMIPROBATION " in page.text


def test_a_signoff_link_opens_the_form_for_one_body_and_works_once(rt: Runtime) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    token, _ = access.issue_signoff_link(
        rt, "signatory.hmiprisons", "mappa", "HMIPRISONS", "report", version
    )
    client = browser(rt)  # not signed in: the link is enough for this one decision
    form = client.get(f"/decide/{token}")
    assert form.status_code == 200 and "HMIPRISONS" in form.text
    assert "Draft report v1" in form.text
    done = client.post(
        f"/decide/{token}", data={"decision": "approve", "csrf_token": csrf_of(form.text)}
    )
    assert done.status_code == 200 and "Decision recorded" in done.text
    again = client.get(f"/decide/{token}")
    assert again.status_code == 401 and "used already" in again.text
    decisions = queries.show_stream(rt, "mappa")["outstanding"]["standing"]
    assert decisions == {"HMIPRISONS": "approve"}


def test_read_only_people_see_pages_without_decision_forms(rt: Runtime) -> None:
    create_stream(rt)
    to_signoff(rt)
    username = new_person(rt, ["read_only"], body="HMICFRS")
    client = browser(rt, username)
    assert client.get("/programme").status_code == 200
    assert "Record decision" not in client.get("/streams/mappa").text
    assert client.get("/decisions").status_code == 403


def test_pages_carry_a_content_security_policy_and_no_referrer(rt: Runtime) -> None:
    seed_people(rt)
    page = browser(rt).get("/sign-in")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert browser(rt).get("/static/govuk/govuk-frontend.min.css").status_code == 200
    assert browser(rt).get("/assets/images/favicon.svg").status_code == 200
