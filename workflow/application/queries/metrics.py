"""The engine's numbers for Prometheus, read from the database at scrape time.

The worker, beat and the web server are separate processes; what each did is in the
database already (the audit trail, the outbox, deliveries, reminders, heartbeats), so
one custom collector reads it there and every process's work reaches the same scrape,
with nothing kept in memory that a restart would lose. Counters only grow while rows
are only added, which the audit trail promises; a restored backup can make them go
back, which Prometheus treats as a counter reset.

Transitions and refusals are counted from the audit trail incrementally: each scrape
reads only the events after the last one it counted.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select

from workflow.application.queries import health
from workflow.application.queries import streams as stream_queries
from workflow.application.runtime import Runtime
from workflow.domain.events import Action
from workflow.domain.joint_decisions import DOCUMENT_DECIDED_IN
from workflow.store.auth_tables import SecurityLogRow
from workflow.store.deadline_tables import ReminderRow
from workflow.store.tables import AuditEventRow, DeliveryRow, OutboxRow

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_COUNTED = (
    Action.TRANSITIONED,
    Action.ACCESS_REFUSED,
    Action.RULE_REFUSED,
    Action.NOTIFICATION_SKIPPED,
)
# The security log's kinds (refusals of people not signed in), as the chain's are labelled.
_LOGGED_KIND = {"sign-in": "sign_in", "token": "token", "link": "signoff_link"}


def refusal_kind(payload: dict[str, object]) -> str:
    """What kind of refusal an ``access_refused`` event records."""
    if payload.get("what") == "sign in":
        return "sign_in"
    if payload.get("credential") == "token":
        return "token"
    if payload.get("what") == "sign-off link" or "link" in payload:
        return "signoff_link"
    return "refused"  # by the policy (who may do what) or by the rules (guards)


class EngineCollector(Collector):
    """Yields the engine's metrics from the database, each time it is collected."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._lock = threading.Lock()
        self._seen = 0
        self._transitions: Counter[str] = Counter()
        self._refusals: Counter[str] = Counter()
        self._skipped = 0

    def _count_new_events(self) -> None:
        """Add the audit events after the last one counted (all again after a restore)."""
        with self.rt.read() as session:
            last = session.execute(select(func.max(col(AuditEventRow.seq)))).scalar() or 0
            if last < self._seen:
                self._seen, self._skipped = 0, 0
                self._transitions.clear()
                self._refusals.clear()
            rows = session.execute(
                select(AuditEventRow.seq, AuditEventRow.action, AuditEventRow.payload)
                .where(col(AuditEventRow.seq) > self._seen, col(AuditEventRow.seq) <= last)
                .where(col(AuditEventRow.action).in_([a.value for a in _COUNTED]))
            ).all()
        for _seq, action, payload in rows:
            data = json.loads(payload)
            if action == Action.TRANSITIONED:
                self._transitions[str(data.get("trigger"))] += 1
            elif action == Action.ACCESS_REFUSED:
                self._refusals[refusal_kind(data)] += 1
            elif action == Action.RULE_REFUSED:
                self._refusals["rule"] += 1
            elif "outbox_id" in data:
                self._skipped += 1
        self._seen = last

    def _logged_refusals(self) -> Counter[str]:
        """Refusals of people not signed in: the security log's counts (not in the chain)."""
        with self.rt.read() as session:
            rows = session.execute(
                select(SecurityLogRow.kind, func.sum(SecurityLogRow.count)).group_by(
                    SecurityLogRow.kind
                )
            ).all()
        return Counter({_LOGGED_KIND.get(kind, kind): int(total or 0) for kind, total in rows})

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self._lock:
            self._count_new_events()
            transitions = dict(self._transitions)
            refusals = self._refusals + self._logged_refusals()
            skipped = self._skipped
        yield _counter(
            "cjji_transitions", "Moves of work streams, by trigger.", ["trigger"], transitions
        )
        yield _counter("cjji_refusals", "Refused attempts, by kind.", ["kind"], refusals)
        yield from self._outbox(skipped)
        yield from self._reminders()
        yield from self._jobs()
        yield self._awaiting()

    def _outbox(self, skipped: int) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self.rt.read() as session:
            delivered = session.execute(
                select(DeliveryRow.channel, func.count()).group_by(col(DeliveryRow.channel))
            ).all()
            retries = session.execute(
                select(func.coalesce(func.sum(col(OutboxRow.attempts) - 1), 0)).where(
                    col(OutboxRow.attempts) > 1
                )
            ).scalar()
        deliveries = CounterMetricFamily(
            "cjji_deliveries",
            "Messages delivered (one per recipient), or outbox rows that sent nothing, "
            "by channel and outcome.",
            labels=["channel", "outcome"],
        )
        for channel, count in delivered:
            deliveries.add_metric([channel, "delivered"], count)
        deliveries.add_metric(["none", "skipped"], skipped)
        yield deliveries
        yield CounterMetricFamily(
            "cjji_outbox_retries",
            "Outbox rows handed out again after a lease ran out (a failed or lost delivery).",
            value=int(retries or 0),
        )
        waiting, oldest = health.outbox_waiting(self.rt)
        yield GaugeMetricFamily("cjji_outbox_waiting", "Outbox rows not yet done.", value=waiting)
        yield GaugeMetricFamily(
            "cjji_outbox_oldest_age_seconds",
            "How long the oldest outbox row not yet done has waited (0 when none waits).",
            value=health.age_seconds(self.rt.clock(), oldest) if oldest else 0.0,
        )

    def _reminders(self) -> Iterator[CounterMetricFamily]:
        with self.rt.read() as session:
            rows = session.execute(
                select(ReminderRow.threshold, func.count()).group_by(col(ReminderRow.threshold))
            ).all()
        sent = {"reminder": 0, "escalation": 0}
        for threshold, count in rows:
            sent["escalation" if threshold == "escalate" else "reminder"] += count
        family = CounterMetricFamily(
            "cjji_reminders_sent",
            "Reminders and escalations sent (one per recipient).",
            labels=["kind"],
        )
        for kind, count in sent.items():
            family.add_metric([kind], count)
        yield family

    def _jobs(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        beats = health.heartbeats(self.rt)
        now = self.rt.clock()
        duration = GaugeMetricFamily(
            "cjji_job_last_duration_seconds",
            "How long the last run of the relay and of the reminder sweep took.",
            labels=["job"],
        )
        runs = CounterMetricFamily("cjji_job_runs", "Runs of each job.", labels=["job"])
        age = GaugeMetricFamily(
            "cjji_heartbeat_age_seconds",
            "Seconds since each worker, beat, the relay and the sweep last showed it was alive.",
            labels=["name"],
        )
        for name, row in sorted(beats.items()):
            if row.duration_seconds is not None:
                duration.add_metric([name], row.duration_seconds)
                runs.add_metric([name], row.runs)
            age.add_metric([name], health.age_seconds(now, row.at))
        yield duration
        yield runs
        yield age

    def _awaiting(self) -> GaugeMetricFamily:
        counts: Counter[str] = Counter()
        # Only the states in which a document is decided on can await a decision: the
        # rest of a large programme is not read at every scrape.
        for state in DOCUMENT_DECIDED_IN:
            for row in stream_queries.list_streams(self.rt, state=state.value):
                if row["outstanding"]:
                    counts.update(row["outstanding"]["awaiting"])
        family = GaugeMetricFamily(
            "cjji_decision_requests_awaiting",
            "Decisions awaited on the current document of a work stream, by body.",
            labels=["body"],
        )
        for body in self.rt.bodies:
            family.add_metric([body.code], counts.get(body.code, 0))
        return family


def _counter(
    name: str, documentation: str, labels: list[str], values: dict[str, int]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=labels)
    for label, value in sorted(values.items()):
        family.add_metric([label], value)
    return family


def registry_for(rt: Runtime) -> CollectorRegistry:
    """A registry of the engine's metrics alone (not the process's: there are several)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(rt))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
