"""An in-memory unit of work for the fast lane: handlers and the bus without a database."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from types import SimpleNamespace, TracebackType
from typing import Any

from workflow.domain.errors import NotFound
from workflow.domain.events import Event
from workflow.domain.workstream import WorkStream


class FakeStreams:
    def __init__(self, streams: Iterable[WorkStream]) -> None:
        self.stored = {ws.ref: ws for ws in streams}
        self.seen: dict[str, WorkStream] = {}

    def get(self, key: str | int) -> WorkStream:
        ws = self.stored.get(str(key))
        if ws is None:
            raise NotFound(f"no work stream {key!r}")
        self.seen[ws.ref] = ws
        return ws

    def exists(self, ref: str) -> bool:
        return ref in self.stored

    def id_of(self, ref: str) -> int:
        return list(self.stored).index(ref) + 1


class FakeUnitOfWork:
    """Keeps what a real one would persist; ``commits`` counts the commits."""

    session: Any = None

    def __init__(self, *streams: WorkStream) -> None:
        self.streams = FakeStreams(streams)
        self.events: list[tuple[str | None, Event]] = []
        self.outbox: list[tuple[str, dict[str, Any], str | None]] = []
        self.commits = 0
        self._pending: list[tuple[str | None, Event]] = []
        self._outbox_pending: list[tuple[str, dict[str, Any], str | None]] = []
        self._ids = itertools.count(1)

    def __enter__(self) -> FakeUnitOfWork:
        self.streams.seen = {}
        self._pending, self._outbox_pending = [], []
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pending, self._outbox_pending = [], []  # a rollback forgets them

    def add_stream(self, ws: WorkStream) -> None:
        self.streams.stored[ws.ref] = ws
        self.streams.seen[ws.ref] = ws

    def record(self, event: Event, stream_ref: str | None = None) -> None:
        self._pending.append((stream_ref, event))

    def add_stream_events(self, ref: str, events: Sequence[Event]) -> None:
        self._pending += [(ref, e) for e in events]

    def enqueue(self, task: str, payload: dict[str, Any], stream_ref: str | None) -> Any:
        self._outbox_pending.append((task, payload, stream_ref))
        return SimpleNamespace(id=str(next(self._ids)))

    def commit(self) -> list[Any]:
        for ref, ws in self.streams.seen.items():
            self._pending += [(ref, e) for e in ws.drain()]
        self.events += self._pending
        self.outbox += self._outbox_pending
        published = list(self._outbox_pending)
        self._pending, self._outbox_pending = [], []
        self.commits += 1
        return published

    def actions(self) -> list[str]:
        return [event.action.value for _, event in self.events]
