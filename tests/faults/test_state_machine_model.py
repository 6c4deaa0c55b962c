"""Random walks through the real services, checked after every step (hypothesis stateful).

Two work streams (a thematic inspection, which needs a factual accuracy check, and a review,
which does not) on a fresh SQLite database per example. Each step is one of: a person's
trigger (any trigger, with or without a reason), a document version (the terms of reference
or the report, one of a few texts, so earlier texts come back), a decision (approve,
request changes or revoke, by a participating body or not, on the current version or a
stale one), the next natural step towards publication (agreeing the terms, the factual
accuracy check, one approval, the publication steps, closing, resuming), or time passing
with or without the reminder sweep.

A refused step (any ``WorkflowError``) is a valid outcome, and must write nothing. After
every step:

- the audit trail verifies, and replaying it rebuilds every stored work stream;
- no state is skipped: each move starts where the last one ended, and is a row of the
  transition table;
- a report moves to publication only when every participating body has approved its
  current version, and is published only in that version;
- each sign-off round moves to publication at most once, a round whose approvals are all
  in has moved, and a work stream that reached publication did so exactly once;
- no reminder (deadline, threshold, due date, recipient) is claimed or sent twice.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import col, select

from tests.conftest import Clock, fingerprint, runtime_for
from tests.integration.walk import BODIES, LEAD, REVIEWER, chief, seed_people, signatory
from tests.support.acting import send
from workflow.application.commands import (
    AddEmbargoRecipient,
    AddFactualAccuracyComment,
    CreateWorkStream,
    DisposeFactualAccuracyComment,
    FireTrigger,
    NameKeyPeople,
    Publish,
    RecordDecision,
    RegisterDocument,
    SchedulePublication,
    SendEmbargoedCopy,
    SetFieldworkTeam,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.jobs import reminders
from workflow.application.queries import streams as queries
from workflow.domain.errors import WorkflowError
from workflow.domain.events import Action
from workflow.domain.guards import FACTUAL_ACCURACY_REQUIRED
from workflow.domain.joint_decisions import Decision, DocumentKind, content_hash
from workflow.domain.lifecycle import TRANSITIONS
from workflow.domain.replay import apply
from workflow.domain.stages import Stage, Trigger
from workflow.domain.workstream import WorkStream
from workflow.store.db import engine_for
from workflow.store.deadline_tables import ReminderRow
from workflow.store.migrate import upgrade
from workflow.store.tables import AuditEventRow, OutboxRow

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced

START = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
KINDS = {"alpha": "thematic_inspection", "beta": "review"}
TEXTS = {kind: [f"{kind.value} text {n}".encode() for n in range(3)] for kind in DocumentKind}
NEVER_REGISTERED = content_hash(b"a text nobody registered")
LEGAL = {(m.trigger.value, m.source.value, m.dest.value) for m in TRANSITIONS}

SETTINGS = settings(
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def make_template(directory: Path) -> Path:
    """A migrated database with the demo people and the two work streams, copied per example."""
    path = directory / "template.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(engine_for(url))
    rt = runtime_for(url, Clock(START), directory)
    seed_people(rt)
    for ref, kind in KINDS.items():
        send(
            rt,
            LEAD,
            CreateWorkStream(
                ref=ref,
                title=f"Work stream {ref}",
                kind=kind,
                fields={
                    "lead": "HMI Probation",
                    "supporting": ["HMI Prisons", "HMIC"],
                    "expected_publication": "Spring 2022",
                },
            ),
        )
    close_engines(url)
    assert not path.with_name(path.name + "-wal").exists(), "the WAL was not checkpointed"
    return path


def close_engines(url: str) -> None:
    engine_for(url).dispose()
    engine_for(url, writer=False).dispose()


#: How many work streams reached each state, across the run: the walks must get deep.
REACHED: Counter[str] = Counter()
STATS: Counter[str] = Counter()
STEPS: list[int] = []


class Walks(RuleBasedStateMachine):
    def __init__(self, template: Path, directory: Path) -> None:
        super().__init__()
        path = directory / "cjji.sqlite3"
        shutil.copyfile(template, path)
        self.url = f"sqlite:///{path}"
        self.clock = Clock(START)
        self.rt = runtime_for(self.url, self.clock, directory)
        self.refused: Counter[str] = Counter()

    def teardown(self) -> None:
        with self.rt.read() as session:
            moves = session.exec(
                select(AuditEventRow.stream_ref, AuditEventRow.to_state).where(
                    col(AuditEventRow.action) == Action.TRANSITIONED
                )
            ).all()
        REACHED.update(str(to) for _, to in set(moves))
        STEPS.append(sum(STATS.values()))
        close_engines(self.url)

    # -- helpers ---------------------------------------------------------------------
    def load(self, ref: str) -> WorkStream:
        with self.rt.read() as session:
            return queries.load_readonly(session, ref)[1]

    def attempt(self, what: str, call: Callable[[], object]) -> bool:
        """Run one service call; a refusal is fine as long as it wrote nothing."""
        before = fingerprint(self.rt)
        refusal: WorkflowError | None = None
        try:
            call()
        except WorkflowError as error:
            refusal = error
        if refusal is not None:
            after = fingerprint(self.rt)
            assert after == before, f"{what} was refused ({refusal}) yet wrote something"
            event(f"refused: {type(refusal).__name__}")
            STATS[f"refused {what}"] += 1
            return False
        event(f"done: {what}")
        STATS[f"done {what}"] += 1
        return True

    def approve(self, ref: str, kind: DocumentKind, body: str) -> bool:
        version = self.load(ref).document(kind).current or NEVER_REGISTERED
        return self.attempt(
            f"approve {kind.value}",
            lambda: send(
                self.rt,
                signatory(body),
                RecordDecision(
                    key=ref, body=body, decision="approve", version=version, kind=kind.value
                ),
            ),
        )

    def check_facts(self, ref: str) -> bool:
        rt, police = self.rt, "Avon and Somerset Police"
        steps: list[tuple[str, Callable[[], object]]] = [
            (
                "fieldwork team",
                lambda: send(rt, LEAD, SetFieldworkTeam(key=ref, usernames=("lead.hmiprobation",))),
            ),
            ("start FA", lambda: send(rt, LEAD, StartFactualAccuracy(key=ref, parties=(police,)))),
            (
                "FA comment",
                lambda: send(
                    rt, LEAD, AddFactualAccuracyComment(key=ref, party=police, text="Table 2")
                ),
            ),
        ]
        if not all(self.attempt(what, call) for what, call in steps):
            return False
        check = self.load(ref).factual_accuracy
        assert check is not None
        number = max(c.number for c in check.comments)
        return self.attempt(
            "FA disposed",
            lambda: send(
                rt,
                LEAD,
                DisposeFactualAccuracyComment(
                    key=ref, number=number, disposition="rejected", reason="2021 figures"
                ),
            ),
        ) and self.attempt("FA signed", lambda: send(rt, REVIEWER, SignOffFactualAccuracy(key=ref)))

    def publish(self, ref: str) -> bool:
        rt, when = self.rt, self.clock.now + timedelta(days=21)
        version = self.load(ref).report.current or NEVER_REGISTERED
        url = f"https://example.gov.uk/{ref}"
        steps: list[tuple[str, Callable[[], object]]] = [
            ("schedule", lambda: send(rt, LEAD, SchedulePublication(key=ref, when=when))),
            ("send embargo", lambda: send(rt, LEAD, SendEmbargoedCopy(key=ref))),
            (
                "publish",
                lambda: send(
                    rt,
                    LEAD,
                    Publish(key=ref, url=url, version=version, early_release_reason="a walk"),
                ),
            ),
        ]
        if not self.load(ref).publication.recipients:
            steps.insert(
                1,
                (
                    "embargo recipient",
                    lambda: send(
                        rt,
                        LEAD,
                        AddEmbargoRecipient(
                            key=ref, name="Press office", email="press@moj.example", kind="press"
                        ),
                    ),
                ),
            )
        return all(self.attempt(what, call) for what, call in steps)

    def fire(self, ref: str, trigger: str, reason: str | None = None) -> bool:
        return self.attempt(
            trigger,
            lambda: send(self.rt, LEAD, FireTrigger(key=ref, trigger=trigger, reason=reason)),
        )

    def register(self, ref: str, kind: DocumentKind, content: bytes) -> bool:
        return self.attempt(
            f"register {kind.value}",
            lambda: send(
                self.rt, LEAD, RegisterDocument(key=ref, kind=kind.value, content=content)
            ),
        )

    def name_leads(self, ref: str) -> bool:
        """Every participating body names its lead inspector and senior oversight."""

        def naming(body: str) -> Callable[[], object]:
            command = NameKeyPeople(
                key=ref,
                body=body,
                lead_inspector=f"lead.{body.lower()}",
                senior_oversight=f"chief.{body.lower()}",
            )
            return lambda: send(self.rt, chief(body), command)

        unnamed = self.load(ref).unnamed_key_people()
        return all(self.attempt("name leads", naming(body)) for body in unnamed)

    def agree(self, ref: str, kind: DocumentKind) -> bool:
        """A version of the key matter ``kind`` (registered if none is), then every awaited
        body's approval of it."""
        ws = self.load(ref)
        if ws.document(kind).current is None and not self.register(ref, kind, TEXTS[kind][0]):
            return False
        awaited = self.load(ref).document(kind).outstanding(ws.participants)
        return all(self.approve(ref, kind, body) for body in awaited)

    def next_step(self, ref: str) -> bool:
        """The step a diligent lead (or the awaited body) would take next."""
        ws = self.load(ref)
        tor, draft = DocumentKind.TERMS_OF_REFERENCE, DocumentKind.REPORT
        match ws.state:
            case Stage.SCOPING:  # name the leads, agree scope and method, start fieldwork
                return (
                    self.name_leads(ref)
                    and self.agree(ref, tor)
                    and self.agree(ref, DocumentKind.METHODOLOGY)
                    and self.fire(ref, Trigger.START_FIELDWORK)
                )
            case Stage.FIELDWORK:
                return self.fire(ref, Trigger.START_DRAFTING)
            case Stage.DRAFTING:  # findings, a draft, its factual accuracy check, sign-off
                if not self.agree(ref, DocumentKind.FINDINGS):
                    return False
                if ws.report.current is None and not self.register(ref, draft, TEXTS[draft][0]):
                    return False
                check = self.load(ref).factual_accuracy
                needs_check = ws.kind in FACTUAL_ACCURACY_REQUIRED and (
                    check is None or not check.complete
                )
                if needs_check and not self.check_facts(ref):
                    return False
                return self.fire(ref, Trigger.SUBMIT_FOR_SIGNOFF)
            case Stage.JOINT_SIGNOFF:
                awaited = ws.report.outstanding(ws.participants)
                return bool(awaited) and self.approve(ref, draft, awaited[0])
            case Stage.PUBLICATION:  # the recommendations and arrangements, then publish
                return (
                    self.agree(ref, DocumentKind.RECOMMENDATIONS)
                    and self.agree(ref, DocumentKind.PUBLICATION_ARRANGEMENTS)
                    and self.publish(ref)
                )
            case Stage.FOLLOW_UP:
                return self.fire(ref, Trigger.CLOSE)
            case Stage.PAUSED:
                return self.fire(ref, Trigger.RESUME)
            case _:
                return False

    # -- rules -----------------------------------------------------------------------
    @rule(ref=st.sampled_from(sorted(KINDS)), steps=st.integers(1, 6))
    def progress(self, ref: str, steps: int) -> None:
        for _ in range(steps):
            if not self.next_step(ref):
                return

    @rule(
        ref=st.sampled_from(sorted(KINDS)),
        trigger=st.sampled_from(list(Trigger)),
        reason=st.booleans(),
    )
    def fire_any(self, ref: str, trigger: Trigger, reason: bool) -> None:  # fmt: skip
        self.fire(ref, trigger.value, "Staff redeployed to an urgent review" if reason else None)

    @rule(
        ref=st.sampled_from(sorted(KINDS)),
        kind=st.sampled_from(list(DocumentKind)),
        n=st.integers(0, len(TEXTS[DocumentKind.REPORT]) - 1),
    )
    def register_text(self, ref: str, kind: DocumentKind, n: int) -> None:
        self.register(ref, kind, TEXTS[kind][n])

    @rule(
        ref=st.sampled_from(sorted(KINDS)),
        kind=st.sampled_from(list(DocumentKind)),
        body=st.sampled_from([*BODIES, "HMCPSI"]),  # HMCPSI takes no part
        decision=st.sampled_from(list(Decision)),
        which=st.sampled_from(["current", "earlier", "unknown"]),
        comment=st.booleans(),
    )
    def decide(
        self, ref: str, kind: DocumentKind, body: str, decision: Decision, which: str, comment: bool
    ) -> None:
        versions = self.load(ref).document(kind).versions
        version = {
            "current": versions[-1] if versions else NEVER_REGISTERED,
            "earlier": versions[0] if versions else NEVER_REGISTERED,
            "unknown": NEVER_REGISTERED,
        }[which]
        self.attempt(
            f"{decision.value} {kind.value}",
            lambda: send(
                self.rt,
                signatory(body),
                RecordDecision(
                    key=ref,
                    body=body,
                    decision=decision.value,
                    version=version,
                    kind=kind.value,
                    comment="Section 3 overstates the findings" if comment else None,
                ),
            ),
        )

    @rule(
        ref=st.sampled_from(sorted(KINDS)),
        body=st.sampled_from(BODIES),
        decision=st.sampled_from(list(Decision)),
    )
    def decide_in_turn(self, ref: str, body: str, decision: Decision) -> None:
        """A participating body's decision on the document being decided on now."""
        ws = self.load(ref)
        kind = DocumentKind.TERMS_OF_REFERENCE if ws.state is Stage.SCOPING else DocumentKind.REPORT
        version = ws.document(kind).current or NEVER_REGISTERED
        self.attempt(
            f"{decision.value} {kind.value}",
            lambda: send(
                self.rt,
                signatory(body),
                RecordDecision(
                    key=ref,
                    body=body,
                    decision=decision.value,
                    version=version,
                    kind=kind.value,
                    comment="Chapter 2 needs the 2022 figures",
                ),
            ),
        )

    @rule(days=st.integers(0, 12), hours=st.integers(0, 23), sweep=st.booleans())
    def time_passes(self, days: int, hours: int, sweep: bool) -> None:
        self.clock.advance(days=days, hours=hours)
        if sweep:
            result = reminders.sweep(self.rt)
            if result.messages:
                event("reminders sent")

    # -- the promises, after every step -----------------------------------------------
    @invariant()
    def audit_trail_verifies_and_replays_to_the_stored_state(self) -> None:
        verification = queries.verify_audit(self.rt)
        assert verification.ok, verification.problem
        assert queries.replay_differences(self.rt) == {}

    @invariant()
    def moves_skip_nothing_and_publication_needs_every_approval_once(self) -> None:
        with self.rt.read() as session:
            rows = session.exec(select(AuditEventRow).order_by(col(AuditEventRow.seq))).all()
        by_stream: dict[str, list[AuditEventRow]] = defaultdict(list)
        for row in rows:
            if row.stream_ref in KINDS:
                by_stream[row.stream_ref].append(row)
        for ref, events in by_stream.items():
            check_stream_history(ref, events, self.load(ref))

    @invariant()
    def no_reminder_is_claimed_or_sent_twice(self) -> None:
        with self.rt.read() as session:
            claims = session.exec(select(ReminderRow)).all()
            sent = session.exec(
                select(AuditEventRow).where(col(AuditEventRow.action) == Action.REMINDER_SENT)
            ).all()
            queued = {
                row.id: row.payload
                for row in session.exec(
                    select(OutboxRow).where(col(OutboxRow.task) == reminders.SEND_REMINDER)
                ).all()
            }
        keys = [(c.deadline_id, c.threshold, c.due_on.isoformat(), c.recipient) for c in claims]
        assert len(keys) == len(set(keys)), "a reminder claimed twice"
        told = []
        for e in sent:
            payload = json.loads(e.payload)
            assert payload["outbox_id"] in queued
            told += [
                (payload["deadline"], payload["threshold"], payload["due"], who)
                for who in payload["recipients"]
            ]
        assert len(told) == len(set(told)), "a reminder sent twice"
        assert sorted(told) == sorted(keys), "every claim sent once, and nothing unclaimed"


def check_stream_history(ref: str, events: list[AuditEventRow], stored: WorkStream) -> None:
    ws: WorkStream | None = None
    rounds: list[int] = []  # moves to publication in each sign-off round
    for e in events:
        payload = json.loads(e.payload)
        if e.action == Action.TRANSITIONED:
            assert ws is not None, f"{ref}: a move before creation"
            trigger = payload["trigger"]
            assert e.from_state == ws.state.value, (
                f"{ref}: event {e.seq} moves from {e.from_state}, but it was in {ws.state.value}"
            )
            assert (trigger, e.from_state, e.to_state) in LEGAL, f"{ref}: event {e.seq}"
            if trigger == Trigger.SUBMIT_FOR_SIGNOFF:
                rounds.append(0)
            if trigger == Trigger.COMPLETE_SIGNOFF:
                assert ws.report.approved_by_all(ws.participants), (
                    f"{ref}: moved to publication without every body's approval of "
                    f"{ws.report.current}: {ws.report.standing()}"
                )
                rounds[-1] += 1
            if trigger == Trigger.PUBLISH:
                assert payload["version"] == ws.report.current
                assert ws.report.approved_by_all(ws.participants)
        ws = apply(ws, e.action, e.at, e.actor, e.body, e.to_state, e.reason, payload)
    assert all(n <= 1 for n in rounds), f"{ref}: a round moved to publication twice: {rounds}"
    reached = any(
        e.action == Action.TRANSITIONED and e.to_state == Stage.PUBLICATION for e in events
    )
    assert sum(rounds) == (1 if reached else 0), f"{ref}: {sum(rounds)} move(s) to publication"
    if stored.state is Stage.JOINT_SIGNOFF:
        assert not stored.report.approved_by_all(stored.participants), (
            f"{ref}: every body has approved, yet it is still at joint sign-off"
        )


@pytest.mark.slow
def test_random_walks_never_skip_a_state_publish_unapproved_or_double_a_move_or_reminder(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    REACHED.clear()
    template = make_template(tmp_path_factory.mktemp("template"))
    # Hypothesis documents any zero-argument factory here; its stub says type[...] only.
    factory = cast("type[Walks]", lambda: Walks(template, tmp_path_factory.mktemp("walk")))
    run_state_machine_as_test(factory, settings=SETTINGS)
    print("REACHED", REACHED)
    print("STATS", sorted(STATS.items()))
    print("STEPS", STEPS)
    # The walks must get deep, or the promises above would hold vacuously.
    assert REACHED[Stage.DRAFTING] + REACHED[Stage.JOINT_SIGNOFF] > 0, REACHED
    assert sum(REACHED[s] for s in ("publication", "follow_up", "closed")) > 0, REACHED
