"""`cjji fa …`, `cjji recommendations …` and `cjji publication …`: the report's journey."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from workflow.cli.output import Actor, Body, JsonFlag, output, runtime, say, table
from workflow.domain.errors import InvalidInput
from workflow.domain.working_days import london_date
from workflow.services import queries, register, report
from workflow.services.actors import Actor as Acting

fa = typer.Typer(
    help="The factual accuracy check of a draft by the inspected bodies.", no_args_is_help=True
)
recommendations = typer.Typer(help="The recommendations register.", no_args_is_help=True)
publication = typer.Typer(help="Publication: date, embargo, publishing.", no_args_is_help=True)

Key = Annotated[str, typer.Argument(help="Work stream id or ref.")]
Number = Annotated[int, typer.Argument(help="The recommendation's or comment's number.")]


def _acting(actor: str, body: str) -> Acting:
    return Acting.of(actor, body, runtime().bodies)


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
    body: Body,
    party: Annotated[list[str], typer.Option(help="An inspected body (repeat).")],
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default: 10 working days.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Send the current draft to the inspected bodies for a factual accuracy check."""
    due_on = report.start_factual_accuracy(
        runtime(), _acting(actor, body), key, party, _day(due, "--due")
    )
    _done(as_json, key, f"factual accuracy check started; comments due by {due_on}")


@fa.command("comment")
def fa_comment(
    key: Key,
    actor: Actor,
    body: Body,
    party: Annotated[str, typer.Option(help="The inspected body commenting.")],
    text: Annotated[str, typer.Option(help="The comment.")],
    as_json: JsonFlag = False,
) -> None:
    """Record one comment from an inspected body."""
    number = report.add_fa_comment(runtime(), _acting(actor, body), key, party, text)
    _done(as_json, key, f"recorded comment {number}")


@fa.command("dispose")
def fa_dispose(
    key: Key,
    number: Number,
    actor: Actor,
    body: Body,
    disposition: Annotated[str, typer.Option(help="accepted, rejected or evidence_requested.")],
    reason: Annotated[str | None, typer.Option(help="Required to reject.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Give a comment its disposition."""
    report.dispose_fa_comment(runtime(), _acting(actor, body), key, number, disposition, reason)
    _done(as_json, key, f"comment {number}: {disposition}")


@fa.command("sign-off")
def fa_sign_off(key: Key, actor: Actor, body: Body, as_json: JsonFlag = False) -> None:
    """Complete the check: a lead-body member who was not on the fieldwork team signs."""
    report.sign_off_factual_accuracy(runtime(), _acting(actor, body), key)
    _done(as_json, key, "factual accuracy check complete")


@fa.command("team")
def fa_team(
    key: Key,
    actor: Actor,
    body: Body,
    member: Annotated[list[str], typer.Option(help="A username (repeat).")],
    as_json: JsonFlag = False,
) -> None:
    """Record the fieldwork team (who may not sign off the factual accuracy check)."""
    report.set_fieldwork_team(runtime(), _acting(actor, body), key, member)
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
    body: Body,
    text: Annotated[str, typer.Option(help="The recommendation.")],
    addressed_to: Annotated[str, typer.Option(help="Who it is addressed to.")],
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
    rec = report.add_recommendation(
        runtime(),
        _acting(actor, body),
        key,
        text=text,
        addressed_to=addressed_to,
        type=type,
        clock=clock,
    )
    _done(as_json, key, f"recommendation {rec.number} recorded")


@recommendations.command("respond")
def rec_respond(
    key: Key,
    number: Number,
    actor: Actor,
    body: Body,
    response: Annotated[str, typer.Option(help="agreed, partly_agreed or not_agreed.")],
    owner: Annotated[str, typer.Option(help="Who owns the action.")] = "",
    action_plan: Annotated[str, typer.Option(help="What will be done.")] = "",
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the addressee's response after publication."""
    report.respond_to_recommendation(
        runtime(),
        _acting(actor, body),
        key,
        number,
        response=response,
        owner=owner,
        action_plan=action_plan,
        due=_day(due, "--due"),
    )
    _done(as_json, key, f"recommendation {number}: {response}")


@recommendations.command("review")
def rec_review(
    key: Key,
    number: Number,
    actor: Actor,
    body: Body,
    judgement: Annotated[
        str,
        typer.Option(
            help="no_meaningful_progress, "
            "insufficient_progress, "
            "reasonable_progress or good_progress."
        ),
    ],
    note: Annotated[str, typer.Option()] = "",
    as_json: JsonFlag = False,
) -> None:
    """Judge a recommendation's progress at a follow-up review."""
    report.review_recommendation(
        runtime(), _acting(actor, body), key, number, judgement=judgement, note=note
    )
    _done(as_json, key, f"recommendation {number}: {judgement}")


@recommendations.command("close")
def rec_close(
    key: Key,
    number: Number,
    actor: Actor,
    body: Body,
    evidence: Annotated[str, typer.Option(help="What shows it is done.")],
    as_json: JsonFlag = False,
) -> None:
    """Close a reviewed recommendation with evidence."""
    report.close_recommendation(runtime(), _acting(actor, body), key, number, evidence)
    _done(as_json, key, f"recommendation {number} closed")


@recommendations.command("carry")
def rec_carry(
    key: Key,
    number: Number,
    actor: Actor,
    body: Body,
    into: Annotated[str, typer.Option(help="The work stream that takes it on.")],
    as_json: JsonFlag = False,
) -> None:
    """Carry an open recommendation into another work stream."""
    report.carry_recommendation(runtime(), _acting(actor, body), key, number, into)
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
    body: Body,
    at: Annotated[str, typer.Option(help="When, e.g. 2026-12-01T00:01+00:00.")],
    as_json: JsonFlag = False,
) -> None:
    """Set the publication date and time; the embargoed copy goes a few working days before."""
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidInput(f"--at {at!r} is not a date and time: use ISO 8601") from None
    if when.tzinfo is None:
        raise InvalidInput("--at needs a time zone, e.g. 2026-12-01T00:01+00:00")
    embargo_on = report.schedule_publication(runtime(), _acting(actor, body), key, when)
    _done(as_json, key, f"publication at {when.isoformat()}; embargoed copy on {embargo_on}")


@publication.command("recipient")
def pub_recipient(
    key: Key,
    actor: Actor,
    body: Body,
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option(help="inspected_body, minister, press or supporting_body.")],
    as_json: JsonFlag = False,
) -> None:
    """Add a recipient of the embargoed copy."""
    report.add_embargo_recipient(
        runtime(), _acting(actor, body), key, name=name, email=email, kind=kind
    )
    _done(as_json, key, f"{email} will receive the embargoed copy")


@publication.command("send-embargo")
def pub_send(key: Key, actor: Actor, body: Body, as_json: JsonFlag = False) -> None:
    """Send the embargoed copy now (it also goes by itself on its day)."""
    count = report.send_embargoed_copy(runtime(), _acting(actor, body), key)
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
    body: Body,
    url: Annotated[str, typer.Option(help="The public address of the report.")],
    version: Annotated[str, typer.Option(help="The version published (its hash).")],
    as_json: JsonFlag = False,
) -> None:
    """Publish: record the URL and the version, which must be the one every body approved."""
    ws = report.publish(runtime(), _acting(actor, body), key, url=url, version=version)
    _done(as_json, key, f"{ws.ref} published; now in {ws.state.value}")


@publication.command("urgent-notification")
def pub_urgent(
    key: Key,
    actor: Actor,
    body: Body,
    on: Annotated[str, typer.Option(help="YYYY-MM-DD of the notification.")],
    as_json: JsonFlag = False,
) -> None:
    """Record an urgent notification (the Secretary of State responds within 28 days)."""
    day = _day(on, "--on")
    assert day is not None
    report.record_urgent_notification(runtime(), _acting(actor, body), key, day)
    _done(as_json, key, f"urgent notification of {day} recorded")


def rate(
    key: Key,
    actor: Actor,
    body: Body,
    grade: Annotated[str, typer.Option(help="A grade of the lead's scheme.")],
    as_json: JsonFlag = False,
) -> None:
    """Record a rating (visits of a core programme only; joint thematics are unrated)."""
    rating = report.record_rating(runtime(), _acting(actor, body), key, grade)
    _done(as_json, key, f"rated {rating}")
