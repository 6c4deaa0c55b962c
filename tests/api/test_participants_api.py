"""A change of participants through the API: the lead proposes, each body that remains
agrees for itself, and every refusal is problem+json (issue 16)."""

from __future__ import annotations

from tests.api.helpers import api
from tests.api.test_api import is_problem
from tests.integration.test_participants import drop_test_at_signoff
from workflow.bootstrap import Runtime

STREAM = "/api/streams/drop-test"
PROPOSALS = f"{STREAM}/participants-proposals"
DROP = {"supporting": ["HMCPSI"], "reason": "HMI Probation has withdrawn its inspectors"}


def test_a_change_of_participants_is_proposed_and_agreed_through_the_api(rt: Runtime) -> None:
    version = drop_test_at_signoff(rt)
    lead = api(rt, "lead.hmicfrs")
    edit = is_problem(lead.patch(STREAM, json={"supporting": ["HMCPSI"]}), 409)
    assert "cjji streams propose-participants" in edit["detail"]

    supporting = api(rt, "lead.hmcpsi")
    assert "only the lead body" in is_problem(supporting.post(PROPOSALS, json=DROP), 403)["detail"]
    is_problem(lead.post(PROPOSALS, json={"supporting": ["HMCPSI"]}), 422)  # no reason
    proposed = lead.post(PROPOSALS, json=DROP)
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["participants_proposal"]
    assert (proposal["number"], proposal["open"], proposal["summary"]) == (
        1,
        True,
        "drop HMIPROBATION",
    )
    assert (proposal["agreed"], proposal["awaiting"]) == (["HMICFRS"], ["HMCPSI"])

    agree = {"body": "HMCPSI", "decision": "agree"}
    probation = api(rt, "signatory.hmiprobation")
    dropped = {"body": "HMIPROBATION", "decision": "agree"}
    assert (
        "would be dropped"
        in is_problem(probation.post(f"{PROPOSALS}/1/decisions", json=dropped), 409)["detail"]
    )
    cps = api(rt, "signatory.hmcpsi")
    for_another = cps.post(f"{PROPOSALS}/1/decisions", json=dropped)
    assert "cannot decide for HMIPROBATION" in is_problem(for_another, 403)["detail"]
    assert (
        "names proposal 2"
        in is_problem(cps.post(f"{PROPOSALS}/2/decisions", json=agree), 409)["detail"]
    )
    bad = {"body": "HMCPSI", "decision": "maybe"}
    is_problem(cps.post(f"{PROPOSALS}/1/decisions", json=bad), 422)
    refuse = {"body": "HMCPSI", "decision": "refuse"}
    assert (
        "needs a comment"
        in is_problem(cps.post(f"{PROPOSALS}/1/decisions", json=refuse), 422)["detail"]
    )
    assert lead.get(STREAM).json()["supporting"] == ["HMIPROBATION", "HMCPSI"]

    agreed = cps.post(f"{PROPOSALS}/1/decisions", json=agree)
    assert agreed.status_code == 200, agreed.text
    stream = agreed.json()
    assert (stream["lead"], stream["supporting"]) == ("HMICFRS", ["HMCPSI"])
    assert stream["participants_proposal"]["outcome"] == "applied"
    assert stream["outstanding"]["awaiting"] == ["HMICFRS", "HMCPSI"]
    for body, who in (("HMICFRS", "signatory.hmicfrs"), ("HMCPSI", "signatory.hmcpsi")):
        decision = {"body": body, "decision": "approve", "version": version}
        done = api(rt, who).post(f"{STREAM}/decisions", json=decision)
        assert done.status_code == 200, done.text
    assert done.json()["moved_to"] == "publication"
