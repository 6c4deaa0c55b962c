"""`cjji users …`: the people who act for each body, and their roles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workflow.application.commands import AddUsers, LoadPeople
from workflow.application.queries import people as directory
from workflow.cli.output import (
    Actor,
    JsonFlag,
    first_setup_principal,
    output,
    runtime,
    say,
    table,
)
from workflow.store.tables import UserRow

app = typer.Typer(
    help="People, their body and roles (signatory, deputy_signatory, …).", no_args_is_help=True
)


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
    actor: Actor = "",
    as_json: JsonFlag = False,
) -> None:
    """Record a person who acts for a body (an administrator does; on a fresh install,
    with nobody in the directory yet, whoever runs the command line adds the first)."""
    person = {"username": username, "name": name, "email": email, "body": body, "roles": role}
    rt = runtime()
    (user,) = rt.handle(AddUsers(people=(person,)), first_setup_principal(actor))
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
    actor: Actor = "",
    as_json: JsonFlag = False,
) -> None:
    """Add every person of a file whose username is not yet known (an administrator does;
    on a fresh install, whoever runs the command line loads the first)."""
    added = runtime().handle(LoadPeople(path=file), first_setup_principal(actor))
    show_loaded(added, as_json)


def show_loaded(added: list[str], as_json: bool) -> None:
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
