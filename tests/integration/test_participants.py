"""Bodies whose decision is awaited cannot be dropped from a work stream (issue 16)."""

from __future__ import annotations

import pytest

from tests.integration.walk import LEAD, create, signatory, to_signoff
from tests.support.acting import send
from workflow.application.commands import EditWorkStream, RecordDecision, RegisterDocument
from workflow.bootstrap import Runtime
from workflow.domain.errors import Refused
from workflow.domain.stages import Stage


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
