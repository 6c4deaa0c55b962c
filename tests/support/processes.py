"""Real Celery workers and beat schedulers as processes of their own, for integration tests.

Each test session gets its own queue name, so tests never share messages with another
run on the same Redis. The processes are forked from a server that has imported Celery
and the engine once (tests/support/cli_server.py): each is still a process of its own,
in a session of its own, with its own environment and output.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from multiprocessing.context import ForkServerContext
from pathlib import Path

import redis

from tests.support.cli_server import shared_server

REDIS_URL = os.environ.get("CJJI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def redis_reachable(url: str = REDIS_URL) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def service_env(
    database_url: str,
    data_dir: Path,
    *,
    queue: str | None = None,
    broker_url: str = REDIS_URL,
    **settings: object,
) -> dict[str, str]:
    """The environment a worker, beat or CLI process of one test deployment runs with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CJJI_")}
    env.update(
        {
            "CJJI_DATABASE_URL": database_url,
            "CJJI_BROKER_URL": broker_url,
            "CJJI_DATA_DIR": str(data_dir),
            "CJJI_QUEUE": queue or f"cjji-test-{uuid.uuid4().hex[:8]}",
            "CJJI_ENVIRONMENT": "test",
            # Cheap Argon2 parameters, as in the test process (workflow/adapters/passwords.py).
            "CJJI_PASSWORD_HASHING": "fast",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update({f"CJJI_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def process_context() -> ForkServerContext:
    """multiprocessing for a test's own processes (the sign-off race's bodies, a relay
    killed half-way): each a new process, forked from a server that imported the engine
    once, where "spawn" started a new interpreter that imported it again each time."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.conftest", "workflow.bootstrap", "tasks.publisher"])
    return context


class CeleryProcess:
    """A `celery worker` or `celery beat` process whose output is kept for assertions;
    its clock starts at ``moment`` if one is given (moved by time-machine, ticking on)."""

    def __init__(
        self,
        role: str,
        env: Mapping[str, str],
        *,
        pool: str = "prefork",
        concurrency: int = 2,
        moment: datetime | None = None,
    ) -> None:
        argv = ["-A", "tasks.app", role, "--loglevel=INFO"]
        if role == "worker":
            argv += [
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                f"--queues={env['CJJI_QUEUE']}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname={env['CJJI_QUEUE']}-{uuid.uuid4().hex[:4]}@%h",
            ]
        else:
            argv += [f"--schedule={Path(env['CJJI_DATA_DIR']) / f'beat-{uuid.uuid4().hex[:6]}'}"]
        self.role = role
        self.output: list[str] = []
        self.proc = shared_server().spawn(
            argv, env=env, cwd=ROOT, moment=moment.isoformat() if moment else None
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.output):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{self.role} did not say {text!r}:\n{''.join(self.output[-40:])}")

    def ready(self) -> CeleryProcess:
        self.wait_for("ready." if self.role == "worker" else "beat: Starting...")
        return self

    def pool_pids(self) -> list[int]:
        """The worker's pool processes (children of the main process)."""
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._close()

    def kill(self) -> None:
        """SIGKILL the whole process group: no goodbyes, no acknowledgements."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close()

    def _close(self) -> None:
        self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@contextmanager
def running(role: str, env: Mapping[str, str], **kwargs: object) -> Iterator[CeleryProcess]:
    process = CeleryProcess(role, env, **kwargs)  # type: ignore[arg-type]
    try:
        yield process.ready()
    finally:
        process.stop()
