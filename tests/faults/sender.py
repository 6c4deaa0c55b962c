"""The sending side of the delivery fault test, as a process of its own:
``python -m tests.faults.sender`` (environment: ``CJJI_DATABASE_URL``, ``CJJI_SMTP_PORT``).

Starting the engine's interpreter takes seconds on a busy machine, too long to restart it
after each of many kills. So this process imports the engine once and then, for each
``send OUTBOX_ID`` line on stdin, forks a child that does exactly what a worker's task
does: :func:`workflow.application.jobs.delivery.deliver` through the real SMTP channel
and the real database, with an engine of its own made after the fork. It prints
``pid N``, lets the child go on ``go``, and prints ``exit N STATUS`` when it ends. The
test kills children with SIGKILL; this process is never killed mid-send, and forks the
next one.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from config.settings import Settings
from workflow.application.jobs import delivery
from workflow.bootstrap import bootstrap
from workflow.notifications import SmtpChannel
from workflow.notifications.templates import TEMPLATE_NAMES, environment
from workflow.store.db import engine_for

SENDER = "cjji@example.org"


def _deliver(outbox_id: str) -> None:
    settings = Settings(
        database_url=os.environ["CJJI_DATABASE_URL"],
        data_dir=Path(os.environ.get("CJJI_DATA_DIR", ".")),
        _env_file=None,
    )
    channel = SmtpChannel("127.0.0.1", int(os.environ["CJJI_SMTP_PORT"]), SENDER)
    delivery.deliver(bootstrap(settings), channel, outbox_id)


def _child(outbox_id: str, go: int) -> None:
    os.read(go, 1)  # wait until the test knows this pid
    try:
        _deliver(outbox_id)
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _warm_up() -> None:
    """What each child would otherwise load again: the database driver and dialect (an
    engine with no connection yet, so the children share no socket) and the templates."""
    engine_for(os.environ["CJJI_DATABASE_URL"])
    for name in TEMPLATE_NAMES:
        environment().get_template(f"{name}.txt.j2")


def main() -> None:
    _warm_up()
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command != "send":
            continue
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.close(write_end)
            _child(argument, read_end)
        os.close(read_end)
        print(f"pid {pid}", flush=True)
        sys.stdin.readline()  # "go"
        os.write(write_end, b"g")
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        print(f"exit {pid} {status}", flush=True)


if __name__ == "__main__":
    main()
