"""Audit events edited, deleted or reordered with raw SQL, on SQLite and on PostgreSQL.

Promise: the audit trail is tamper-evident. ``verify`` walks the hash chain and names the
first event that was edited, deleted or reordered; replaying the events rebuilds every
work stream, so a stored state changed behind the engine's back is found too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.integration.walk import create, to_signoff
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.events import UserChanged

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced


def test_audit_verification_names_an_edited_event(rt: Runtime) -> None:
    create(rt)
    to_signoff(rt)
    total = queries.verify_audit(rt).checked
    assert total > 8

    def run(sql: str) -> None:
        with rt.engine.begin() as conn:
            conn.execute(text(sql))

    run("UPDATE audit_event SET reason = 'nothing to see' WHERE seq = 5")
    result = queries.verify_audit(rt)
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "edited" in (result.problem or "")


def test_audit_verification_names_a_deleted_event(rt: Runtime) -> None:
    create(rt)
    to_signoff(rt)
    with rt.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    result = queries.verify_audit(rt)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "deleted" in (result.problem or "")


def test_audit_verification_names_a_deleted_last_event(rt: Runtime) -> None:
    create(rt)
    last = queries.verify_audit(rt).checked
    with rt.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM audit_event WHERE seq = {last}"))
    result = queries.verify_audit(rt)
    assert (result.ok, result.first_bad_seq) == (False, last)


def test_audit_verification_names_reordered_events(rt: Runtime) -> None:
    create(rt)
    to_signoff(rt)
    with rt.engine.begin() as conn:  # swap events 6 and 7, hashes and all
        conn.execute(text("UPDATE audit_event SET seq = -6 WHERE seq = 6"))
        conn.execute(text("UPDATE audit_event SET seq = 6 WHERE seq = 7"))
        conn.execute(text("UPDATE audit_event SET seq = 7 WHERE seq = -6"))
    result = queries.verify_audit(rt)
    assert (result.ok, result.first_bad_seq) == (False, 6)


def test_replay_detects_a_stored_state_changed_behind_the_engines_back(rt: Runtime) -> None:
    create(rt)
    to_signoff(rt)
    assert queries.replay_differences(rt) == {}
    with rt.engine.begin() as conn:
        conn.execute(text("UPDATE work_stream SET state = 'publication' WHERE ref = 'mappa'"))
    assert queries.replay_differences(rt) == {"mappa": ["state"]}


def test_audit_verification_names_the_first_of_several_broken_events(rt: Runtime) -> None:
    create(rt)
    to_signoff(rt)
    with rt.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone else' WHERE seq = 8"))
        conn.execute(text("DELETE FROM audit_event WHERE seq = 6"))
        conn.execute(text("UPDATE audit_event SET reason = 'rewritten' WHERE seq = 3"))
    result = queries.verify_audit(rt)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "edited" in (result.problem or "")


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2022, 1, 10, 9, 0, tzinfo=UTC),  # no microseconds
        datetime(2022, 7, 1, 23, 59, 59, 999_999, tzinfo=ZoneInfo("Europe/London")),  # BST
        datetime(2024, 2, 29, 0, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_every_time_verifies_as_it_was_hashed_whatever_its_zone(
    rt: Runtime, moment: datetime
) -> None:
    # PostgreSQL reads each time back as text for speed: it must spell it as it was hashed.
    with rt.uow() as uow:
        event = UserChanged(
            actor="test", body=None, at=moment, username="n", user_body="x", change="1"
        )
        uow.record(event)
        uow.commit()
    result = queries.verify_audit(rt)
    assert (result.ok, result.checked) == (True, 1), result.problem


#: Texts whose JSON spelling has to agree between PostgreSQL's to_json and Python's encoder.
AWKWARD = (
    'quote " backslash \\ slash / tab \t newline \n return \r',
    "controls \x00\x01\x08\x0b\x0c\x1f and delete \x7f",
    "accents é ü ñ, Welsh ŵ ŷ, CJK 中文, emoji 🦉, separators \u2028 \u2029, BOM \ufeff",
    "",
)


def test_the_database_and_python_agree_on_every_text(rt: Runtime) -> None:
    """On PostgreSQL the database checks the links first: an awkward text must hash there
    exactly as Python hashed it, or every verification would fall back to Python."""
    from workflow.store.audit import _pg_all_links_hold, head_of

    with rt.uow() as uow:
        for text_ in AWKWARD:
            uow.record(
                UserChanged(
                    actor=text_.replace("\x00", "") or "x",  # PostgreSQL text holds no NUL
                    body=text_.replace("\x00", "")[:32] or None,
                    at=datetime(2022, 1, 10, 9, 0, 0, 120, tzinfo=UTC),
                    username=text_,
                    user_body=text_,
                    change=text_,
                )
            )
        uow.commit()
    result = queries.verify_audit(rt)
    assert (result.ok, result.checked) == (True, len(AWKWARD)), result.problem
    if rt.engine.dialect.name == "postgresql":
        with rt.read() as session:
            assert _pg_all_links_hold(session, *head_of(session))


def test_ranges_checked_in_parallel_still_name_the_first_broken_event(
    pg_rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflow.store import audit
    from workflow.store.audit import _pg_all_links_hold, head_of

    monkeypatch.setattr(audit, "PG_RANGE_EVENTS", 3)  # many ranges, over a few connections
    create(pg_rt)
    to_signoff(pg_rt)
    with pg_rt.read() as session:
        head = head_of(session)
        assert head[0] > 12 and _pg_all_links_hold(session, *head)
    for sql, bad in (
        ("UPDATE audit_event SET reason = 'rewritten' WHERE seq = 8", 8),  # mid-range
        ("UPDATE audit_event SET reason = NULL WHERE seq = 8", None),  # put back: sound
        ("DELETE FROM audit_event WHERE seq = 6", 6),  # the last of a range
    ):
        with pg_rt.engine.begin() as conn:
            conn.execute(text(sql))
        result = queries.verify_audit(pg_rt)
        assert (result.ok, result.first_bad_seq) == (bad is None, bad), result.problem
        with pg_rt.read() as session:
            assert _pg_all_links_hold(session, *head_of(session)) is (bad is None)
