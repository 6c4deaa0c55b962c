"""The work stream repository: load (locked) and save aggregates within one session."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Row, bindparam, delete, select, update
from sqlmodel import Session, col

from workflow.domain.errors import Conflict, NotFound
from workflow.domain.recommendations import Recommendation, encode_recommendation
from workflow.domain.workstream import WorkStream
from workflow.store.mapping import copy_to_row, set_plan_section, stream_from_row
from workflow.store.tables import RecommendationRow, StreamBodyRow, WorkStreamRow

#: The statements of a load and a save, built once (building one per call cost more than
#: running it). A work stream's row is read as a plain row of columns (SQLAlchemy Core: the
#: ORM's object for it cost more than the read) and written back by one ``UPDATE`` of the
#: columns that changed; its recommendations are ORM rows, which a save may change.
_STREAMS = WorkStreamRow.__table__  # type: ignore[attr-defined]
_BY_ID = select(*_STREAMS.c).where(_STREAMS.c.id == bindparam("key"))
_BY_REF = select(*_STREAMS.c).where(_STREAMS.c.ref == bindparam("key"))
_FIND = {
    (True, False): _BY_ID,
    (True, True): _BY_ID.with_for_update(),
    (False, False): _BY_REF,
    (False, True): _BY_REF.with_for_update(),
}
_RECOMMENDATIONS = select(RecommendationRow).where(
    col(RecommendationRow.stream_id) == bindparam("stream_id")
)
#: The columns to set are the parameters' other keys (only those that changed).
_SAVE = update(_STREAMS).where(
    _STREAMS.c.id == bindparam("at_id"), _STREAMS.c.version == bindparam("at_version")
)
_SET = update(_STREAMS).where(_STREAMS.c.id == bindparam("at_id"))


def _as_row(values: Any) -> WorkStreamRow:
    """A row of columns (or anything with them as attributes) read as the table's row: the
    mapping reads only its attributes."""
    return cast(WorkStreamRow, values)


class WorkStreamRepository:
    def __init__(self, session: Session, *, lock_rows: bool) -> None:
        self.session = session
        self._lock_rows = lock_rows  # SELECT … FOR UPDATE; SQLite's BEGIN IMMEDIATE already locks
        #: Each loaded work stream's columns as they stand in the database now.
        self._rows: dict[str, dict[str, Any]] = {}
        #: Work streams created in this unit of work: ORM rows until their first commit.
        self._new_rows: dict[str, WorkStreamRow] = {}
        self.seen: dict[str, WorkStream] = {}
        self._loaded_recommendations: dict[str, list[Recommendation]] = {}

    def _find(self, key: str | int) -> Row[Any] | None:
        by_id = isinstance(key, int) or (isinstance(key, str) and key.isdigit())
        query = _FIND[by_id, self._lock_rows]
        return self.session.execute(query, {"key": int(key) if by_id else key}).first()

    def get(self, key: str | int) -> WorkStream:
        """The work stream with this id or ref, its row locked until commit; the same
        object again if it was loaded in this transaction already."""
        known = self.seen.get(str(key))
        if known is not None:
            return known
        for ref in self.seen:
            if str(self.id_of(ref)) == str(key):
                return self.seen[ref]
        row = self._find(key)
        if row is None:
            raise NotFound(f"no work stream {key!r}: `cjji streams list` shows the ids and refs")
        recs = self.session.execute(_RECOMMENDATIONS, {"stream_id": row.id}).scalars()
        ws = stream_from_row(_as_row(row), list(recs))
        self._rows[ws.ref] = dict(row._mapping)
        self._loaded_recommendations[ws.ref] = list(ws.recommendations)
        self.seen[ws.ref] = ws
        return ws

    def _values(self, ref: str) -> dict[str, Any]:
        values = self._rows.get(ref)
        if values is None:  # created in this unit of work, and committed since
            row = self._new_rows[ref]
            values = self._rows[ref] = {c.name: getattr(row, c.name) for c in _STREAMS.columns}
        return values

    def id_of(self, ref: str) -> int:
        new = self._new_rows.get(ref)
        stream_id = new.id if new is not None else self._rows[ref]["id"]
        assert stream_id is not None
        return int(stream_id)

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
        self._new_rows[ws.ref] = row
        self.seen[ws.ref] = ws
        self._write_bodies(self.id_of(ws.ref), ws)

    def set_plan_section(self, ws: WorkStream, section: str | None) -> None:
        """Record where the plan lists ``ws`` (loaded in this transaction): its layout, not
        its story, so without an event or a new version."""
        ws.plan_section = section
        new = self._new_rows.get(ws.ref)
        if new is not None and ws.ref not in self._rows:
            set_plan_section(new, section)
            return
        values = self._values(ws.ref)
        holder = SimpleNamespace(publication=values["publication"])
        set_plan_section(_as_row(holder), section)
        self.session.connection().execute(
            _SET, {"at_id": values["id"], "publication": holder.publication}
        )
        values["publication"] = holder.publication

    def refresh_new(self, ws: WorkStream) -> None:
        """Write changes made to a work stream created in this same transaction."""
        row = self._new_rows[ws.ref]
        copy_to_row(ws, row)
        self._write_bodies(self.id_of(ws.ref), ws)
        self._write_recommendations(self.id_of(ws.ref), ws)

    def save(self, ws: WorkStream, now: datetime) -> None:
        """Write ``ws`` back, bumping its version; :class:`Conflict` if someone got there first."""
        values = self._values(ws.ref)
        if values["version"] != ws.version:
            raise Conflict(
                f"{ws.ref} was changed by someone else (version {values['version']}, you had "
                f"{ws.version}): reload it and try again"
            )
        bodies_before = (values["lead"], tuple(values["supporting"]))
        # One UPDATE of the columns that changed (as the ORM's flush would have written).
        fields = SimpleNamespace()
        copy_to_row(ws, _as_row(fields))
        changed = {k: v for k, v in vars(fields).items() if values[k] != v}
        changed["version"], changed["updated_at"] = ws.version + 1, now
        params = {**changed, "at_id": values["id"], "at_version": ws.version}
        if self.session.connection().execute(_SAVE, params).rowcount != 1:
            raise Conflict(f"{ws.ref} was changed by someone else: reload it and try again")
        values.update(changed)
        ws.version += 1
        if bodies_before != (ws.lead, ws.supporting):
            self._write_bodies(values["id"], ws)
        self._write_recommendations(values["id"], ws)

    def _write_bodies(self, stream_id: int, ws: WorkStream) -> None:
        self.session.execute(delete(StreamBodyRow).where(col(StreamBodyRow.stream_id) == stream_id))
        for body in ws.participants:
            role = "lead" if body == ws.lead else "supporting"
            self.session.add(StreamBodyRow(stream_id=stream_id, body=body, role=role))

    def _write_recommendations(self, stream_id: int, ws: WorkStream) -> None:
        if self._loaded_recommendations.get(ws.ref) == ws.recommendations:
            return  # the common case: a move that leaves the register alone
        stored = {
            r.number: r
            for r in self.session.execute(_RECOMMENDATIONS, {"stream_id": stream_id}).scalars()
        }
        for rec in ws.recommendations:
            r = stored.get(rec.number) or RecommendationRow(
                stream_id=stream_id,
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
