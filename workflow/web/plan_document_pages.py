"""The published plan in the service: section B of a business plan, from the record, with
the same document to download as a Word file or a PDF.

It reads ``plan_document``, which also backs `cjji plans render`, so the page, its
downloads and the command's files agree (the downloads byte for byte).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from workflow.application.queries import plan_document
from workflow.domain.errors import InvalidInput
from workflow.http.deps import Rt
from workflow.web.auth import Viewer
from workflow.web.rendering import render

router = APIRouter(include_in_schema=False)
DOWNLOADS = ("docx", "pdf")

Code = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


@router.get("/plans/{code}/section-b")
def section_b(request: Request, rt: Rt, who: Viewer, code: Code) -> HTMLResponse:
    document = plan_document.section_b(rt, code)
    return render(
        request,
        "plan_section_b.html",
        {"title": document.heading, "document": document, "code": code},
    )


@router.get("/plans/{code}/section-b.{fmt}")
def section_b_file(rt: Rt, who: Viewer, code: Code, fmt: str) -> Response:
    """The circulated file: ``docx`` or ``pdf`` (``html`` is the page itself)."""
    if fmt not in DOWNLOADS:
        raise InvalidInput(
            f"section-b.{fmt[:10]} is not a download: there are .docx and .pdf, and the "
            f"page /plans/{code}/section-b itself"
        )
    rendered = plan_document.render(rt, code, fmt)
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )
