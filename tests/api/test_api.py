"""The HTTP API against the real databases: permissions, the lifecycle, problem+json."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import api, import_programme
from tests.api.test_access import new_person
from tests.integration.walk import BODIES, seed_people, to_signoff
from tests.integration.walk import create as create_stream
from workflow.application import security_log
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}


def is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_FIELDS and body["status"] == status
    return body


def refusals(rt: Runtime) -> list[dict[str, Any]]:
    return queries.audit_log(rt, action="access_refused")


def test_the_api_refuses_a_request_without_a_valid_token_with_401_problem_json(
    rt: Runtime,
) -> None:
    seed_people(rt)
    client = api(rt)
    missing = is_problem(client.get("/api/streams"), 401)
    assert "Authorization: Bearer" in missing["detail"]
    assert client.get("/api/streams").headers["www-authenticate"].startswith("Bearer")
    forged = client.get("/api/streams", headers={"Authorization": "Bearer cjji_forged"})
    assert "not known or was revoked" in is_problem(forged, 401)["detail"]
    # Nobody signed in: counted in the security log, not written to the audit chain.
    assert refusals(rt) == []
    (row,) = security_log.entries(rt)
    assert (row["kind"], row["count"]) == ("token", 3)
    assert "not known or was revoked" in row["last_detail"]


def test_the_programme_is_listed_and_filtered_with_the_overdue_flag(rt: Runtime) -> None:
    seed_people(rt)
    import_programme(rt)
    client = api(rt, "signatory.hmiprisons")
    everything = client.get("/api/streams").json()
    assert len(everything) == 18
    led = client.get("/api/streams", params={"lead": "HMIC"}).json()
    assert {s["lead"] for s in led} == {"HMICFRS"} and len(led) == 6
    overdue = client.get("/api/streams", params={"overdue": "true"}).json()
    # Today (the test clock) is 10 January 2022: summer and autumn 2021 have passed.
    assert {s["ref"] for s in overdue} >= {"rape-phase-one", "mental-health"}
    assert "mappa" not in {s["ref"] for s in overdue}  # Spring 2022
    assert is_problem(client.get("/api/streams", params={"state": "done"}), 422)["errors"]
    unknown_body = is_problem(client.get("/api/streams", params={"body": "HMI Nowhere"}), 422)
    assert "unknown body 'HMI Nowhere'" in unknown_body["detail"]


def test_the_programme_is_listed_a_page_at_a_time_with_its_count_and_links(rt: Runtime) -> None:
    seed_people(rt)
    import_programme(rt)
    client = api(rt, "signatory.hmiprisons")
    everything = client.get("/api/streams", params={"lead": "HMIC"}).json()
    first = client.get(
        "/api/streams", params={"lead": "HMIC", "page": 1, "per_page": 4, "sort": "title"}
    )
    assert first.status_code == 200 and first.headers["x-total-count"] == str(len(everything))
    titles = sorted((s["title"], s["id"]) for s in everything)
    assert [s["ref"] for s in first.json()] == [
        next(s["ref"] for s in everything if s["id"] == id_) for _, id_ in titles[:4]
    ]
    assert first.headers["link"] == (
        '</api/streams?lead=HMIC&per_page=4&sort=title&page=2>; rel="next"'
    )
    last = client.get("/api/streams", params={"lead": "HMIC", "page": 2, "per_page": 4})
    assert len(last.json()) == len(everything) - 4
    assert last.headers["link"] == '</api/streams?lead=HMIC&per_page=4&page=1>; rel="prev"'
    late = client.get("/api/streams", params={"overdue": "true", "page": 1})
    assert {s["ref"] for s in late.json()} == {
        s["ref"] for s in client.get("/api/streams", params={"overdue": "true"}).json()
    }
    assert "link" not in late.headers
    assert is_problem(client.get("/api/streams", params={"page": 1, "sort": "colour"}), 422)
    assert is_problem(client.get("/api/streams", params={"page": 0}), 422)


def test_an_unknown_work_stream_is_404_saying_where_to_look(rt: Runtime) -> None:
    seed_people(rt)
    client = api(rt, "admin")
    assert (
        "no work stream 'no-such'" in is_problem(client.get("/api/streams/no-such"), 404)["detail"]
    )
    is_problem(client.get("/api/streams/99999999999999999999"), 404)
    is_problem(client.get("/api/nowhere"), 404)


def test_the_lead_bodys_inspector_walks_a_work_stream_through_joint_signoff(
    rt: Runtime,
) -> None:
    seed_people(rt)
    lead = api(rt, "lead.hmiprobation")
    created = lead.post(
        "/api/streams",
        json={
            "ref": "omic-2026",
            "title": "OMiC",
            "kind": "thematic_inspection",
            "lead": "HMI Probation",
            "supporting": ["HMI Prisons"],
            "expected_publication": "Spring 2027",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/streams/omic-2026"
    name_leads_over_http(rt, "omic-2026", ("HMIPROBATION", "HMIPRISONS"))
    tor = lead.post(
        "/api/streams/omic-2026/documents/terms_of_reference",
        files={"file": ("tor.txt", b"Terms of reference", "text/plain")},
    )
    assert tor.status_code == 201, tor.text
    for body in ("HMIPROBATION", "HMIPRISONS"):
        decided = api(rt, f"signatory.{body.lower()}").post(
            "/api/streams/omic-2026/decisions",
            json={
                "body": body,
                "decision": "approve",
                "version": tor.json()["version"],
                "kind": "terms_of_reference",
            },
        )
        assert decided.status_code == 200, decided.text
    agree_over_http(rt, lead, "omic-2026", "methodology", ("HMIPROBATION", "HMIPRISONS"))
    for trigger in ("start_fieldwork", "start_drafting"):
        moved = lead.post("/api/streams/omic-2026/transitions", json={"trigger": trigger})
        assert moved.status_code == 200, moved.text
    agree_over_http(rt, lead, "omic-2026", "findings", ("HMIPROBATION", "HMIPRISONS"))
    draft = lead.post(
        "/api/streams/omic-2026/documents/report",
        files={"file": ("draft.txt", b"Draft report", "text/plain")},
    ).json()
    added = lead.post(
        "/api/streams/omic-2026/recommendations",
        json={"text": "Share risk information", "addressed_to": "HMPPS"},
    )
    assert added.status_code == 201, added.text
    assert [r["number"] for r in added.json()["recommendations"]] == [1]
    check_facts_over_http(rt, lead, "omic-2026")
    submitted = lead.post(
        "/api/streams/omic-2026/transitions", json={"trigger": "submit_for_signoff"}
    )
    assert submitted.status_code == 200, submitted.text
    assert lead.get("/api/recommendations").json()["recommendations"][0]["ref"] == "omic-2026"
    status = lead.get("/api/streams/omic-2026/signoff").json()
    assert status["outstanding"]["awaiting"] == ["HMIPROBATION", "HMIPRISONS"]
    last = None
    for body in ("HMIPROBATION", "HMIPRISONS"):
        last = api(rt, f"deputy.{body.lower()}").post(
            "/api/streams/omic-2026/decisions",
            json={"body": body, "decision": "approve", "version": draft["version"]},
        )
    assert last is not None and last.json()["moved_to"] == "publication"
    record = lead.get("/api/streams/omic-2026/documents").json()
    report = next(d for d in record if d["kind"] == "report")
    assert [b["decision"] for b in report["by_body"]] == ["approve", "approve"]
    text = lead.get(f"/api/streams/omic-2026/documents/report/{draft['version']}")
    assert text.content == b"Draft report"
    events = lead.get("/api/streams/omic-2026/events").json()
    assert [e["to"] for e in events if e["action"] == "transitioned"] == [
        "fieldwork",
        "drafting",
        "joint_signoff",
        "publication",
    ]
    assert all(e["actor"] != "test set-up" for e in events if e["action"] == "transitioned")
    deadlines = lead.get("/api/deadlines", params={"stream": "omic-2026", "closed": True})
    assert deadlines.status_code == 200, deadlines.text
    (open_one, *_) = [d for d in deadlines.json() if d["closed_at"] is None]
    far = lead.post(
        f"/api/deadlines/{open_one['id']}/extension",
        json={"to": "9999-12-31", "reason": "a slip of the keyboard"},
    )
    assert far.status_code == 422, far.text  # not a 500: a date beyond the horizon
    assert "more than 10 years after the due date" in far.json()["detail"]
    feed = lead.get("/api/calendar/streams/omic-2026.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR")


def name_leads_over_http(rt: Runtime, ref: str, bodies: tuple[str, ...]) -> None:
    """Each body's chief inspector names its lead inspector and senior-level oversight."""
    for body in bodies:
        named = api(rt, f"chief.{body.lower()}").put(
            f"/api/streams/{ref}/key-people",
            json={
                "body": body,
                "lead_inspector": f"lead.{body.lower()}",
                "senior_oversight": f"chief.{body.lower()}",
            },
        )
        assert named.status_code == 200, named.text


def agree_over_http(rt: Runtime, lead: Any, ref: str, kind: str, bodies: tuple[str, ...]) -> str:
    """Register a version of the key matter ``kind``; every body's signatory approves it."""
    registered = lead.post(
        f"/api/streams/{ref}/documents/{kind}",
        files={"file": (f"{kind}.txt", f"The {kind} of {ref}".encode(), "text/plain")},
    )
    assert registered.status_code == 201, registered.text
    version = str(registered.json()["version"])
    for body in bodies:
        decided = api(rt, f"signatory.{body.lower()}").post(
            f"/api/streams/{ref}/decisions",
            json={"body": body, "decision": "approve", "version": version, "kind": kind},
        )
        assert decided.status_code == 200, decided.text
    return version


def test_fieldwork_refused_while_the_methodology_awaits_a_body_names_it_version_and_body(
    rt: Runtime,
) -> None:
    create_stream(rt, "omic-2026")
    lead = api(rt, "lead.hmiprobation")
    agree_over_http(rt, lead, "omic-2026", "terms_of_reference", BODIES)
    path = "/api/streams/omic-2026"
    method = lead.post(
        f"{path}/documents/methodology",
        files={"file": ("method.txt", b"Interviews and case files", "text/plain")},
    ).json()["version"]
    for body in BODIES[:2]:  # HMICFRS has not agreed the methodology yet
        api(rt, f"signatory.{body.lower()}").post(
            f"{path}/decisions",
            json={"body": body, "decision": "approve", "version": method, "kind": "methodology"},
        )
    refused = lead.post(f"{path}/transitions", json={"trigger": "start_fieldwork"})
    problem = is_problem(refused, 409)
    assert (
        f"the methodology (version {method[:12]}) awaits agreement from HMICFRS"
        in problem["detail"]
    )
    shown = lead.get(path).json()
    methodology = next(m for m in shown["key_matters"] if m["matter"] == "methodology")
    assert methodology["awaiting"] == ["HMICFRS"]
    assert shown["key_people"]["HMICFRS"] == {
        "lead_inspector": "lead.hmicfrs",
        "senior_oversight": "chief.hmicfrs",
    }


def test_a_body_names_only_its_own_people_and_only_people_of_the_directory(
    rt: Runtime,
) -> None:
    create_stream(rt, "omic-2026", leads=False)
    path = "/api/streams/omic-2026"
    tor = api(rt, "lead.hmiprobation").post(
        f"{path}/documents/terms_of_reference",
        files={"file": ("tor.txt", b"Terms", "text/plain")},
    )
    assert "HMIPROBATION, HMIPRISONS, HMICFRS have not" in is_problem(tor, 409)["detail"]
    other = api(rt, "chief.hmiprisons").put(
        f"{path}/key-people",
        json={"body": "HMICFRS", "lead_inspector": "lead.hmicfrs", "senior_oversight": "x"},
    )
    assert "cannot name people for HMICFRS" in is_problem(other, 403)["detail"]
    wrong = api(rt, "chief.hmiprisons").put(
        f"{path}/key-people",
        json={
            "body": "HMIPRISONS",
            "lead_inspector": "lead.hmicfrs",
            "senior_oversight": "chief.hmiprisons",
        },
    )
    assert "lead.hmicfrs acts for HMICFRS, not HMIPRISONS" in is_problem(wrong, 422)["detail"]


def check_facts_over_http(rt: Runtime, lead: Any, ref: str) -> None:
    """The factual accuracy check, signed off by a lead-body member not on the team."""
    path = f"/api/streams/{ref}"
    team = lead.put(f"{path}/fieldwork-team", json={"members": ["lead.hmiprobation"]})
    assert team.status_code == 200, team.text
    started = lead.post(f"{path}/factual-accuracy", json={"parties": ["Avon and Somerset"]})
    assert started.status_code == 200, started.text
    comment = lead.post(
        f"{path}/factual-accuracy/comments",
        json={"party": "Avon and Somerset", "text": "Table 2 is out of date"},
    )
    assert comment.json() == {"number": 1}
    disposed = lead.post(
        f"{path}/factual-accuracy/comments/1/disposition",
        json={"disposition": "rejected", "reason": "The table cites the right year"},
    )
    assert disposed.status_code == 200, disposed.text
    own_team = api(rt, "lead.hmiprobation").post(f"{path}/factual-accuracy/sign-off")
    assert own_team.status_code in (403, 409), own_team.text
    signed = api(rt, "chief.hmiprobation").post(f"{path}/factual-accuracy/sign-off")
    assert signed.status_code == 200, signed.text
    assert signed.json()["factual_accuracy"]["completed_by"] == "chief.hmiprobation"


def test_only_the_lead_bodys_staff_move_a_work_stream_and_each_refusal_is_audited(
    rt: Runtime,
) -> None:
    create_stream(rt)
    other_inspector = api(rt, "lead.hmicfrs")
    refused = other_inspector.post("/api/streams/mappa/transitions", json={"trigger": "pause"})
    assert "only the lead body moves it" in is_problem(refused, 403)["detail"]
    signatory = api(rt, "signatory.hmiprobation")
    refused = signatory.post("/api/streams/mappa/transitions", json={"trigger": "pause"})
    assert "inspector or chief_inspector" in is_problem(refused, 403)["detail"]
    audited = refusals(rt)
    assert [(e["actor"], e["stream"]) for e in audited] == [
        ("lead.hmicfrs", "mappa"),
        ("signatory.hmiprobation", "mappa"),
    ]
    assert audited[0]["payload"]["what"] == "POST /api/streams/mappa/transitions"


def test_a_move_the_rules_refuse_is_409_naming_the_unmet_condition_and_is_audited(
    rt: Runtime,
) -> None:
    create_stream(rt)
    lead = api(rt, "lead.hmiprobation")
    refused = lead.post("/api/streams/mappa/transitions", json={"trigger": "start_fieldwork"})
    body = is_problem(refused, 409)
    assert body["type"] == "urn:cjji:problem:transition-refused"
    assert "no terms of reference are recorded" in body["detail"]
    # The rules refused a permitted person: audited as such, not as an access refusal.
    assert queries.audit_log(rt, action="rule_refused")[-1]["reason"] == body["detail"]
    assert refusals(rt) == []
    withdraw = lead.post("/api/streams/mappa/transitions", json={"trigger": "withdraw"})
    assert "a reason is required" in is_problem(withdraw, 409)["detail"]


def test_a_change_on_an_old_version_of_the_work_stream_is_a_409_conflict(rt: Runtime) -> None:
    create_stream(rt)
    lead = api(rt, "lead.hmiprobation")
    version = lead.get("/api/streams/mappa").json()["version"]
    edited = lead.patch("/api/streams/mappa", json={"title": "MAPPA", "expected_version": version})
    assert edited.status_code == 200 and edited.json()["title"] == "MAPPA"
    stale = lead.patch("/api/streams/mappa", json={"title": "Again", "expected_version": version})
    assert "reload it and try again" in is_problem(stale, 409)["detail"]


def test_a_signatory_decides_only_for_their_own_body_and_on_the_current_version(
    rt: Runtime,
) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    hmicfrs = api(rt, "signatory.hmicfrs")
    impostor = hmicfrs.post(
        "/api/streams/mappa/decisions",
        json={"body": "HMI Prisons", "decision": "approve", "version": version},
    )
    assert (
        "acts for HMICFRS and cannot decide for HMIPRISONS" in is_problem(impostor, 403)["detail"]
    )
    stale = hmicfrs.post(
        "/api/streams/mappa/decisions",
        json={"body": "HMICFRS", "decision": "approve", "version": "a" * 64},
    )
    assert is_problem(stale, 409)["type"] == "urn:cjji:problem:stale-version"
    inspector = api(rt, "lead.hmicfrs").post(
        "/api/streams/mappa/decisions",
        json={"body": "HMICFRS", "decision": "approve", "version": version},
    )
    is_problem(inspector, 403)
    assert len(refusals(rt)) == 2  # the impostor and the inspector: access
    assert len(queries.audit_log(rt, action="rule_refused")) == 1  # the stale version
    changes = hmicfrs.post(
        "/api/streams/mappa/decisions",
        json={"body": "HMICFRS", "decision": "request_changes", "version": version},
    )
    assert "needs a comment" in is_problem(changes, 422)["detail"]


def test_read_only_users_see_everything_and_change_nothing(rt: Runtime) -> None:
    create_stream(rt)
    viewer = api(rt, new_person(rt, ["read_only"], body="HMIPROBATION"))
    assert viewer.get("/api/streams/mappa").status_code == 200
    for method, path, payload in (
        ("post", "/api/streams/mappa/transitions", {"trigger": "pause"}),
        ("patch", "/api/streams/mappa", {"title": "Mine now"}),
        (
            "post",
            "/api/streams",
            {"title": "New", "kind": "review", "lead": "HMIPROBATION"},
        ),
    ):
        answer = getattr(viewer, method)(path, json=payload)
        assert "read-only access" in is_problem(answer, 403)["detail"]
    assert viewer.get("/api/streams/mappa").json()["title"] == "Work stream mappa"


def test_inspectors_create_only_work_streams_their_body_leads(rt: Runtime) -> None:
    seed_people(rt)
    lead = api(rt, "lead.hmicfrs")
    elsewhere = lead.post(
        "/api/streams", json={"title": "Not ours", "kind": "review", "lead": "HMCPSI"}
    )
    assert "cannot create a work stream led by HMCPSI" in is_problem(elsewhere, 403)["detail"]
    bad = lead.post("/api/streams", json={"title": "", "kind": "picnic"})
    fields = {e["field"] for e in is_problem(bad, 422)["errors"]}
    assert fields == {"body.title", "body.kind"}


def test_administrators_manage_users_and_tokens_and_others_cannot(rt: Runtime) -> None:
    seed_people(rt)
    admin = api(rt, "admin")
    username = f"new.{rt.clock().timestamp():.0f}.{id(admin) % 10_000}"
    added = admin.post(
        "/api/users",
        json={
            "username": username,
            "name": "New Inspector",
            "email": "new@probation.example",
            "body": "HMI Probation",
            "roles": ["inspector"],
        },
    )
    assert added.status_code == 201, added.text
    password = admin.patch(f"/api/users/{username}", json={"password": "a long enough password"})
    assert "an API token cannot set a password" in is_problem(password, 403)["detail"]
    assert added.json()["body"] == "HMIPROBATION"
    issued = admin.post("/api/tokens", json={"label": "for the new one", "username": username})
    assert issued.status_code == 201
    newcomer = api(rt)
    newcomer.headers["Authorization"] = f"Bearer {issued.json()['token']}"
    assert newcomer.get("/api/me").json()["may_move"] is True
    assert is_problem(newcomer.get("/api/users"), 403)["detail"].endswith("is not one")
    assert is_problem(newcomer.get("/api/users/admin"), 403)
    own = newcomer.post("/api/tokens", json={"label": "mine"}).json()
    for_admin = newcomer.post("/api/tokens", json={"label": "theirs", "username": "admin"})
    is_problem(for_admin, 403)
    assert newcomer.delete(f"/api/tokens/{own['id']}").status_code == 204
    deactivated = admin.patch(f"/api/users/{username}", json={"active": False})
    assert deactivated.json()["active"] is False
    is_problem(newcomer.get("/api/me"), 401)
    changes = [e["payload"].get("change") for e in queries.audit_log(rt, action="user_changed")]
    assert "deactivated" in changes and "password set" not in changes


def test_the_audit_log_and_its_verification_are_for_administrators(rt: Runtime) -> None:
    create_stream(rt)
    admin = api(rt, "admin")
    log = admin.get("/api/audit", params={"stream": "mappa", "action": "created"}).json()
    assert [e["action"] for e in log] == ["created"]
    verified = admin.get("/api/audit/verify").json()
    assert verified["ok"] is True and verified["checked"] > 0
    is_problem(api(rt, "signatory.hmicfrs").get("/api/audit"), 403)
    is_problem(api(rt, "lead.hmiprobation").get("/api/audit/verify"), 403)


def test_the_lead_issues_a_signoff_link_for_a_participating_bodys_signatory(
    rt: Runtime,
) -> None:
    create_stream(rt)
    to_signoff(rt)
    lead = api(rt, "lead.hmiprobation")
    link = lead.post(
        "/api/streams/mappa/signoff-links",
        json={"body": "HMIC", "username": "signatory.hmicfrs"},
    )
    assert link.status_code == 201, link.text
    assert link.json()["url"].startswith(f"{rt.settings.public_url}/decide/")
    is_problem(
        api(rt, "lead.hmicfrs").post(
            "/api/streams/mappa/signoff-links",
            json={"body": "HMIC", "username": "signatory.hmicfrs"},
        ),
        403,
    )


@pytest.mark.parametrize("body", BODIES)
def test_every_participating_body_is_listed_with_its_standing(rt: Runtime, body: str) -> None:
    create_stream(rt)
    to_signoff(rt)
    status = api(rt, "admin").get("/api/streams/mappa/signoff").json()
    assert body in status["participants"] and body in status["outstanding"]["awaiting"]


def test_the_openapi_document_describes_every_error_as_problem_json(rt: Runtime) -> None:
    schema = api(rt).get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (
                        path,
                        method,
                        status,
                    )
    assert api(rt).get("/docs").status_code == 200
