"""The database connection lost in the middle of a change, on PostgreSQL.

Promise: a change is all or nothing. A change whose connection dies before it commits
leaves no trace (the work stream, its version, the audit chain, the outbox, the deadlines
are as they were) and succeeds when tried again; one whose connection dies after COMMIT
was sent is applied exactly once, and trying it again is refused rather than doubled.

Three ways to lose the connection: the server ends the session while the change holds the
work stream's row lock (``pg_terminate_backend``); it ends it just before COMMIT; and the
network cuts the connection after COMMIT reached the server, before the answer came back
(a TCP proxy that drops the connection at that moment).
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from tests.conftest import Clock, fingerprint, runtime_for
from tests.faults.helpers import trail_intact
from tests.integration.walk import BODIES, LEAD, create, signatory, to_signoff
from tests.support.acting import send
from workflow.application.commands import RecordDecision, RegisterDocument
from workflow.application.handlers import documents
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import Conflict, Refused, WorkflowError
from workflow.domain.stages import Stage
from workflow.store.db import engine_for
from workflow.store.tables import AuditEventRow

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced


# -- what "nothing half-written" means ------------------------------------------------


def completions(rt: Runtime, ref: str) -> int:
    with rt.read() as session:
        events = session.exec(
            select(AuditEventRow).where(
                col(AuditEventRow.stream_ref) == ref,
                col(AuditEventRow.action) == "transitioned",
                col(AuditEventRow.to_state) == Stage.PUBLICATION.value,
            )
        ).all()
    return len(events)


# -- killing a session from the server's side -------------------------------------------
def terminate(url: str, pid: int) -> None:
    """End backend ``pid`` from another connection, and wait until it has gone."""
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} did not end"
            time.sleep(0.02)


def holder_of_the_stream_lock(url: str) -> int:
    """The backend that holds a work stream row locked (SELECT … FOR UPDATE)."""
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            """
            SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE c.relname = 'work_stream' AND l.mode = 'RowShareLock'
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.pid <> pg_backend_pid()
            """
        ).fetchall()
    assert len(rows) == 1, f"expected one backend holding the lock, found {rows}"
    return int(rows[0][0])


class PausingClock:
    """The test clock, which stops its ``pause_at``-th caller until released. A service
    reads the clock once after loading (and locking) the work stream, and the unit of work
    once more as its commit begins: the second call comes after the change is made in
    memory, before anything of it is written."""

    def __init__(self, clock: Clock, pause_at: int) -> None:
        self.clock, self.calls, self.pause_at = clock, 0, pause_at
        self.callers: list[str] = []
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self) -> datetime:
        self.calls += 1
        self.callers.append(sys._getframe(1).f_code.co_qualname)
        if self.calls == self.pause_at:
            self.entered.set()
            assert self.release.wait(timeout=30)
        return self.clock()


def in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:  # handed to the test, which asserts on it
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_connection_killed_mid_transaction_writes_nothing_and_the_same_change_then_succeeds(
    pg_rt: Runtime, pg_database: str, clock: Clock
) -> None:
    create(pg_rt)
    to_signoff(pg_rt)
    send(
        pg_rt,
        signatory("HMICFRS"),
        RecordDecision(
            key="mappa",
            body="HMICFRS",
            decision="request_changes",
            version=queries.show_stream(pg_rt, "mappa")["report"],
            comment="Chapter 2 needs the 2022 figures",
        ),
    )  # sent back to drafting: the move below opens a new sign-off round
    before = fingerprint(pg_rt)
    pausing = PausingClock(clock, pause_at=2)
    rt = dataclasses.replace(pg_rt, clock=pausing)
    draft = b"Draft report v2"

    thread, errors = in_thread(
        lambda: send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=draft))
    )
    assert pausing.entered.wait(timeout=30), "the change never reached its clock"
    terminate(pg_database, holder_of_the_stream_lock(pg_database))  # the row lock is held
    pausing.release.set()
    thread.join(timeout=30)
    assert pausing.callers == ["register_document", "UnitOfWork.commit"], pausing.callers

    (error,) = errors
    # Today the caller gets SQLAlchemy's OperationalError (raised by the flush inside
    # UnitOfWork.commit, outside the try that turns a failed COMMIT into Conflict), which
    # `cjji` prints as a traceback: docs/reliability.md, "Known gaps". Either is a failure.
    assert isinstance(error, OperationalError | Conflict), repr(error)
    assert fingerprint(pg_rt) == before, "something was written"
    trail_intact(pg_rt)

    again = send(pg_rt, LEAD, RegisterDocument(key="mappa", kind="report", content=draft))
    assert again.new
    assert fingerprint(pg_rt)["head"][0] == before["head"][0] + 1  # one event, once
    trail_intact(pg_rt)


@contextlib.contextmanager
def connection_killed_before_commit(rt: Runtime, url: str) -> Iterator[list[int]]:
    """The next COMMIT on ``rt``'s engine finds its session ended by the server."""
    killed: list[int] = []

    def before_commit(conn: Any) -> None:
        if not killed:
            pid = int(conn.connection.dbapi_connection.info.backend_pid)
            killed.append(pid)
            terminate(url, pid)

    event.listen(rt.engine, "commit", before_commit)
    try:
        yield killed
    finally:
        event.remove(rt.engine, "commit", before_commit)


def test_a_connection_killed_as_the_last_approval_commits_moves_nothing_and_the_retry_moves_once(
    pg_rt: Runtime, pg_database: str
) -> None:
    create(pg_rt)
    version = to_signoff(pg_rt)
    first, *others, last = BODIES
    for body in (first, *others):
        send(
            pg_rt,
            signatory(body),
            RecordDecision(key="mappa", body=body, decision="approve", version=version),
        )
    before = fingerprint(pg_rt)

    def approve() -> documents.Decided:
        return send(
            pg_rt,
            signatory(last),
            RecordDecision(key="mappa", body=last, decision="approve", version=version),
        )

    with (
        connection_killed_before_commit(pg_rt, pg_database) as killed,
        pytest.raises(Conflict, match="try again"),
    ):
        approve()
    assert killed, "the commit was reached"
    assert fingerprint(pg_rt) == before, "something was written"
    assert queries.show_stream(pg_rt, "mappa")["state"] == Stage.JOINT_SIGNOFF.value
    assert completions(pg_rt, "mappa") == 0
    trail_intact(pg_rt)

    assert approve().moved_to is Stage.PUBLICATION
    assert completions(pg_rt, "mappa") == 1
    trail_intact(pg_rt)


# -- the network cut after COMMIT reached the server ------------------------------------
class CuttingProxy:
    """A TCP proxy in front of PostgreSQL that, once armed, forwards the next COMMIT and
    then closes the connection without passing the server's answer back."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.armed, self.cut = threading.Event(), threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            state = {"cutting": False}
            threading.Thread(target=self._pump, args=(client, server, state, True)).start()
            threading.Thread(target=self._pump, args=(server, client, state, False)).start()

    def _pump(
        self, src: socket.socket, dst: socket.socket, state: dict[str, bool], upward: bool
    ) -> None:
        try:
            while data := src.recv(65536):
                # A simple-protocol query message: b"Q", its length, the text.
                if upward and self.armed.is_set() and data[:1] == b"Q" and b"COMMIT" in data:
                    self.armed.clear()
                    state["cutting"] = True  # from here on nothing goes back to the client
                    dst.sendall(data)
                    time.sleep(0.5)  # the server commits meanwhile
                    self.cut.set()
                    break
                if not upward and state["cutting"]:
                    continue
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.listener.close()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()


@pytest.fixture
def proxied(
    pg_rt: Runtime, pg_database: str, clock: Clock, tmp_path: Path
) -> Iterator[tuple[Runtime, CuttingProxy]]:
    url = make_url(pg_database)
    proxy = CuttingProxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    rt = runtime_for(through, clock, tmp_path)
    try:
        yield rt, proxy
    finally:
        engine_for(rt.settings.database_url).dispose()
        proxy.close()


def test_a_connection_cut_after_the_last_approval_sent_commit_moves_once_and_a_retry_is_refused(
    pg_rt: Runtime, proxied: tuple[Runtime, CuttingProxy]
) -> None:
    rt, proxy = proxied
    create(pg_rt)
    version = to_signoff(pg_rt)
    first, *others, last = BODIES
    for body in (first, *others):
        send(
            pg_rt,
            signatory(body),
            RecordDecision(key="mappa", body=body, decision="approve", version=version),
        )

    def approve() -> documents.Decided:
        return send(
            rt,
            signatory(last),
            RecordDecision(key="mappa", body=last, decision="approve", version=version),
        )

    proxy.armed.set()
    with pytest.raises(WorkflowError) as told:
        approve()
    assert proxy.cut.is_set(), "the connection was cut after COMMIT"
    # The caller cannot know whether it committed. It did, once:
    assert queries.show_stream(pg_rt, "mappa")["state"] == Stage.PUBLICATION.value
    assert completions(pg_rt, "mappa") == 1
    trail_intact(pg_rt)
    after = fingerprint(pg_rt)
    # Doing as told ("try again") is refused: the report is no longer at sign-off.
    assert isinstance(told.value, Conflict), repr(told.value)
    with pytest.raises(Refused, match="joint_signoff"):
        approve()
    assert fingerprint(pg_rt) == after
    assert completions(pg_rt, "mappa") == 1
