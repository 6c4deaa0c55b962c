"""`cjji plans …`: a business plan's own life, from draft to superseded.

Administrators run the plan (consultation, publication, the yearly review); each chief
inspector approves it for their own body. Every command acts as a named person
(``--actor``) and is audited in the one hash chain.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from workflow.application.commands import (
    CommissionWork,
    DeferWork,
    DropWork,
    MovePlan,
    RecordConsultationResponse,
    RecordPlanDecision,
    ReprioritiseWork,
)
from workflow.application.queries import plans as queries
from workflow.cli import plan_render
from workflow.cli.output import Actor, Body, JsonFlag, cli_principal, output, runtime, say, table
from workflow.domain.errors import InvalidInput

plans_app = typer.Typer(
    help="Business plans: consult, finalise, publish, review and compare their versions.",
    no_args_is_help=True,
)
plan_render.register(plans_app)

Code = Annotated[str, typer.Argument(help="The plan's code, e.g. cjji-2021-23.")]
Ref = Annotated[str, typer.Argument(help="The work stream's ref.")]
Reason = Annotated[str, typer.Option(help="Why: recorded with the change and in the plan.")]


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a date: write it as YYYY-MM-DD") from None


def _shown(code: str, as_json: bool, line: str) -> None:
    output(as_json, queries.show_plan(runtime(), code), lambda: say(line))


@plans_app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List the business plans with their state."""
    rows = queries.list_plans(runtime())
    output(
        as_json,
        rows,
        lambda: table(
            f"{len(rows)} business plan(s)",
            ["code", "title", "starts", "ends", "state"],
            [(r["code"], r["title"], r["starts"], r["ends"], r["state"]) for r in rows],
        ),
    )


@plans_app.command()
def show(code: Code, as_json: JsonFlag = False) -> None:
    """Show one plan: state, consultation, approvals, versions and its work streams."""
    data = queries.show_plan(runtime(), code)

    def human() -> None:
        c, a = data["consultation"], data["approval"]
        table(
            None,
            ["field", "value"],
            [
                ("code", data["code"]),
                ("title", data["title"]),
                ("state", data["state"]),
                ("consultation", f"{c['opens'] or '—'} to {c['closes'] or '—'}"),
                ("responses", len(c["responses"])),
                ("version for approval", (a["version"] or "—")),
                ("approved by", ", ".join(a["approved"]) or "—"),
                ("awaiting", ", ".join(a["awaiting"]) or "—"),
                ("current version", data["current_version"] or "—"),
                ("moves", ", ".join(data["moves"]) or "none"),
            ],
        )
        if c["responses"]:
            table(
                "consultation responses",
                ["respondent", "organisation", "topics"],
                [
                    (r["respondent"], r["organisation"], ", ".join(r["topics"]))
                    for r in c["responses"]
                ],
            )
        table(
            f"{len(data['work_streams'])} work stream(s)",
            ["ref", "title", "state"],
            [(w["ref"], w["title"], w["state"]) for w in data["work_streams"]],
        )

    output(as_json, data, human)


def _move(code: str, trigger: str, actor: str, body: str | None, as_json: bool, **kw: Any) -> None:
    plan = runtime().handle(MovePlan(code=code, trigger=trigger, **kw), cli_principal(actor, body))
    _shown(code, as_json, f"{plan.code} is now {plan.state.label}")


@plans_app.command("open-consultation")
def open_consultation(
    code: Code,
    opens: Annotated[str, typer.Option(help="The first day of the consultation (YYYY-MM-DD).")],
    closes: Annotated[str, typer.Option(help="The last day of the consultation (YYYY-MM-DD).")],
    actor: Actor,
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Open the consultation on a draft plan, from one date to another."""
    _move(
        code,
        "open_consultation",
        actor,
        body,
        as_json,
        opens=_day(opens, "--opens"),
        closes=_day(closes, "--closes"),
    )


@plans_app.command()
def respond(
    code: Code,
    respondent: Annotated[str, typer.Option(help="Who responded.")],
    organisation: Annotated[str, typer.Option(help="The organisation they respond for.")],
    topic: Annotated[list[str], typer.Option(help="A topic the response addresses (repeat).")],
    actor: Actor,
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a response to the consultation."""
    command = RecordConsultationResponse(
        code=code, respondent=respondent, organisation=organisation, topics=tuple(topic)
    )
    plan = runtime().handle(command, cli_principal(actor, body))
    _shown(code, as_json, f"{plan.code}: {len(plan.responses)} response(s) recorded")


@plans_app.command("close-consultation")
def close_consultation(
    code: Code, actor: Actor, body: Body = None, as_json: JsonFlag = False
) -> None:
    """Close the consultation: the plan as it stands goes to the chief inspectors."""
    _move(code, "close_consultation", actor, body, as_json)


@plans_app.command()
def revise(code: Code, actor: Actor, body: Body = None, as_json: JsonFlag = False) -> None:
    """Put the plan as it now stands to the chief inspectors again (after a request for
    changes): a new round, in which every standing decision is void."""
    _move(code, "revise", actor, body, as_json)


@plans_app.command()
def approve(
    code: Code,
    for_body: Annotated[str, typer.Option("--body", help="The body you approve for: yours.")],
    version: Annotated[str, typer.Option(help="The plan version (`cjji plans show`).")],
    actor: Actor,
    decision: Annotated[str, typer.Option(help="approve, request_changes or revoke.")] = "approve",
    comment: Annotated[
        str | None, typer.Option(help="A comment (needed to ask for changes).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """A chief inspector's decision on one version of the plan, for their own body."""
    command = RecordPlanDecision(
        code=code, body=for_body, version=version, decision=decision, comment=comment
    )
    runtime().handle(command, cli_principal(actor))
    body = runtime().bodies.code_of(for_body)
    data = queries.show_plan(runtime(), code)
    awaiting = ", ".join(data["approval"]["awaiting"]) or "nobody: it can be published"
    output(as_json, data, lambda: say(f"{body}: {decision} recorded; awaiting {awaiting}"))


@plans_app.command()
def publish(code: Code, actor: Actor, body: Body = None, as_json: JsonFlag = False) -> None:
    """Publish the plan every chief inspector approved: its version 1."""
    _move(code, "publish", actor, body, as_json)


@plans_app.command()
def review(code: Code, actor: Actor, body: Body = None, as_json: JsonFlag = False) -> None:
    """Start the yearly review of a published plan."""
    _move(code, "start_review", actor, body, as_json)


@plans_app.command("conclude-review")
def conclude_review(code: Code, actor: Actor, body: Body = None, as_json: JsonFlag = False) -> None:
    """End the yearly review: the plan is published as it now stands."""
    _move(code, "conclude_review", actor, body, as_json)


@plans_app.command()
def supersede(
    code: Code,
    by: Annotated[str, typer.Option("--by", help="The code of the plan that supersedes it.")],
    actor: Actor,
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Mark the plan superseded by a later plan."""
    _move(code, "supersede", actor, body, as_json, successor=by)


def _changed(code: str, as_json: bool) -> None:
    versions = queries.plan_versions(runtime(), code)
    _shown(code, as_json, f"{code} is at version {versions[-1]['number']}")


@plans_app.command()
def reprioritise(
    code: Code,
    ref: Ref,
    priority: Annotated[str, typer.Option(help="high, normal or low.")],
    reason: Reason,
    actor: Actor,
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-prioritise a work stream of the plan at the yearly review."""
    command = ReprioritiseWork(code=code, ref=ref, priority=priority, reason=reason)
    runtime().handle(command, cli_principal(actor, body))
    _changed(code, as_json)


@plans_app.command()
def defer(
    code: Code,
    ref: Ref,
    reason: Reason,
    actor: Actor,
    to: Annotated[
        str | None, typer.Option(help='Its new expected publication, e.g. "2023/24".')
    ] = None,
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Defer a work stream of the plan to next year at the yearly review."""
    runtime().handle(
        DeferWork(code=code, ref=ref, reason=reason, expected=to), cli_principal(actor, body)
    )
    _changed(code, as_json)


@plans_app.command()
def drop(
    code: Code, ref: Ref, reason: Reason, actor: Actor, body: Body = None, as_json: JsonFlag = False
) -> None:
    """Drop a work stream from the plan: it is withdrawn with the reason."""
    runtime().handle(DropWork(code=code, ref=ref, reason=reason), cli_principal(actor, body))
    _changed(code, as_json)


@plans_app.command()
def commission(
    code: Code,
    ref: Annotated[str, typer.Option(help="The new work stream's ref.")],
    title: Annotated[str, typer.Option(help="Its title.")],
    kind: Annotated[str, typer.Option(help="thematic_inspection, review, scoping_study…")],
    by: Annotated[str, typer.Option("--by", help="Who commissioned it.")],
    reason: Reason,
    actor: Actor,
    on: Annotated[
        str | None, typer.Option(help="When it was commissioned (default: today).")
    ] = None,
    lead: Annotated[str | None, typer.Option(help="Lead body.")] = None,
    supporting: Annotated[
        list[str] | None, typer.Option(help="A supporting body (repeat).")
    ] = None,
    expected: Annotated[str | None, typer.Option(help="Expected publication.")] = None,
    priority: Annotated[str, typer.Option(help="high, normal or low.")] = "normal",
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Commission new work in-year: it joins the plan as a new work stream."""
    command = CommissionWork(
        code=code,
        ref=ref,
        title=title,
        kind=kind,
        commissioned_by=by,
        reason=reason,
        commissioned_on=_day(on, "--on"),
        lead=lead,
        supporting=tuple(supporting or ()),
        expected=expected,
        priority=priority,
    )
    runtime().handle(command, cli_principal(actor, body))
    _changed(code, as_json)


@plans_app.command()
def versions(code: Code, as_json: JsonFlag = False) -> None:
    """The plan's versions since publication, each with the change that made it."""
    rows = queries.plan_versions(runtime(), code)
    output(
        as_json,
        rows,
        lambda: table(
            f"{code}: {len(rows)} version(s)",
            ["version", "made", "by", "change", "reason"],
            [
                (
                    v["number"],
                    v["made_at"][:10],
                    v["made_by"],
                    f"{v['change']['kind']} {v['change']['ref']}" if v["change"] else "published",
                    (v["change"] or {}).get("reason") or "",
                )
                for v in rows
            ],
        ),
    )


@plans_app.command()
def diff(
    code: Code,
    old: Annotated[int, typer.Argument(help="The earlier version number.")],
    new: Annotated[int, typer.Argument(help="The later version number.")],
    as_json: JsonFlag = False,
) -> None:
    """Exactly what was added, dropped, deferred, re-prioritised or re-dated between two
    versions of the plan."""
    data = queries.plan_diff(runtime(), code, old, new)

    def human() -> None:
        rows = []
        for kind, changes in data["changes"].items():
            for c in changes:
                if kind in ("reprioritised", "redated"):
                    rows.append((kind, c["ref"], f"{c['from'] or '—'} → {c['to'] or '—'}"))
                else:
                    by = c.get("commissioned")
                    note = f"commissioned in-year {by['on']} by {by['by']}" if by else c["title"]
                    rows.append((kind, c["ref"], note))
        table(f"{code}: version {old} → {new}: {len(rows)} change(s)", ["change", "ref", ""], rows)

    output(as_json, data, human)


__all__ = ["plans_app"]
