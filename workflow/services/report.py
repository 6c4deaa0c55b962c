"""Use cases of the report's journey: factual accuracy, recommendations, publication,
rating. Each loads the work stream under its lock, applies one domain rule, commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import col, select

from workflow.bootstrap import Runtime
from workflow.domain import report_journey as journey
from workflow.domain.errors import InvalidInput, NotFound, NotPermitted, Refused
from workflow.domain.events import Action, DomainEvent
from workflow.domain.factual_accuracy import Disposition
from workflow.domain.publication import EmbargoRecipient, RecipientKind
from workflow.domain.recommendations import (
    Progress,
    Recommendation,
    RecommendationType,
    Response,
    Review,
    StatutoryClock,
)
from workflow.domain.stages import Stage
from workflow.domain.working_days import london_date
from workflow.domain.workstream import WorkStream
from workflow.services.actors import Actor, ensure_may_move
from workflow.services.deadlines import rule_due
from workflow.services.directory import find_user
from workflow.services.streams import choice
from workflow.store.tables import DocumentContentRow
from workflow.store.uow import UnitOfWork

#: The rules of config/deadlines.yaml that give the check's and the embargo's dates.
FA_RULE, EMBARGO_RULE = "factual_accuracy_check", "embargoed_copy"

T = TypeVar("T")
SEND_EMBARGO = "cjji.send_embargo"


def _act(
    rt: Runtime, actor: Actor, key: str, change: Callable[[UnitOfWork, WorkStream, datetime], T]
) -> T:
    """Load ``key`` locked, check the actor is the lead's, apply ``change``, commit."""
    with rt.uow() as uow:
        ws = uow.streams.get(key)
        ensure_may_move(ws, actor, rt.bodies)
        result = change(uow, ws, rt.clock())
        uow.commit()
    return result


# -- factual accuracy ------------------------------------------------------------------
def start_factual_accuracy(
    rt: Runtime, actor: Actor, key: str, parties: list[str], due_on: date | None = None
) -> date:
    def change(uow: UnitOfWork, ws: WorkStream, now: datetime) -> date:
        stream_id = uow.streams.id_of(ws.ref)
        due = due_on or rule_due(uow.session, ws, stream_id, FA_RULE, london_date(now))
        journey.start_factual_accuracy(
            ws, tuple(p.strip() for p in parties if p.strip()), due, actor.name, actor.body, now
        )
        return due

    return _act(rt, actor, key, change)


def add_fa_comment(rt: Runtime, actor: Actor, key: str, party: str, text: str) -> int:
    return _act(
        rt,
        actor,
        key,
        lambda uow, ws, now: journey.add_fa_comment(ws, party, text, actor.name, actor.body, now),
    )


def dispose_fa_comment(
    rt: Runtime, actor: Actor, key: str, number: int, disposition: str, reason: str | None = None
) -> None:
    verdict: Disposition = choice(Disposition, disposition, "disposition")
    _act(
        rt,
        actor,
        key,
        lambda uow, ws, now: journey.dispose_fa_comment(
            ws, number, verdict, reason, actor.name, actor.body, now
        ),
    )


def sign_off_factual_accuracy(rt: Runtime, actor: Actor, key: str) -> None:
    def change(uow: UnitOfWork, ws: WorkStream, now: datetime) -> None:
        user = find_user(uow.session, actor.name)
        if user is None or user.body != ws.lead:
            raise NotPermitted(
                f"{actor.name!r} is not a recorded member of the lead body "
                f"({ws.lead}): `cjji users list --body {ws.lead}`"
            )
        journey.sign_off_factual_accuracy(ws, user.username, user.body, now)

    _act(rt, actor, key, change)


def set_fieldwork_team(rt: Runtime, actor: Actor, key: str, usernames: list[str]) -> None:
    def change(uow: UnitOfWork, ws: WorkStream, now: datetime) -> None:
        for name in usernames:
            user = find_user(uow.session, name)
            if user is None or user.body not in ws.participants:
                raise InvalidInput(f"{name!r} is not a user of a body taking part in {ws.ref}")
        ws.edit(actor.name, actor.body, now, fieldwork_team=tuple(dict.fromkeys(usernames)))

    _act(rt, actor, key, change)


# -- recommendations -------------------------------------------------------------------
def add_recommendation(
    rt: Runtime,
    actor: Actor,
    key: str,
    *,
    text: str,
    addressed_to: str,
    type: str = "recommendation",
    clock: str = "none",
) -> Recommendation:
    rec = Recommendation(
        0,
        text.strip(),
        addressed_to.strip(),
        choice(RecommendationType, type, "type"),
        clock=choice(StatutoryClock, clock, "statutory clock"),
    )
    return _act(
        rt,
        actor,
        key,
        lambda uow, ws, now: journey.add_recommendation(ws, rec, actor.name, actor.body, now),
    )


def _change_rec(
    rt: Runtime,
    actor: Actor,
    key: str,
    number: int,
    change_name: str,
    apply: Callable[[Recommendation, WorkStream, datetime], Recommendation],
) -> None:
    def change(uow: UnitOfWork, ws: WorkStream, now: datetime) -> None:
        new = apply(journey.recommendation(ws, number), ws, now)
        journey.change_recommendation(ws, new, change_name, actor.name, actor.body, now)

    _act(rt, actor, key, change)


def respond_to_recommendation(
    rt: Runtime,
    actor: Actor,
    key: str,
    number: int,
    *,
    response: str,
    owner: str,
    action_plan: str,
    due: date | None,
) -> None:
    verdict: Response = choice(Response, response, "response")
    _change_rec(
        rt,
        actor,
        key,
        number,
        "responded",
        lambda r, ws, now: r.respond(verdict, owner, action_plan, due),
    )


def review_recommendation(
    rt: Runtime, actor: Actor, key: str, number: int, *, judgement: str, note: str = ""
) -> None:
    progress: Progress = choice(Progress, judgement, "judgement")
    _change_rec(
        rt,
        actor,
        key,
        number,
        "reviewed",
        lambda r, ws, now: r.review(Review(london_date(now), progress, actor.name, note.strip())),
    )


def close_recommendation(rt: Runtime, actor: Actor, key: str, number: int, evidence: str) -> None:
    _change_rec(
        rt, actor, key, number, "closed", lambda r, ws, now: r.close(evidence, london_date(now))
    )


def carry_recommendation(rt: Runtime, actor: Actor, key: str, number: int, into: str) -> None:
    with rt.read() as session:
        from workflow.services.queries import load_readonly

        target = load_readonly(session, into)[1]
    if target.state in (Stage.CLOSED, Stage.WITHDRAWN):
        raise Refused(f"{target.ref} is {target.state.value}: carry into open work")
    _change_rec(
        rt, actor, key, number, "carried", lambda r, ws, now: r.carry(target.ref, london_date(now))
    )


# -- publication ------------------------------------------------------------------------
def schedule_publication(rt: Runtime, actor: Actor, key: str, when: datetime) -> date:
    def change(uow: UnitOfWork, ws: WorkStream, now: datetime) -> date:
        stream_id = uow.streams.id_of(ws.ref)
        embargo_on = rule_due(uow.session, ws, stream_id, EMBARGO_RULE, london_date(when))
        journey.schedule_publication(ws, when, embargo_on, actor.name, actor.body, now)
        return embargo_on

    return _act(rt, actor, key, change)


def add_embargo_recipient(
    rt: Runtime, actor: Actor, key: str, *, name: str, email: str, kind: str
) -> None:
    recipient = EmbargoRecipient(
        name.strip(), email.strip(), choice(RecipientKind, kind, "recipient kind")
    )
    _act(
        rt,
        actor,
        key,
        lambda uow, ws, now: journey.add_embargo_recipient(
            ws, recipient, actor.name, actor.body, now
        ),
    )


def send_embargoed_copy(rt: Runtime, actor: Actor, key: str) -> int:
    """Record the embargo as sent and ask the worker to mail each recipient their link."""

    def change(uow: UnitOfWork, ws: WorkStream, now: datetime) -> int:
        journey.mark_embargo_sent(ws, actor.name, actor.body, now)
        uow.enqueue(SEND_EMBARGO, {"ref": ws.ref, "version": ws.report.current}, ws.ref)
        return len(ws.publication.recipients)

    return _act(rt, actor, key, change)


def _serializer(rt: Runtime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(rt.settings.secret_key.get_secret_value(), salt="embargo")


def embargo_token(rt: Runtime, ref: str, email: str, version: str) -> str:
    return _serializer(rt).dumps({"ref": ref, "email": email, "version": version})


EMBARGO_LINK_DAYS = 30


def open_embargoed_copy(rt: Runtime, token: str) -> tuple[str, bytes]:
    """The embargoed report for the holder of ``token``; every opening is audited."""
    try:
        data: dict[str, Any] = _serializer(rt).loads(token, max_age=EMBARGO_LINK_DAYS * 86400)
    except SignatureExpired:
        raise NotPermitted("this embargo link has expired: ask the lead inspectorate") from None
    except BadSignature:
        raise NotPermitted("this embargo link is not valid") from None
    with rt.uow() as uow:
        ws = uow.streams.get(data["ref"])
        if data["email"] not in {r.email for r in ws.publication.recipients}:
            raise NotPermitted("this link's recipient is no longer on the embargo list")
        row = uow.session.exec(
            select(DocumentContentRow).where(
                col(DocumentContentRow.stream_id) == uow.streams.id_of(ws.ref),
                col(DocumentContentRow.content_hash) == data["version"],
            )
        ).first()
        if row is None:
            raise NotFound("the embargoed version's text is not stored")
        uow.record(
            DomainEvent(
                Action.EMBARGO_ACCESSED,
                data["email"],
                None,
                rt.clock(),
                payload={"version": data["version"]},
            ),
            ws.ref,
        )
        uow.commit()
    return row.filename or f"{ws.ref}-{data['version'][:12]}.txt", row.content


def publish(rt: Runtime, actor: Actor, key: str, *, url: str, version: str) -> WorkStream:
    from workflow.services.streams import fire_trigger

    return fire_trigger(rt, actor, key, "publish", url=url, version=version)


def record_urgent_notification(rt: Runtime, actor: Actor, key: str, on: date) -> None:
    _act(
        rt,
        actor,
        key,
        lambda uow, ws, now: journey.record_urgent_notification(
            ws, on, actor.name, actor.body, now
        ),
    )


def record_rating(rt: Runtime, actor: Actor, key: str, grade: str) -> str:
    return _act(
        rt,
        actor,
        key,
        lambda uow, ws, now: journey.record_rating(ws, grade, actor.name, actor.body, now),
    )
