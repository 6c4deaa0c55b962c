"""The `cjji` command: every use case of the engine, for people and for scripts."""

from __future__ import annotations

import functools
import sys
from typing import Any

import pydantic
import sqlalchemy.exc
import typer

from workflow.adapters import logs
from workflow.cli import (
    access,
    admin,
    deadlines,
    participants,
    plans,
    records,
    report,
    service,
    streams,
    users,
    witness,
)
from workflow.cli.output import EXIT_UNAVAILABLE, database_trouble, exit_code_for
from workflow.domain.errors import WorkflowError
from workflow.domain.safe_text import escape

app = typer.Typer(
    help="cjji-workflow: the workflow engine for criminal justice joint inspections.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(admin.db, name="db")
app.add_typer(admin.programme, name="programme")
app.add_typer(admin.bodies, name="bodies")
app.add_typer(streams.app, name="streams")
app.add_typer(plans.plans_app, name="plans")
app.add_typer(records.drafts, name="drafts")
app.add_typer(records.signoff, name="signoff")
app.add_typer(records.audit, name="audit")
records.audit.command("checkpoint")(witness.audit_checkpoint)
records.audit.command("keygen")(witness.audit_keygen)
records.audit.command("register-key")(witness.audit_register_key)
records.audit.command("cosign")(witness.audit_cosign)
records.audit.command("prove")(witness.audit_prove)
records.audit.command("consistency")(witness.audit_consistency)
records.audit.command("export")(witness.audit_export)
app.add_typer(users.app, name="users")
app.add_typer(report.fa, name="fa")
app.add_typer(report.recommendations, name="recommendations")
app.add_typer(report.publication, name="publication")
streams.app.command("rate")(report.rate)
streams.app.command("propose-participants")(participants.propose_participants)
streams.app.command("decide-participants")(participants.decide_participants)
app.add_typer(deadlines.app, name="deadlines")
app.add_typer(deadlines.reminders_app, name="reminders")
app.add_typer(deadlines.calendar_app, name="calendar")
app.add_typer(access.tokens, name="tokens")
users.app.command("passwd")(access.passwd)
app.command()(access.serve)
app.command()(service.run)
app.command()(service.worker)
app.command()(service.beat)
app.command()(service.relay)
app.command()(admin.backup)
app.command()(admin.restore)


@functools.cache
def command() -> Any:
    """The command tree Typer builds from the commands' signatures: about 50 ms, once per
    process (`app()` builds it again at each call; a fork server builds it before it
    forks, so that each command it forks starts with it built)."""
    return typer.main.get_command(app)  # a click command (Typer's own copy of click)


def main() -> None:
    """Entry point: one line on stderr for every error a person can fix, never a traceback."""
    # Warnings only (a command's own output is its report), as structured lines that
    # carry this command's correlation id, and its actor and work stream once known.
    logs.configure("WARNING")
    logs.bind(correlation_id=logs.new_correlation_id())
    try:
        code = command()(standalone_mode=False)
    except WorkflowError as error:
        _error(str(error))
        sys.exit(exit_code_for(error))
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError) as error:
        _error(database_trouble(error))  # the server is down, refuses us, or went away
        sys.exit(EXIT_UNAVAILABLE)
    except OSError as error:
        if error.filename is None:  # not a file's problem: a bug, shown with its traceback
            raise
        # A directory where a file was expected, a file not there or not readable.
        _error(f"cannot read {error.filename}: {error.strerror or error}")
        sys.exit(2)
    except pydantic.ValidationError as error:  # a CJJI_* setting with a bad value
        problems = "; ".join(
            f"CJJI_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        )
        _error(f"bad setting: {problems}")
        sys.exit(2)
    except typer.Abort:
        sys.stderr.write("cjji: aborted\n")
        sys.exit(1)
    except typer.TyperException as error:  # the command line itself: usage, a bad option
        if type(error).__name__ == "NoArgsIsHelpError":  # `cjji` alone: show the help
            sys.stdout.write(_message(error) + "\n")
            sys.exit(0)
        ctx = getattr(error, "ctx", None)
        hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
        _error(f"{_message(error)}{hint}")
        sys.exit(getattr(error, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)


def _error(message: str) -> None:
    """One line on stderr; what came from outside is shown escaped, never obeyed."""
    sys.stderr.write(f"cjji: error: {escape(message)}\n")


def _message(error: Exception) -> str:
    format_message = getattr(error, "format_message", None)
    return str(format_message()) if callable(format_message) else str(error)


if __name__ == "__main__":
    main()
