"""`cjji worker`, `cjji beat`, `cjji relay` and `cjji run`: the engine as a service."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from config.settings import PLACEHOLDER_SECRET, ensure_secret_key, get_settings
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

    # A random key of this instance's own, made on the first run and kept (mode 0600):
    # the links and forms it signs are never signed with the published placeholder.
    if get_settings().secret_key.get_secret_value() == PLACEHOLDER_SECRET:
        ensure_secret_key(get_settings().data_dir)
        get_settings.cache_clear()
        runtime.cache_clear()
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
    # SIGTERM and SIGINT end the command through `finally`, which stops the children. The
    # web server takes both signals while it runs, shuts down, then raises the signal
    # again: without a handler of ours the process would die there and leave them running.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _exit_on_signal)
    children: list[subprocess.Popen[bytes]] = []
    try:
        # Warnings and errors only: the sign-in printed below stays on the screen.
        children.append(
            _child(
                celery_argv("worker", pool="threads", concurrency=2, loglevel="WARNING", quiet=True)
            )
        )
        children.append(_child(celery_argv("beat", loglevel="WARNING", quiet=True)))
        say(
            f"engine running: database {settings.database_url}, broker {settings.broker_url}; "
            "Ctrl-C stops it"
        )
        if demo:  # printed last, just before the server starts, so that it is seen
            access.demo_sign_in(directory_usernames(PEOPLE), who)
        access.serve_web()  # in the foreground until Ctrl-C or SIGTERM
    finally:
        _stop(children)


def directory_usernames(path: Path) -> list[str]:
    from workflow.adapters.yaml_files import load_yaml

    return [entry["username"] for entry in load_yaml(path.read_text(encoding="utf-8"))]


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
#: How long the worker may take to finish its tasks (a warm shutdown) before it is killed;
#: a task cut short is not lost: its message was not acknowledged.
STOP_GRACE_SECONDS = 20.0


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _child(argv: list[str]) -> subprocess.Popen[bytes]:
    """A child in a process group of its own, so that `_stop` reaches its children too
    (a prefork pool) and a terminal's Ctrl-C reaches only `cjji run`, which stops it."""
    return subprocess.Popen(argv, start_new_session=True)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each child's process group, wait, then SIGKILL whatever is left of it."""
    for stop_signal in STOP_SIGNALS:  # stopping is not interrupted by a second Ctrl-C
        signal.signal(stop_signal, signal.SIG_IGN)
    for child in children:
        _signal_group(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while time.monotonic() < deadline and not all(_exited(c) for c in children):
        time.sleep(0.1)
    for child in children:
        # Also when the leader has exited: a pool process it left behind is still in the
        # group. The leader is not reaped yet, so its id cannot name another group.
        _signal_group(child.pid, signal.SIGKILL)
        child.wait()


def _exited(child: subprocess.Popen[bytes]) -> bool:
    """Whether the child has exited, leaving it unreaped (its process group id stays ours)."""
    if child.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group has gone
        os.killpg(pgid, signum)
