"""What a command concerns, and how the actor stands to it: the relation the policy
table is read with (:mod:`workflow.application.policy`)."""

from __future__ import annotations

from sqlmodel import col, select

from workflow.application.commands import (
    Command,
    CreateToken,
    CreateWorkStream,
    ExtendDeadline,
    MarkDeadlineMet,
    NameKeyPeople,
    RecordDecision,
    RecordParticipantsDecision,
    RecordPlanDecision,
    RevokeToken,
    SetActive,
    SetPassword,
)
from workflow.application.policy import Relation
from workflow.application.principal import Principal
from workflow.domain.bodies import BodyKind, BodyRegistry
from workflow.domain.errors import NotFound
from workflow.store.auth_tables import ApiTokenRow
from workflow.store.deadline_tables import DeadlineRow
from workflow.store.tables import UserRow
from workflow.store.uow import UnitOfWork


def stream_relation(
    ref: str,
    lead: str | None,
    participants: tuple[str, ...],
    body: str | None,
    bodies: BodyRegistry,
) -> tuple[Relation, str]:
    """How ``body`` stands to a work stream, and words that describe it for a refusal."""
    if lead is None:
        # With no lead recorded yet any CJ inspectorate may act (someone must be able to).
        cj = body is not None and bodies.resolve(body).kind is BodyKind.CJ_INSPECTORATE
        about = f"{ref} has no lead yet: only a CJ inspectorate may act on it"
        return (Relation.LEAD if cj else Relation.OUTSIDER), about
    about = f"{ref} is led by {lead}"
    if body == lead:
        return Relation.LEAD, about
    if body in participants:
        return Relation.SUPPORTING, about
    return Relation.OUTSIDER, f"{about} with {', '.join(participants[1:]) or 'no other body'}"


def relation_of(
    command: Command, who: Principal, uow: UnitOfWork, bodies: BodyRegistry
) -> tuple[Relation, str]:
    """The relation, and what it is about (for the words of a refusal)."""
    if isinstance(command, CreateWorkStream):
        lead = bodies.code_of(command.lead) if command.lead else None
        if lead is not None and lead != who.body:
            about = f"cannot create a work stream led by {lead}: its lead body's staff create it"
            return Relation.OTHER_BODY, about
        return stream_relation(command.ref or command.title, lead, (), who.body, bodies)
    if isinstance(command, RecordPlanDecision):
        body = bodies.code_of(command.body)
        if who.body != body:
            return Relation.OTHER_BODY, f"cannot approve the plan for {body}: only for {who.body}"
        return Relation.NONE, ""
    if isinstance(command, SetPassword | SetActive | CreateToken):
        return (Relation.SELF if command.username == who.username else Relation.OTHER), ""
    if isinstance(command, RevokeToken):
        owner = uow.session.exec(
            select(UserRow.username)
            .join(ApiTokenRow, col(ApiTokenRow.user_id) == col(UserRow.id))
            .where(col(ApiTokenRow.id) == command.token_id)
        ).first()
        if owner is None:
            raise NotFound(f"no API token {command.token_id}: `cjji tokens list` shows them")
        return (Relation.SELF if owner == who.username else Relation.OTHER), ""
    key = getattr(command, "key", None)
    if isinstance(command, ExtendDeadline | MarkDeadlineMet):
        row = uow.session.get(DeadlineRow, command.deadline_id)
        if row is None:
            raise NotFound(
                f"no deadline {command.deadline_id}: `cjji deadlines list` shows their ids"
            )
        key = row.stream_ref
        owing_body = row.body if isinstance(command, MarkDeadlineMet) else None
    else:
        owing_body = None
    if key is None:
        return Relation.NONE, ""
    ws = uow.streams.get(key)
    if isinstance(command, RecordDecision | RecordParticipantsDecision | NameKeyPeople):
        body = bodies.code_of(command.body)
        if who.body != body:
            act = "name people" if isinstance(command, NameKeyPeople) else "decide"
            return Relation.OTHER_BODY, f"cannot {act} for {body}"
        if body not in ws.participants:
            return Relation.OUTSIDER, (
                f"{body} does not take part in {ws.ref}: its bodies are "
                f"{', '.join(ws.participants) or 'not recorded'}"
            )
    relation, about = stream_relation(ws.ref, ws.lead, ws.participants, who.body, bodies)
    if relation is not Relation.LEAD and owing_body is not None and who.body == owing_body:
        return Relation.OWES, about
    return relation, about


__all__ = ["relation_of", "stream_relation"]
