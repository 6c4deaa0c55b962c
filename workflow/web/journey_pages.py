"""The forms of the work stream page that move it on: moves, document versions and the
factual accuracy check.

Each route reads its form, asks ``access`` (through ``act``) whether the person moves
work streams at all, and calls the service the CLI and the API call; the service checks
the rest (the lead body, the state, the fieldwork team) and says why it refuses.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import Response

from workflow.application.commands import (
    AddFactualAccuracyComment,
    DisposeFactualAccuracyComment,
    FireTrigger,
    RegisterDocument,
    SetFieldworkTeam,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.handlers import documents
from workflow.domain.errors import InvalidInput
from workflow.http.deps import Key, Rt
from workflow.web.auth import Viewer
from workflow.web.forms import (
    Choice,
    FormLine,
    FormPart,
    FormText,
    FormToken,
    chosen,
    form_date,
    lines,
)
from workflow.web.steps import act

router = APIRouter(include_in_schema=False)
Number = Annotated[int, Path(ge=1, le=100_000)]
DocumentText = Annotated[str, Form(max_length=documents.MAX_DOCUMENT_BYTES)]


# -- moves -------------------------------------------------------------------------------
_NAME = re.compile(r"^[a-z_]{1,40}$")


def _expected(version: str) -> int | None:
    if not version.strip():
        return None
    if not version.strip().isdigit():
        raise InvalidInput("the page's version is not a number: reload the page")
    return int(version)


@router.post("/streams/{key}/moves")
def move(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    trigger: Choice = "",
    reason: FormText = "",
    decision: Choice = "",
    expected_version: FormPart = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what=f"move a work stream ({trigger if _NAME.match(trigger) else 'no known move'})",
        form=f"move-{trigger.replace('_', '-')}",
        section="moves",
        done="moved",
        values={"reason": reason, "decision": decision},
        change=lambda: rt.handle(
            FireTrigger(
                key=key,
                trigger=trigger,
                reason=reason.strip() or None,
                decision=decision or None,
                expected_version=_expected(expected_version),
            ),
            who,
        ),
    )


# -- document versions -------------------------------------------------------------------
def _register(rt: Rt, who: Viewer, key: str, kind: str, text: str, file: UploadFile | None) -> str:
    content = b""
    filename = None
    if file is not None and file.filename:
        content = file.file.read(documents.MAX_DOCUMENT_BYTES + 1)
        filename = file.filename
    if content and text.strip():
        raise InvalidInput("give the text or a file, not both")
    if not content:
        content = text.strip().encode("utf-8")
    command = RegisterDocument(key=key, kind=kind, content=content, filename=filename)
    result = rt.handle(command, who)
    return f"{kind}_registered" if result.new else "document_unchanged"


@router.post("/streams/{key}/documents")
def register_version(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    kind: Choice = "",
    text: DocumentText = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="register a document version",
        form="register-document",
        section="decisions",
        done="document_unchanged",
        values={"kind": kind, "text": text},
        change=lambda: _register(rt, who, key, kind, text, file),
    )


# -- the factual accuracy check ----------------------------------------------------------
@router.post("/streams/{key}/fieldwork-team")
def fieldwork_team(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    members: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    chosen = [m.strip() for m in members or [] if m.strip()]
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="record the fieldwork team",
        form="fieldwork-team",
        section="factual-accuracy",
        done="team",
        values={"members": chosen},
        change=lambda: rt.handle(SetFieldworkTeam(key=key, usernames=tuple(chosen)), who),
    )


@router.post("/streams/{key}/factual-accuracy")
def fa_start(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    parties: FormText = "",
    due_day: Annotated[str, Form(alias="due-day", max_length=8)] = "",
    due_month: Annotated[str, Form(alias="due-month", max_length=8)] = "",
    due_year: Annotated[str, Form(alias="due-year", max_length=8)] = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="start a factual accuracy check",
        form="fa-start",
        section="factual-accuracy",
        done="fa_started",
        values={"parties": parties, "day": due_day, "month": due_month, "year": due_year},
        change=lambda: rt.handle(
            StartFactualAccuracy(
                key=key,
                parties=tuple(lines(parties)),
                due_on=form_date(due_day, due_month, due_year, "the due date"),
            ),
            who,
        ),
    )


@router.post("/streams/{key}/factual-accuracy/comments")
def fa_comment(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    party: FormLine = "",
    text: FormText = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="record a factual accuracy comment",
        form="fa-comment",
        section="factual-accuracy",
        done="fa_comment",
        values={"party": party, "text": text},
        change=lambda: rt.handle(AddFactualAccuracyComment(key=key, party=party, text=text), who),
    )


@router.post("/streams/{key}/factual-accuracy/comments/{number}/disposition")
def fa_dispose(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    number: Number,
    csrf_token: FormToken = "",
    disposition: Choice = "",
    reason: FormText = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="dispose of a factual accuracy comment",
        form=f"fa-dispose-{number}",
        section="factual-accuracy",
        done="fa_disposed",
        values={"disposition": disposition, "reason": reason},
        change=lambda: rt.handle(
            DisposeFactualAccuracyComment(
                key=key,
                number=number,
                disposition=chosen(disposition, "accepted, rejected or evidence requested"),
                reason=reason.strip() or None,
            ),
            who,
        ),
    )


@router.post("/streams/{key}/factual-accuracy/sign-off")
def fa_sign_off(
    request: Request, rt: Rt, who: Viewer, key: Key, csrf_token: FormToken = ""
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="sign off a factual accuracy check",
        form="fa-sign-off",
        section="factual-accuracy",
        done="fa_signed_off",
        change=lambda: rt.handle(SignOffFactualAccuracy(key=key), who),
    )
