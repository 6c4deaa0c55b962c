"""`cjji worker`, `cjji beat`, `cjji relay` and `cjji run`: the engine as a service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from config.settings import get_settings
from workflow.cli.output import JsonFlag, output, runtime, say

CONFIG = Path(__file__).resolve().parents[2] / "config"
PROGRAMME = CONFIG / "programmes/cjji-2021-23.yaml"
PEOPLE = CONFIG / "people.demo.yaml"


def celery_argv(
    role: str,
    *,
    pool: str = "prefork",
    concurrency: int = 2,
    loglevel: str = "INFO",
    quiet: bool = False,
) -> list[str]:
    settings = get_settings()
    argv = [sys.executable, "-m", "celery", "-A", "tasks.app"]
    # --quiet drops Celery's start-up banner, which would bury what `cjji run` prints.
    argv += ["--quiet"] if quiet else []
    argv += [role, f"--loglevel={loglevel}"]
    if role == "worker":
        argv += [
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            f"--queues={settings.queue}",
            "--without-gossip",
            "--without-mingle",
            "--hostname=cjji@%h",
        ]
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        argv += [f"--schedule={settings.data_dir / 'beat-schedule'}"]
    return argv


def worker(
    pool: Annotated[str, typer.Option(help="prefork, threads or solo.")] = "prefork",
    concurrency: Annotated[int, typer.Option(min=1, help="Processes or threads.")] = 2,
    loglevel: Annotated[str, typer.Option()] = "INFO",
) -> None:
    """Start a Celery worker for this deployment's queue (runs until stopped)."""
    os.execv(
        sys.executable, celery_argv("worker", pool=pool, concurrency=concurrency, loglevel=loglevel)
    )


def beat(loglevel: Annotated[str, typer.Option()] = "INFO") -> None:
    """Start the scheduler: the outbox relay and the reminder sweep (run only one)."""
    os.execv(sys.executable, celery_argv("beat", loglevel=loglevel))


def relay(as_json: JsonFlag = False) -> None:
    """Hand to the broker, once, every outbox row that is due (what beat does every few seconds)."""
    from tasks.publisher import publish_rows
    from workflow.application.jobs.outbox import relay as relay_due

    sent = relay_due(runtime(), publish_rows)
    output(as_json, {"published": sent}, lambda: say(f"{sent} message(s) handed to the broker"))


def run(
    demo: Annotated[bool, typer.Option(help="Load the demonstration people.")] = True,
    serve: Annotated[bool, typer.Option(help="Start the worker, scheduler and web server.")] = True,
) -> None:
    """Set up the database, import the 2021–23 programme, and run worker, scheduler and
    the web server (its address and the demo sign-in are printed)."""
    from workflow.application.commands import ImportProgramme, LoadPeople
    from workflow.application.principal import engine_principal
    from workflow.cli import access, admin, streams, users

    admin.db_upgrade(as_json=False)
    # The set-up is the engine's own doing: it acts as its engine principal.
    who = engine_principal("cjji run")
    admin.show_import(runtime().handle(ImportProgramme(path=PROGRAMME), who), as_json=False)
    if demo:
        users.show_loaded(runtime().handle(LoadPeople(path=PEOPLE), who), as_json=False)
    streams.list_(state=None, lead=None, body=None, plan=None, as_json=False)
    if not serve:
        if demo:
            access.demo_sign_in(directory_usernames(PEOPLE), who)
        return
    settings = get_settings()
    children = [
        # Warnings and errors only: the sign-in printed below stays on the screen.
        subprocess.Popen(
            celery_argv("worker", pool="threads", concurrency=2, loglevel="WARNING", quiet=True)
        ),
        subprocess.Popen(celery_argv("beat", loglevel="WARNING", quiet=True)),
    ]
    say(
        f"engine running: database {settings.database_url}, broker {settings.broker_url}; "
        "Ctrl-C stops it"
    )
    if demo:  # printed last, just before the server starts, so that it is seen
        access.demo_sign_in(directory_usernames(PEOPLE), who)
    try:
        access.serve_web()  # in the foreground until Ctrl-C
    finally:
        _stop(children)


def directory_usernames(path: Path) -> list[str]:
    import yaml

    return [entry["username"] for entry in yaml.safe_load(path.read_text(encoding="utf-8"))]


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
