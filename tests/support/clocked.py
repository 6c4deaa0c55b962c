"""Celery workers and beats that run as of a chosen moment, for tests that cross due dates.

``python -m tests.support.clocked ISO-MOMENT celery-arguments…`` starts Celery with the
clock moved to that moment by time-machine (ticking on from it), so a real worker's
reminder sweep sees "today" as the test wants; forked pool processes inherit the move. A
test moves the deployment's time on by stopping its processes and starting new ones at a
later moment: every restart crosses a due time, as the once-only guarantee must survive.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from tests.support.processes import ROOT, CeleryProcess


class ClockedCeleryProcess(CeleryProcess):
    """A `celery worker` or `celery beat` subprocess whose clock starts at ``moment``."""

    def __init__(
        self,
        role: str,
        env: Mapping[str, str],
        moment: datetime,
        *,
        concurrency: int = 2,
    ) -> None:
        argv = [sys.executable, "-m", __name__, moment.isoformat(), "-A", "tasks.app", role]
        argv.append("--loglevel=INFO")
        if role == "worker":
            argv += [
                "--pool=prefork",
                f"--concurrency={concurrency}",
                f"--queues={env['CJJI_QUEUE']}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname={env['CJJI_QUEUE']}-{uuid.uuid4().hex[:4]}@%h",
            ]
        else:
            argv.append(f"--schedule={Path(env['CJJI_DATA_DIR']) / f'beat-{uuid.uuid4().hex[:6]}'}")
        self.role = role
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            argv,
            env=dict(env),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()


def main() -> None:
    import time_machine
    from celery.__main__ import main as celery_main

    moment = datetime.fromisoformat(sys.argv[1])
    time_machine.travel(moment, tick=True).start()
    sys.argv = ["celery", *sys.argv[2:]]
    celery_main()


if __name__ == "__main__":
    main()
