"""How the CLI speaks: readable tables for people, ``--json`` for scripts, one-line errors."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Annotated, Any

import sqlalchemy.exc
import typer
from rich.console import Console
from rich.errors import MarkupError
from rich.table import Table
from rich.text import Text

from config.settings import get_settings
from workflow.application.principal import Principal, engine_principal
from workflow.application.queries.people import any_user, find_user, principal_of
from workflow.bootstrap import Runtime, bootstrap
from workflow.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    NotPermitted,
    Refused,
    WorkflowError,
)
from workflow.domain.safe_text import UNSAFE, escape
from workflow.store.db import shown_url
from workflow.store.migrate import current_revision, head_revision
from workflow.store.tables import OutboxRow

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Actor = Annotated[
    str,
    typer.Option(
        "--actor",
        envvar="CJJI_ACTOR",
        help="Your username in the directory: who is acting (recorded in the audit trail).",
    ),
]
Body = Annotated[
    str | None,
    typer.Option(
        "--body",
        help="The body the actor acts for (code or alias); optional: the directory knows it, "
        "and it is refused if it is not theirs.",
    ),
]

#: Exit codes: 2 bad input (and unknown ids), 3 refused by the rules, 4 conflict.
EXIT_CODES: tuple[tuple[type[WorkflowError], int], ...] = (
    (InvalidInput, 2),
    (NotFound, 2),
    (NotPermitted, 3),
    (Refused, 3),
    (Conflict, 4),
    (WorkflowError, 1),
)


#: The database (or another service the command needs) cannot be reached.
EXIT_UNAVAILABLE = 1


def exit_code_for(error: WorkflowError) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


#: Whether this process has asked the database to commit: until then, nothing was changed.
_committing: list[bool] = []


def database_trouble(error: sqlalchemy.exc.DBAPIError) -> str:
    """One line for a database that cannot be reached or stopped answering (no password)."""
    url = get_settings().database_url
    reason = next((line for line in str(error.orig).splitlines() if line.strip()), "")
    reason = " ".join(reason.split()) or type(error.orig).__name__
    password = _password(url)
    if password:
        reason = reason.replace(password, "***")
    if not _committing:
        return f"the database at {shown_url(url)} cannot be reached: {reason}; nothing was changed"
    return (
        f"the database at {shown_url(url)} stopped answering: {reason}; "
        "check whether the change was made before repeating it"
    )


def _password(url: str) -> str | None:
    try:
        return sqlalchemy.engine.make_url(url).password
    except (sqlalchemy.exc.ArgumentError, ValueError):
        return None


def fail(message: str, code: int = 2) -> None:
    """Print one line on stderr and exit."""
    sys.stderr.write(f"cjji: error: {escape(message)}\n")
    raise typer.Exit(code)


def _publish(rows: Sequence[OutboxRow]) -> object:
    """Hand outbox rows to Celery; imported on first use so that commands start quickly."""
    from tasks.publisher import celery_publisher

    return celery_publisher(rows)


@cache
def runtime(check_schema: bool = True) -> Runtime:
    """The CLI's runtime; refuses to run on a database that is not migrated."""
    rt = bootstrap(get_settings(), publisher=_publish)
    sqlalchemy.event.listen(rt.engine, "commit", lambda _conn: _committing.append(True))
    if check_schema:
        current, head = current_revision(rt.engine), head_revision(rt.engine)
        if current != head:
            raise InvalidInput(
                f"the database {rt.engine.url.render_as_string(hide_password=True)} is at "
                f"revision {current or 'none'}, not {head}: run `cjji db upgrade` first"
            )
    return rt


def cli_principal(actor: str | None, body: str | None = None) -> Principal:
    """The person of the directory named by ``--actor`` (or ``CJJI_ACTOR``): the command
    line acts as them, with their body and roles. ``body``, if given, must be theirs."""
    rt = runtime()
    username = (actor or "").strip()
    if not username:
        raise NotPermitted(
            "say who is acting: --actor USERNAME (or set CJJI_ACTOR), a person of the "
            "directory (`cjji users list`)"
        )
    with rt.read() as session:
        user = find_user(session, username)
    if user is None:
        raise NotPermitted(
            f"{username!r} is not a person of the directory: use your username "
            "(`cjji users list`), or add them with `cjji users add`"
        )
    if not user.active:
        raise NotPermitted(f"{username} is deactivated: ask an administrator to activate them")
    if body and rt.bodies.code_of(body) != user.body:
        raise NotPermitted(
            f"{username} acts for {user.body}, not {rt.bodies.code_of(body)}: "
            f"leave out --body or give {user.body}"
        )
    return principal_of(user)


def first_setup_principal(actor: str | None, body: str | None = None) -> Principal:
    """Who adds people: the person named, or — while the directory holds nobody at all, so
    that a fresh install can start — the engine, for whoever runs the command line."""
    with runtime().read() as session:
        empty = not any_user(session)
    if empty:
        return engine_principal(f"{getpass.getuser()} (cli, first set-up)")
    return cli_principal(actor, body)


def console() -> Console:
    # Piped output is not cut to 80 columns: it is read by people in logs and pagers.
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def emit_json(data: Any) -> None:
    sys.stdout.write(safe_json(data) + "\n")


def safe_json(data: Any) -> str:
    """JSON whose text shows no control character raw on a terminal.

    ``json`` escapes the C0 controls; with ``ensure_ascii=False`` (names in any script stay
    readable) it leaves the C1 controls and the bidirectional overrides raw. Those can only
    be inside strings, so each is written as its ``\\uXXXX`` escape: the same data.
    """
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    return escape_json_text(text)


def escape_json_text(text: str) -> str:
    return UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Cells are plain text: escaped control characters, and no markup (``[/]`` is shown)."""
    t = Table(title=None if title is None else plain(title), show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(*(plain("" if v is None else str(v)) for v in row))
    console().print(t)


def plain(value: str) -> Text:
    return Text(escape(value))


def say(message: str) -> None:
    """Print a line for people; control characters in it are shown escaped, never obeyed."""
    safe = escape(message)
    try:
        console().print(safe)
    except MarkupError:  # a name such as "[/]" in the message: print it as it is
        console().print(safe, markup=False)


def output(as_json: bool, data: Any, human: Callable[[], None]) -> None:
    if as_json:
        emit_json(data)
    else:
        human()
