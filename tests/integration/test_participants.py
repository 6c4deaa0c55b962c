"""Bodies whose decision is awaited cannot be dropped from a work stream by an edit; only a
change of participants that every remaining body agrees drops them (issue 16)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from tests.integration.walk import LEAD, create, seed_people, signatory, to_signoff
from tests.support.acting import send
from workflow.application.commands import (
    CreateWorkStream,
    EditWorkStream,
    FireTrigger,
    ProposeParticipants,
    RecordDecision,
    RecordParticipantsDecision,
    RegisterDocument,
)
from workflow.application.handlers.reactions import REQUEST_DECISION
from workflow.application.principal import Actor
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import InvalidInput, Refused
from workflow.domain.participants import ProposalOutcome
from workflow.domain.stages import Stage
from workflow.store.tables import OutboxRow


def test_a_body_awaited_at_joint_signoff_cannot_be_dropped(rt: Runtime) -> None:
    create(rt)
    version = to_signoff(rt)
    for body in ("HMIPROBATION", "HMIPRISONS"):
        send(
            rt,
            signatory(body),
            RecordDecision(key="mappa", body=body, decision="approve", version=version),
        )
    with pytest.raises(Refused) as refused:
        send(rt, LEAD, EditWorkStream(key="mappa", changes={"supporting": ["HMI Prisons"]}))
    message = str(refused.value)
    assert "HMICFRS" in message and "joint sign-off" in message
    assert "cjji signoff record" in message
    ws = send(rt, LEAD, EditWorkStream(key="mappa", changes={"title": "Still editable"}))
    assert ws.supporting == ("HMIPRISONS", "HMICFRS") and ws.state is Stage.JOINT_SIGNOFF
    # Adding a body is allowed: it is simply awaited too.
    ws = send(
        rt,
        LEAD,
        EditWorkStream(key="mappa", changes={"supporting": ["HMI Prisons", "HMIC", "CQC"]}),
    )
    assert "CQC" in ws.supporting


def test_a_body_awaited_on_the_terms_of_reference_cannot_be_dropped(rt: Runtime) -> None:
    create(rt)
    send(rt, LEAD, RegisterDocument(key="mappa", kind="terms_of_reference", content=b"ToR"))
    with pytest.raises(Refused, match=r"HMIPRISONS, HMICFRS on the terms of reference"):
        send(rt, LEAD, EditWorkStream(key="mappa", changes={"supporting": []}))


def test_bodies_can_change_in_scoping_before_terms_are_registered(rt: Runtime) -> None:
    create(rt)
    ws = send(rt, LEAD, EditWorkStream(key="mappa", changes={"supporting": ["HMI Prisons"]}))
    assert ws.supporting == ("HMIPRISONS",)


# -- a change of participants agreed by every remaining body (issue 16) ----------------------
#: The issue's scenario: HMICFRS leads, HMI Probation and HMCPSI support; HMI Probation's
#: approval is still awaited at joint sign-off when the lead wants it gone.
DROP_LEAD = Actor("lead.hmicfrs", "HMICFRS")
DROP_BODIES = ("HMICFRS", "HMIPROBATION", "HMCPSI")
DROP_PROBATION = ProposeParticipants(
    key="drop-test",
    supporting=("HMCPSI",),
    reason="HMI Probation has withdrawn its inspectors from this inspection",
)


def drop_test_at_signoff(rt: Runtime) -> str:
    seed_people(rt)
    fields = {"lead": "HMIC", "supporting": ["HMI Probation", "HMCPSI"]}
    command = CreateWorkStream(
        ref="drop-test", title="Drop test", kind="thematic_inspection", fields=fields
    )
    send(rt, DROP_LEAD, command)
    return to_signoff(
        rt,
        "drop-test",
        lead=DROP_LEAD,
        bodies=DROP_BODIES,
        reviewer=Actor("chief.hmicfrs", "HMICFRS"),
    )


def approve(rt: Runtime, body: str, version: str) -> Any:
    command = RecordDecision(key="drop-test", body=body, decision="approve", version=version)
    return send(rt, signatory(body), command)


def decide(rt: Runtime, body: str, decision: str, comment: str | None = None) -> Any:
    command = RecordParticipantsDecision(
        key="drop-test", number=1, body=body, decision=decision, comment=comment
    )
    return send(rt, signatory(body), command)


def requests_to(rt: Runtime, body: str) -> list[OutboxRow]:
    with rt.read() as session:
        rows = session.exec(select(OutboxRow).where(col(OutboxRow.task) == REQUEST_DECISION)).all()
    return [r for r in rows if r.payload.get("body") == body]


def test_a_body_awaited_at_signoff_is_dropped_only_once_every_remaining_body_agrees(
    rt: Runtime,
) -> None:
    version = drop_test_at_signoff(rt)
    approve(rt, "HMCPSI", version)
    # Dropping HMI Probation by an edit is refused, and the refusal names the way to do it.
    with pytest.raises(Refused) as refused:
        send(rt, DROP_LEAD, EditWorkStream(key="drop-test", changes={"supporting": ["HMCPSI"]}))
    assert "HMIPROBATION" in str(refused.value)
    assert "cjji streams propose-participants" in str(refused.value)

    proposed = send(rt, DROP_LEAD, DROP_PROBATION)
    assert (proposed.number, proposed.outcome) == (1, None)
    # Proposed is not agreed: the next approval cannot publish without HMI Probation.
    assert approve(rt, "HMICFRS", version).moved_to is None
    shown = queries.show_stream(rt, "drop-test")
    assert shown["state"] == "joint_signoff"
    assert shown["outstanding"]["awaiting"] == ["HMIPROBATION"]
    assert shown["participants_proposal"]["awaiting"] == ["HMCPSI"]
    # The body being dropped has no say on its own removal.
    with pytest.raises(Refused, match="HMIPROBATION would be dropped by proposal 1"):
        decide(rt, "HMIPROBATION", "agree")

    agreed = decide(rt, "HMCPSI", "agree")
    # Applied in the same transaction as the last agreement; every body that now takes part
    # approved the report, so it moves to publication in that transaction too.
    assert agreed.outcome is ProposalOutcome.APPLIED
    assert agreed.moved_to is Stage.PUBLICATION
    shown = queries.show_stream(rt, "drop-test")
    assert (shown["lead"], shown["supporting"]) == ("HMICFRS", ["HMCPSI"])
    assert shown["state"] == "publication"
    assert shown["participants_proposal"]["outcome"] == "applied"

    # HMI Probation's requests not yet sent are withdrawn, and its deadline closed.
    assert requests_to(rt, "HMIPROBATION")
    assert all(r.done_at is not None for r in requests_to(rt, "HMIPROBATION"))
    assert not any(r.done_at for r in requests_to(rt, "HMCPSI"))
    skipped = queries.audit_log(rt, "drop-test", action="notification_skipped")
    assert skipped and all(
        "withdrawn: HMIPROBATION no longer takes part" in e["payload"]["why"] for e in skipped
    )
    closed = [
        e
        for e in queries.audit_log(rt, "drop-test", action="deadline_changed", limit=1000)
        if e["payload"].get("owing_body") == "HMIPROBATION"
        and e["payload"].get("change") == "closed"
    ]
    assert [e["reason"] for e in closed][-1:] == ["the body no longer takes part"]

    # Audited: proposed, agreed, the edit with its reason, applied; the trail replays.
    changes = queries.audit_log(rt, "drop-test", action="participants_proposal_changed")
    assert [(e["payload"]["change"], e["body"]) for e in changes] == [
        ("proposed", "HMICFRS"),
        ("agreed", "HMCPSI"),
        ("applied", "HMCPSI"),
    ]
    assert changes[-1]["payload"]["dropped"] == ["HMIPROBATION"]
    edited = queries.audit_log(rt, "drop-test", action="edited")[-1]
    assert edited["payload"]["changes"]["supporting"] == [["HMIPROBATION", "HMCPSI"], ["HMCPSI"]]
    assert "HMI Probation has withdrawn its inspectors" in edited["reason"]
    assert queries.verify_audit(rt).ok
    assert queries.replay_differences(rt) == {}


def test_a_change_of_participants_refused_by_one_body_changes_nothing(rt: Runtime) -> None:
    version = drop_test_at_signoff(rt)
    send(rt, DROP_LEAD, DROP_PROBATION)
    with pytest.raises(InvalidInput, match="a refusal needs a comment"):
        decide(rt, "HMCPSI", "refuse")
    refused = decide(rt, "HMCPSI", "refuse", "HMI Probation's findings are half the report")
    assert refused.outcome is ProposalOutcome.REFUSED
    for body in ("HMICFRS", "HMCPSI"):
        assert approve(rt, body, version).moved_to is None
    shown = queries.show_stream(rt, "drop-test")
    assert shown["supporting"] == ["HMIPROBATION", "HMCPSI"]
    assert shown["outstanding"]["awaiting"] == ["HMIPROBATION"]
    assert shown["participants_proposal"]["outcome"] == "refused"
    assert approve(rt, "HMIPROBATION", version).moved_to is Stage.PUBLICATION
    assert queries.replay_differences(rt) == {}


def test_a_change_of_participants_still_open_lapses_when_the_work_stream_is_withdrawn(
    rt: Runtime,
) -> None:
    drop_test_at_signoff(rt)
    send(rt, DROP_LEAD, DROP_PROBATION)
    send(rt, DROP_LEAD, FireTrigger(key="drop-test", trigger="withdraw", reason="Cancelled"))
    shown = queries.show_stream(rt, "drop-test")
    assert shown["participants_proposal"]["outcome"] == "lapsed"
    assert shown["supporting"] == ["HMIPROBATION", "HMCPSI"]
    with pytest.raises(Refused, match="no open change of participants"):
        decide(rt, "HMCPSI", "agree")
    assert queries.replay_differences(rt) == {}
