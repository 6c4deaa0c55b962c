"""One step of the report's journey, posted from a form of the work stream page.

The routes of ``journey_pages`` and ``followup_pages`` read their forms and hand the
service call to :func:`act`, which does what every one of them must: check the CSRF
token, ask ``access`` whether the person moves work streams at all, call the service
(which checks the rest and says why it refuses), and answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from workflow.application.principal import Principal
from workflow.bootstrap import Runtime
from workflow.domain.errors import WorkflowError
from workflow.http.errors import audit_if_refused, classify
from workflow.web.auth import check_form
from workflow.web.stream_view import Failed, stream_page

_FORM_ID = re.compile(r"^[a-z0-9-]{1,60}$")


def act(
    request: Request,
    rt: Runtime,
    who: Principal,
    key: str,
    csrf_token: str,
    *,
    what: str,
    form: str,
    section: str,
    done: str,
    change: Callable[[], object],
    values: dict[str, Any] | None = None,
) -> Response:
    """Take one step: ``change`` sends the command (``what`` it does) as ``who``.

    A refusal (a ``WorkflowError``) shows the page again with the service's sentence in
    the error summary and beside the form ``form``, filled in with ``values`` as it was
    sent, with the status the API would give; a refusal by permission or by the rules is
    audited. Success redirects (303) to the page's ``section`` with the notice ``done``
    (or the notice code ``change`` returns, when it returns a string).
    """
    check_form(request, rt, csrf_token)
    form = form if _FORM_ID.match(form) else section
    try:
        outcome = change()  # the bus asks the policy whether ``who`` may
    except WorkflowError as error:
        audit_if_refused(rt, request, error)
        status, _, _ = classify(error)
        return stream_page(
            request,
            rt,
            who,
            key,
            errors=[{"text": str(error), "href": f"#{form}"}],
            failed=Failed(form, str(error), values or {}),
            status_code=status,
        )
    code = outcome if isinstance(outcome, str) else done
    return RedirectResponse(f"/streams/{key}?done={code}#{section}", status_code=303)
