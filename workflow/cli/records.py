"""`cjji drafts …`, `cjji signoff …` and `cjji audit …`: documents, decisions, the trail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workflow.application.commands import RecordDecision, RegisterDocument
from workflow.application.queries import streams as queries
from workflow.cli.output import (
    Actor,
    Body,
    JsonFlag,
    cli_principal,
    fail,
    output,
    runtime,
    say,
    table,
)
from workflow.domain.errors import InvalidInput

drafts = typer.Typer(
    help="Document versions: draft reports, terms of reference and the other key matters.",
    no_args_is_help=True,
)
signoff = typer.Typer(
    help="Joint decisions: every participating body on one version.", no_args_is_help=True
)
audit = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)

Key = Annotated[str, typer.Argument(help="Work stream id or ref.")]
Kind = Annotated[
    str,
    typer.Option(
        "--kind",
        help="report, terms_of_reference, methodology, findings, recommendations or "
        "publication_arrangements.",
    ),
]


@drafts.command("add")
def drafts_add(
    key: Key,
    file: Annotated[Path, typer.Option("--file", help="The document's file.")],
    actor: Actor,
    body: Body = None,
    kind: Kind = "report",
    as_json: JsonFlag = False,
) -> None:
    """Register a new version; its content hash is the version every decision names."""
    try:
        content = file.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {file}: {error.strerror}") from None
    rt = runtime()
    command = RegisterDocument(key=key, kind=kind, content=content, filename=file.name)
    result = rt.handle(command, cli_principal(actor, body))
    data = {
        "ref": result.stream.ref,
        "kind": kind,
        "version": result.version,
        "new": result.new,
        "state": result.stream.state.value,
    }
    message = (
        f"registered {kind} version {result.version} for {result.stream.ref}"
        if result.new
        else f"{result.version} is already the current {kind} version"
    )
    output(as_json, data, lambda: say(message))


@signoff.command("status")
def signoff_status(key: Key, as_json: JsonFlag = False) -> None:
    """Which bodies have approved the current version, and which are awaited."""
    data = queries.show_stream(runtime(), key)
    status = {
        "ref": data["ref"],
        "state": data["state"],
        "participants": [data["lead"], *data["supporting"]] if data["lead"] else data["supporting"],
        "outstanding": data["outstanding"],
    }

    def human() -> None:
        o = data["outstanding"]
        if not o:
            say(f"{data['ref']} is in {data['state']}: no decision is being collected")
            return
        table(
            f"{o['document']} version {o['version'][:12]}",
            ["body", "decision"],
            [(b, o["standing"].get(b, "awaited")) for b in status["participants"]],
        )

    output(as_json, status, human)


@signoff.command("record")
def signoff_record(
    key: Key,
    body: Annotated[str, typer.Option("--body", help="The body whose decision this is.")],
    actor: Actor,
    decision: Annotated[str, typer.Option(help="approve, request_changes or revoke.")],
    version: Annotated[str, typer.Option(help="The content hash of the version decided on.")],
    comment: Annotated[str | None, typer.Option(help="Required to request changes.")] = None,
    kind: Kind = "report",
    as_json: JsonFlag = False,
) -> None:
    """Record a body's decision on one version of the report or terms of reference."""
    rt = runtime()
    command = RecordDecision(
        key=key, body=body, decision=decision, version=version, kind=kind, comment=comment
    )
    # --body names the body whose decision this is: the policy checks it is the actor's.
    result = rt.handle(command, cli_principal(actor))
    ws = result.stream
    data = {
        "ref": ws.ref,
        "state": ws.state.value,
        "moved_to": result.moved_to.value if result.moved_to else None,
        "outstanding": queries.outstanding_decisions(ws),
    }
    message = f"recorded {decision} by {rt.bodies.code_of(body)} on {ws.ref}" + (
        f"; it moved to {result.moved_to.value}" if result.moved_to else ""
    )
    output(as_json, data, lambda: say(message))


@audit.command("log")
def audit_log(
    key: Annotated[str | None, typer.Argument(help="Only this work stream.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 200,
    action: Annotated[str | None, typer.Option(help="Only this action.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The latest events, oldest first."""
    events = queries.audit_log(runtime(), key, limit=limit, action=action)
    output(
        as_json,
        events,
        lambda: table(
            f"{len(events)} event(s)",
            ["seq", "at (UTC)", "stream", "actor", "body", "action", "from → to", "reason"],
            [
                (
                    e["seq"],
                    e["at"][:19],
                    e["stream"],
                    e["actor"],
                    e["body"],
                    e["action"],
                    f"{e['from'] or ''} → {e['to'] or ''}" if e["to"] else "",
                    e["reason"],
                )
                for e in events
            ],
        ),
    )


@audit.command("verify")
def audit_verify(as_json: JsonFlag = False) -> None:
    """Walk the hash chain; exit 1 naming the first event edited, deleted or reordered."""
    result = queries.verify_audit(runtime())
    data = {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.problem,
    }
    if as_json:
        output(True, data, lambda: None)
        if not result.ok:
            raise typer.Exit(1)
        return
    if result.ok:
        say(f"audit trail intact: {result.checked} event(s) verified")
        return
    fail(f"audit trail broken at event {result.first_bad_seq}: {result.problem}", 1)


@audit.command("replay")
def audit_replay(as_json: JsonFlag = False) -> None:
    """Rebuild every work stream from its events and compare with what is stored."""
    rt = runtime()
    differences = queries.replay_differences(rt)
    total = queries.count_streams(rt)
    if as_json:
        output(True, {"checked": total, "differences": differences}, lambda: None)
    elif not differences:
        say(f"replay matches storage for all {total} work stream(s)")
    if differences:
        if not as_json:
            fail(
                "replay differs for "
                + "; ".join(f"{r}: {', '.join(f)}" for r, f in differences.items()),
                1,
            )
        raise typer.Exit(1)
