"""How the CLI speaks: readable tables for people, ``--json`` for scripts, one-line errors."""

from __future__ import annotations

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
from workflow.bootstrap import Runtime, bootstrap, celery_publisher
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

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Actor = Annotated[str, typer.Option("--actor", help="Who is acting (recorded in the audit trail).")]
Body = Annotated[str, typer.Option("--body", help="The body the actor acts for (code or alias).")]

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


@cache
def runtime(check_schema: bool = True) -> Runtime:
    """The CLI's runtime; refuses to run on a database that is not migrated."""
    rt = bootstrap(get_settings(), publisher=celery_publisher)
    sqlalchemy.event.listen(rt.engine, "commit", lambda _conn: _committing.append(True))
    if check_schema:
        current, head = current_revision(rt.engine), head_revision(rt.engine)
        if current != head:
            raise InvalidInput(
                f"the database {rt.engine.url.render_as_string(hide_password=True)} is at "
                f"revision {current or 'none'}, not {head}: run `cjji db upgrade` first"
            )
    return rt


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
