"""A whole test deployment: PostgreSQL, a broker, a real Celery worker and an SMTP server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from config.settings import Settings
from tasks.publisher import RowPublisher, celery_for, publisher_for
from tests.support.processes import CeleryProcess, service_env
from tests.support.smtp import MailCatcher
from workflow.application.jobs.outbox import relay
from workflow.bootstrap import Runtime, bootstrap
from workflow.store.tables import DeliveryRow, OutboxRow


@dataclass
class Deployment:
    rt: Runtime
    mail: MailCatcher
    env: dict[str, str]
    publish: RowPublisher
    workers: list[CeleryProcess] = field(default_factory=list)

    def start_worker(self, **kwargs: Any) -> CeleryProcess:
        worker = CeleryProcess("worker", self.env, **kwargs).ready()
        self.workers.append(worker)
        return worker

    def relay(self) -> int:
        return relay(self.rt, self.publish)

    def pending(self) -> list[str]:
        with self.rt.read() as session:
            return list(
                session.exec(select(OutboxRow.id).where(col(OutboxRow.done_at).is_(None))).all()
            )

    def deliveries(self) -> list[tuple[str, str]]:
        with self.rt.read() as session:
            return [(d.outbox_id, d.recipient) for d in session.exec(select(DeliveryRow)).all()]

    def drain(self, timeout: float = 90, relay_every: float | None = None) -> None:
        """Wait until every outbox row is done, relaying due rows if asked to."""
        deadline = time.monotonic() + timeout
        last_relay = time.monotonic()
        while time.monotonic() < deadline:
            if not self.pending():
                return
            if relay_every is not None and time.monotonic() - last_relay >= relay_every:
                self.relay()
                last_relay = time.monotonic()
            time.sleep(0.2)
        tail = "".join("".join(w.output[-20:]) for w in self.workers)
        raise AssertionError(f"{len(self.pending())} outbox row(s) not done:\n{tail}")

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


@contextmanager
def deployment(
    database_url: str,
    data_dir: Path,
    clock: Any,
    mail: MailCatcher,
    *,
    broker_url: str,
    lease_seconds: int = 5,
    queue: str | None = None,
    **settings: Any,
) -> Iterator[Deployment]:
    """A deployment's runtime and environment; ``queue`` joins the one a shared worker
    already reads (otherwise the deployment gets a queue of its own)."""
    env = service_env(
        database_url,
        data_dir,
        queue=queue,
        broker_url=broker_url,
        mail_channel="smtp",
        smtp_port=mail.port,
        outbox_lease_seconds=lease_seconds,
        **settings,
    )
    config = Settings(
        database_url=database_url,
        broker_url=broker_url,
        queue=env["CJJI_QUEUE"],
        data_dir=data_dir,
        outbox_lease_seconds=lease_seconds,
        _env_file=None,
    )
    publish = publisher_for(celery_for(config))
    rt = bootstrap(config, clock=clock, publisher=publish)
    dep = Deployment(rt, mail, env, publish)
    try:
        yield dep
    finally:
        dep.stop()
