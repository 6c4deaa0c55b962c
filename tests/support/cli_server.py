"""`cjji` commands as real processes, each at the cost of a fork instead of a new interpreter.

Every `cjji` command a person types starts Python and imports SQLAlchemy, pydantic, Typer
and the engine: about a second of CPU before the command does anything. The CLI tests
and the docs' walk-through run a few hundred commands, so that second was a large part of
the suite. A fork server pays it once per test process:

- **The server** (``python -m tests.support.cli_server SOCKET``) imports the CLI and the
  modules its commands load on first use, then listens on a Unix socket. It opens no
  database, starts no thread and reads no settings before it forks, so each child starts
  from the same clean state a new interpreter would (the settings and runtime caches are
  empty).
- **The client** is the executable ``cjji`` written into :attr:`CliServer.bin` (put it
  first on ``PATH``, or run it with :mod:`subprocess`). It is a small script run with
  ``python -S`` (no site, so no third-party import: a few milliseconds), which sends the
  server its argv, its environment, its working directory and its own stdin, stdout and
  stderr (the file descriptors themselves, passed with ``SCM_RIGHTS``).
- **The child** the server forks for that command takes those descriptors as 0, 1 and 2,
  that environment, directory and argv, runs the entry point ``workflow.cli.main:main``
  exactly as the console script does, and tells the client its exit status, which the
  client exits with. Signals sent to the client (SIGINT, SIGTERM) are passed on to it.

So each command is a separate process with its own pid, file descriptors, environment
and exit status; what it writes goes straight to the pipe or terminal the caller gave.
When the test process is measured by coverage.py, so is each child: it starts a tracer of
its own and saves its data beside the test process's (``.coverage.*``), which pytest-cov
combines at the end. Code that only the CLI runs (backups, the witness's commands, the
deadline tables) is counted where it runs.

What differs from a new interpreter: the interpreter's start-up options (``PYTHON*``
variables read at start-up) are the server's, and modules are already imported. The few
tests about the process itself (signals to ``cjji run``, a fresh interpreter's imports)
still start a real interpreter.

**Celery workers and beats** are forked the same way (:meth:`CliServer.spawn`, used by
``tests/support/processes.py``): each start of a worker or beat paid 1.5–2 s of CPU in
imports, and the suite starts some sixty. The child leads a session of its own, as
``start_new_session=True`` makes it (a test kills the group by the worker's pid), writes
to the pipe it was given, and is not measured by coverage (as a worker started anew was
not). The test holds a :class:`ForkedProcess`: the real pid, and ``poll``/``wait`` through
a pidfd, since the worker is the server's child, not the test's.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Loaded by some commands on first use; importing them before forking is what makes a
# command cheap. A module that fails to import is left for the command to report.
PRELOAD = (
    "workflow.cli.main",
    "workflow.bootstrap",
    "workflow.server",
    "tasks.publisher",
    "tasks.app",
    "workflow.store.schema",
    "alembic.command",
    "alembic.config",
    "uvicorn",
    "docx",
    "pypdf",
    "openpyxl",
    "icalendar",
    "yaml",
    "argon2",
    "sqlalchemy.dialects.postgresql.psycopg",
    "sqlalchemy.dialects.sqlite.pysqlite",
    # What `celery worker` and `celery beat` import before they read their settings.
    "celery.__main__",
    "celery.bin.celery",
    "celery.apps.worker",
    "celery.apps.beat",
    "celery.worker.consumer",
    "celery.worker.strategy",
    "celery.concurrency.prefork",
    "celery.beat",
    "kombu.transport.redis",
    "redis",
    "tasks.jobs",
    "tasks.publication_jobs",
    "time_machine",
)
HEADER = struct.Struct("!I")

CLIENT = """\
import json, os, signal, socket, struct, sys
HEADER = struct.Struct("!I")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect({socket_path!r})
payload = json.dumps(
    {{"argv": ["cjji", *sys.argv[1:]], "env": dict(os.environ), "cwd": os.getcwd()}}
).encode()
socket.send_fds(sock, [HEADER.pack(len(payload))], [0, 1, 2])
sock.sendall(payload)
reader = sock.makefile("r")
child = int(reader.readline())
for number in (signal.SIGINT, signal.SIGTERM):
    signal.signal(number, lambda signum, frame: os.kill(child, signum))
status = reader.readline().strip()
sys.exit(int(status) if status else 1)
"""


# Set by the client side when the tests are measured: the data file the children add to.
COVERAGE_DATA = "CJJI_TEST_COVERAGE_DATA"


def serve(socket_path: str) -> None:
    global _PAUSED
    _PAUSED = Path(socket_path).parent / PAUSED_FLAG
    if os.environ.get(COVERAGE_DATA):
        # Its tracer and data file's modules too: a child would pay tens of ms for them.
        for name in ("coverage", "coverage.sqldata", "coverage.collector", "coverage.tracer"):
            importlib.import_module(name)
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from workflow.cli.main import command

    command()  # the command tree, built from the commands' signatures: once, not per fork
    if os.environ.get(COVERAGE_DATA):
        # Each measured command's tracer records where it was made, for coverage's own
        # debugging (coverage.debug.short_stack: inspect.stack(), a tenth of the CPU of a
        # measured command, py-spy on 4 December); the commands have no use for it.
        import coverage.collector

        setattr(coverage.collector, "short_stack", lambda *args, **kwargs: "")  # noqa: B010
    # Children are reaped by the kernel; each child puts SIGCHLD back before it runs the
    # command, which may start and wait for processes of its own (`cjji run`).
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(16)
    print("ready", flush=True)
    while True:
        connection, _ = server.accept()
        if os.fork() == 0:
            server.close()
            os._exit(_run_child(connection))
        connection.close()


def _run_child(connection: socket.socket) -> int:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    head, fds, _, _ = socket.recv_fds(connection, HEADER.size, 3)
    (length,) = HEADER.unpack(head)
    payload = b""
    while len(payload) < length:
        payload += connection.recv(length - len(payload))
    request = json.loads(payload)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = request["argv"]
    celery = request.get("entry") == "celery"
    if celery:
        os.setsid()  # as start_new_session=True: the test kills the group by this pid
    connection.sendall(f"{os.getpid()}\n".encode())
    main = _celery_main(request.get("moment")) if celery else _cjji_main()
    measured = None if celery else _measure()
    code: int
    try:
        main()
        code = 0
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or 0
        else:  # sys.exit("message"), as the interpreter does
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    if measured is not None:
        measured.stop()
        measured.save()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    with contextlib.suppress(OSError):
        connection.sendall(f"{code}\n".encode())
    return code


def _cjji_main() -> Any:
    from workflow.cli.main import main

    return main


def _celery_main(moment: str | None) -> Any:
    """`celery` as ``python -m celery`` runs it, its clock moved to ``moment`` if given:
    a test that crosses due dates starts its worker and beats at a later moment (by
    time-machine, ticking on from it; forked pool processes inherit the move)."""
    from celery.__main__ import main

    if moment is not None:
        from datetime import datetime

        import time_machine

        time_machine.travel(datetime.fromisoformat(moment), tick=True).start()
    return main


def _measure() -> Any:
    """A coverage tracer for this command, when the tests are measured and the test that
    runs it is not ``untraced`` (else None)."""
    data_file = os.environ.get(COVERAGE_DATA) or _SERVER_COVERAGE
    if not data_file or (_PAUSED is not None and _PAUSED.exists()):
        return None
    import coverage

    measured = coverage.Coverage(
        data_file=data_file, data_suffix=True, config_file=str(ROOT / "pyproject.toml")
    )
    # The engine's modules were imported before the fork, as the server's point is: their
    # import-time lines are the test process's to count, and the command's stderr is the
    # test's to read, so coverage must not warn there.
    measured.set_option(
        "run:disable_warnings",
        ["module-not-measured", "no-data-collected", "module-not-imported", "no-ctracer"],
    )
    measured.start()
    return measured


# The server's own setting, read before the first fork (a child's environment is the
# caller's, which need not carry it).
_SERVER_COVERAGE = os.environ.get(COVERAGE_DATA, "")
# A file beside the socket, there while the test process's tracer is paused (an
# ``untraced`` test): the commands it runs are not measured either.
PAUSED_FLAG = "coverage-paused"
_PAUSED: Path | None = None
#: The servers this test process started, whose commands follow its tracer's pauses.
_SERVERS: list[CliServer] = []


def pause_measuring(paused: bool) -> None:
    """Tell this process's servers whether the commands they fork now are measured (call
    it just before the tracer is paused, and just after it is resumed)."""
    _coverage_data_file()
    for server in _SERVERS:
        flag = Path(server.socket_path).parent / PAUSED_FLAG
        if paused:
            flag.touch()
        else:
            flag.unlink(missing_ok=True)


class ForkedProcess:
    """A process the fork server started for the test: its pid, its output pipe, and
    ``poll``/``wait`` as :class:`subprocess.Popen` has them. The process is the server's
    child, so its end is seen through a pidfd; its exit status is the one it reported,
    or ``-SIGKILL`` for one killed before it could report."""

    def __init__(self, pid: int, connection: socket.socket, stdout: Any) -> None:
        self.pid = pid
        self.stdout = stdout
        self.returncode: int | None = None
        self._connection = connection
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # it has ended already
            self._pidfd = None

    def poll(self) -> int | None:
        if self.returncode is None and self._ended(0):
            self._finish()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not self._ended(timeout):
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            self._finish()
        assert self.returncode is not None
        return self.returncode

    def _ended(self, timeout: float | None) -> bool:
        if self._pidfd is None:
            return True
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(ready)

    def _finish(self) -> None:
        # A process that ran to its end wrote its status before it ended; one that was
        # killed wrote nothing (and its own children may still hold the socket open).
        self._connection.setblocking(False)
        try:
            reported = self._connection.recv(64).decode().strip()
        except OSError:
            reported = ""
        self.returncode = int(reported) if reported else -signal.SIGKILL
        self._connection.close()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


class CliServer:
    """One fork server and its ``cjji`` client, for one test process."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.socket_path = str(directory / "cjji.sock")
        self.bin = directory / "bin"
        self.bin.mkdir(exist_ok=True)
        self.cjji = self.bin / "cjji"
        self.cjji.write_text(
            f"#!{sys.executable} -S\n" + CLIENT.format(socket_path=self.socket_path)
        )
        self.cjji.chmod(0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CJJI_")}
        # Read once, when the authentication module is imported (before any fork).
        env["CJJI_PASSWORD_HASHING"] = os.environ.get("CJJI_PASSWORD_HASHING", "")
        env["PYTHONPATH"] = str(ROOT)
        measuring = _coverage_data_file()
        if measuring:
            env[COVERAGE_DATA] = measuring
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.cli_server", self.socket_path],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline().strip()
        assert ready == "ready", f"the cjji fork server did not start: {ready!r}"
        _SERVERS.append(self)

    def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | str,
        timeout: float = 120,
        stdin: str = "",
    ) -> subprocess.CompletedProcess[str]:
        """Run ``cjji ARGS`` as a forked process, with ``stdin`` as its input and its
        output captured, as ``subprocess.run`` does for a new one."""
        return subprocess.run(
            [str(self.cjji), *args],
            env=dict(env),
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def spawn(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | str, moment: str | None
    ) -> ForkedProcess:
        """Start ``celery ARGV`` as a forked process in a session of its own, its clock at
        ``moment`` (ISO) if given; stdout and stderr go to the pipe the result reads."""
        reader, writer = os.pipe()
        payload = json.dumps(
            {
                "argv": ["celery", *argv],
                "env": dict(env),
                "cwd": str(cwd),
                "entry": "celery",
                "moment": moment,
            }
        ).encode()
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(self.socket_path)
        with open(os.devnull, "rb") as devnull:
            socket.send_fds(
                connection, [HEADER.pack(len(payload))], [devnull.fileno(), writer, writer]
            )
        os.close(writer)
        connection.sendall(payload)
        pid = b""
        while not pid.endswith(b"\n"):
            chunk = connection.recv(1)
            if not chunk:
                raise RuntimeError("the fork server did not start celery")
            pid += chunk
        stdout = open(reader, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed by its owner
        return ForkedProcess(int(pid), connection, stdout)

    def close(self) -> None:
        if self in _SERVERS:
            _SERVERS.remove(self)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _coverage_data_file() -> str:
    """The data file of the coverage measuring this test process, if any: remembered, so
    that a server started while the tracer is paused (in an ``untraced`` test, which
    calls this first) still measures the commands of the tests after it."""
    global _TEST_COVERAGE
    if not _TEST_COVERAGE:
        try:
            import coverage
        except ImportError:
            return ""
        current = coverage.Coverage.current()
        if current is not None:
            _TEST_COVERAGE = str(Path(current.config.data_file).resolve())
    return _TEST_COVERAGE


_TEST_COVERAGE = ""


_shared: CliServer | None = None


def shared_server() -> CliServer:
    """This test process's one fork server, for its `cjji` commands and its Celery
    processes alike: started on first use, closed when the process ends."""
    global _shared
    if _shared is None:
        directory = Path(tempfile.mkdtemp(prefix="cjji-fork-"))
        _shared = CliServer(directory)
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        atexit.register(_shared.close)  # first: atexit runs the last registered first
    return _shared


if __name__ == "__main__":
    serve(sys.argv[1])
