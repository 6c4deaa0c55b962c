"""What every API route asks for: the runtime and the signed-in person."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from workflow.application import authentication as access
from workflow.application.authentication import Unauthenticated
from workflow.application.principal import Principal
from workflow.bootstrap import Runtime
from workflow.domain.errors import NotFound

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token: `cjji tokens create USERNAME --label WHAT` prints one.",
)


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.rt
    return rt


Rt = Annotated[Runtime, Depends(runtime)]


def principal(
    request: Request,
    rt: Rt,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The person the bearer token belongs to (narrowed to its scopes); 401 without a
    valid one. A request without one, or with a bad one, is counted in the security log
    for its address and throttled (429), never written to the audit chain."""
    source = client_address(request)
    if credentials is None:
        access.record_refusal(
            rt,
            None,
            "no API token",
            what=f"{request.method} {request.url.path}",
            source=source,
            kind="token",
        )
        raise Unauthenticated(
            "send an API token as 'Authorization: Bearer TOKEN' "
            "(`cjji tokens create USERNAME --label WHAT` prints one)"
        )
    who = access.token_principal(rt, credentials.credentials, source)
    request.state.principal = who
    return who


def client_address(request: Request) -> str | None:
    """The client's address, as the server saw it (behind a proxy: uvicorn's
    ``--proxy-headers`` puts the forwarded one here)."""
    return request.client.host if request.client else None


Who = Annotated[Principal, Depends(principal)]

_DIGITS = re.compile(r"^[0-9]+$")


def stream_key(
    key: Annotated[
        str,
        Path(
            description="The work stream's ref (e.g. mappa) or numeric id.",
            pattern=r"^[A-Za-z0-9-]{1,120}$",
        ),
    ],
) -> str:
    # An id too large for the database's integer is simply not there.
    if _DIGITS.match(key) and len(key) > 9:
        raise NotFound(f"no work stream {key!r}: GET /api/streams lists them")
    return key


Key = Annotated[str, Depends(stream_key)]
#: A document version in a path: its SHA-256, in hexadecimal.
VersionHash = Annotated[str, Path(pattern=r"^[0-9a-fA-F]{64}$")]
