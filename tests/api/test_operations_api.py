"""The API's operations one by one, as a caller meets them: reference data, the directory
and its tokens, the audit log, the timeline, deadlines and calendars, the plan's changes,
and the report's journey from publication to its recommendations followed up.

Each test checks the answer (status and body) and, where the operation changes something,
what a later read shows; a refusal is problem+json, and bad input leaves nothing written.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.helpers import api
from tests.api.test_api import is_problem
from tests.conftest import Clock, fingerprint
from tests.integration.test_plans import CODE
from tests.integration.test_plans import publish as publish_plan
from tests.integration.walk import (
    LEAD,
    agree,
    agree_for_publication,
    agree_terms,
    approve_all,
    check_facts,
    create,
    publish,
    seed_people,
)
from tests.support.acting import send
from workflow.application.commands import AddRecommendation, FireTrigger, RegisterDocument
from workflow.bootstrap import Runtime

STREAM = "/api/streams/mappa"


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of an answer that succeeded with ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def open_deadlines(client: Any, rule: str) -> list[dict[str, Any]]:
    """The open deadlines of ``mappa`` under ``rule``, as GET /api/deadlines lists them."""
    found = ok(client.get("/api/deadlines", params={"stream": "mappa"}))
    return [d for d in found if d["rule"] == rule]


# -- reference data, the directory, tokens and the audit log ---------------------------
def test_the_bodies_are_listed_with_their_aliases_and_a_method_not_allowed_is_405(
    sqlite_rt: Runtime,
) -> None:
    seed_people(sqlite_rt)
    client = api(sqlite_rt, "lead.hmicfrs")
    bodies = {b["code"]: b for b in ok(client.get("/api/bodies"))}
    assert len(bodies) == 9 and bodies["ESTYN"]["nations"] == ["wales"]
    assert bodies["HMICFRS"]["kind"] == "cj_inspectorate" and "HMIC" in bodies["HMICFRS"]["aliases"]
    refused = is_problem(client.delete("/api/bodies"), 405)
    assert refused["detail"] == "DELETE is not allowed on /api/bodies: see /docs"


def test_administrators_list_the_directory_by_body_and_see_one_person_or_a_404(
    sqlite_rt: Runtime,
) -> None:
    seed_people(sqlite_rt)
    admin = api(sqlite_rt, "admin")
    everyone = ok(admin.get("/api/users"))
    assert {"admin", "lead.hmicfrs", "chief.estyn"} <= {u["username"] for u in everyone}
    by_alias = ok(admin.get("/api/users", params={"body": "HMIC"}))
    assert [u["username"] for u in by_alias] == [
        "chief.hmicfrs",
        "deputy.hmicfrs",
        "lead.hmicfrs",
        "signatory.hmicfrs",
    ]
    lead = ok(admin.get("/api/users/lead.hmicfrs"))
    assert (lead["body"], lead["roles"], lead["active"]) == (
        "HMICFRS",
        ["contact", "inspector"],
        True,
    )
    assert ok(api(sqlite_rt, "lead.hmicfrs").get("/api/users/lead.hmicfrs")) == lead
    assert "no user 'no.one'" in is_problem(admin.get("/api/users/no.one"), 404)["detail"]


def test_a_person_sees_only_their_own_tokens_and_a_bad_token_request_writes_nothing(
    sqlite_rt: Runtime,
) -> None:
    seed_people(sqlite_rt)
    admin, lead = api(sqlite_rt, "admin"), api(sqlite_rt, "lead.hmicfrs")
    own = ok(lead.get("/api/tokens"))
    assert [t["username"] for t in own] == ["lead.hmicfrs"]
    assert {t["username"] for t in ok(admin.get("/api/tokens"))} == {"admin", "lead.hmicfrs"}
    before = fingerprint(sqlite_rt)
    blank = is_problem(lead.post("/api/tokens", json={"label": "   "}), 422)
    assert "give the token a label of 1-120 characters" in blank["detail"]
    unknown = is_problem(lead.delete("/api/tokens/999999"), 404)
    assert "no API token 999999" in unknown["detail"]
    assert fingerprint(sqlite_rt) == before and ok(lead.get("/api/tokens")) == own


def test_administrators_filter_the_audit_log_by_who_acted(sqlite_rt: Runtime) -> None:
    create(sqlite_rt)  # each body's chief inspector names its key people
    events = ok(api(sqlite_rt, "admin").get("/api/audit", params={"actor": "chief.hmicfrs"}))
    assert [(e["actor"], e["action"], e["stream"]) for e in events] == [
        ("chief.hmicfrs", "key_people_named", "mappa")
    ]


# -- work streams: the timeline, an empty edit -----------------------------------------
def test_the_timeline_shows_each_work_streams_planned_window_and_time_in_each_state(
    sqlite_rt: Runtime, clock: Clock
) -> None:
    create(sqlite_rt)
    agree_terms(sqlite_rt, "mappa")
    clock.advance(days=14)
    send(sqlite_rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    (row,) = ok(api(sqlite_rt, "lead.hmicfrs").get("/api/streams/timeline"))
    assert (row["ref"], row["state"], row["planned_text"]) == ("mappa", "fieldwork", "Spring 2022")
    assert (row["planned_start"], row["planned_end"]) == ("2022-03-01", "2022-05-31")
    assert [(p["state"], p["start"], p["end"]) for p in row["periods"]] == [
        ("scoping", "2022-01-10T09:00:00Z", "2022-01-24T09:00:00Z"),
        ("fieldwork", "2022-01-24T09:00:00Z", None),
    ]


def test_an_edit_that_changes_nothing_is_422_and_leaves_the_work_stream_as_it_was(
    sqlite_rt: Runtime,
) -> None:
    create(sqlite_rt)
    lead = api(sqlite_rt, "lead.hmiprobation")
    shown, before = ok(lead.get(STREAM)), fingerprint(sqlite_rt)
    empty = is_problem(lead.patch(STREAM, json={"title": None}), 422)
    assert empty["detail"] == "nothing to change: give at least one field"
    assert fingerprint(sqlite_rt) == before and ok(lead.get(STREAM)) == shown


# -- deadlines and calendars -------------------------------------------------------------
def test_a_planned_fieldwork_date_opens_the_notice_and_the_lead_marks_it_met_once(
    sqlite_rt: Runtime,
) -> None:
    create(sqlite_rt)
    lead = api(sqlite_rt, "lead.hmiprobation")
    milestones = f"{STREAM}/milestones"
    answered = ok(lead.post(milestones, json={"name": "fieldwork", "on": "2022-02-14"}))
    (notice,) = open_deadlines(lead, "notice_before_fieldwork")
    assert notice in answered and (notice["body"], notice["due"]) == ("HMIPROBATION", "2022-01-31")
    before = fingerprint(sqlite_rt)
    lunch = lead.post(milestones, json={"name": "lunch", "on": "2022-02-14"})
    assert "record one of fieldwork" in is_problem(lunch, 422)["detail"]
    assert fingerprint(sqlite_rt) == before
    met = ok(lead.post(f"/api/deadlines/{notice['id']}/met", json={"note": "letter sent"}))
    assert met["closed_reason"] == "met: letter sent" and met["closed_at"] is not None
    assert open_deadlines(lead, "notice_before_fieldwork") == []
    again = lead.post(f"/api/deadlines/{notice['id']}/met", json={})
    assert "closed already" in is_problem(again, 409)["detail"]


def test_a_rule_overridden_for_one_work_stream_re_dates_its_open_deadline(
    sqlite_rt: Runtime,
) -> None:
    create(sqlite_rt)
    lead = api(sqlite_rt, "lead.hmiprobation")
    (before,) = open_deadlines(lead, "notification_to_publication")
    assert before["due"] == "2022-09-12"  # 35 weeks from 10 January 2022
    rule = f"{STREAM}/rules/notification_to_publication"
    changed = ok(lead.put(rule, json={"duration": "30 weeks", "reason": "a short inspection"}))
    (after,) = open_deadlines(lead, "notification_to_publication")
    assert changed == [after]
    assert (after["id"], after["due"], after["original_due"]) == (
        before["id"],
        "2022-08-08",
        "2022-09-12",
    )
    unreadable = lead.put(rule, json={"duration": "soon", "reason": "why"})
    assert "cannot read 'soon'" in is_problem(unreadable, 422)["detail"]
    assert open_deadlines(lead, "notification_to_publication") == [after]


def test_a_bodys_calendar_feed_holds_the_open_deadlines_of_the_work_it_takes_part_in(
    sqlite_rt: Runtime,
) -> None:
    create(sqlite_rt)  # led by HMI Probation, HMICFRS supporting
    client = api(sqlite_rt, "lead.hmicfrs")
    feed = client.get("/api/calendar/bodies/HMIC.ics")
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "X-WR-CALNAME:HMICFRS: joint inspection deadlines" in feed.text
    ids = {d["id"] for d in ok(client.get("/api/deadlines", params={"stream": "mappa"}))}
    assert {f"UID:deadline-{i}@cjji-workflow" for i in ids} <= set(feed.text.splitlines())
    assert feed.text.count("BEGIN:VEVENT") == len(ids)
    elsewhere = client.get("/api/calendar/bodies/Estyn.ics")
    assert elsewhere.status_code == 200 and "BEGIN:VEVENT" not in elsewhere.text


def test_an_urgent_notification_opens_the_secretary_of_states_28_days(
    sqlite_rt: Runtime,
) -> None:
    create(sqlite_rt)
    lead = api(sqlite_rt, "lead.hmiprobation")
    shown = ok(lead.post(f"{STREAM}/urgent-notification", json={"on": "2022-01-12"}))
    assert shown["publication"]["urgent_notification_on"] == "2022-01-12"
    (due,) = open_deadlines(lead, "urgent_notification_response")
    assert (due["owed_by"], due["due"]) == ("inspected_body", "2022-02-09")


# -- the business plan's changes ---------------------------------------------------------
def test_each_change_of_the_plan_makes_a_version_and_a_review_change_waits_for_review(
    sqlite_rt: Runtime,
) -> None:
    publish_plan(sqlite_rt)
    admin = api(sqlite_rt, "admin")
    changes, versions = f"/api/plans/{CODE}/changes", f"/api/plans/{CODE}/versions"
    early = admin.post(changes, json={"change": "drop", "ref": "mappa", "reason": "none left"})
    assert "only when the plan is under_review" in is_problem(early, 409)["detail"]
    assert [v["number"] for v in ok(admin.get(versions))] == [1]
    commission = {
        "change": "commission",
        "ref": "remand-review",
        "reason": "urgent",
        "title": "Remand review",
        "kind": "review",
        "commissioned_by": "the Secretary of State",
        "commissioned_on": "2021-09-01",
        "lead": "HMI Prisons",
    }
    plan = ok(admin.post(changes, json=commission))
    assert {"ref": "remand-review", "title": "Remand review", "state": "scoping"} in plan[
        "work_streams"
    ]
    ok(admin.post(f"/api/plans/{CODE}/moves", json={"trigger": "start_review"}))
    for change in (
        {"change": "reprioritise", "ref": "mental-health", "priority": "high"},
        {"change": "defer", "ref": "mappa", "expected": "2023/24"},
        {"change": "drop", "ref": "remand-review"},
    ):
        plan = ok(admin.post(changes, json={**change, "reason": "the yearly review"}))
    made = ok(admin.get(versions))
    assert [(v["number"], (v["change"] or {}).get("kind")) for v in made] == [
        (1, None),
        (2, "commission"),
        (3, "reprioritise"),
        (4, "defer"),
        (5, "drop"),
    ]
    assert (made[2]["change"]["from"], made[2]["change"]["to"]) == ("normal", "high")
    assert plan["current_version"] == 5
    assert ok(admin.get("/api/streams/mental-health"))["priority"] == "high"
    assert ok(admin.get(STREAM))["expected_publication"] == "2023/24"
    assert ok(admin.get("/api/streams/remand-review"))["state"] == "withdrawn"
    unknown = admin.post("/api/plans/no-such-plan/changes", json={**commission, "ref": "other"})
    assert "no business plan 'no-such-plan'" in is_problem(unknown, 404)["detail"]
    assert ok(admin.get(versions)) == made


# -- the report's journey: publication and the recommendations -------------------------
def at_publication(rt: Runtime) -> str:
    """``mappa`` approved by every body, with two recommendations, and ``mappa-follow-up``
    to carry one into; returns the version of the report every body approved."""
    create(rt)
    create(rt, ref="mappa-follow-up")
    agree_terms(rt, "mappa")
    for trigger in ("start_fieldwork", "start_drafting"):
        send(rt, LEAD, FireTrigger(key="mappa", trigger=trigger))
    for words, owner in (("Publish a response", "PCC"), ("Share risk information", "HMPPS")):
        send(rt, LEAD, AddRecommendation(key="mappa", text=words, addressed_to=owner))
    agree(rt, "mappa", "findings")
    draft = RegisterDocument(key="mappa", kind="report", content=b"Draft report")
    version = str(send(rt, LEAD, draft).version)
    check_facts(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))
    approve_all(rt, "mappa", version)
    return version


def test_the_lead_schedules_publication_sends_the_embargoed_copy_and_publishes(
    sqlite_rt: Runtime, clock: Clock
) -> None:
    version = at_publication(sqlite_rt)
    agree_for_publication(sqlite_rt, "mappa")
    lead = api(sqlite_rt, "lead.hmiprobation")
    checked = ok(lead.get(f"{STREAM}/factual-accuracy"))
    assert (checked["completed_by"], checked["version"]) == ("chief.hmiprobation", version)
    assert [c["disposition"] for c in checked["comments"]] == ["rejected"]
    # Thursday 20 January: the embargoed copy is due three working days before.
    when = (clock.now + timedelta(days=10)).isoformat()
    scheduled = ok(lead.post(f"{STREAM}/publication/schedule", json={"when": when}))
    assert scheduled == {"ref": "mappa", "date": "2022-01-17"}
    recipient = {"name": "Press office", "email": "press@moj.example", "kind": "press"}
    shown = ok(lead.post(f"{STREAM}/publication/recipients", json=recipient), 201)
    assert shown["publication"]["recipients"] == [recipient]
    assert shown["publication"]["scheduled_for"] == "2022-01-20T09:00:00+00:00"
    assert ok(lead.post(f"{STREAM}/publication/embargo")) == {"ref": "mappa", "count": 1}
    sent = ok(lead.get(STREAM))["publication"]
    assert sent["embargo_version"] == version and sent["embargo_sent_at"] is not None
    url = "https://www.justiceinspectorates.gov.uk/mappa"
    publish_path = f"{STREAM}/publication/publish"
    wrong = lead.post(publish_path, json={"url": url, "version": "b" * 64})
    assert "must be the one every body approved" in is_problem(wrong, 409)["detail"]
    assert ok(lead.get(STREAM))["state"] == "publication"
    early = {"url": url, "version": version, "early_release_reason": "the minister spoke"}
    published = ok(lead.post(publish_path, json=early))
    assert published["state"] == "follow_up"
    assert (published["publication"]["url"], published["publication"]["version"]) == (url, version)
    assert ok(lead.get(STREAM))["state"] == "follow_up"


def test_each_recommendation_is_answered_reviewed_and_closed_or_carried_elsewhere(
    sqlite_rt: Runtime, clock: Clock
) -> None:
    at_publication(sqlite_rt)
    publish(sqlite_rt, "mappa", clock.now + timedelta(days=14))
    lead = api(sqlite_rt, "lead.hmiprobation")
    recs = f"{STREAM}/recommendations"
    answer = {"response": "agreed", "owner": "PCC", "action_plan": "Publish", "due": "2022-03-07"}
    for path, body in (
        ("1/response", answer),
        ("1/reviews", {"judgement": "good_progress"}),
        ("1/close", {"evidence": "Response published"}),
        ("2/carry", {"into": "mappa-follow-up"}),
    ):
        ok(lead.post(f"{recs}/{path}", json=body))
    assert [(r["number"], r["status"]) for r in ok(lead.get(recs))] == [
        (1, "closed"),
        (2, "carried"),
    ]
    rows = ok(lead.get("/api/recommendations", params={"stream": "mappa"}))["recommendations"]
    first, second = rows
    assert (first["response"], first["owner"], first["due"], first["latest_review"]) == (
        "agreed",
        "PCC",
        "2022-03-07",
        "good_progress",
    )
    assert second["carried_to"] == "mappa-follow-up"
    (taken,) = ok(lead.get("/api/streams/mappa-follow-up/recommendations"))
    assert (taken["text"], taken["status"]) == ("Share risk information", "open")
    closed_again = lead.post(f"{recs}/1/close", json={"evidence": "again"})
    assert "recommendation 1 is closed" in is_problem(closed_again, 409)["detail"]


# -- ratings -----------------------------------------------------------------------------
def test_a_visit_is_graded_on_its_leads_scheme_and_thematic_work_is_not_graded(
    sqlite_rt: Runtime,
) -> None:
    create(sqlite_rt)
    lead = api(sqlite_rt, "lead.hmiprobation")
    for ref, kind, parent in (
        ("youth-visits", "rolling_programme", None),
        ("visit-bristol", "visit", "youth-visits"),
    ):
        made = {
            "ref": ref,
            "title": ref,
            "kind": kind,
            "lead": "HMIPROBATION",
            "parent_ref": parent,
        }
        ok(lead.post("/api/streams", json=made), 201)
    visit = "/api/streams/visit-bristol"
    rated = ok(lead.put(f"{visit}/rating", json={"grade": "Requires improvement"}))
    assert rated["rating"] == "requires_improvement"
    assert ok(lead.get(visit))["rating"] == "requires_improvement"
    unknown = is_problem(lead.put(f"{visit}/rating", json={"grade": "adequate"}), 422)
    assert "not a grade of HMIPROBATION's scheme" in unknown["detail"]
    thematic = is_problem(lead.put(f"{STREAM}/rating", json={"grade": "good"}), 422)
    assert "is not rated" in thematic["detail"]
    assert ok(lead.get(STREAM))["rating"] is None
    assert ok(lead.get(visit))["rating"] == "requires_improvement"
