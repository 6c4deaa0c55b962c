"""An audit trail written by release 0.1.0 (before commands, the bus and typed events)
still verifies and replays, and today's engine writes the very same chain for the same
story: the same events, payloads and hashes, link for link.

``tests/fixtures/audit-0.1.0.sqlite3`` was made by ``make_audit_fixture_0_1_0.py`` (beside
it) from a checkout of commit 8c7e8e7; the story below is that script's, in commands.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from config.settings import Settings
from tests.integration.walk import BODIES, LEAD, REVIEWER, seed_people, signatory
from tests.support.acting import send, staff
from workflow.application import authentication, security_log
from workflow.application.commands import (
    AddEmbargoRecipient,
    AddFactualAccuracyComment,
    AddRecommendation,
    CreateWorkStream,
    DisposeFactualAccuracyComment,
    EditWorkStream,
    ExtendDeadline,
    FireTrigger,
    RecordDecision,
    RegisterDocument,
    SchedulePublication,
    SetFieldworkTeam,
    SetPassword,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.queries import deadlines
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime, bootstrap
from workflow.domain import lifecycle
from workflow.domain.events import AccessRefused
from workflow.domain.roles import Role
from workflow.store.db import engine_for
from workflow.store.migrate import upgrade

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "audit-0.1.0.sqlite3"


class StepClock:
    """Seven minutes on at every reading, as the fixture's script had it."""

    def __init__(self) -> None:
        self.now = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=7)
        return self.now


def runtime(path: Path) -> Runtime:
    url = f"sqlite:///{path}"
    upgrade(engine_for(url))
    settings = Settings(database_url=url, data_dir=path.parent, _env_file=None)
    return bootstrap(settings, clock=StepClock())


def tell_the_story(rt: Runtime) -> None:
    seed_people(rt)
    fields = {
        "lead": "HMI Probation",
        "supporting": ["HMI Prisons", "HMIC"],
        "expected_publication": "Spring 2022",
    }
    send(
        rt,
        LEAD,
        CreateWorkStream(ref="mappa", title="MAPPA", kind="thematic_inspection", fields=fields),
    )
    send(
        rt,
        LEAD,
        EditWorkStream(key="mappa", changes={"title": "MAPPA inspection", "priority": "high"}),
    )
    tor = RegisterDocument(key="mappa", kind="terms_of_reference", content=b"ToR v1")
    terms = send(rt, LEAD, tor).version
    for body in BODIES:
        decision = RecordDecision(
            key="mappa", body=body, decision="approve", version=terms, kind="terms_of_reference"
        )
        send(rt, signatory(body), decision)
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="staff illness"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="resume"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_drafting"))
    send(
        rt,
        LEAD,
        AddRecommendation(key="mappa", text="Share risk information", addressed_to="HMPPS"),
    )
    v1 = send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v1")).version
    send(rt, LEAD, SetFieldworkTeam(key="mappa", usernames=("lead.hmiprobation",)))
    send(rt, LEAD, StartFactualAccuracy(key="mappa", parties=("Avon and Somerset Police",)))
    comment = AddFactualAccuracyComment(
        key="mappa", party="Avon and Somerset Police", text="Table 2 is out of date"
    )
    send(rt, LEAD, comment)
    dispose = DisposeFactualAccuracyComment(
        key="mappa", number=1, disposition="rejected", reason="The table cites 2021 figures"
    )
    send(rt, LEAD, dispose)
    send(rt, REVIEWER, SignOffFactualAccuracy(key="mappa"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))
    changes = RecordDecision(
        key="mappa",
        body="HMIPRISONS",
        decision="request_changes",
        version=v1,
        comment="Chapter 3 is thin",
    )
    send(rt, signatory("HMIPRISONS"), changes)
    v2 = send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v2")).version
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))
    for body in BODIES:
        approve = RecordDecision(key="mappa", body=body, decision="approve", version=v2)
        send(rt, signatory(body), approve)
    when = datetime(2022, 6, 1, 9, 30, tzinfo=UTC)
    send(rt, LEAD, SchedulePublication(key="mappa", when=when))
    recipient = AddEmbargoRecipient(
        key="mappa", name="Home Office", email="press@example.org", kind="minister"
    )
    send(rt, LEAD, recipient)
    first = deadlines.list_deadlines(rt, stream="mappa")[0]["id"]
    extend = ExtendDeadline(deadline_id=first, to=date(2022, 12, 30), reason="the team is short")
    send(rt, LEAD, extend)
    # The old script acted as an administrator named "admin" for no body.
    admin = staff("admin", None, Role.ADMINISTRATOR)
    send(rt, admin, SetPassword(username="lead.hmiprobation", password="a long passphrase 1"))
    # Release 0.1.0 chained a failed sign-in as `access_refused`. Today's engine counts it in
    # the security log instead (below); the event class still spells the same payload, so
    # the chain written with it is the same, hash for hash.
    with rt.uow() as uow:
        uow.record(
            AccessRefused(
                actor="anonymous",
                body=None,
                at=rt.clock(),
                reason="the username or password is not right",
                what="sign in",
                detail={"attempted_username": "mallory"},
            )
        )
        uow.commit()


CHAIN = (
    "SELECT seq, stream_ref, actor, body, action, from_state, to_state, reason, payload, "
    "prev_hash, hash FROM audit_event ORDER BY seq"
)


def chain(rt: Runtime) -> list[tuple[object, ...]]:
    with rt.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(CHAIN))]


def test_a_trail_written_by_release_0_1_0_verifies_and_replays(tmp_path: Path) -> None:
    copy = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURE, copy)
    rt = runtime(copy)
    verdict = queries.verify_audit(rt)
    assert verdict.ok, verdict
    assert verdict.checked == 106
    assert queries.replay_differences(rt) == {}


def test_todays_engine_writes_the_same_chain_for_the_same_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The story was told under lifecycle version 1, the only one there was: a work stream
    # started today under version 1 (as one in flight is) must be written the same way.
    monkeypatch.setattr(lifecycle, "current_version", lambda: 1)
    shutil.copy(FIXTURE, tmp_path / "old.sqlite3")
    old = runtime(tmp_path / "old.sqlite3")
    new = runtime(tmp_path / "new.sqlite3")
    tell_the_story(new)
    written, expected = chain(new), chain(old)
    assert len(written) == len(expected) == 106
    for mine, theirs in zip(written, expected, strict=True):
        assert mine == theirs


def test_a_failed_sign_in_now_goes_to_the_security_log_not_the_chain(tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / "old.sqlite3")
    rt = runtime(tmp_path / "old.sqlite3")
    authentication.record_refusal(rt, None, "the username or password is not right", what="sign in")
    assert len(chain(rt)) == 106
    assert security_log.total(rt) == 1
    verdict = queries.verify_audit(rt)
    assert verdict.ok and verdict.checked == 106
