"""The embargoed copy as its recipients reach it: the signed link each is mailed, and the
document the link opens. Opening is no person's command (the holder of a link is not in
the directory), but every opening is audited."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, col, select

from workflow.adapters import document_files
from workflow.application.runtime import Runtime
from workflow.domain.errors import NotFound, NotPermitted
from workflow.domain.events import EmbargoedCopyOpened
from workflow.store.tables import DeliveryRow, DocumentContentRow, OutboxRow

#: The task that mails the embargoed copy (``handlers/report.py`` enqueues it).
SEND_EMBARGO_TASK = "cjji.send_embargo"

#: How long an embargo link opens the copy.
EMBARGO_LINK_DAYS = 30


def _serializer(rt: Runtime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(rt.settings.secret_key.get_secret_value(), salt="embargo")


def embargo_token(rt: Runtime, ref: str, email: str, version: str) -> str:
    """The signed token of the link that opens ``version`` of ``ref`` for ``email``."""
    return _serializer(rt).dumps({"ref": ref, "email": email, "version": version})


def open_embargoed_copy(rt: Runtime, token: str) -> tuple[str, bytes]:
    """The embargoed report for the holder of ``token``: its file name and its content.
    Every opening is recorded in the audit trail (``embargo_accessed``)."""
    copy = open_embargoed_file(rt, token)
    return copy["filename"], copy["content"]


def open_embargoed_file(rt: Runtime, token: str) -> dict[str, Any]:
    """The embargoed report for the holder of ``token``, as a file: its bytes, media type,
    name for a download and SHA-256, with the work stream's title and the time the
    embargo ends. Every opening is recorded in the audit trail (``embargo_accessed``)."""
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
            EmbargoedCopyOpened(
                actor=data["email"], body=None, at=rt.clock(), version=data["version"]
            ),
            ws.ref,
        )
        uow.commit()
    media_type = row.media_type or document_files.TEXT
    return {
        "ref": ws.ref,
        "title": ws.title,
        "embargoed_until": ws.publication.scheduled_for,
        "content": row.content,
        "media_type": media_type,
        "filename": document_files.download_name(
            row.filename, media_type, f"{ws.ref}-{data['version'][:12]}"
        ),
        "sha256": row.content_hash,
    }


def embargo_deliveries(rt: Runtime, ref: str) -> dict[str, Any] | None:
    """What became of the last request to send the embargoed copy of ``ref``: the
    recipients it has been delivered to (recorded by the worker), and whether it is
    still going out. ``None`` when it has never been asked for."""
    with rt.read() as session:
        return embargo_deliveries_in(session, ref)


def embargo_deliveries_in(session: Session, ref: str) -> dict[str, Any] | None:
    """:func:`embargo_deliveries` in ``session``."""
    row = session.exec(
        select(OutboxRow)
        .where(
            col(OutboxRow.stream_ref) == ref,
            col(OutboxRow.task) == SEND_EMBARGO_TASK,
        )
        .order_by(col(OutboxRow.created_at).desc())
    ).first()
    if row is None:
        return None
    delivered = session.exec(
        select(DeliveryRow)
        .where(col(DeliveryRow.outbox_id) == row.id)
        .order_by(col(DeliveryRow.delivered_at), col(DeliveryRow.recipient))
    ).all()
    return {
        "version": row.payload.get("version"),
        "going": row.done_at is None,
        "done_at": row.done_at,
        "delivered": [{"to": d.recipient, "at": d.delivered_at} for d in delivered],
    }


__all__ = [
    "EMBARGO_LINK_DAYS",
    "SEND_EMBARGO_TASK",
    "embargo_deliveries",
    "embargo_deliveries_in",
    "embargo_token",
    "open_embargoed_copy",
    "open_embargoed_file",
]
