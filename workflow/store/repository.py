"""The work stream repository: load (locked) and save aggregates within one session."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import cast

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from workflow.domain.errors import Conflict, NotFound
from workflow.domain.recommendations import Recommendation, encode_recommendation
from workflow.domain.workstream import WorkStream
from workflow.store.mapping import copy_to_row, set_plan_section, stream_from_row
from workflow.store.tables import RecommendationRow, StreamBodyRow, WorkStreamRow

#: The statements of a load, built once (building one per call cost more than running it):
#: by id or by ref, locked or not; and the work stream's recommendations.
_STREAMS = WorkStreamRow.__table__  # type: ignore[attr-defined]
#: The columns to set are the parameters' other keys (only those that changed).
_SAVE = update(_STREAMS).where(
    _STREAMS.c.id == bindparam("at_id"), _STREAMS.c.version == bindparam("at_version")
)
_BY_ID = select(WorkStreamRow).where(col(WorkStreamRow.id) == bindparam("key"))
_BY_REF = select(WorkStreamRow).where(col(WorkStreamRow.ref) == bindparam("key"))
_FIND = {
    (True, False): _BY_ID,
    (True, True): _BY_ID.with_for_update(),
    (False, False): _BY_REF,
    (False, True): _BY_REF.with_for_update(),
}
_RECOMMENDATIONS = select(RecommendationRow).where(
    col(RecommendationRow.stream_id) == bindparam("stream_id")
)


class WorkStreamRepository:
    def __init__(self, session: Session, *, lock_rows: bool) -> None:
        self.session = session
        self._lock_rows = lock_rows  # SELECT … FOR UPDATE; SQLite's BEGIN IMMEDIATE already locks
        self._rows: dict[str, WorkStreamRow] = {}
        self.seen: dict[str, WorkStream] = {}
        self._loaded_recommendations: dict[str, list[Recommendation]] = {}

    def _find(self, key: str | int) -> WorkStreamRow | None:
        by_id = isinstance(key, int) or (isinstance(key, str) and key.isdigit())
        query = _FIND[by_id, self._lock_rows]
        return self.session.execute(query, {"key": int(key) if by_id else key}).scalar_one_or_none()

    def get(self, key: str | int) -> WorkStream:
        """The work stream with this id or ref, its row locked until commit; the same
        object again if it was loaded in this transaction already."""
        known = self.seen.get(str(key))
        if known is not None:
            return known
        for ref, loaded in self._rows.items():
            if loaded.id is not None and str(loaded.id) == str(key):
                return self.seen[ref]
        row = self._find(key)
        if row is None:
            raise NotFound(f"no work stream {key!r}: `cjji streams list` shows the ids and refs")
        recs = self.session.execute(_RECOMMENDATIONS, {"stream_id": row.id}).scalars()
        ws = stream_from_row(row, list(recs))
        self._rows[ws.ref] = row
        self._loaded_recommendations[ws.ref] = list(ws.recommendations)
        self.seen[ws.ref] = ws
        return ws

    def id_of(self, ref: str) -> int:
        row = self._rows[ref]
        assert row.id is not None
        return row.id

    def exists(self, ref: str) -> bool:
        return self._find(ref) is not None

    def add(self, ws: WorkStream, now: datetime) -> None:
        row = WorkStreamRow(
            ref=ws.ref,
            title=ws.title,
            kind=ws.kind.value,
            jurisdiction=ws.jurisdiction.value,
            created_at=now,
            updated_at=now,
        )
        copy_to_row(ws, row)
        self.session.add(row)
        self.session.flush()  # assigns the id the index rows need
        self._rows[ws.ref] = row
        self.seen[ws.ref] = ws
        self._write_bodies(row, ws)

    def set_plan_section(self, ws: WorkStream, section: str | None) -> None:
        """Record where the plan lists ``ws`` (loaded in this transaction): its layout, not
        its story, so without an event or a new version."""
        ws.plan_section = section
        set_plan_section(self._rows[ws.ref], section)

    def refresh_new(self, ws: WorkStream) -> None:
        """Write changes made to a work stream created in this same transaction."""
        row = self._rows[ws.ref]
        copy_to_row(ws, row)
        self._write_bodies(row, ws)
        self._write_recommendations(row, ws)

    def save(self, ws: WorkStream, now: datetime) -> None:
        """Write ``ws`` back, bumping its version; :class:`Conflict` if someone got there first."""
        row = self._rows[ws.ref]
        if row.version != ws.version:
            raise Conflict(
                f"{ws.ref} was changed by someone else (version {row.version}, you had "
                f"{ws.version}): reload it and try again"
            )
        bodies_before = (row.lead, tuple(row.supporting))
        # One Core UPDATE of the columns that changed, where the unit of work's flush cost
        # several times the statement; the loaded row is then told the values it now holds,
        # so that it is not dirty and the rest of the transaction reads what was written.
        fields = SimpleNamespace()
        copy_to_row(ws, cast(WorkStreamRow, fields))
        changed = {k: v for k, v in vars(fields).items() if getattr(row, k) != v}
        changed["version"], changed["updated_at"] = ws.version + 1, now
        changed["at_id"], changed["at_version"] = row.id, ws.version
        done = self.session.connection().execute(_SAVE, changed)
        del changed["at_id"], changed["at_version"]
        if done.rowcount != 1:
            raise Conflict(f"{ws.ref} was changed by someone else: reload it and try again")
        for key, value in changed.items():
            set_committed_value(row, key, value)
        ws.version += 1
        if bodies_before != (ws.lead, ws.supporting):
            self._write_bodies(row, ws)
        self._write_recommendations(row, ws)

    def _write_bodies(self, row: WorkStreamRow, ws: WorkStream) -> None:
        self.session.execute(delete(StreamBodyRow).where(col(StreamBodyRow.stream_id) == row.id))
        assert row.id is not None
        for body in ws.participants:
            role = "lead" if body == ws.lead else "supporting"
            self.session.add(StreamBodyRow(stream_id=row.id, body=body, role=role))

    def _write_recommendations(self, row: WorkStreamRow, ws: WorkStream) -> None:
        if self._loaded_recommendations.get(ws.ref) == ws.recommendations:
            return  # the common case: a move that leaves the register alone
        stored = {
            r.number: r
            for r in self.session.execute(_RECOMMENDATIONS, {"stream_id": row.id}).scalars()
        }
        assert row.id is not None
        for rec in ws.recommendations:
            r = stored.get(rec.number) or RecommendationRow(
                stream_id=row.id,
                number=rec.number,
                text=rec.text,
                type=rec.type.value,
                addressed_to=rec.addressed_to,
            )
            r.text, r.type, r.addressed_to = rec.text, rec.type.value, rec.addressed_to
            r.status, r.owner, r.due = rec.status.value, rec.owner, rec.due
            r.created_on, r.closed_on = rec.created_on, rec.closed_on
            r.details = encode_recommendation(rec)
            self.session.add(r)
        self._loaded_recommendations[ws.ref] = list(ws.recommendations)
