"""Authentication: who is signed in, and how they proved it.

People prove who they are with a password (browser sign-in, then a session cookie), an
API token (scripts), or a signed sign-off link (one decision, for one body, on one
version). Every one of those secrets is random or signed, and only hashes are stored.

What a person may then do is decided by the policy table
(:mod:`workflow.application.policy`), which the message bus consults for every command.
A signed-in person's refused attempt is written to the audit trail; a refusal of someone
not signed in (a wrong password, an unknown token, a form without its CSRF token) to the
security log (:mod:`workflow.application.security_log`), counted per source and window.
Failed sign-ins and token failures are throttled (:mod:`workflow.application.throttle`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from workflow.adapters.password_policy import MIN_LENGTH, weakness
from workflow.adapters.passwords import password_hasher
from workflow.application import scopes as token_scopes
from workflow.application import security_log
from workflow.application.commands import RecordDecision
from workflow.application.inputs import choice
from workflow.application.principal import Actor, Principal
from workflow.application.queries.people import find_user, principal_of
from workflow.application.queries.streams import load_readonly
from workflow.application.runtime import Runtime
from workflow.application.throttle import Throttled as Throttled
from workflow.application.throttle import throttle
from workflow.domain.errors import InvalidInput, NotFound, NotPermitted, WorkflowError
from workflow.domain.events import AccessRefused, RuleRefused
from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.roles import DECIDERS
from workflow.store.audit import as_utc
from workflow.store.auth_tables import ApiTokenRow, SignoffLinkUseRow, WebSessionRow
from workflow.store.tables import UserRow

SESSION_LIFETIME = timedelta(hours=12)
#: A session's last use is written at most this often (not on every page).
SESSION_TOUCH = timedelta(minutes=1)
LINK_LIFETIME = timedelta(days=14)
TOKEN_PREFIX = "cjji_"  # noqa: S105 - a prefix, not a secret
MIN_PASSWORD_LENGTH = MIN_LENGTH
#: The task that mails an account's owner that it has been locked.
ACCOUNT_LOCKED = "cjji.account_locked"
#: The demonstration password, set only by `cjji run --demo` outside production.
DEMO_PASSWORD = "cjji-demo-2021"  # noqa: S105 - a documented demo value, refused in production


@cache
def _hasher() -> PasswordHasher:
    """The hasher, chosen on first use (not at import), so that the choice follows the
    environment of the process that hashes, whatever imported this module first."""
    return password_hasher()


@cache
def _dummy_hash() -> str:
    """Verified against when a username is unknown, so that a wrong name takes as long as
    a wrong password and timing tells nobody which usernames exist. Made on first use, not
    at import: every `cjji` command would pay for it otherwise."""
    return _hasher().hash(secrets.token_hex(16))


class Unauthenticated(WorkflowError):
    """No valid credentials: sign in, or send a valid API token (HTTP 401)."""


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its hash is kept
    id: int
    label: str
    prefix: str
    username: str
    expires_at: datetime | None
    scopes: str = token_scopes.ALL


# -- questions for what is read or shown -------------------------------------------------
# Commands are authorised by the policy table, on the bus. These answer for the reads
# and pages the table does not cover (the audit log, the directory, which forms to show).
def require_admin(who: Principal, what: str) -> None:
    if not who.is_admin:
        raise NotPermitted(f"{what} is for administrators; {who.username} is not one")


def require_change(who: Principal, what: str) -> None:
    if who.read_only:
        raise NotPermitted(f"{who.username} has read-only access and cannot {what}")


def require_mover(who: Principal, what: str) -> None:
    """Staff who move work streams (the policy then checks that their body leads it)."""
    require_change(who, what)
    if not who.is_mover:
        raise NotPermitted(
            f"{who.username} cannot {what}: that needs the inspector or chief_inspector "
            f"role in the lead body (roles held: {', '.join(sorted(who.roles)) or 'none'})"
        )


def require_decider(who: Principal, what: str) -> None:
    require_change(who, what)
    if not who.is_decider:
        raise NotPermitted(
            f"{who.username} cannot {what}: only a body's signatory or deputy signatory decides"
        )


def require_self_or_admin(who: Principal, username: str, what: str) -> None:
    if who.username != username:
        require_admin(who, what)


# -- passwords -------------------------------------------------------------------------
def hash_password(password: str, username: str = "") -> str:
    """The hash of an acceptable password (long enough, not on the deny-list)."""
    problem = weakness(password, username)
    if problem:
        raise InvalidInput(problem)
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the hash ``stored`` (False when there is none)."""
    return _verify(stored, password)


def demo_password_hash() -> str:
    return _hasher().hash(DEMO_PASSWORD)


def new_token() -> tuple[str, str, str]:
    """A new API token: (the token, shown once; its hash, kept; its prefix, shown)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, digest(token), token[: len(TOKEN_PREFIX) + 6]


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in(rt: Runtime, username: str, password: str, source: str | None = None) -> Principal:
    """The person whose password this is. A failed attempt is counted against the account
    and the address (``source``), logged, and says nothing about which of the two was
    wrong; once the account's last tier is used up it is locked and its owner is told.
    While a tier is used up every attempt is refused with :class:`Throttled`."""
    name = username.strip()[:80]
    limits = throttle(rt)
    limits.check(name, source or security_log.UNKNOWN_SOURCE)
    with rt.read() as session:
        user = find_user(session, name)
        ok = _verify(user.password_hash if user else None, password)
        if ok and user is not None and user.active:
            return principal_of(user)
    security_log.record(rt, source, "sign-in", f"sign in as {name!r}: wrong username or password")
    if limits.failed(name, source or security_log.UNKNOWN_SOURCE) and user is not None:
        _tell_owner_of_lockout(rt, name, limits.lock_ends(name), source)
    raise Unauthenticated("the username or password is not right: check them and try again")


def _tell_owner_of_lockout(rt: Runtime, username: str, seconds: int, source: str | None) -> None:
    """Mail the owner that their account is locked (through the outbox and the worker)."""
    until = as_utc(rt.clock()) + timedelta(seconds=seconds)
    with rt.uow() as uow:
        uow.enqueue(
            ACCOUNT_LOCKED,
            {
                "username": username,
                "until": until.isoformat(timespec="minutes"),
                "source": source or security_log.UNKNOWN_SOURCE,
            },
            None,
        )
        rows = uow.commit()
    rt.publish(rows)


# -- browser sessions ------------------------------------------------------------------
def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(rt: Runtime, who: Principal) -> str:
    """A new session for ``who``; returns the value the cookie carries."""
    secret = secrets.token_urlsafe(32)
    now = as_utc(rt.clock())
    with rt.sessions() as session:
        session.add(
            WebSessionRow(
                id_hash=digest(secret),
                user_id=who.user_id,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
                last_seen_at=now,
            )
        )
        session.commit()
    return secret


def idle_limit(rt: Runtime) -> timedelta:
    return timedelta(minutes=rt.settings.session_idle_minutes)


def session_principal(rt: Runtime, secret: str) -> Principal:
    """The session's person; a session past its lifetime, or idle longer than
    ``CJJI_SESSION_IDLE_MINUTES``, has ended. Each use (at most once a minute) is kept."""
    now = as_utc(rt.clock())
    with rt.sessions() as session:
        row = session.get(WebSessionRow, digest(secret))
        seen = as_utc(row.last_seen_at or row.created_at) if row is not None else now
        if row is None or as_utc(row.expires_at) <= now or now - seen >= idle_limit(rt):
            raise Unauthenticated("your session has ended: sign in again")
        who = _active_principal(session, row.user_id)
        if now - seen >= SESSION_TOUCH:
            row.last_seen_at = now
            session.add(row)
            session.commit()
        return who


def end_session(rt: Runtime, secret: str) -> None:
    with rt.sessions() as session:
        session.execute(delete(WebSessionRow).where(col(WebSessionRow.id_hash) == digest(secret)))
        session.commit()


# -- CSRF --------------------------------------------------------------------------------
def csrf_token(rt: Runtime, binding: str) -> str:
    """The token every form of a browser carries: an HMAC of its session (or visitor)
    cookie, so a page elsewhere cannot forge it (signed double-submit)."""
    key = rt.settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"csrf|{binding}".encode(), hashlib.sha256).hexdigest()


def check_csrf(rt: Runtime, binding: str | None, token: str | None) -> None:
    if not binding or not token or not hmac.compare_digest(csrf_token(rt, binding), token):
        raise NotPermitted(
            "this form was not sent from a page of this service, or it has expired: "
            "go back, reload the page and send the form again"
        )


# -- API tokens -----------------------------------------------------------------------
def token_principal(rt: Runtime, token: str, source: str | None = None) -> Principal:
    """The person a token signs in, narrowed to the token's scopes. Failures are counted
    against the address (``source``) and logged in the security log, not the chain."""
    address = source or security_log.UNKNOWN_SOURCE
    limits = throttle(rt)
    limits.check(None, address)
    try:
        return _token_principal(rt, token)
    except Unauthenticated as error:
        security_log.record(rt, source, "token", str(error))
        limits.failed(None, address)
        raise


def _token_principal(rt: Runtime, token: str) -> Principal:
    with rt.sessions() as session:
        row = session.exec(
            select(ApiTokenRow).where(col(ApiTokenRow.token_hash) == digest(token))
        ).first()
        now = as_utc(rt.clock())
        if row is None or row.revoked_at is not None:
            raise Unauthenticated("the API token is not known or was revoked: create a new one")
        if row.expires_at is not None and as_utc(row.expires_at) <= now:
            raise Unauthenticated("the API token has expired: create a new one")
        person = _active_principal(session, row.user_id)
        if row.last_used_at is None or now - as_utc(row.last_used_at) >= SESSION_TOUCH:
            row.last_used_at = now
            session.add(row)
            session.commit()
        granted = frozenset(row.scopes.split())
        return replace(
            person,
            roles=token_scopes.narrow(person.roles, granted),
            token_scopes=granted,
            token_expires_at=as_utc(row.expires_at) if row.expires_at else None,
        )


def may_scrape(rt: Runtime, token: str | None) -> bool:
    """Whether a bearer token may read /metrics: the scrape token (``CJJI_METRICS_TOKEN``)
    or an administrator's API token."""
    if not token:
        return False
    expected = rt.settings.metrics_token
    if expected is not None and hmac.compare_digest(
        token.encode(), expected.get_secret_value().encode()
    ):
        return True
    try:
        return token_principal(rt, token).is_admin
    except Unauthenticated:
        return False


# -- signed sign-off links ------------------------------------------------------------
@dataclass(frozen=True)
class SignoffGrant:
    """What one sign-off link allows: one person, one body, one document version."""

    jti: str
    username: str
    ref: str
    body: str
    kind: str
    version: str
    expires_at: datetime

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.body)


def _link_serializer(rt: Runtime) -> URLSafeSerializer:
    return URLSafeSerializer(rt.settings.secret_key.get_secret_value(), salt="cjji.signoff-link")


def issue_signoff_link(
    rt: Runtime, username: str, ref: str, body: str, kind: str, version: str
) -> tuple[str, datetime]:
    """A signed token for the decision form of ``body`` on one version; (token, expiry).

    It is issued to a signatory or deputy of that body, and is checked again when used.
    Expiry is signed into the token and measured on the engine's clock.
    """
    body = rt.bodies.code_of(body)
    doc_kind: DocumentKind = choice(DocumentKind, kind, "document kind")
    with rt.read() as session:
        user = find_user(session, username)
        if user is None or not user.active or user.body != body:
            raise NotPermitted(
                f"{username} does not act for {body}: send the link to its signatory"
            )
        if not DECIDERS.intersection(user.roles):
            raise NotPermitted(f"{username} is not a signatory or deputy of {body}")
        _, ws = load_readonly(session, ref)
    if body not in ws.participants:
        raise NotPermitted(f"{body} does not take part in {ws.ref}")
    if ws.document(doc_kind).current != version:
        raise NotPermitted(f"{version[:12]} is not the current {doc_kind.value} of {ws.ref}")
    expires = as_utc(rt.clock()) + LINK_LIFETIME
    token = _link_serializer(rt).dumps(
        {
            "j": secrets.token_hex(16),
            "u": username,
            "r": ws.ref,
            "b": body,
            "k": doc_kind.value,
            "v": version,
            "e": int(expires.timestamp()),
        }
    )
    return token, expires


def signoff_link_url(rt: Runtime, token: str) -> str:
    return f"{rt.settings.public_url.rstrip('/')}/decide/{quote(token, safe='')}"


def open_signoff_link(rt: Runtime, token: str) -> SignoffGrant:
    """What a link allows, if it is genuine, unexpired and unused."""
    try:
        data = _link_serializer(rt).loads(token)
        grant = SignoffGrant(
            data["j"],
            data["u"],
            data["r"],
            data["b"],
            data["k"],
            data["v"],
            datetime.fromtimestamp(data["e"], tz=as_utc(rt.clock()).tzinfo),
        )
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        raise Unauthenticated(
            "this sign-off link is not valid: use the whole link from the email, or sign in"
        ) from None
    if grant.expires_at <= as_utc(rt.clock()):
        raise Unauthenticated("this sign-off link has expired: sign in to record the decision")
    with rt.read() as session:
        if session.get(SignoffLinkUseRow, grant.jti) is not None:
            raise Unauthenticated(
                "this sign-off link has been used already: sign in to see or change the decision"
            )
    return grant


def use_signoff_link(rt: Runtime, token: str, decision: str, comment: str | None) -> Any:
    """Record the decision a link allows, once, as the person it was issued to (the
    message bus asks the policy again); returns what the handler of
    :class:`RecordDecision` returns.

    The link is claimed first (a unique row), so two submissions cannot both use it; if
    the decision is then refused, the claim is released and the link can be used again.
    """
    grant = open_signoff_link(rt, token)
    try:
        with rt.sessions() as session:
            session.add(
                SignoffLinkUseRow(
                    jti=grant.jti,
                    username=grant.username,
                    stream_ref=grant.ref,
                    body=grant.body,
                    kind=grant.kind,
                    version=grant.version,
                    used_at=as_utc(rt.clock()),
                )
            )
            session.commit()
    except IntegrityError:
        raise Unauthenticated("this sign-off link has been used already") from None
    try:
        with rt.read() as session:
            user = find_user(session, grant.username)
            if user is None or not user.active:
                raise NotPermitted(
                    f"{grant.username} is no longer an active person of the directory: "
                    "ask an administrator"
                )
            principal = principal_of(user)
        return rt.handle(
            RecordDecision(
                key=grant.ref,
                body=grant.body,
                decision=decision,
                version=grant.version,
                kind=grant.kind,
                comment=comment,
            ),
            principal,
        )
    except Exception:
        with rt.sessions() as session:
            session.execute(
                delete(SignoffLinkUseRow).where(col(SignoffLinkUseRow.jti) == grant.jti)
            )
            session.commit()
        raise


# -- the audit of refusals ------------------------------------------------------------
def record_refusal(
    rt: Runtime,
    who: Principal | None,
    reason: str,
    *,
    what: str,
    stream_key: str | None = None,
    source: str | None = None,
    by_rule: bool = False,
    **details: Any,
) -> None:
    """Write a refused attempt down, in its own transaction (the attempt's was rolled
    back): a signed-in person's on the audit trail (``rule_refused`` when the rules
    refused, ``access_refused`` when permission did); anyone else's in the security log,
    counted per ``source`` and window."""
    kind = str(details.pop("kind", "request"))
    if who is None:
        security_log.record(rt, source, kind, f"{what}: {reason}")
        return
    stream_ref = _existing_ref(rt, stream_key)
    detail: dict[str, Any] = {k: v for k, v in details.items() if v}
    if stream_key and stream_ref is None:
        detail["stream"] = stream_key[:120]
    event = RuleRefused if by_rule else AccessRefused
    with rt.uow() as uow:
        uow.record(
            event(
                actor=who.username if who else "anonymous",
                body=who.body if who else None,
                at=rt.clock(),
                reason=reason,
                what=what,
                detail=detail,
            ),
            stream_ref,
        )
        uow.commit()


def _existing_ref(rt: Runtime, key: str | None) -> str | None:
    """The ref of a stored work stream, else None: an event must never name a work stream
    that does not exist (replay would meet it before the stream's creation)."""
    if not key:
        return None
    try:
        with rt.read() as session:
            return load_readonly(session, key)[1].ref
    except (NotFound, ValueError):
        return None


# -- helpers -----------------------------------------------------------------------------
def _active_principal(session: Session, user_id: int) -> Principal:
    user = session.get(UserRow, user_id)
    if user is None or not user.active:
        raise Unauthenticated("this account is not active: ask an administrator")
    return principal_of(user)
