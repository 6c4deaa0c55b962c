"""`cjji users …`: the people who act for each body, and their roles."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from workflow.cli.output import JsonFlag, output, runtime, say, table
from workflow.services import directory
from workflow.services.actors import Actor as Acting
from workflow.store.tables import UserRow

app = typer.Typer(
    help="People, their body and roles (signatory, deputy_signatory, …).", no_args_is_help=True
)


def _admin(actor: str) -> Acting:
    return Acting.of(actor or f"{getpass.getuser()} (cli)", None, runtime().bodies)


def _public(u: UserRow) -> dict[str, object]:
    return {
        "username": u.username,
        "name": u.name,
        "email": u.email,
        "body": u.body,
        "roles": u.roles,
        "active": u.active,
    }


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Login name, e.g. a.inspector.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    email: Annotated[str, typer.Option(help="Where notifications go.")],
    body: Annotated[str, typer.Option(help="The body the person acts for.")],
    role: Annotated[
        list[str],
        typer.Option(
            help="administrator, signatory, deputy_signatory, "
            "chief_inspector, inspector, contact, read_only "
            "(repeat)."
        ),
    ],
    actor: Annotated[str, typer.Option(help="Who records this.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record a person who acts for a body."""
    user = directory.add_user(
        runtime(), _admin(actor), username=username, name=name, email=email, body=body, roles=role
    )
    output(
        as_json,
        _public(user),
        lambda: say(f"added {user.username} ({user.body}: {', '.join(user.roles)})"),
    )


@app.command("load")
def load(
    file: Annotated[
        Path, typer.Argument(help="YAML list of people (see config/people.demo.yaml).")
    ],
    actor: Annotated[str, typer.Option(help="Who records this.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Add every person of a file whose username is not yet known."""
    added = directory.load_people_file(runtime(), _admin(actor), file)
    output(as_json, {"added": added}, lambda: say(f"{len(added)} people added"))


@app.command("list")
def list_(
    body: Annotated[str | None, typer.Option(help="Only this body.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Everyone, by body."""
    users = [_public(u) for u in directory.list_users(runtime(), body)]
    output(
        as_json,
        users,
        lambda: table(
            f"{len(users)} user(s)",
            ["username", "name", "body", "roles", "email"],
            [
                (u["username"], u["name"], u["body"], ", ".join(u["roles"]), u["email"])  # type: ignore[arg-type]
                for u in users
            ],
        ),
    )
