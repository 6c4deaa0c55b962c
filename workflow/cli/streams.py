"""`cjji streams …`: list, show, create, edit and move work streams."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workflow.application.commands import (
    CreateWorkStream,
    EditWorkStream,
    FireTrigger,
    MigrateLifecycle,
    NameKeyPeople,
)
from workflow.application.queries import streams as queries
from workflow.cli.output import Actor, Body, JsonFlag, cli_principal, output, runtime, say, table

app = typer.Typer(
    help="Work streams: list, show, create, edit and move them.", no_args_is_help=True
)

Key = Annotated[str, typer.Argument(help="Work stream id or ref.")]
IfVersion = Annotated[
    int | None,
    typer.Option("--if-version", help="Refuse if the work stream is no longer at this version."),
]


@app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(help="Only this state.")] = None,
    lead: Annotated[str | None, typer.Option(help="Only those led by this body.")] = None,
    body: Annotated[str | None, typer.Option(help="Only those this body takes part in.")] = None,
    plan: Annotated[str | None, typer.Option(help="Only those of this business plan.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List work streams with their state, lead and expected publication."""
    rows = queries.list_streams(runtime(), state=state, lead=lead, body=body, plan=plan)

    def human() -> None:
        table(
            f"{len(rows)} work stream(s)",
            ["id", "ref", "title", "kind", "state", "lead", "supporting", "expected", "awaiting"],
            [
                (
                    r["id"],
                    r["ref"],
                    r["title"],
                    r["kind"],
                    r["state"],
                    r["lead"] or "—",
                    ", ".join(r["supporting"]),
                    r["expected_publication"] or "—",
                    ", ".join(r["outstanding"]["awaiting"]) if r["outstanding"] else "",
                )
                for r in rows
            ],
        )

    output(as_json, rows, human)


@app.command()
def show(key: Key, as_json: JsonFlag = False) -> None:
    """Show one work stream: its data, state, what blocks each move, and decisions awaited."""
    data = queries.show_stream(runtime(), key)

    def human() -> None:
        fields = [
            ("ref", data["ref"]),
            ("title", data["title"]),
            ("kind", data["kind"]),
            ("state", data["state"]),
            ("lead", data["lead"] or "— (not recorded)"),
            ("supporting", ", ".join(data["supporting"]) or "—"),
            ("jurisdiction", data["jurisdiction"]),
            ("plan", data["plan"]),
            ("expected publication", _expected(data)),
            ("terms of reference", data["terms_of_reference"] or "—"),
            ("draft report", data["report"] or "—"),
            ("version", data["version"]),
        ]
        if data["paused_from"]:
            fields.append(("paused from", data["paused_from"]))
        if data["withdrawn_reason"]:
            fields.append(("withdrawn because", data["withdrawn_reason"]))
        if data["children"]:
            fields.append(("children", ", ".join(data["children"])))
        table(None, ["field", "value"], fields)
        if data["key_people"]:
            table(
                "lead inspectors and senior-level oversight",
                ["body", "lead inspector", "senior oversight"],
                [
                    (b, p["lead_inspector"], p["senior_oversight"])
                    for b, p in data["key_people"].items()
                ],
            )
        table(
            "key decisions",
            ["matter", "version", "approved by", "awaiting"],
            [
                (
                    m["label"],
                    (m["version"] or "—")[:12],
                    ", ".join(m["approved"]) or "—",
                    ", ".join(m["awaiting"]) or "—",
                )
                if m["decided_here"]
                else (m["label"], f"not decided here: {m['inherited_from']}", "", "")
                for m in data["key_matters"]
            ],
        )
        for note in data["missing"]:
            say(f"[yellow]missing:[/] {note}")
        if data["outstanding"]:
            o = data["outstanding"]
            say(
                f"awaiting decisions on the {o['document']} {o['version'][:12]} from: "
                f"{', '.join(o['awaiting']) or 'nobody'}"
            )
        p = data["participants_proposal"]
        if p and p["open"]:
            say(
                f"change of participants {p['number']} proposed ({p['summary']}; reason: "
                f"{p['reason']}): awaiting the agreement of {', '.join(p['awaiting'])}"
            )
        table(
            "moves",
            ["trigger", "possible now", "unmet conditions"],
            [
                (t, "yes" if m["possible"] else "no", "; ".join(m["unmet"]))
                for t, m in data["moves"].items()
            ],
        )

    output(as_json, data, human)


def _expected(data: dict[str, Any]) -> str:
    text = data["expected_publication"]
    if not text:
        return "—"
    if data["expected_latest"]:
        return f"{text} ({data['expected_earliest'] or '…'} to {data['expected_latest']})"
    return f"{text} (no date range read)"


@app.command()
def create(
    title: Annotated[str, typer.Option(help="The work stream's title.")],
    kind: Annotated[
        str,
        typer.Option(
            help="thematic_inspection, review, scoping_study, rolling_programme, visit or phase."
        ),
    ],
    actor: Actor,
    body: Body = None,
    ref: Annotated[str | None, typer.Option(help="Stable slug; default: from the title.")] = None,
    lead: Annotated[str | None, typer.Option(help="Lead body.")] = None,
    supporting: Annotated[
        list[str] | None, typer.Option(help="A supporting body (repeat).")
    ] = None,
    jurisdiction: Annotated[
        str, typer.Option(help="england, wales or england_and_wales.")
    ] = "england_and_wales",
    priority: Annotated[str, typer.Option(help="high, normal or low.")] = "normal",
    expected: Annotated[
        str | None, typer.Option(help='Expected publication, e.g. "Spring 2026".')
    ] = None,
    parent: Annotated[str | None, typer.Option(help="Parent ref (for a visit or a phase).")] = None,
    plan: Annotated[str | None, typer.Option(help="Business plan code.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a work stream in scoping."""
    rt = runtime()
    command = CreateWorkStream(
        ref=ref,
        title=title,
        kind=kind,
        parent_ref=parent,
        plan=plan,
        fields={
            "lead": lead,
            "supporting": supporting or [],
            "jurisdiction": jurisdiction,
            "priority": priority,
            "expected_publication": expected,
        },
    )
    ws = rt.handle(command, cli_principal(actor, body))
    output(as_json, queries.show_stream(rt, ws.ref), lambda: say(f"created {ws.ref} in {ws.state}"))


@app.command()
def edit(
    key: Key,
    actor: Actor,
    body: Body = None,
    title: Annotated[str | None, typer.Option()] = None,
    lead: Annotated[str | None, typer.Option(help="Record the lead body.")] = None,
    supporting: Annotated[
        list[str] | None, typer.Option(help="Supporting body (repeat); replaces the list.")
    ] = None,
    jurisdiction: Annotated[str | None, typer.Option()] = None,
    priority: Annotated[str | None, typer.Option()] = None,
    expected: Annotated[str | None, typer.Option(help="Expected publication text.")] = None,
    if_version: IfVersion = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a work stream's data; every change is audited."""
    changes: dict[str, Any] = {
        k: v
        for k, v in {
            "title": title,
            "lead": lead,
            "supporting": supporting,
            "jurisdiction": jurisdiction,
            "priority": priority,
            "expected_publication": expected,
        }.items()
        if v is not None
    }
    if not changes:
        from workflow.domain.errors import InvalidInput

        raise InvalidInput(
            "nothing to change: give at least one of --title, --lead, "
            "--supporting, --jurisdiction, --priority, --expected"
        )
    rt = runtime()
    command = EditWorkStream(key=key, changes=changes, expected_version=if_version)
    ws = rt.handle(command, cli_principal(actor, body))
    output(
        as_json,
        queries.show_stream(rt, ws.ref),
        lambda: say(f"{ws.ref} is at version {ws.version}"),
    )


@app.command("name-leads")
def name_leads(
    key: Key,
    for_body: Annotated[str, typer.Option("--body", help="The body naming its people: yours.")],
    lead_inspector: Annotated[
        str, typer.Option("--lead-inspector", help="Username of the body's lead inspector.")
    ],
    senior_oversight: Annotated[
        str, typer.Option("--senior-oversight", help="Username of its senior-level oversight.")
    ],
    actor: Actor,
    reason: Annotated[str | None, typer.Option(help="Why, when changing them (audited).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Name a participating body's lead inspector and senior-level oversight (before the
    terms of reference can be registered, under lifecycle version 2)."""
    rt = runtime()
    command = NameKeyPeople(
        key=key,
        body=for_body,
        lead_inspector=lead_inspector,
        senior_oversight=senior_oversight,
        reason=reason,
    )
    # --body names the body whose people these are: the policy checks it is the actor's.
    result = rt.handle(command, cli_principal(actor))
    ws = result.stream
    code = rt.bodies.code_of(for_body)
    message = (
        f"{code} named {lead_inspector} (lead inspector) and {senior_oversight} "
        f"(senior-level oversight) for {ws.ref}"
        if result.changed
        else f"{code}'s people for {ws.ref} are already those"
    )
    output(as_json, queries.show_stream(rt, ws.ref), lambda: say(message))


@app.command("migrate-lifecycle")
def migrate_lifecycle(
    key: Key,
    to: Annotated[int, typer.Option("--to", help="The lifecycle version to move it under.")],
    reason: Annotated[str, typer.Option(help="Why (audited).")],
    actor: Actor,
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Put a work stream in flight under another lifecycle version, deliberately (audited)."""
    rt = runtime()
    ws = rt.handle(MigrateLifecycle(key=key, version=to, reason=reason), cli_principal(actor, body))
    output(
        as_json,
        queries.show_stream(rt, ws.ref),
        lambda: say(f"{ws.ref} is now under lifecycle version {ws.lifecycle_version}"),
    )


@app.command()
def fire(
    key: Key,
    trigger: Annotated[
        str,
        typer.Argument(
            help="start_fieldwork, start_drafting, "
            "submit_for_signoff, publish, close, "
            "conclude_scoping, pause, resume, withdraw."
        ),
    ],
    actor: Actor,
    body: Body = None,
    reason: Annotated[str | None, typer.Option(help="Why (required to withdraw).")] = None,
    decision: Annotated[
        str | None, typer.Option(help="proceed or do_not_proceed (conclude_scoping).")
    ] = None,
    if_version: IfVersion = None,
    as_json: JsonFlag = False,
) -> None:
    """Move a work stream by a trigger; a refused move says which condition is unmet."""
    rt = runtime()
    command = FireTrigger(
        key=key, trigger=trigger, reason=reason, decision=decision, expected_version=if_version
    )
    ws = rt.handle(command, cli_principal(actor, body))
    output(as_json, queries.show_stream(rt, ws.ref), lambda: say(f"{ws.ref} is now in {ws.state}"))
