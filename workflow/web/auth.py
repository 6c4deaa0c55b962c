"""Browser sign-in: the session cookie, the signed-in person, and CSRF on every form.

A signed-in browser carries ``cjji_session`` (a random value; the database keeps its
hash). Before sign-in, a browser that is shown a form gets ``cjji_visitor``, a random
value the form's CSRF token is bound to. Both cookies are HttpOnly and SameSite=Lax.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from workflow.application import authentication as access
from workflow.application.authentication import Unauthenticated
from workflow.application.principal import Principal
from workflow.http.deps import Rt

SESSION_COOKIE = "cjji_session"
VISITOR_COOKIE = "cjji_visitor"


class SignInNeeded(Exception):
    """Raised by a page that needs a signed-in person: the app redirects to sign in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _current(request: Request, rt: Rt) -> Principal | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        who = access.session_principal(rt, secret)
    except Unauthenticated:
        return None
    request.state.viewer = request.state.principal = who
    request.state.csrf_token = access.csrf_token(rt, secret)
    return who


def optional_viewer(request: Request, rt: Rt) -> Principal | None:
    return _current(request, rt)


def viewer(request: Request, rt: Rt) -> Principal:
    who = _current(request, rt)
    if who is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target)
    return who


Viewer = Annotated[Principal, Depends(viewer)]
MaybeViewer = Annotated[Principal | None, Depends(optional_viewer)]


def form_binding(request: Request, rt: Rt) -> str:
    """What this browser's CSRF tokens are bound to (its session, else a visitor value,
    made now if it has none); also puts the token where the templates find it."""
    binding = (
        request.cookies.get(SESSION_COOKIE) if getattr(request.state, "viewer", None) else None
    )
    if binding is None:
        binding = request.cookies.get(VISITOR_COOKIE) or getattr(request.state, "new_visitor", None)
    if binding is None:
        binding = secrets.token_urlsafe(32)
        request.state.new_visitor = binding
    request.state.csrf_token = access.csrf_token(rt, binding)
    return binding


def check_form(request: Request, rt: Rt, token: str | None) -> None:
    """Refuse a form whose CSRF token does not belong to this browser (403, audited)."""
    viewer_ = getattr(request.state, "viewer", None)
    binding = request.cookies.get(SESSION_COOKIE if viewer_ else VISITOR_COOKIE)
    access.check_csrf(rt, binding, token)


def _secure(rt: Rt) -> bool:
    return rt.settings.public_url.startswith("https://")


def finish(request: Request, rt: Rt, response: Response) -> Response:
    """Set the visitor cookie if this request made one."""
    new = getattr(request.state, "new_visitor", None)
    if new:
        response.set_cookie(
            VISITOR_COOKIE, new, httponly=True, samesite="lax", secure=_secure(rt), path="/"
        )
    return response


def set_session(rt: Rt, response: Response, secret: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(access.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(rt),
        path="/",
    )
    # A new visitor value after sign-in: a token seen before sign-in is useless after.
    response.delete_cookie(VISITOR_COOKIE, path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
