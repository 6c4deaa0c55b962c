"""`cjji streams propose-participants` and `cjji streams decide-participants`: a change of
the lead or supporting bodies that every body that remains agrees (docs/lifecycle.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workflow.application.commands import ProposeParticipants, RecordParticipantsDecision
from workflow.application.queries import streams as queries
from workflow.cli.output import Actor, Body, JsonFlag, cli_principal, output, runtime, say
from workflow.domain.errors import InvalidInput

Key = Annotated[str, typer.Argument(help="Work stream id or ref.")]


def propose_participants(
    key: Key,
    actor: Actor,
    reason: Annotated[str, typer.Option(help="Why the participants change (audited).")],
    body: Body = None,
    lead: Annotated[str | None, typer.Option(help="The new lead body (default: as now).")] = None,
    supporting: Annotated[
        list[str] | None,
        typer.Option(help="A supporting body after the change (repeat); replaces the list."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Propose new lead or supporting bodies (the lead body's staff): applied once every
    body that takes part now and after the change has agreed; refused by any one of them."""
    if lead is None and supporting is None:
        raise InvalidInput(
            "give the participants after the change: --supporting (repeat) and/or --lead"
        )
    rt = runtime()
    command = ProposeParticipants(
        key=key,
        reason=reason,
        lead=lead,
        supporting=tuple(supporting) if supporting is not None else None,
    )
    result = rt.handle(command, cli_principal(actor, body))
    data = queries.show_stream(rt, result.stream.ref)
    output(as_json, data, lambda: say(_proposal_line(data, f"proposed change {result.number}")))


def decide_participants(
    key: Key,
    body: Annotated[str, typer.Option("--body", help="The body whose decision this is.")],
    actor: Actor,
    decision: Annotated[str, typer.Option(help="agree or refuse.")],
    proposal: Annotated[
        int, typer.Option("--proposal", min=1, help="The number of the change decided on.")
    ],
    comment: Annotated[str | None, typer.Option(help="Required to refuse: why.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a body's agreement or refusal of the open change of participants (its
    signatory or deputy); the last agreement applies it."""
    rt = runtime()
    command = RecordParticipantsDecision(
        key=key, number=proposal, body=body, decision=decision, comment=comment
    )
    # --body names the body whose decision this is: the policy checks it is the actor's.
    result = rt.handle(command, cli_principal(actor))
    data = queries.show_stream(rt, result.stream.ref)
    what = f"recorded {decision} by {rt.bodies.code_of(body)} on change {proposal}"
    output(as_json, data, lambda: say(_proposal_line(data, what)))


def _proposal_line(data: dict[str, Any], what: str) -> str:
    proposal = data["participants_proposal"]
    line = f"{what} of {data['ref']}'s participants ({proposal['summary']})"
    if proposal["open"]:
        return f"{line}: awaiting {', '.join(proposal['awaiting'])}"
    line = f"{line}: {proposal['outcome']}"
    if proposal["outcome"] == "applied":
        participants = [data["lead"], *data["supporting"]] if data["lead"] else data["supporting"]
        line += (
            f"; the participants are {', '.join(participants)}; {data['ref']} is in {data['state']}"
        )
    return line
