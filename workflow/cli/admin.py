"""`cjji db …`, `cjji programme …` and `cjji bodies …`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workflow.application.commands import ImportProgramme
from workflow.application.handlers.programme import ImportResult
from workflow.cli.output import Actor, JsonFlag, cli_principal, output, runtime, say, table
from workflow.domain.errors import InvalidInput
from workflow.store import backup as backups
from workflow.store.migrate import head_revision, upgrade

db = typer.Typer(help="The database schema.", no_args_is_help=True)
programme = typer.Typer(help="Business plans and their programmes.", no_args_is_help=True)
bodies = typer.Typer(help="The inspectorates and partner bodies.", no_args_is_help=True)

DEFAULT_PROGRAMME = Path(__file__).resolve().parents[2] / "config/programmes/cjji-2021-23.yaml"


@db.command("upgrade")
def db_upgrade(as_json: JsonFlag = False) -> None:
    """Create the database or bring it up to date."""
    rt = runtime(check_schema=False)
    before, after = upgrade(rt.engine)
    url = rt.engine.url.render_as_string(hide_password=True)
    output(
        as_json,
        {"database": url, "from": before, "to": after},
        lambda: say(f"{url}: {before or 'empty'} → {after}"),
    )


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    as_json: JsonFlag = False,
) -> None:
    """Back up the database while the engine runs: SQLite through its online backup API,
    PostgreSQL through pg_dump (custom format; pg_dump must be on PATH)."""
    rt = runtime(check_schema=False)
    url = rt.settings.database_url
    if file.is_dir():
        raise InvalidInput(f"{file} is a directory: name the backup file to write")
    if rt.settings.uses_sqlite:
        backups.backup_sqlite(url, file)
    else:
        backups.backup_postgres(url, file)
    shown = rt.engine.url.render_as_string(hide_password=True)
    size = file.stat().st_size
    output(
        as_json,
        {"database": shown, "file": str(file), "bytes": size},
        lambda: say(f"{shown} backed up to {file} ({size} bytes)"),
    )


def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `cjji backup`.")],
    as_json: JsonFlag = False,
) -> None:
    """Replace the database with a backup, once the backup's audit trail has verified
    (refused with exit 2 if it does not). Stop the engine first."""
    rt = runtime(check_schema=False)
    url = rt.settings.database_url
    if rt.settings.uses_sqlite:
        rt.engine.dispose()
        restored = backups.restore_sqlite(file, url)
    else:
        rt.engine.dispose()
        restored = backups.restore_postgres(file, url)
    shown = rt.engine.url.render_as_string(hide_password=True)
    head = head_revision()
    behind = restored.revision != head
    data = {
        "database": shown,
        "file": str(file),
        "verified": restored.verification.checked,
        "revision": restored.revision,
        "upgrade_needed": behind,
    }

    def lines() -> None:
        say(
            f"{file} restored into {shown}: audit trail intact, "
            f"{restored.verification.checked} event(s) verified"
        )
        if behind:
            say(f"the backup is at revision {restored.revision}: run `cjji db upgrade` next")

    output(as_json, data, lines)


@programme.command("import")
def programme_import(
    file: Annotated[Path, typer.Argument(help="The programme YAML (docs/programme-format.md).")],
    actor: Actor = "",
    body: Annotated[str | None, typer.Option(help="For which body.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Validate the whole file, then import it in one go (nothing if any entry is bad).
    An administrator imports it."""
    rt = runtime()
    # Said before who may import: a wrong path is the first thing to fix.
    if not file.exists():
        raise InvalidInput(f"no such file: {file}")
    if file.is_dir():
        raise InvalidInput(f"cannot read {file}: Is a directory")
    result: ImportResult = rt.handle(ImportProgramme(path=file), cli_principal(actor, body))
    show_import(result, as_json)


def show_import(result: ImportResult, as_json: bool) -> None:
    data = {
        "plan": result.plan,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "refused": result.refused,
        "plan_updated": result.plan_updated,
        "warnings": result.warnings,
    }

    def lines() -> None:
        say(
            f"{result.plan}: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged"
            + (f", {len(result.refused)} refused" if result.refused else "")
            + ("; the plan's title or dates updated" if result.plan_updated else "")
        )
        for line in result.refused:
            say(f"refused: {line}")
        for line in result.warnings:
            say(f"warning: {line}")

    output(as_json, data, lines)


@bodies.command("list")
def bodies_list(as_json: JsonFlag = False) -> None:
    """The nine bodies, their codes and the aliases the engine accepts."""
    rows = [
        {
            "code": b.code,
            "name": b.name,
            "kind": b.kind.value,
            "aliases": list(b.aliases),
            "nations": list(b.nations),
            "chief_inspector": b.chief_inspector,
        }
        for b in runtime(check_schema=False).bodies
    ]
    output(
        as_json,
        rows,
        lambda: table(
            None,
            ["code", "name", "kind", "aliases"],
            [(r["code"], r["name"], r["kind"], ", ".join(r["aliases"])) for r in rows],
        ),
    )
