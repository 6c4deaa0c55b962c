"""The pages: sign in, the programme overview and its timeline, a work stream, the
decisions awaited from your body, sign-off links, and the audit log.

Like the API's routes, each page asks ``access`` who may see or do what and calls the
services; forms are plain HTML posts (no JavaScript needed) carrying a CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from workflow.adapters import document_files, spreadsheet
from workflow.application import authentication as access
from workflow.application import visibility
from workflow.application.authentication import Throttled, Unauthenticated
from workflow.application.commands import RecordDecision
from workflow.application.queries import changes, progress, witness
from workflow.application.queries import report as report_queries
from workflow.application.queries import streams as queries
from workflow.domain.errors import InvalidInput, WorkflowError
from workflow.domain.events import Action
from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.stages import Stage
from workflow.http.deps import Rt, VersionHash, client_address
from workflow.http.errors import audit_if_refused, classify
from workflow.store.audit import as_utc
from workflow.web import charts
from workflow.web.auth import (
    MaybeViewer,
    Viewer,
    check_form,
    clear_session,
    finish,
    form_binding,
    set_session,
)
from workflow.web.forms import uk_time
from workflow.web.rendering import render
from workflow.web.stream_view import awaited_item, stream_page

router = APIRouter(include_in_schema=False)
Ref = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,120}$")]
FormText = Annotated[str, Form(max_length=10_000)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another one."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/programme"
    return target


# -- signing in and out ----------------------------------------------------------------
@router.get("/")
def home() -> RedirectResponse:
    return _see_other("/programme")


@router.get("/sign-in")
def sign_in_page(request: Request, rt: Rt, who: MaybeViewer, next: str = "") -> Response:
    if who is not None:
        return _see_other(_safe_next(next))
    form_binding(request, rt)
    page = render(request, "sign_in.html", {"title": "Sign in", "next": next, "username": ""})
    return finish(request, rt, page)


@router.post("/sign-in")
def sign_in(
    request: Request,
    rt: Rt,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_form(request, rt, csrf_token)
    try:
        who = access.sign_in(rt, username, password, client_address(request))
    except (Unauthenticated, Throttled) as error:
        form_binding(request, rt)
        throttled = isinstance(error, Throttled)
        page = render(
            request,
            "sign_in.html",
            {
                "title": "Sign in",
                "next": next,
                "username": username,
                "errors": [{"text": str(error), "href": "#username"}],
            },
            status_code=429 if throttled else 401,
        )
        if isinstance(error, Throttled):
            page.headers["Retry-After"] = str(error.retry_after)
        return finish(request, rt, page)
    response = _see_other(_safe_next(next))
    set_session(rt, response, access.start_session(rt, who))
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    rt: Rt,
    who: Viewer,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_form(request, rt, csrf_token)
    secret = request.cookies.get("cjji_session")
    if secret:
        access.end_session(rt, secret)
    response = _see_other("/sign-in")
    clear_session(response)
    return response


# -- the programme -----------------------------------------------------------------------
def _overdue(value: str) -> bool | None:
    if value not in ("", "yes", "no"):
        raise InvalidInput("overdue is yes, no or empty")
    return None if not value else value == "yes"


def _programme_rows(rt: Rt, state: str, body: str, plan: str, overdue: str) -> list[dict[str, Any]]:
    return progress.overview(
        rt,
        state=state or None,
        body=body or None,
        plan=plan or None,
        overdue=_overdue(overdue),
    )


#: The overview's sortable columns: (sort key, heading), in the table's order; None: not
#: sortable.
PROGRAMME_COLUMNS = (
    ("title", "Work stream"),
    ("state", "State"),
    ("lead", "Lead"),
    (None, "Supporting"),
    ("publication", "Expected publication"),
    ("deadline", "Next deadline"),
    (None, "Sign-offs outstanding"),
)


def _programme_url(filters: dict[str, str], **more: str | int) -> str:
    """``/programme`` with the filters, the sort and the page that are set (none empty)."""
    query = urlencode({k: v for k, v in {**filters, **more}.items() if v and v != 1})
    return f"/programme?{query}" if query else "/programme"


def _page_links(filters: dict[str, str], page: int, pages: int) -> dict[str, Any]:
    """govukPagination's parameters: previous, next, the first and last pages and those
    around this one, with ellipses between."""
    if pages <= 1:
        return {}
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    items: list[dict[str, Any]] = []
    for number in shown:
        if items and number > items[-1]["number"] + 1:
            items.append({"ellipsis": True, "number": number - 1})
        items.append(
            {
                "number": number,
                "href": _programme_url(filters, page=number),
                "current": number == page,
            }
        )
    return {
        "previous": {"href": _programme_url(filters, page=page - 1)} if page > 1 else None,
        "next": {"href": _programme_url(filters, page=page + 1)} if page < pages else None,
        "items": items,
        "landmarkLabel": "Pages of the programme",
    }


@router.get("/programme")
def programme(
    request: Request,
    rt: Rt,
    who: Viewer,
    state: str = "",
    body: str = "",
    plan: str = "",
    overdue: str = "",
    sort: str = "",
    order: str = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """The overview, a page of :data:`~progress.PAGE_SIZE` at a time: the filters, the sort
    and the page are all in the URL, so any view can be linked to."""
    if order not in ("", "asc", "desc"):
        raise InvalidInput("order is asc, desc or empty")
    found = progress.overview_page(
        rt,
        state=state or None,
        body=body or None,
        plan=plan or None,
        overdue=_overdue(overdue),
        sort=sort,
        descending=order == "desc",
        page=page,
    )
    filters = {"state": state, "body": body, "plan": plan, "overdue": overdue}
    sorted_by = {"sort": sort, "order": order}
    query = urlencode({k: v for k, v in filters.items() if v})
    headings = [
        {
            "text": text,
            "key": key,
            "aria_sort": (
                ("descending" if order == "desc" else "ascending") if key == sort else "none"
            ),
            "href": _programme_url(
                filters, sort=key, order="desc" if key == sort and order != "desc" else ""
            )
            if key
            else None,
        }
        for key, text in PROGRAMME_COLUMNS
    ]
    first = (found.page - 1) * found.per_page + 1
    return render(
        request,
        "programme.html",
        {
            "title": "Programme overview"
            + (f" (page {found.page} of {found.pages})" if found.pages > 1 else ""),
            "containerClasses": "cjji-wide",
            "rows": found.rows,
            "total": found.total,
            "overdue_count": found.overdue,
            "awaiting_count": found.awaiting,
            "page": found.page,
            "pages": found.pages,
            "first": first,
            "last": first + len(found.rows) - 1,
            "pagination": _page_links({**filters, **sorted_by}, found.page, found.pages),
            "headings": headings,
            "filters": filters,
            "sorted_by": sorted_by,
            "filtered": bool(query),
            "query": f"?{query}" if query else "",
            "state_options": [{"value": s.value, "text": charts.label(s)} for s in Stage],
            "body_options": [{"value": b.code, "text": b.code} for b in rt.bodies],
            "plan_options": [{"value": p["code"], "text": p["title"]} for p in progress.plans(rt)],
        },
    )


CSV_COLUMNS = (
    "ref",
    "title",
    "kind",
    "state",
    "lead",
    "supporting",
    "plan",
    "expected_publication",
    "expected_earliest",
    "expected_latest",
    "next_deadline",
    "overdue",
    "awaiting",
)


@router.get("/programme.csv")
def programme_csv(
    rt: Rt, who: Viewer, state: str = "", body: str = "", plan: str = "", overdue: str = ""
) -> StreamingResponse:
    """Every work stream matching the filters (all pages), streamed as it is read: a batch
    of rows at a time, each batch read in its own short transaction."""
    batches = progress.overview_batches(
        rt,
        state=state or None,
        body=body or None,
        plan=plan or None,
        overdue=_overdue(overdue),
    )
    return StreamingResponse(
        spreadsheet.csv_chunks(CSV_COLUMNS, batches),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="programme.csv"'},
    )


@router.get("/programme/timeline")
def timeline(
    request: Request,
    rt: Rt,
    who: Viewer,
    state: str = "",
    body: str = "",
    plan: str = "",
    overdue: str = "",
) -> HTMLResponse:
    wanted = {r["ref"] for r in _programme_rows(rt, state, body, plan, overdue)}
    rows = [r for r in progress.timeline(rt, plan=plan or None) if r.ref in wanted]
    today = as_utc(rt.clock()).date()
    plan_title = next((p["title"] for p in progress.plans(rt) if p["code"] == plan), None)
    return render(
        request,
        "timeline.html",
        {
            "title": "Programme timeline",
            "rows": rows,
            "today": today,
            "plan_title": plan_title,
            "chart": charts.timeline_svg(rows, today),
        },
    )


# -- one work stream ---------------------------------------------------------------------
@router.get("/streams/{ref}")
def stream(
    request: Request, rt: Rt, who: Viewer, ref: Ref, decided: str = "", done: str = ""
) -> HTMLResponse:
    notice = None
    if decided in ("approve", "request_changes"):
        notice = f"{who.body}'s decision ({decided.replace('_', ' ')}) is recorded."
    return stream_page(request, rt, who, ref, notice=notice, done=done)


@router.get("/streams/{ref}/documents/{kind}/{version}")
def document(
    rt: Rt,
    who: Viewer,
    ref: Ref,
    kind: DocumentKind,
    version: VersionHash,
) -> Response:
    """A readable preview: the text of the version (the paragraphs of a .docx or an .odt,
    the text of a PDF)."""
    visibility.check_document(rt, who, ref, kind.value, version)
    preview = progress.document_preview(rt, ref, kind.value, version)
    # Served as plain text, never as HTML: a document's content cannot run in the page.
    return Response(
        preview["text"].encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
            "X-Content-SHA256": preview["sha256"],
        },
    )


@router.get("/streams/{ref}/documents/{kind}/{version}/download")
def document_download(
    rt: Rt,
    who: Viewer,
    ref: Ref,
    kind: DocumentKind,
    version: VersionHash,
) -> Response:
    """The exact bytes registered as this version, as the file they came in."""
    visibility.check_document(rt, who, ref, kind.value, version)
    return _file_response(progress.document_file(rt, ref, kind.value, version), "attachment")


def _file_response(file: dict[str, Any], disposition: str) -> Response:
    """A stored version's exact bytes, of its own type, with its SHA-256 beside them."""
    return Response(
        file["content"],
        media_type=file["media_type"],
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": document_files.content_disposition(
                file["filename"], disposition
            ),
            "X-Content-SHA256": file["sha256"],
        },
    )


@router.get("/streams/{ref}/documents/{kind}/{version}/pdf")
def document_pdf(
    rt: Rt,
    who: Viewer,
    ref: Ref,
    kind: DocumentKind,
    version: VersionHash,
) -> Response:
    """A PDF version itself, shown by the browser (inline) rather than saved; the other
    types have their text preview and their download."""
    visibility.check_document(rt, who, ref, kind.value, version)
    file = progress.document_file(rt, ref, kind.value, version)
    if file["media_type"] != document_files.PDF:
        raise InvalidInput(
            f"version {version[:12]} is not a PDF ({file['filename']}): read its text or "
            "download it"
        )
    return _file_response(file, "inline")


@router.post("/streams/{ref}/decisions")
def decide(
    request: Request,
    rt: Rt,
    who: Viewer,
    ref: Ref,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=40)] = "report",
    version: Annotated[str, Form(max_length=100)] = "",
    decision: Annotated[str, Form(max_length=40)] = "",
    comment: FormText = "",
) -> Response:
    check_form(request, rt, csrf_token)
    try:
        if not decision:
            raise InvalidInput("choose approve or request changes")
        command = RecordDecision(
            key=ref,
            body=who.body or "",
            decision=decision,
            version=version,
            kind=kind,
            comment=comment or None,
        )
        result = rt.handle(command, who)
    except WorkflowError as error:
        audit_if_refused(rt, request, error)
        status, _, _ = classify(error)
        return stream_page(
            request,
            rt,
            who,
            ref,
            errors=[{"text": str(error), "href": "#decisions"}],
            status_code=status,
        )
    return _see_other(f"/streams/{result.stream.ref}?decided={decision}#decisions")


@router.get("/decisions")
def decisions(request: Request, rt: Rt, who: Viewer) -> HTMLResponse:
    access.require_decider(who, "see the decisions awaited from a body")
    body = who.body or ""
    items = []
    # One session: each work stream awaiting the body is read once, for its summary and
    # what changed since the body's approval.
    with rt.read() as session:
        for row, ws in progress.awaiting_in(rt, session, body):
            if item := awaited_item(row, body):
                item["changes"] = changes.for_decider_in(
                    rt, session, ws, item["document"], body, item["version"]
                )
                items.append(item)
    return render(request, "decisions.html", {"title": "Decisions awaited", "items": items})


# -- embargo links ---------------------------------------------------------------------
EMBARGO_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


@router.get("/embargo/{token}")
def embargo_copy(
    request: Request, rt: Rt, token: Annotated[str, Path(max_length=2000)]
) -> Response:
    """The embargoed report for the recipient whose signed link this is: the embargo, a
    readable preview of the report and the exact file to download. No sign-in: the link
    is theirs alone, expires, and every opening is audited (``embargo_accessed``)."""
    copy = report_queries.open_embargoed_file(rt, token)
    try:
        text: str | None = document_files.preview_text(copy["content"], copy["media_type"])
    except Exception:  # a damaged file: the page still offers the file itself
        text = None
    page = render(
        request,
        "embargo.html",
        {
            "title": f"Embargoed: {copy['title']}",
            "copy": copy,
            "text": text,
            "token": token,
            "uk_time": uk_time,
        },
    )
    page.headers.update(EMBARGO_HEADERS)
    return page


@router.get("/embargo/{token}/download")
def embargo_download(rt: Rt, token: Annotated[str, Path(max_length=2000)]) -> Response:
    """The embargoed report's exact file, for the holder of the link (audited likewise)."""
    copy = report_queries.open_embargoed_file(rt, token)
    return Response(
        copy["content"],
        media_type=copy["media_type"],
        headers={
            **EMBARGO_HEADERS,
            "Content-Disposition": document_files.content_disposition(copy["filename"]),
            "X-Content-SHA256": copy["sha256"],
        },
    )


# -- sign-off links --------------------------------------------------------------------
@router.get("/decide/{token}")
def decide_link(request: Request, rt: Rt, who: MaybeViewer, token: str) -> Response:
    grant = access.open_signoff_link(rt, token)
    stream_ = queries.show_stream(rt, grant.ref)
    try:
        text: str | None = progress.document_preview(rt, grant.ref, grant.kind, grant.version)[
            "text"
        ]
    except WorkflowError:
        text = None
    form_binding(request, rt)
    page = render(
        request,
        "decide_link.html",
        {
            "title": f"Decision on {stream_['title']}",
            "grant": grant,
            "stream": stream_,
            "content": text,
            "changes": changes.for_decider(rt, grant.ref, grant.kind, grant.body, grant.version),
            "request_path": request.url.path,
        },
    )
    return finish(request, rt, page)


@router.post("/decide/{token}")
def decide_by_link(
    request: Request,
    rt: Rt,
    who: MaybeViewer,
    token: str,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    decision: Annotated[str, Form(max_length=40)] = "",
    comment: FormText = "",
) -> Response:
    check_form(request, rt, csrf_token)
    if not decision:
        raise InvalidInput("choose approve or request changes, then send the form again")
    grant = access.open_signoff_link(rt, token)
    result = access.use_signoff_link(rt, token, decision, comment or None)
    return render(
        request,
        "decided.html",
        {
            "title": "Decision recorded",
            "body": grant.body,
            "decision": decision,
            "stream_ref": result.stream.ref,
            "state": result.stream.state.value,
        },
    )


# -- the audit log ---------------------------------------------------------------------
@router.get("/audit")
def audit(
    request: Request,
    rt: Rt,
    who: Viewer,
    stream: str = "",
    action: str = "",
    actor: str = "",
    body: str = "",
    limit: int = 200,
) -> HTMLResponse:
    access.require_admin(who, "the audit log")
    filters = {"stream": stream, "action": action, "actor": actor, "body": body}
    events = progress.audit_events(
        rt,
        stream=stream.strip() or None,
        action=action or None,
        actor=actor.strip() or None,
        body=body or None,
        limit=max(1, min(limit, 5000)),
    )
    return render(
        request,
        "audit.html",
        {
            "title": "Audit log",
            "containerClasses": "cjji-wide",
            "events": events,
            "filters": filters,
            "filtered": any(filters.values()),
            "verification": queries.verify_audit(rt),
            "checkpoint": witness.latest_checkpoint(rt),
            "action_options": [
                {"value": a.value, "text": a.value.replace("_", " ")} for a in Action
            ],
            "body_options": [{"value": b.code, "text": b.code} for b in rt.bodies],
        },
    )
