"""Delivery as close to once as SMTP allows, under SIGKILL (issue 16, docs/reliability.md).

The real sending code (a worker's delivery of one outbox row to many people) runs in a
process of its own against PostgreSQL and a real SMTP server on loopback. The server kills
that process with SIGKILL a short random time after it has accepted a message (0 to three
times the window measured so far), again and again; each time the test starts sending
again. At the end it counts the copies each recipient received.

The window is what the server itself sees: from its acceptance of a message (its reply to
the data) to the sender's QUIT on that connection. The sender records the delivery in its
own transaction between the two, so a kill after QUIT can never repeat a message, and a
kill inside the window may. The promise checked: nothing is lost; a recipient gets a
second copy only through a kill inside the window of a message to them; every copy of one
message carries the same Message-ID and reference; the records and the audit trail hold
one delivery per recipient.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from tests.conftest import Clock, runtime_for, wipe
from tests.integration.walk import LEAD, create
from tests.support.acting import send
from tests.support.processes import ROOT
from tests.support.smtp import Collector, MailCatcher
from workflow.application.commands import AddUsers, FireTrigger
from workflow.application.handlers.reactions import NOTIFY_TEAM
from workflow.application.principal import engine_principal
from workflow.application.queries import streams as queries
from workflow.application.queries.people import people_of
from workflow.bootstrap import Runtime
from workflow.domain.roles import Role
from workflow.store.tables import AuditEventRow, DeliveryRow, OutboxRow

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced

KILLS = 24  # kills aimed at the sending process, one per run until there are as many
CONTACTS = 60  # people told besides the demo contacts: one message each, enough for them
BUDGET = 45.0  # seconds for the whole kill loop, a bound well above what it takes


@dataclass
class Kill:
    pid: int
    delay_ms: float  # after the acceptance that armed it
    in_window: bool  # a message was accepted and its QUIT not yet seen when it struck
    recipient: str | None  # that message's


class Killer(Collector):
    """The SMTP server's handler: after accepting a message it SIGKILLs the sender (the
    process the test names with :meth:`new_sender`) a random delay later, once per process.
    It measures the window on every connection that reaches QUIT."""

    def __init__(self, seed: int = 16) -> None:
        super().__init__()
        self.random = random.Random(seed)
        self.victim: int | None = None
        self.kills: list[Kill] = []
        self.windows_ms: list[float] = []  # acceptance → QUIT
        self._open: dict[int, tuple[str, float]] = {}  # accepted, no QUIT yet: by session

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        self._open[id(session)] = (",".join(envelope.rcpt_tos), time.perf_counter())
        if self.victim is not None:
            # From right after the reply to a few windows later (by then the sender may be
            # on its next message, or between two).
            window = statistics.median(self.windows_ms) if self.windows_ms else 5.0
            delay = self.random.uniform(0, 3 * window) / 1000
            victim, self.victim = self.victim, None
            asyncio.get_running_loop().call_later(delay, self._kill, victim, delay)
        return reply  # aiosmtpd sends it as soon as this returns: before any kill

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        accepted = self._open.pop(id(session), None)
        if accepted is not None:
            self.windows_ms.append((time.perf_counter() - accepted[1]) * 1000)
        return await super().handle_QUIT(server, session, envelope)

    def _kill(self, victim: int, delay: float) -> None:
        # In the window if a message was accepted and its QUIT is not in yet (one at most:
        # the sender sends one message per connection, one connection at a time).
        waiting = [recipient for recipient, _ in self._open.values()]
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:  # it had finished: no kill
            return
        kill = Kill(victim, delay * 1000, bool(waiting), waiting[0] if waiting else None)
        self.kills.append(kill)

    def new_sender(self, pid: int | None) -> None:
        self._open.clear()  # a killed sender's open connection went with it
        self.victim = pid

    def spared(self, pid: int) -> None:
        """``pid`` ended by itself before its kill struck (a zombie takes the signal)."""
        self.kills = [k for k in self.kills if k.pid != pid]


class Sender:
    """``tests/faults/sender.py``: forks one sending process per :meth:`run`."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.sender"],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def _say(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def _expect(self, word: str, timeout: float) -> list[str]:
        parts = self.lines.get(timeout=timeout).split()
        assert parts[0] == word, parts
        return parts

    def run(self, outbox_id: str, killer: Killer, arm: bool) -> int:
        """Send once; returns the wait status of the sending process (SIGKILL or 0)."""
        self._say(f"send {outbox_id}")
        pid = int(self._expect("pid", timeout=60)[1])  # the first waits for the imports
        killer.new_sender(pid if arm else None)
        self._say("go")
        status = int(self._expect("exit", timeout=30)[2])
        if os.WIFEXITED(status):
            killer.spared(pid)
        return status

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def killer() -> Iterator[tuple[Killer, MailCatcher]]:
    collector = Killer()
    with MailCatcher(collector=collector) as mail:
        yield collector, mail


def one_message_to_many(rt: Runtime) -> str:
    """An outbox row that tells every contact of the three bodies: one message each."""
    create(rt)
    people = tuple(
        {
            "username": f"contact.{n:02d}",
            "name": f"Contact {n:02d}",
            "email": f"contact.{n:02d}@hmiprobation.example",
            "body": "HMIPROBATION",
            "roles": ["contact"],
        }
        for n in range(CONTACTS)
    )
    rt.handle(AddUsers(people=people), engine_principal("test set-up"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="fault test"))
    with rt.read() as session:
        row = session.exec(select(OutboxRow).where(col(OutboxRow.task) == NOTIFY_TEAM)).one()
    return row.id


def test_a_sender_killed_just_after_the_server_accepts_loses_nothing_and_repeats_only_in_the_window(
    pg_database: str, tmp_path: Path, clock: Clock, killer: tuple[Killer, MailCatcher]
) -> None:
    handler, mail = killer
    rt = runtime_for(pg_database, clock, tmp_path)
    wipe(rt)
    outbox_id = one_message_to_many(rt)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CJJI_")}
    env |= {
        "CJJI_DATABASE_URL": pg_database,
        "CJJI_SMTP_PORT": str(mail.port),
        "CJJI_DATA_DIR": str(tmp_path),
        "CJJI_PASSWORD_HASHING": "fast",
        "PYTHONPATH": str(ROOT),
    }
    sender = Sender(env)
    runs, started = 0, time.monotonic()
    try:
        while True:
            status = sender.run(outbox_id, handler, arm=len(handler.kills) < KILLS)
            runs += 1
            if os.WIFEXITED(status):  # not killed: it delivered the whole row
                assert os.WEXITSTATUS(status) == 0, "the sending process failed"
                break
            assert time.monotonic() - started < BUDGET, f"{runs} runs, {len(handler.kills)} kills"
    finally:
        sender.stop()
        took = time.monotonic() - started

    expected = recipients_of(rt, outbox_id)
    copies = Counter(str(m["To"]) for m in mail.messages)
    lost = expected - set(copies)
    duplicates = {r: n - 1 for r, n in copies.items() if n > 1}
    window_kills = Counter(k.recipient for k in handler.kills if k.in_window)
    figures = {
        "runs": runs,
        "kills": len(handler.kills),
        "kills_in_window": sum(window_kills.values()),
        "recipients": len(expected),
        "messages": sum(copies.values()),
        "duplicates": sum(duplicates.values()),
        "window_ms_median": round(statistics.median(handler.windows_ms), 1),
        "window_ms_max": round(max(handler.windows_ms), 1),
        "seconds": round(took, 1),
    }
    print(f"\ndelivery under SIGKILL: {json.dumps(figures)}")
    assert len(handler.kills) >= 20, "the row was done before enough kills"
    assert not lost, f"never delivered: {sorted(lost)}"
    assert set(copies) == expected
    for recipient, extra in duplicates.items():
        # A repeat only through a kill inside the window of a message to that recipient.
        assert extra <= window_kills[recipient], (recipient, extra, handler.kills)
        ids = {
            (str(m["Message-ID"]), str(m["X-CJJI-Reference"]))
            for m in mail.messages
            if str(m["To"]) == recipient
        }
        assert len(ids) == 1, f"the copies to {recipient} differ: {ids}"
    assert 0 < figures["kills_in_window"] < figures["kills"], "both kinds of kill were aimed"
    records_hold_one_delivery_each(rt, outbox_id, expected)


def recipients_of(rt: Runtime, outbox_id: str) -> set[str]:
    """Whom the row tells: the contacts of the work stream's bodies."""
    shown = queries.show_stream(rt, "mappa")
    bodies = [shown["lead"], *shown["supporting"]]
    with rt.read() as session:
        return {u.email for u in people_of(session, bodies, [Role.CONTACT])}


def records_hold_one_delivery_each(rt: Runtime, outbox_id: str, expected: set[str]) -> None:
    with rt.read() as session:
        row = session.get(OutboxRow, outbox_id)
        recorded = session.exec(
            select(DeliveryRow.recipient).where(col(DeliveryRow.outbox_id) == outbox_id)
        ).all()
        audited = [
            json.loads(payload)["to"]
            for payload in session.exec(
                select(AuditEventRow.payload).where(
                    col(AuditEventRow.action) == "notification_delivered"
                )
            ).all()
        ]
    assert row is not None and row.done_at is not None
    assert sorted(recorded) == sorted(expected)
    assert sorted(audited) == sorted(expected), "one audit event per delivery"
    assert queries.verify_audit(rt).ok
