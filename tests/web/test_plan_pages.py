"""/plans and /plans/{code}: the business plans, read-only, for anyone signed in."""

from __future__ import annotations

from datetime import date

from tests.api.helpers import browser, import_programme
from tests.integration.walk import seed_people
from tests.support.acting import send
from workflow.application.commands import (
    DropWork,
    MovePlan,
    RecordConsultationResponse,
    RecordPlanDecision,
)
from workflow.application.queries import plans as queries
from workflow.bootstrap import Runtime

CODE = "cjji-2021-23"


def test_the_plans_pages_show_state_responses_and_a_nav_link(rt: Runtime) -> None:
    seed_people(rt)
    import_programme(rt)
    send(rt, "admin", MovePlan(code=CODE, trigger="open_consultation", opens=date(2021, 1, 11),
                               closes=date(2021, 2, 28)))  # fmt: skip
    send(rt, "admin", RecordConsultationResponse(
        code=CODE, respondent="Jo Bloggs", organisation="Magistrates Association",
        topics=("youth", "remand")))  # fmt: skip
    client = browser(rt, "lead.hmcpsi")
    listing = client.get("/plans")
    assert listing.status_code == 200
    assert 'href="/plans"' in listing.text and f'href="/plans/{CODE}"' in listing.text
    assert "Out for consultation" in listing.text
    page = client.get(f"/plans/{CODE}")
    assert page.status_code == 200
    assert "Magistrates Association" in page.text and "youth, remand" in page.text
    assert "2021-01-11 to 2021-02-28" in page.text and "Not published yet" in page.text
    assert client.get("/plans/no-such-plan").status_code == 404
    assert browser(rt).get("/plans").status_code == 303  # a visitor signs in first


def test_a_published_plan_shows_its_approvals_and_versions(rt: Runtime) -> None:
    seed_people(rt)
    import_programme(rt)
    send(rt, "admin", MovePlan(code=CODE, trigger="open_consultation", opens=date(2021, 1, 11),
                               closes=date(2021, 2, 28)))  # fmt: skip
    send(rt, "admin", MovePlan(code=CODE, trigger="close_consultation"))
    version = queries.show_plan(rt, CODE)["approval"]["version"]
    for body in ("HMICFRS", "HMCPSI", "HMIPRISONS", "HMIPROBATION"):
        send(rt, f"chief.{body.lower()}", RecordPlanDecision(code=CODE, body=body, version=version))
    send(rt, "admin", MovePlan(code=CODE, trigger="publish"))
    send(rt, "admin", MovePlan(code=CODE, trigger="start_review"))
    send(rt, "admin", DropWork(code=CODE, ref="mappa", reason="Covered elsewhere"))
    page = browser(rt, "lead.hmcpsi").get(f"/plans/{CODE}").text
    assert "Under yearly review" in page and f"<code>{version[:12]}</code>" in page
    assert "chief.hmiprobation" in page and "Covered elsewhere" in page
    assert 'href="/streams/mappa"' in page
