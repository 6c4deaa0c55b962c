"""`cjji run` stopped by SIGTERM or SIGINT leaves nothing running: not its worker, not
its scheduler, not any process those started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import ROOT
from tests.support.redis_server import free_port

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced


def children_of() -> dict[int, list[int]]:
    """Every live process's children, read from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it exited while we looked
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> set[int]:
    tree, found, todo = children_of(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def identity(pid: int) -> tuple[int, str] | None:
    """(pid, start time) while the process lives; None once it has gone or is a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else (pid, fields[19])


def serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree in /proc")
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_cjji_run_stopped_by_a_signal_leaves_no_process_of_its_tree_running(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CJJI_")}
    env.update(
        {
            "CJJI_DATA_DIR": str(tmp_path),  # SQLite database and SQLite broker in here
            "CJJI_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CJJI_ENVIRONMENT": "test",
            "PYTHONPATH": str(ROOT),
        }
    )
    log = (tmp_path / "run.log").open("w")
    run = subprocess.Popen(
        [sys.executable, "-m", "workflow.cli.main", "run", "--no-demo"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a signal for the test's process group never reaches it
    )
    before: set[tuple[int, str]] = set()
    try:
        deadline = time.monotonic() + 120
        tree: set[int] = set()
        while time.monotonic() < deadline and run.poll() is None:
            tree = descendants(run.pid)
            if serving(f"http://127.0.0.1:{port}/") and len(tree) >= 2:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"cjji run did not serve:\n{(tmp_path / 'run.log').read_text()}")
        time.sleep(2)  # the worker and beat finish starting (and any pool they start)
        tree = descendants(run.pid)
        before = {i for i in map(identity, tree) if i is not None}
        assert len(before) >= 2, "a worker and a beat"

        run.send_signal(stop_signal)
        code = run.wait(timeout=90)

        deadline = time.monotonic() + 10  # orphans are reaped by init, not at once
        left = before
        while left and time.monotonic() < deadline:
            left = {i for i in before if identity(i[0]) == i}
            time.sleep(0.2)
        output = (tmp_path / "run.log").read_text()
        assert not left, f"still running after {stop_signal.name}: {sorted(left)}\n{output}"
        assert code == 128 + stop_signal, output
        assert "Traceback" not in output
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        for pid, started in before:  # whatever a failed stop left behind
            if identity(pid) == (pid, started):
                os.kill(pid, signal.SIGKILL)
        log.close()
