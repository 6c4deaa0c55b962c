"""`cjji deadlines …`, `cjji reminders sweep` and `cjji calendar export`."""

from __future__ import annotations

import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer

from workflow.application.commands import (
    ExtendDeadline,
    MarkDeadlineMet,
    OverrideDeadlineRule,
    RecordMilestone,
)
from workflow.application.jobs import reminders
from workflow.application.queries import deadlines
from workflow.cli.output import Actor, Body, JsonFlag, cli_principal, output, runtime, say, table
from workflow.domain.errors import InvalidInput
from workflow.domain.working_days import LONDON

app = typer.Typer(
    help="Deadlines: list, extend, mark met; planned dates and per-work-stream rules.",
    no_args_is_help=True,
)
reminders_app = typer.Typer(help="Reminders of deadlines, sent once each.", no_args_is_help=True)
calendar_app = typer.Typer(help="iCalendar feeds of open deadlines.", no_args_is_help=True)

Key = Annotated[str, typer.Argument(help="Work stream id or ref.")]
DeadlineId = Annotated[int, typer.Argument(help="The deadline's id (see `cjji deadlines list`).")]


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a date: write YYYY-MM-DD") from None


def parse_moment(text: str) -> datetime:
    """An ISO date or date-time; without an offset it is London time (a date alone: noon)."""
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), time(12), LONDON)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--now {text!r} is not a date or time: write e.g. 2023-01-05 or 2023-01-05T09:00Z"
        ) from None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=LONDON)


def _state(d: dict[str, Any]) -> str:
    if d["closed_at"]:
        return f"closed: {d['closed_reason']}"
    flags = ["paused" if d["paused"] else "overdue" if d["overdue"] else "open"]
    return ", ".join(flags + (["extended"] if d["extended_reason"] else []))


def _deadline_table(title: str, rows: list[dict[str, Any]]) -> None:
    table(
        title,
        ["id", "ref", "what", "owed by", "due", "days", "state", "next reminder"],
        [
            (
                d["id"],
                d["ref"],
                d["what"],
                f"{d['body'] or '—'} ({d['owed_by']})",
                d["due"],
                d["days_left"],
                _state(d),
                d["next_reminder"] or "—",
            )
            for d in rows
        ],
    )


@app.command("list")
def list_(
    due_before: Annotated[
        str | None, typer.Option("--due-before", help="Only those due before this date.")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    body: Annotated[
        str | None, typer.Option(help="Only those this body owes (or chases, as lead).")
    ] = None,
    stream: Annotated[str | None, typer.Option(help="Only this work stream (id or ref).")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Closed ones too.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Open deadlines, soonest first."""
    rows = deadlines.list_deadlines(
        runtime(),
        due_before=parse_date(due_before, "--due-before") if due_before else None,
        overdue=overdue,
        body=body,
        stream=stream,
        include_closed=closed,
    )
    output(as_json, rows, lambda: _deadline_table(f"{len(rows)} deadline(s)", rows))


@app.command()
def extend(
    deadline_id: DeadlineId,
    to: Annotated[str, typer.Option("--to", help="The new due date, YYYY-MM-DD (later).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it moves (audited).")],
    actor: Actor,
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Move a deadline later, for a reason; the lead body decides."""
    command = ExtendDeadline(deadline_id=deadline_id, to=parse_date(to, "--to"), reason=reason)
    row = runtime().handle(command, cli_principal(actor, body))
    output(as_json, row, lambda: say(f"deadline {row['id']} ({row['what']}) is due {row['due']}"))


@app.command()
def done(
    deadline_id: DeadlineId,
    actor: Actor,
    body: Body = None,
    note: Annotated[str | None, typer.Option(help="What was done (audited).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Mark a deadline met: its reminders stop."""
    command = MarkDeadlineMet(deadline_id=deadline_id, note=note)
    row = runtime().handle(command, cli_principal(actor, body))
    output(as_json, row, lambda: say(f"deadline {row['id']} ({row['what']}) is met"))


@app.command()
def milestone(
    key: Key,
    name: Annotated[str, typer.Argument(help="fieldwork, publication (planned) or an event name.")],
    on: Annotated[str, typer.Option("--on", help="The date, YYYY-MM-DD.")],
    actor: Actor,
    body: Body = None,
    reason: Annotated[str | None, typer.Option(help="Why (audited).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a planned or actual date that deadlines run from (or that meets them)."""
    command = RecordMilestone(key=key, name=name, on=parse_date(on, "--on"), reason=reason)
    rows = runtime().handle(command, cli_principal(actor, body))
    output(as_json, rows, lambda: _deadline_table(f"{name} on {on}: open deadlines", rows))


@app.command()
def override(
    key: Key,
    rule: Annotated[str, typer.Argument(help="The rule key, e.g. signoff_response.")],
    duration: Annotated[str, typer.Option(help="e.g. '15 working days', '8 weeks'.")],
    reason: Annotated[str, typer.Option(help="Why this work stream differs (audited).")],
    actor: Actor,
    body: Body = None,
    as_json: JsonFlag = False,
) -> None:
    """Give one work stream its own duration for a rule; open deadlines are re-dated."""
    command = OverrideDeadlineRule(key=key, rule_key=rule, duration=duration, reason=reason)
    rows = runtime().handle(command, cli_principal(actor, body))
    output(as_json, rows, lambda: _deadline_table(f"{rule}: {duration}", rows))


@reminders_app.command("sweep")
def sweep(
    now: Annotated[
        str | None,
        typer.Option("--now", help="Sweep as at this ISO date or time (default: now)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Send every reminder that is due, once each (what beat does every few minutes)."""
    result = reminders.sweep(runtime(), parse_moment(now) if now else None).as_dict()

    def human() -> None:
        table(f"reminder sweep for {result['today']}", ["", "count"], list(result.items())[1:])

    output(as_json, result, human)


@calendar_app.command("export")
def export(
    body: Annotated[str | None, typer.Option(help="The body's feed (code or alias).")] = None,
    stream: Annotated[str | None, typer.Option(help="One work stream's feed.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write to this file (default: stdout).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """An iCalendar (.ics) feed of open deadlines, per body or per work stream."""
    from workflow.application.queries import (
        calendar_feed,  # icalendar loads only when a feed is made
    )

    if (body is None) == (stream is None):
        raise InvalidInput("give exactly one of --body CODE or --stream REF")
    rt = runtime()
    feed = (
        calendar_feed.body_feed(rt, body) if body else calendar_feed.stream_feed(rt, stream or "")
    )
    if out is not None:
        try:
            out.write_bytes(feed.ics)
        except OSError as error:
            raise InvalidInput(f"cannot write {out}: {error.strerror}") from None
    data: dict[str, Any] = {"name": feed.name, "events": feed.events}
    data.update({"file": str(out)} if out else {"ics": feed.ics.decode()})

    def human() -> None:
        if out is not None:
            say(f"wrote {feed.events} deadline(s) to {out}")
        else:
            sys.stdout.write(feed.ics.decode())

    output(as_json, data, human)
