"""The business plan's own lifecycle: every (state, trigger) pair allowed or refused."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from workflow.domain.business_plan import BusinessPlan, PlanState, PlanTrigger
from workflow.domain.errors import InvalidInput, Refused, StaleVersion, TransitionRefused
from workflow.domain.joint_decisions import Decision
from workflow.domain.plan_lifecycle import (
    PLAN_TRANSITIONS,
    PlanMoveContext,
    apply_plan_event,
    fire_plan,
    plan_machine,
)
from workflow.domain.plan_versions import DROPPED, diff, entry, plan_hash

T0 = datetime(2021, 2, 1, 9, 0, tzinfo=UTC)
CHIEFS = ("HMICFRS", "HMCPSI", "HMIPRISONS", "HMIPROBATION")
ENTRIES = {"rape": entry("Rape", "normal", "summer 2021"), "mappa": entry("MAPPA", "normal", None)}
VERSION = plan_hash(ENTRIES)
CTX = PlanMoveContext(
    "Admin",
    None,
    T0,
    reason="because",
    opens=date(2021, 2, 1),
    closes=date(2021, 3, 20),
    version=VERSION,
    chief_bodies=CHIEFS,
    successor="cjji-2023-25",
)


def approved(plan: BusinessPlan) -> BusinessPlan:
    plan.approvals.versions.append(VERSION)
    for body in CHIEFS:
        plan.record_decision(body, Decision.APPROVE, VERSION, f"chief.{body}", T0)
    return plan


def plan_in(state: PlanState) -> BusinessPlan:
    plan = BusinessPlan("cjji-2021-23", "Joint Inspection Business Plan 2021–23")
    if state is PlanState.FINALISATION:
        plan.state = state
        return approved(plan)
    plan.state = state
    return plan


def test_the_machine_is_the_table() -> None:
    machine = plan_machine()
    pairs = {
        (t.source, name, t.dest)
        for name, event in machine.events.items()
        for ts in event.transitions.values()
        for t in ts
    }
    assert pairs == {(m.source.name, m.trigger.value, m.dest.name) for m in PLAN_TRANSITIONS}
    assert machine.models == []


@pytest.mark.parametrize(("state", "trigger"), list(itertools.product(PlanState, PlanTrigger)))
def test_every_pair_is_allowed_or_refused_with_a_reason(
    state: PlanState, trigger: PlanTrigger
) -> None:
    plan = plan_in(state)
    rows = [m for m in PLAN_TRANSITIONS if m.source is state and m.trigger is trigger]
    if rows:
        assert fire_plan(plan, trigger, CTX) is rows[0].dest
        moved = plan.drain()[-1]
        assert (moved.from_state, moved.to_state) == (state.value, rows[0].dest.value)
    else:
        with pytest.raises(TransitionRefused, match="that move does not exist"):
            fire_plan(plan, trigger, CTX)


def test_a_consultation_needs_dates_in_order() -> None:
    plan = plan_in(PlanState.DRAFT)
    with pytest.raises(TransitionRefused, match="opening and closing dates"):
        fire_plan(plan, "open_consultation", PlanMoveContext("A", None, T0))
    backwards = PlanMoveContext("A", None, T0, opens=date(2021, 3, 1), closes=date(2021, 2, 1))
    with pytest.raises(TransitionRefused, match="opens on 2021-03-01 after it closes"):
        fire_plan(plan, "open_consultation", backwards)
    fire_plan(plan, "open_consultation", CTX)
    assert (plan.consultation_opens, plan.consultation_closes) == (CTX.opens, CTX.closes)


def test_responses_are_recorded_only_during_consultation_with_their_topics() -> None:
    plan = plan_in(PlanState.DRAFT)
    with pytest.raises(Refused, match="only while the consultation is open"):
        plan.record_response("Jo", "Magistrates Association", ["youth"], "admin", None, T0)
    plan.state = PlanState.CONSULTATION
    with pytest.raises(InvalidInput, match="at least one topic"):
        plan.record_response("Jo", "Magistrates Association", [" "], "admin", None, T0)
    plan.record_response("Jo", "Magistrates Association", ["youth", "remand"], "admin", None, T0)
    assert plan.responses[0].topics == ("youth", "remand")


def test_publication_waits_for_every_chief_inspector_on_the_same_version() -> None:
    plan = plan_in(PlanState.DRAFT)
    plan.state = PlanState.FINALISATION
    plan.approvals.versions.append(VERSION)
    for body in CHIEFS[:3]:
        plan.record_decision(body, Decision.APPROVE, VERSION, "chief", T0)
    with pytest.raises(TransitionRefused, match="awaits the approval of HMIPROBATION"):
        fire_plan(plan, "publish", CTX)
    with pytest.raises(StaleVersion):
        plan.record_decision("HMIPROBATION", Decision.APPROVE, "0" * 64, "chief", T0)
    plan.record_decision("HMIPROBATION", Decision.APPROVE, VERSION, "chief", T0)
    assert fire_plan(plan, "publish", CTX) is PlanState.PUBLISHED


def test_replay_rebuilds_the_plan_from_its_events() -> None:
    plan = plan_in(PlanState.DRAFT)
    events = []
    fire_plan(plan, "open_consultation", CTX)
    plan.record_response("Jo", "Magistrates Association", ["youth"], "admin", None, T0)
    fire_plan(plan, "close_consultation", CTX)
    for body in CHIEFS:
        plan.record_decision(body, Decision.APPROVE, VERSION, f"chief.{body}", T0)
    fire_plan(plan, "publish", CTX)
    plan.make_version(ENTRIES, None, "admin", None, T0)
    events = plan.drain()
    again = BusinessPlan(plan.code, plan.title)
    for e in events:
        apply_plan_event(again, e.action, e.at, e.actor, e.body, e.to_state, e.reason, e.payload)
    assert again.snapshot() == plan.snapshot()


def test_the_diff_names_exactly_what_was_added_dropped_reprioritised_or_redated() -> None:
    later = {
        "rape": entry("Rape", "high", "autumn 2021"),
        "mappa": entry("MAPPA", "normal", None, DROPPED),
        "new": entry("New", "normal", None, commissioned={"on": "2022-01-05", "by": "chiefs"}),
    }
    changes = diff(ENTRIES, later)
    assert changes["added"] == [
        {"ref": "new", "title": "New", "commissioned": {"on": "2022-01-05", "by": "chiefs"}}
    ]
    assert changes["dropped"] == [{"ref": "mappa", "title": "MAPPA"}]
    assert changes["reprioritised"] == [{"ref": "rape", "from": "normal", "to": "high"}]
    assert changes["redated"] == [{"ref": "rape", "from": "summer 2021", "to": "autumn 2021"}]
    assert changes["deferred"] == []
    assert all(not v for v in diff(later, later).values())
