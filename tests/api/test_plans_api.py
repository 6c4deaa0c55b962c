"""/api/plans: the plan's own life over HTTP, refused as the policy table says."""

from __future__ import annotations

from tests.api.helpers import api, import_programme
from tests.integration.walk import seed_people
from workflow.bootstrap import Runtime

CODE = "cjji-2021-23"


def test_administrators_run_the_plan_and_each_chief_inspector_approves_for_their_own_body(
    rt: Runtime,
) -> None:
    seed_people(rt)
    import_programme(rt)
    admin, chief = api(rt, "admin"), api(rt, "chief.hmicfrs")
    assert [p["state"] for p in admin.get("/api/plans").json()] == ["draft"]
    opened = admin.post(
        f"/api/plans/{CODE}/moves",
        json={"trigger": "open_consultation", "opens": "2021-01-11", "closes": "2021-02-28"},
    )
    assert opened.status_code == 200 and opened.json()["state"] == "consultation"
    refused = chief.post(f"/api/plans/{CODE}/moves", json={"trigger": "close_consultation"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    response = {"respondent": "Jo", "organisation": "Magistrates Association", "topics": ["youth"]}
    assert admin.post(f"/api/plans/{CODE}/responses", json=response).status_code == 200
    closed = admin.post(f"/api/plans/{CODE}/moves", json={"trigger": "close_consultation"}).json()
    version = closed["approval"]["version"]
    other = chief.post(f"/api/plans/{CODE}/decisions", json={"body": "HMCPSI", "version": version})
    assert other.status_code == 403 and "only for HMICFRS" in other.json()["detail"]
    own = chief.post(f"/api/plans/{CODE}/decisions", json={"body": "HMICFRS", "version": version})
    assert own.json()["approval"]["approved"] == ["HMICFRS"]
    early = admin.post(f"/api/plans/{CODE}/moves", json={"trigger": "publish"})
    assert early.status_code == 409 and "HMCPSI" in early.json()["detail"]
    missing = admin.get(f"/api/plans/{CODE}/diff", params={"from": 1, "to": 2})
    assert missing.status_code == 422 and "no version 1" in missing.json()["detail"]
    assert admin.get("/api/plans/no-such-plan").status_code == 404
