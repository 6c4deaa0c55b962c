"""`cjji tokens …`, `cjji users passwd` and `cjji serve`: access from the command line.

The command line acts as a person of the directory (``--actor USERNAME`` or
``CJJI_ACTOR``), whom the policy allows or refuses like anyone else; it is audited like
any other change.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated
from urllib.parse import urlsplit

import typer

from config.settings import get_settings
from workflow.application.authentication import DEMO_PASSWORD
from workflow.application.commands import CreateToken, RevokeToken, SetDemoPasswords, SetPassword
from workflow.application.principal import Principal, engine_principal
from workflow.application.queries import people as directory
from workflow.cli.output import Actor, JsonFlag, cli_principal, output, runtime, say, table
from workflow.domain.errors import InvalidInput

tokens = typer.Typer(help="API tokens for scripts: create, list, revoke.", no_args_is_help=True)


@tokens.command("create")
def tokens_create(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What uses it, e.g. 'nightly report'.")],
    days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Lifetime in days; default: 90.")
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="read, act, decide or admin; repeat for more. Default: all the user's roles allow."
        ),
    ] = None,
    actor: Actor = "",
    as_json: JsonFlag = False,
) -> None:
    """Create an API token and print it once (only its hash is kept)."""
    command = CreateToken(
        username=username, label=label, days=days, scopes=tuple(scope) if scope else None
    )
    issued = runtime().handle(command, cli_principal(actor))
    data = {
        "id": issued.id,
        "token": issued.token,
        "username": issued.username,
        "label": issued.label,
        "scopes": issued.scopes,
        "expires_at": issued.expires_at.isoformat() if issued.expires_at else None,
    }

    def human() -> None:
        sys.stdout.write(issued.token + "\n")
        sys.stderr.write(
            f"token {issued.id} for {issued.username} ({issued.label}); it is shown once: "
            "send it as 'Authorization: Bearer TOKEN'\n"
        )

    output(as_json, data, human)


@tokens.command("list")
def tokens_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every token (never the secret itself): who, what for, its scopes, when it ends,
    when it was last used, and whether revoked."""
    rows = directory.list_tokens(runtime(), username)
    data = [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows
    ]
    output(
        as_json,
        data,
        lambda: table(
            f"{len(rows)} token(s)",
            ["id", "user", "label", "starts with", "scopes", "expires", "last used", "revoked"],
            [
                (
                    r["id"],
                    r["username"],
                    r["label"],
                    r["prefix"] + "…",
                    r["scopes"],
                    str(r["expires_at"] or "never")[:16],
                    str(r["last_used_at"] or "")[:16],
                    str(r["revoked_at"] or "")[:16],
                )
                for r in rows
            ],
        ),
    )


@tokens.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The id `cjji tokens list` shows.")],
    actor: Actor = "",
    as_json: JsonFlag = False,
) -> None:
    """Revoke a token: it stops working at once."""
    runtime().handle(RevokeToken(token_id=token_id), cli_principal(actor))
    output(as_json, {"revoked": token_id}, lambda: say(f"token {token_id} revoked"))


def passwd(
    username: Annotated[str, typer.Argument(help="Whose password.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    actor: Actor = "",
    as_json: JsonFlag = False,
) -> None:
    """Set a person's password for the web pages (asked for twice, never echoed)."""
    who = cli_principal(actor)  # before the password is asked for: who may set it
    # Changing one's own password needs the current one (administrators' too are asked
    # nothing more); with --password-stdin it is the first line, the new one the second.
    current = None
    if who.username == username and not who.is_admin:
        current = (
            sys.stdin.readline().rstrip("\r\n")
            if password_stdin
            else getpass.getpass("Current password: ")
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"New password for {username}: ")
        if getpass.getpass("Again: ") != password:
            raise InvalidInput("the two passwords differ: nothing was changed")
    command = SetPassword(username=username, password=password, current_password=current)
    runtime().handle(command, who)
    output(as_json, {"username": username, "password": "set"}, lambda: say("password set"))


def _address(host: str | None, port: int | None) -> tuple[str, int]:
    public = urlsplit(get_settings().public_url)
    return host or public.hostname or "127.0.0.1", port or public.port or 8000


def serve(
    host: Annotated[str | None, typer.Option(help="Default: the host of CJJI_PUBLIC_URL.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: the port of CJJI_PUBLIC_URL.")] = None,
) -> None:
    """Serve the web pages and the HTTP API (OpenAPI at /docs) until stopped."""
    serve_web(host, port)


def serve_web(host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    bind_host, bind_port = _address(host, port)
    runtime()  # refuses a database that is not migrated, before anything is served
    say(
        f"web pages and API at http://{bind_host}:{bind_port}/ "
        f"(API documentation at /docs); Ctrl-C stops it"
    )
    # By name: the command line does not import the API or the web pages itself.
    uvicorn.run(
        "workflow.server:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        log_level="info",
    )


#: The demo people named when `cjji run` prints how to sign in, by what each can do.
DEMO_LOGINS = (
    ("admin", "administrator: sees everything, the audit log"),
    ("lead.hmiprobation", "inspector of HMI Probation: moves the work streams it leads"),
    ("signatory.hmicfrs", "signatory of HMICFRS: records its decisions"),
)


def demo_sign_in(usernames: list[str], who: Principal | None = None) -> None:
    """Give the demo people the demo password, and say how to sign in."""
    command = SetDemoPasswords(usernames=tuple(usernames))
    runtime().handle(command, who or engine_principal("cjji run"))
    host, port = _address(None, None)
    say(f"Open http://{host}:{port}/ and sign in with password {DEMO_PASSWORD} as:")
    for username, what in DEMO_LOGINS:
        say(f"  {username:<20} {what}")
    say("  (every demo person in config/people.demo.yaml has the same password)")
