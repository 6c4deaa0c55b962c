"""`cjji fa …`, `cjji recommendations …` and `cjji publication …`: the report's journey."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from workflow.application.commands import (
    AddEmbargoRecipient,
    AddFactualAccuracyComment,
    AddRecommendation,
    CarryRecommendation,
    CloseRecommendation,
    Command,
    DisposeFactualAccuracyComment,
    Publish,
    RecordRating,
    RecordUrgentNotification,
    RespondToRecommendation,
    ReviewRecommendation,
    SchedulePublication,
    SendEmbargoedCopy,
    SetFieldworkTeam,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.queries import register, report
from workflow.application.queries import streams as queries
from workflow.cli.output import (
    Actor,
    Body,
    JsonFlag,
    cli_principal,
    output,
    runtime,
    say,
    table,
)
from workflow.domain.errors import InvalidInput
from workflow.domain.working_days import london_date

fa = typer.Typer(
    help="The factual accuracy check of a draft by the inspected bodies.", no_args_is_help=True
)
recommendations = typer.Typer(help="The recommendations register.", no_args_is_help=True)
publication = typer.Typer(help="Publication: date, embargo, publishing.", no_args_is_help=True)

Key = Annotated[str, typer.Argument(help="Work stream id or ref.")]
Number = Annotated[int, typer.Argument(help="The recommendation's or comment's number.")]


def _send(actor: str, body: str | None, command: Command) -> Any:
    """Send ``command`` on the bus as the directory's person ``actor`` of ``body``."""
    return runtime().handle(command, cli_principal(actor, body))


def _done(as_json: bool, key: str, message: str) -> None:
    output(as_json, queries.show_stream(runtime(), key), lambda: say(message))


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} {text!r} is not a date: use YYYY-MM-DD") from None


# -- factual accuracy ------------------------------------------------------------------
@fa.command("start")
def fa_start(
    key: Key,
    actor: Actor,
    party: Annotated[list[str], typer.Option(help="An inspected body (repeat).")],
    body: Body = None,
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default: 10 working days.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Send the current draft to the inspected bodies for a factual accuracy check."""
    due_on = _send(
        actor,
        body,
        StartFactualAccuracy(key=key, parties=tuple(party), due_on=_day(due, "--due")),
    )
    _done(as_json, key, f"factual accuracy check started; comments due by {due_on}")


@fa.command("comment")
def fa_comment(
    key: Key,
    actor: Actor,
    party: Annotated[str, typer.Option(help="The inspected body commenting.")],
    text: Annotated[str, typer.Option(help="The comment.")],
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Record one comment from an inspected body."""
    number = _send(actor, body, AddFactualAccuracyComment(key=key, party=party, text=text))
    _done(as_json, key, f"recorded comment {number}")


@fa.command("dispose")
def fa_dispose(
    key: Key,
    number: Number,
    actor: Actor,
    disposition: Annotated[str, typer.Option(help="accepted, rejected or evidence_requested.")],
    body: Body = None,
    reason: Annotated[str | None, typer.Option(help="Required to reject.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Give a comment its disposition."""
    _send(
        actor,
        body,
        DisposeFactualAccuracyComment(
            key=key, number=number, disposition=disposition, reason=reason
        ),
    )
    _done(as_json, key, f"comment {number}: {disposition}")


@fa.command("sign-off")
def fa_sign_off(key: Key, actor: Actor, body: Body = None, as_json: JsonFlag = False) -> None:
    """Complete the check: a lead-body member who was not on the fieldwork team signs."""
    _send(actor, body, SignOffFactualAccuracy(key=key))
    _done(as_json, key, "factual accuracy check complete")


@fa.command("team")
def fa_team(
    key: Key,
    actor: Actor,
    member: Annotated[list[str], typer.Option(help="A username (repeat).")],
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the fieldwork team (who may not sign off the factual accuracy check)."""
    _send(actor, body, SetFieldworkTeam(key=key, usernames=tuple(member)))
    _done(as_json, key, f"fieldwork team: {', '.join(member)}")


@fa.command("status")
def fa_status(key: Key, as_json: JsonFlag = False) -> None:
    """The check's comments and their dispositions."""
    check = queries.show_stream(runtime(), key)["factual_accuracy"]

    def human() -> None:
        if not check:
            say("no factual accuracy check yet")
            return
        say(
            f"version {check['version'][:12]}, due {check['due_on']}, "
            f"{'signed off by ' + check['completed_by'] if check['completed_by'] else 'open'}"
        )
        table(
            None,
            ["#", "party", "comment", "disposition", "reason"],
            [
                (c["number"], c["party"], c["text"], c["disposition"] or "—", c["reason"])
                for c in check["comments"]
            ],
        )

    output(as_json, check, human)


# -- recommendations -------------------------------------------------------------------
@recommendations.command("add")
def rec_add(
    key: Key,
    actor: Actor,
    text: Annotated[str, typer.Option(help="The recommendation.")],
    addressed_to: Annotated[str, typer.Option(help="Who it is addressed to.")],
    body: Body = None,
    type: Annotated[
        str,
        typer.Option(
            help="recommendation, cause_of_concern, "
            "area_for_improvement, key_concern or "
            "priority_concern."
        ),
    ] = "recommendation",
    clock: Annotated[
        str, typer.Option(help="none, pcc_response (56 days) or urgent_notification (28 days).")
    ] = "none",
    as_json: JsonFlag = False,
) -> None:
    """Record a recommendation while drafting (joint sign-off approves them with the report)."""
    rec = _send(
        actor,
        body,
        AddRecommendation(key=key, text=text, addressed_to=addressed_to, type=type, clock=clock),
    )
    _done(as_json, key, f"recommendation {rec.number} recorded")


@recommendations.command("respond")
def rec_respond(
    key: Key,
    number: Number,
    actor: Actor,
    response: Annotated[str, typer.Option(help="agreed, partly_agreed or not_agreed.")],
    body: Body = None,
    owner: Annotated[str, typer.Option(help="Who owns the action.")] = "",
    action_plan: Annotated[str, typer.Option(help="What will be done.")] = "",
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the addressee's response after publication."""
    _send(
        actor,
        body,
        RespondToRecommendation(
            key=key,
            number=number,
            response=response,
            owner=owner,
            action_plan=action_plan,
            due=_day(due, "--due"),
        ),
    )
    _done(as_json, key, f"recommendation {number}: {response}")


@recommendations.command("review")
def rec_review(
    key: Key,
    number: Number,
    actor: Actor,
    judgement: Annotated[
        str,
        typer.Option(
            help="no_meaningful_progress, "
            "insufficient_progress, "
            "reasonable_progress or good_progress."
        ),
    ],
    body: Body = None,
    note: Annotated[str, typer.Option()] = "",
    as_json: JsonFlag = False,
) -> None:
    """Judge a recommendation's progress at a follow-up review."""
    _send(
        actor,
        body,
        ReviewRecommendation(key=key, number=number, judgement=judgement, note=note),
    )
    _done(as_json, key, f"recommendation {number}: {judgement}")


@recommendations.command("close")
def rec_close(
    key: Key,
    number: Number,
    actor: Actor,
    evidence: Annotated[str, typer.Option(help="What shows it is done.")],
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Close a reviewed recommendation with evidence."""
    _send(actor, body, CloseRecommendation(key=key, number=number, evidence=evidence))
    _done(as_json, key, f"recommendation {number} closed")


@recommendations.command("carry")
def rec_carry(
    key: Key,
    number: Number,
    actor: Actor,
    into: Annotated[str, typer.Option(help="The work stream that takes it on.")],
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Carry an open recommendation into another work stream."""
    _send(actor, body, CarryRecommendation(key=key, number=number, into=into))
    _done(as_json, key, f"recommendation {number} carried into {into}")


@recommendations.command("list")
def rec_list(
    key: Annotated[str | None, typer.Argument(help="Only this work stream.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner or addressee contains.")] = None,
    status: Annotated[str | None, typer.Option(help="open, closed or carried.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """The register, with how long each recommendation has been open and ageing by owner."""
    rt = runtime()
    rows = register.register(rt, london_date(rt.clock()), ref=key, owner=owner, status=status)
    if csv:
        sys.stdout.write(register.as_csv(rows))
        return
    ageing = register.ageing_by_owner(rows)

    def human() -> None:
        table(
            f"{len(rows)} recommendation(s)",
            [
                "stream",
                "#",
                "type",
                "addressed to",
                "status",
                "response",
                "due",
                "statutory due",
                "days open",
                "review",
            ],
            [
                (
                    r["ref"],
                    r["number"],
                    r["type"],
                    r["addressed_to"],
                    r["status"],
                    r["response"] or "—",
                    r["due"] or "—",
                    r["statutory_due"] or "—",
                    r["days_open"],
                    r["latest_review"] or "—",
                )
                for r in rows
            ],
        )
        if ageing:
            table(
                "open, by owner",
                ["owner", "open", "oldest (days)", "average (days)"],
                [(a["owner"], a["open"], a["oldest_days"], a["average_days"]) for a in ageing],
            )

    output(as_json, {"recommendations": rows, "ageing_by_owner": ageing}, human)


# -- publication ------------------------------------------------------------------------
@publication.command("schedule")
def pub_schedule(
    key: Key,
    actor: Actor,
    at: Annotated[str, typer.Option(help="When, e.g. 2026-12-01T00:01+00:00.")],
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Set the publication date and time; the embargoed copy goes a few working days before."""
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidInput(f"--at {at!r} is not a date and time: use ISO 8601") from None
    if when.tzinfo is None:
        raise InvalidInput("--at needs a time zone, e.g. 2026-12-01T00:01+00:00")
    embargo_on = _send(actor, body, SchedulePublication(key=key, when=when))
    _done(as_json, key, f"publication at {when.isoformat()}; embargoed copy on {embargo_on}")


@publication.command("recipient")
def pub_recipient(
    key: Key,
    actor: Actor,
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option(help="inspected_body, minister, press or supporting_body.")],
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a recipient of the embargoed copy."""
    _send(actor, body, AddEmbargoRecipient(key=key, name=name, email=email, kind=kind))
    _done(as_json, key, f"{email} will receive the embargoed copy")


@publication.command("send-embargo")
def pub_send(key: Key, actor: Actor, body: Body = None, as_json: JsonFlag = False) -> None:
    """Send the embargoed copy now (it also goes by itself on its day)."""
    count = _send(actor, body, SendEmbargoedCopy(key=key))
    _done(as_json, key, f"embargoed copy going to {count} recipient(s)")


@publication.command("open")
def pub_open(
    token: Annotated[str, typer.Argument(help="The token from an embargo link.")],
    out: Annotated[Path, typer.Option(help="Where to write the document.")],
) -> None:
    """Open an embargoed copy by its link's token (the access is audited)."""
    filename, content = report.open_embargoed_copy(runtime(), token)
    out.write_bytes(content)
    say(f"wrote {filename} to {out}")


@publication.command("publish")
def pub_publish(
    key: Key,
    actor: Actor,
    url: Annotated[str, typer.Option(help="The public address of the report.")],
    version: Annotated[str, typer.Option(help="The version published (its hash).")],
    body: Body = None,
    early_release: Annotated[
        str | None,
        typer.Option(
            "--early-release",
            help="Before the scheduled time: confirm an early release, with the reason.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Publish: record the https URL and the version, which must be the one every body
    approved; before the scheduled time only with --early-release REASON (audited)."""
    command = Publish(key=key, url=url, version=version, early_release_reason=early_release)
    ws = _send(actor, body, command)
    _done(as_json, key, f"{ws.ref} published; now in {ws.state.value}")


@publication.command("urgent-notification")
def pub_urgent(
    key: Key,
    actor: Actor,
    on: Annotated[str, typer.Option(help="YYYY-MM-DD of the notification.")],
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Record an urgent notification (the Secretary of State responds within 28 days)."""
    day = _day(on, "--on")
    assert day is not None
    _send(actor, body, RecordUrgentNotification(key=key, on=day))
    _done(as_json, key, f"urgent notification of {day} recorded")


def rate(
    key: Key,
    actor: Actor,
    grade: Annotated[str, typer.Option(help="A grade of the lead's scheme.")],
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a rating (visits of a core programme only; joint thematics are unrated)."""
    rating = _send(actor, body, RecordRating(key=key, grade=grade))
    _done(as_json, key, f"rated {rating}")
