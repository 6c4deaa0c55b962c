"""Shared pieces of the fault tests: a private broker, a deployment on it, and the checks
that every fault test ends with (nothing lost, nothing doubled, the trail intact).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlmodel import select

from tests.conftest import wipe
from tests.support.deployment import Deployment
from tests.support.deployment import deployment as make_deployment
from tests.support.redis_server import PrivateRedis
from tests.support.smtp import MailCatcher
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime, bootstrap, utc_now
from workflow.store.tables import OutboxRow


@contextmanager
def deployment_on(
    pg_database: str,
    tmp_path: Path,
    mail: MailCatcher,
    broker: PrivateRedis,
    **settings: Any,
) -> Iterator[Deployment]:
    """A deployment on PostgreSQL and ``broker`` with the real clock, wiped before and after."""
    with make_deployment(
        pg_database, tmp_path, utc_now, mail, broker_url=broker.url, **settings
    ) as dep:
        wipe(dep.rt)
        try:
            yield dep
        finally:
            dep.stop()
            wipe(dep.rt)


def unpublished(dep: Deployment) -> Runtime:
    """The deployment's runtime without the post-commit publisher: every outbox row it
    writes is due at once and reaches the broker only through a relay."""
    return bootstrap(dep.rt.settings, clock=utc_now)


def outbox(rt: Runtime) -> list[OutboxRow]:
    with rt.read() as session:
        return list(session.exec(select(OutboxRow)).all())


def each_message_once(dep: Deployment) -> Counter[tuple[str, str]]:
    """Every message in the mailbox arrived once, and each matches one recorded delivery."""
    sent = Counter((str(m["X-CJJI-Reference"]), str(m["To"])) for m in dep.mail.messages)
    doubled = {key: n for key, n in sent.items() if n > 1}
    assert not doubled, f"messages delivered more than once: {doubled}"
    deliveries = dep.deliveries()
    assert len(deliveries) == len(set(deliveries)) == len(sent)
    assert not dep.pending(), "outbox rows left undone"
    return sent


def trail_intact(rt: Runtime) -> None:
    verification = queries.verify_audit(rt)
    assert verification.ok, verification.problem
    assert queries.replay_differences(rt) == {}
