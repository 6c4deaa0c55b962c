"""/api/streams: work streams, their moves, documents, decisions, events and links.

Each route checks who may ask (``access``), calls the service the CLI calls, and shapes
the answer. The rules themselves (lead body, signatories, guards) live in the services.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Response, UploadFile, status
from fastapi.responses import Response as RawResponse

from workflow.adapters import document_files
from workflow.api.schemas import (
    NO_NUL,
    AuditEvent,
    Decided,
    DecisionRequest,
    DocumentRecord,
    DocumentRegistered,
    KeyPeopleRequest,
    OverviewRow,
    ParticipantsDecisionRequest,
    ParticipantsProposalCreate,
    Recommendation,
    SignoffLink,
    SignoffLinkRequest,
    SignoffStatus,
    StreamCreate,
    StreamDetail,
    StreamEdit,
    TimelineEntry,
    TransitionRequest,
)
from workflow.application import authentication as access
from workflow.application import visibility
from workflow.application.commands import (
    CreateWorkStream,
    EditWorkStream,
    FireTrigger,
    NameKeyPeople,
    ProposeParticipants,
    RecordDecision,
    RecordParticipantsDecision,
    RegisterDocument,
)
from workflow.application.handlers import documents
from workflow.application.queries import progress
from workflow.application.queries import streams as queries
from workflow.domain.errors import InvalidInput, NotPermitted
from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.stages import Stage
from workflow.http.deps import Key, Rt, VersionHash, Who

router = APIRouter(prefix="/api/streams", tags=["work streams"])

Filter = Annotated[str | None, Query(pattern=NO_NUL, max_length=120)]


@router.get("", response_model=list[OverviewRow], summary="List work streams")
def list_streams(
    rt: Rt,
    who: Who,
    response: Response,
    state: Annotated[Stage | None, Query(description="Only this state.")] = None,
    lead: Annotated[str | None, Query(pattern=NO_NUL, max_length=120)] = None,
    body: Annotated[str | None, Query(pattern=NO_NUL, max_length=120)] = None,
    plan: Filter = None,
    overdue: Annotated[bool | None, Query(description="Only those (not) overdue.")] = None,
    page: Annotated[
        int | None,
        Query(ge=1, le=1_000_000, description="Only this page (from 1); all when not given."),
    ] = None,
    per_page: Annotated[int, Query(ge=1, le=500, description="Work streams a page.")] = 50,
    sort: Annotated[
        str,
        Query(
            pattern=r"^(|ref|title|state|lead|publication|deadline)$",
            description="With `page`: ref, title, state, lead, publication or deadline; "
            "by id when empty.",
        ),
    ] = "",
    order: Annotated[str, Query(pattern=r"^(|asc|desc)$")] = "",
) -> list[dict[str, Any]]:
    """Every work stream with its state, lead, next deadline, overdue flag and the bodies
    whose decision is awaited. Filters combine. With ``page``, one page of ``per_page`` in
    the order of ``sort``; ``X-Total-Count`` says how many match, and ``Link`` gives the
    next and previous pages (RFC 8288)."""
    code = state.value if state else None
    if page is None:
        return progress.overview(rt, state=code, lead=lead, body=body, plan=plan, overdue=overdue)
    found = progress.overview_page(
        rt,
        state=code,
        lead=lead,
        body=body,
        plan=plan,
        overdue=overdue,
        sort=sort,
        descending=order == "desc",
        page=page,
        per_page=per_page,
    )
    response.headers["X-Total-Count"] = str(found.total)
    query: dict[str, str | int | None] = {
        "state": code,
        "lead": lead,
        "body": body,
        "plan": plan,
        "overdue": None if overdue is None else str(overdue).lower(),
        "per_page": per_page,
        "sort": sort,
        "order": order,
    }
    links = [
        f"</api/streams?{urlencode({k: v for k, v in {**query, 'page': n}.items() if v})}>; "
        f'rel="{rel}"'
        for rel, n in (("prev", found.page - 1), ("next", found.page + 1))
        if 1 <= n <= found.pages
    ]
    if links:
        response.headers["Link"] = ", ".join(links)
    return found.rows


@router.get("/timeline", response_model=list[TimelineEntry], summary="Planned against actual")
def timeline(rt: Rt, who: Who, plan: Filter = None) -> list[progress.TimelineRow]:
    """Each work stream's planned publication window and the periods it spent in each state."""
    return progress.timeline(rt, plan=plan)


@router.post("", response_model=StreamDetail, status_code=status.HTTP_201_CREATED, summary="Create")
def create_stream(rt: Rt, who: Who, data: StreamCreate, response: Response) -> dict[str, Any]:
    """Create a work stream in scoping. Its lead, if given, must be your own body."""
    command = CreateWorkStream(
        ref=data.ref,
        title=data.title,
        kind=data.kind.value,
        parent_ref=data.parent_ref,
        plan=data.plan,
        fields={
            "lead": data.lead,
            "supporting": data.supporting,
            "jurisdiction": data.jurisdiction.value,
            "priority": data.priority.value,
            "expected_publication": data.expected_publication,
            "summary": data.summary,
        },
    )
    ws = rt.handle(command, who)
    response.headers["Location"] = f"/api/streams/{ws.ref}"
    return queries.show_stream(rt, ws.ref)


@router.get("/{key}", response_model=StreamDetail, summary="Show one")
def show_stream(rt: Rt, who: Who, key: Key) -> dict[str, Any]:
    """Its data, its state, what blocks each move, and the decisions awaited."""
    return visibility.stream_for(rt, who, queries.show_stream(rt, key))


@router.patch("/{key}", response_model=StreamDetail, summary="Edit")
def edit_stream(rt: Rt, who: Who, key: Key, data: StreamEdit) -> dict[str, Any]:
    """Change its data (the lead body's staff only); every change is audited."""
    changes = data.model_dump(exclude_unset=True, exclude={"expected_version"}, mode="json")
    changes = {k: v for k, v in changes.items() if v is not None or k == "lead"}
    if not changes:
        raise InvalidInput("nothing to change: give at least one field")
    command = EditWorkStream(key=key, changes=changes, expected_version=data.expected_version)
    ws = rt.handle(command, who)
    return queries.show_stream(rt, ws.ref)


@router.post("/{key}/transitions", response_model=StreamDetail, summary="Move it")
def fire(rt: Rt, who: Who, key: Key, data: TransitionRequest) -> dict[str, Any]:
    """Fire a trigger (the lead body's staff only); 409 names each unmet condition."""
    command = FireTrigger(
        key=key,
        trigger=data.trigger.value,
        reason=data.reason,
        decision=data.decision.value if data.decision else None,
        expected_version=data.expected_version,
    )
    ws = rt.handle(command, who)
    return queries.show_stream(rt, ws.ref)


@router.post(
    "/{key}/participants-proposals",
    response_model=StreamDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Propose a change of participants",
)
def propose_participants(
    rt: Rt, who: Who, key: Key, data: ParticipantsProposalCreate
) -> dict[str, Any]:
    """The lead body's staff propose new lead or supporting bodies, with a reason. It is
    applied once every body that takes part before and after the change has agreed (the
    lead by proposing), and closed unchanged if one refuses; ``participants_proposal`` in
    the answer shows it, with its number and who is awaited."""
    command = ProposeParticipants(
        key=key,
        reason=data.reason,
        lead=data.lead,
        supporting=tuple(data.supporting) if data.supporting is not None else None,
    )
    result = rt.handle(command, who)
    return queries.show_stream(rt, result.stream.ref)


@router.post(
    "/{key}/participants-proposals/{number}/decisions",
    response_model=StreamDetail,
    summary="Agree or refuse a change of participants",
)
def decide_participants(
    rt: Rt,
    who: Who,
    key: Key,
    number: Annotated[int, Path(ge=1, le=2**31)],
    data: ParticipantsDecisionRequest,
) -> dict[str, Any]:
    """Your body's agreement or refusal of proposal ``number`` (its signatory or deputy,
    for a body that remains after the change). The last agreement applies it."""
    command = RecordParticipantsDecision(
        key=key,
        number=number,
        body=data.body,
        decision=data.decision.value,
        comment=data.comment,
    )
    result = rt.handle(command, who)
    return queries.show_stream(rt, result.stream.ref)


@router.get("/{key}/documents", response_model=list[DocumentRecord], summary="Documents")
def list_documents(rt: Rt, who: Who, key: Key) -> list[dict[str, Any]]:
    """Every version of the terms of reference and the report, with each body's decisions,
    and for each its file: name, media type, size and where to download it."""
    record = visibility.stream_for(rt, who, progress.stream_record(rt, key))
    documents_: list[dict[str, Any]] = record["documents"]
    for doc in documents_:
        for v in doc["versions"]:
            v["download"] = f"{router.prefix}/{key}/documents/{doc['kind']}/{v['version']}"
    return documents_


@router.post(
    "/{key}/documents/{kind}",
    response_model=DocumentRegistered,
    status_code=status.HTTP_201_CREATED,
    summary="Upload a version",
)
def upload(rt: Rt, who: Who, key: Key, kind: DocumentKind, file: UploadFile) -> dict[str, Any]:
    """Register a new version (multipart field ``file``); its SHA-256 names it."""
    content = file.file.read(documents.MAX_DOCUMENT_BYTES + 1)
    command = RegisterDocument(key=key, kind=kind.value, content=content, filename=file.filename)
    result = rt.handle(command, who)
    return {
        "ref": result.stream.ref,
        "kind": kind,
        "version": result.version,
        "new": result.new,
        "state": result.stream.state,
    }


#: What a download can be: the four media types a version is accepted as.
DOWNLOAD_TYPES = (
    document_files.TEXT,
    document_files.DOCX,
    document_files.ODT,
    document_files.PDF,
)


@router.get(
    "/{key}/documents/{kind}/{version}",
    response_class=RawResponse,
    responses={
        200: {
            "description": "The exact bytes registered, as an attachment of their own type.",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in DOWNLOAD_TYPES
            },
            "headers": {
                "X-Content-SHA256": {
                    "description": "The SHA-256 of the bytes: the version itself.",
                    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
                "Content-Disposition": {
                    "description": "attachment, with the file's name as it was uploaded.",
                    "schema": {"type": "string"},
                },
            },
        }
    },
    summary="Download a version",
)
def download(
    rt: Rt,
    who: Who,
    key: Key,
    kind: DocumentKind,
    version: VersionHash,
) -> RawResponse:
    """One registered version as the file it was uploaded as: the same bytes, of the media
    type read from them when registered, its SHA-256 (the version) in ``X-Content-SHA256``."""
    visibility.check_document(rt, who, key, kind.value, version)
    file = progress.document_file(rt, key, kind.value, version)
    return RawResponse(
        file["content"],
        media_type=file["media_type"],
        headers={
            "Content-Disposition": document_files.content_disposition(file["filename"]),
            "X-Content-SHA256": file["sha256"],
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/{key}/signoff", response_model=SignoffStatus, summary="Sign-off status")
def signoff_status(rt: Rt, who: Who, key: Key) -> dict[str, Any]:
    """Which bodies have approved the current version, and which are awaited."""
    data = queries.show_stream(rt, key)
    return {
        "ref": data["ref"],
        "state": data["state"],
        "participants": [data["lead"], *data["supporting"]] if data["lead"] else data["supporting"],
        "outstanding": data["outstanding"],
    }


@router.post("/{key}/decisions", response_model=Decided, summary="Record a decision")
def decide(rt: Rt, who: Who, key: Key, data: DecisionRequest) -> dict[str, Any]:
    """Record your body's decision on one version (its signatory or deputy only)."""
    command = RecordDecision(
        key=key,
        body=data.body,
        decision=data.decision.value,
        version=data.version,
        kind=data.kind.value,
        comment=data.comment,
    )
    result = rt.handle(command, who)
    ws = result.stream
    return {
        "ref": ws.ref,
        "state": ws.state,
        "moved_to": result.moved_to,
        "outstanding": queries.outstanding_decisions(ws),
    }


@router.put("/{key}/key-people", response_model=StreamDetail, summary="Name a body's leads")
def name_key_people(rt: Rt, who: Who, key: Key, data: KeyPeopleRequest) -> dict[str, Any]:
    """Your body names its lead inspector and senior-level oversight for the work stream
    (people of the directory, of your body); a change is audited with who was named before."""
    command = NameKeyPeople(
        key=key,
        body=data.body,
        lead_inspector=data.lead_inspector,
        senior_oversight=data.senior_oversight,
        reason=data.reason,
    )
    result = rt.handle(command, who)
    return queries.show_stream(rt, result.stream.ref)


@router.post(
    "/{key}/signoff-links",
    response_model=SignoffLink,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a sign-off link",
)
def signoff_link(rt: Rt, who: Who, key: Key, data: SignoffLinkRequest) -> dict[str, Any]:
    """A signed, expiring, single-use link to the decision form of one body's signatory,
    for the current version (administrators and the lead body's staff)."""
    record = queries.show_stream(rt, key)
    if not who.is_admin:
        access.require_mover(who, "issue a sign-off link")
        if who.body != record["lead"]:
            raise NotPermitted(f"only {record['lead']}'s staff issue links for {record['ref']}")
    version = next(m["version"] for m in record["key_matters"] if m["matter"] == data.kind.value)
    if version is None:
        raise InvalidInput(f"{record['ref']} has no {data.kind.value} version to decide on yet")
    token, expires = access.issue_signoff_link(
        rt, data.username, record["ref"], data.body, data.kind.value, version
    )
    return {"url": access.signoff_link_url(rt, token), "expires_at": expires}


@router.get("/{key}/events", response_model=list[AuditEvent], summary="Its audit events")
def events(
    rt: Rt, who: Who, key: Key, limit: Annotated[int, Query(ge=1, le=10_000)] = 500
) -> list[dict[str, Any]]:
    """The work stream's events, oldest first: others' refusals only for administrators,
    notification addresses only for the participating bodies and administrators."""
    return visibility.stream_events(rt, who, key, queries.audit_log(rt, key, limit=limit))


@router.get(
    "/{key}/recommendations", response_model=list[Recommendation], summary="Recommendations"
)
def recommendations(rt: Rt, who: Who, key: Key) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = queries.show_stream(rt, key)["recommendations"]
    return recs
