"""The business plan's handlers on both databases: the rules a person meets at each step."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from tests.api.helpers import import_programme
from tests.integration.walk import seed_people
from tests.support.acting import send
from workflow.application.commands import (
    CommissionWork,
    DeferWork,
    DropWork,
    EditWorkStream,
    MovePlan,
    RecordPlanDecision,
    ReprioritiseWork,
)
from workflow.application.queries import plans as queries
from workflow.application.queries import streams
from workflow.bootstrap import Runtime
from workflow.domain.errors import NotFound, NotPermitted, Refused, TransitionRefused

CODE = "cjji-2021-23"
CHIEFS = ("HMICFRS", "HMCPSI", "HMIPRISONS", "HMIPROBATION")


def to_finalisation(rt: Runtime) -> str:
    seed_people(rt)
    import_programme(rt)
    send(rt, "admin", MovePlan(code=CODE, trigger="open_consultation", opens=date(2021, 1, 11),
                               closes=date(2021, 2, 28)))  # fmt: skip
    send(rt, "admin", MovePlan(code=CODE, trigger="close_consultation"))
    version: str = queries.show_plan(rt, CODE)["approval"]["version"]
    return version


def publish(rt: Runtime) -> None:
    version = to_finalisation(rt)
    for body in CHIEFS:
        send(rt, f"chief.{body.lower()}", RecordPlanDecision(code=CODE, body=body, version=version))
    send(rt, "admin", MovePlan(code=CODE, trigger="publish"))


def test_a_plan_changed_after_the_chiefs_approved_it_cannot_be_published(rt: Runtime) -> None:
    version = to_finalisation(rt)
    for body in CHIEFS:
        send(rt, f"chief.{body.lower()}", RecordPlanDecision(code=CODE, body=body, version=version))
    send(rt, "lead.hmiprobation", EditWorkStream(key="mental-health", changes={"priority": "high"}))
    with pytest.raises(TransitionRefused, match="changed since the version put to the chief"):
        send(rt, "admin", MovePlan(code=CODE, trigger="publish"))


def test_a_partner_bodys_chief_inspector_does_not_approve_the_joint_plan(rt: Runtime) -> None:
    version = to_finalisation(rt)
    with pytest.raises(Refused, match="CQC is not a CJ inspectorate"):
        send(rt, "chief.cqc", RecordPlanDecision(code=CODE, body="CQC", version=version))
    with pytest.raises(NotPermitted, match="needs the chief_inspector role"):  # admin: HMIPROBATION
        send(rt, "admin", RecordPlanDecision(code=CODE, body="HMIPROBATION", version=version))


def test_the_review_changes_wait_for_the_review_but_commissioning_does_not(rt: Runtime) -> None:
    publish(rt)
    with pytest.raises(Refused, match="only when the plan is under_review"):
        send(rt, "admin", ReprioritiseWork(code=CODE, ref="mappa", priority="high", reason="r"))
    send(rt, "admin", CommissionWork(code=CODE, ref="remand-review", title="Remand review",
                                     kind="review", commissioned_by="the Secretary of State",
                                     reason="urgent", lead="HMI Prisons",
                                     commissioned_on=date(2021, 9, 1)))  # fmt: skip
    send(rt, "admin", MovePlan(code=CODE, trigger="start_review"))
    send(rt, "admin", DeferWork(code=CODE, ref="mappa", reason="Staff", expected="2023/24"))
    with pytest.raises(NotFound, match="no work stream 'no-such-ref-here'"):
        send(rt, "admin", DropWork(code=CODE, ref="no-such-ref-here", reason="r"))
    changes = queries.plan_diff(rt, CODE, 1, 3)["changes"]
    assert [c["ref"] for c in changes["added"]] == ["remand-review"]
    assert [c["ref"] for c in changes["deferred"]] == ["mappa"]
    assert changes["redated"][0]["ref"] == "mappa" and changes["redated"][0]["to"] == "2023/24"
    assert streams.show_stream(rt, "mappa")["expected_publication"] == "2023/24"
    send(rt, "admin", MovePlan(code=CODE, trigger="supersede", successor="cjji-2023-25"))
    assert queries.list_plans(rt)[0]["state"] == "superseded"
    assert streams.replay_differences(rt) == {}


def test_the_migration_makes_exactly_the_plan_tables_declared(rt: Runtime) -> None:
    mine = ("business_plan", "plan_version")
    with rt.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, SQLModel.metadata) if any(
            name in repr(d) for name in mine)]  # fmt: skip
    assert diff == []


def test_a_request_for_changes_is_met_by_putting_the_revised_plan_to_every_chief_again(
    rt: Runtime,
) -> None:
    version = to_finalisation(rt)
    send(rt, "chief.hmicfrs", RecordPlanDecision(code=CODE, body="HMICFRS", version=version))
    send(rt, "chief.hmcpsi", RecordPlanDecision(code=CODE, body="HMCPSI", version=version,
                                                decision="request_changes",
                                                comment="Add a remand review"))  # fmt: skip
    send(rt, "lead.hmiprobation", EditWorkStream(key="mental-health", changes={"priority": "high"}))
    send(rt, "admin", MovePlan(code=CODE, trigger="revise"))
    approval = queries.show_plan(rt, CODE)["approval"]
    assert approval["version"] != version and approval["approved"] == []  # a new round
    for body in CHIEFS:
        send(rt, f"chief.{body.lower()}",
             RecordPlanDecision(code=CODE, body=body, version=approval["version"]))  # fmt: skip
    send(rt, "admin", MovePlan(code=CODE, trigger="publish"))
    assert queries.show_plan(rt, CODE)["state"] == "published"
    assert streams.replay_differences(rt) == {}
