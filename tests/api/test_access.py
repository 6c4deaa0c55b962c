"""Access control as a service: passwords, tokens, sessions, CSRF and sign-off links."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlmodel import select

from tests.api.helpers import ADMIN, PASSWORD, SETUP_ENGINE, token_for, with_password
from tests.conftest import Clock
from tests.integration.walk import LEAD, seed_people, to_signoff
from tests.integration.walk import create as create_stream
from tests.support.acting import send
from workflow.application import authentication as access
from workflow.application import security_log
from workflow.application.authentication import Unauthenticated
from workflow.application.commands import (
    AddUsers,
    CreateWorkStream,
    RegisterDocument,
    RevokeToken,
    SetActive,
    SetDemoPasswords,
    SetPassword,
)
from workflow.application.principal import engine_principal
from workflow.application.queries import streams as queries
from workflow.application.queries.people import principal_of
from workflow.bootstrap import Runtime
from workflow.domain.errors import InvalidInput, NotPermitted, StaleVersion
from workflow.domain.stages import Stage
from workflow.store.auth_tables import ApiTokenRow, WebSessionRow
from workflow.store.tables import UserRow


def refusals(rt: Runtime) -> list[dict[str, Any]]:
    return queries.audit_log(rt, action="access_refused")


def test_a_password_signs_in_and_is_stored_only_as_an_argon2_hash(rt: Runtime) -> None:
    seed_people(rt)
    with_password(rt, "signatory.hmicfrs")
    who = access.sign_in(rt, "signatory.hmicfrs", PASSWORD)
    assert (who.username, who.body, who.is_decider, who.is_mover) == (
        "signatory.hmicfrs",
        "HMICFRS",
        True,
        False,
    )
    with rt.read() as session:
        stored = session.exec(select(UserRow).where(UserRow.username == "signatory.hmicfrs")).one()
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2") and PASSWORD not in stored.password_hash


def test_a_wrong_password_or_unknown_name_is_refused_alike_and_audited(rt: Runtime) -> None:
    seed_people(rt)
    with_password(rt, "admin")
    with pytest.raises(Unauthenticated) as wrong:
        access.sign_in(rt, "admin", "not the password at all")
    with pytest.raises(Unauthenticated) as unknown:
        access.sign_in(rt, "nobody.here", PASSWORD)
    assert str(wrong.value) == str(unknown.value)
    # Nobody signed in: the security log counts them; the audit chain is not touched.
    assert refusals(rt) == []
    (row,) = security_log.entries(rt)
    assert (row["kind"], row["count"]) == ("sign-in", 2)
    assert "'nobody.here'" in row["last_detail"]


def test_a_short_password_is_refused_saying_how_long_it_must_be(rt: Runtime) -> None:
    seed_people(rt)
    with pytest.raises(InvalidInput, match="at least 12 characters"):
        send(rt, ADMIN, SetPassword(username="admin", password="short"))


def test_a_deactivated_person_cannot_sign_in_or_use_a_token(rt: Runtime) -> None:
    username = new_person(rt, ["inspector"])
    with_password(rt, username)
    token = token_for(rt, username, "script").token
    send(rt, ADMIN, SetActive(username=username, active=False))
    with pytest.raises(Unauthenticated):
        access.sign_in(rt, username, PASSWORD)
    with pytest.raises(Unauthenticated, match="not active"):
        access.token_principal(rt, token)


def test_api_tokens_are_stored_hashed_and_stop_when_revoked(rt: Runtime) -> None:
    seed_people(rt)
    issued = token_for(rt, "admin", "nightly report")
    assert issued.token.startswith("cjji_") and len(issued.token) > 40
    assert access.token_principal(rt, issued.token).username == "admin"
    with rt.read() as session:
        row = session.get(ApiTokenRow, issued.id)
    assert row is not None and issued.token not in (row.token_hash, row.prefix)
    send(rt, ADMIN, RevokeToken(token_id=issued.id))
    with pytest.raises(Unauthenticated, match="revoked"):
        access.token_principal(rt, issued.token)


def test_a_token_with_a_lifetime_expires(rt: Runtime, clock: Clock) -> None:
    seed_people(rt)
    token = token_for(rt, "admin", "one day", days=1).token
    clock.advance(hours=23)
    assert access.token_principal(rt, token).username == "admin"
    clock.advance(hours=2)
    with pytest.raises(Unauthenticated, match="expired"):
        access.token_principal(rt, token)


def test_a_session_ends_at_sign_out_after_its_lifetime_and_on_a_new_password(
    rt: Runtime, clock: Clock
) -> None:
    seed_people(rt)
    who = principal_of(_user(rt, "admin"))
    first = access.start_session(rt, who)
    assert access.session_principal(rt, first).username == "admin"
    access.end_session(rt, first)
    with pytest.raises(Unauthenticated):
        access.session_principal(rt, first)
    second = access.start_session(rt, who)
    with rt.read() as session:
        assert session.get(WebSessionRow, second) is None  # only the hash is kept
    clock.advance(hours=12, seconds=1)
    with pytest.raises(Unauthenticated, match="ended"):
        access.session_principal(rt, second)
    third = access.start_session(rt, who)
    with_password(rt, "admin")
    with pytest.raises(Unauthenticated):
        access.session_principal(rt, third)


def test_a_csrf_token_belongs_to_one_browser(rt: Runtime) -> None:
    token = access.csrf_token(rt, "browser-a")
    access.check_csrf(rt, "browser-a", token)
    for binding, sent in (("browser-b", token), ("browser-a", ""), (None, token)):
        with pytest.raises(NotPermitted, match="reload the page"):
            access.check_csrf(rt, binding, sent)


def test_roles_decide_what_a_person_may_do(rt: Runtime) -> None:
    seed_people(rt)
    admin = principal_of(_user(rt, "admin"))
    lead = principal_of(_user(rt, "lead.hmiprobation"))
    signatory = principal_of(_user(rt, "signatory.hmicfrs"))
    access.require_admin(admin, "x")
    access.require_mover(lead, "x")
    access.require_decider(signatory, "x")
    with pytest.raises(NotPermitted, match="for administrators"):
        access.require_admin(lead, "managing users")
    with pytest.raises(NotPermitted, match="inspector or chief_inspector"):
        access.require_mover(signatory, "move a work stream")
    with pytest.raises(NotPermitted, match="signatory or deputy"):
        access.require_decider(lead, "record a decision")
    with pytest.raises(NotPermitted, match=r"cannot create a work stream.*led by HMICFRS"):
        send(rt, lead, CreateWorkStream(title="Theirs", kind="review", fields={"lead": "HMIC"}))


def test_read_only_wins_over_any_other_role(rt: Runtime) -> None:
    username = new_person(rt, ["read_only", "signatory", "inspector", "administrator"])
    who = principal_of(_user(rt, username))
    assert not who.is_decider and not who.is_mover
    for check in (access.require_admin, access.require_mover, access.require_decider):
        with pytest.raises(NotPermitted):
            check(who, "change anything")


def test_a_signoff_link_records_one_decision_for_its_body_and_version_once(
    rt: Runtime,
) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    token, _ = access.issue_signoff_link(rt, "deputy.hmicfrs", "mappa", "HMIC", "report", version)
    grant = access.open_signoff_link(rt, token)
    assert (grant.username, grant.body, grant.version) == ("deputy.hmicfrs", "HMICFRS", version)
    decided = access.use_signoff_link(rt, token, "approve", None)
    assert decided.stream.report.standing() == {"HMICFRS": "approve"}
    assert decided.stream.report.decisions[-1].actor == "deputy.hmicfrs"
    with pytest.raises(Unauthenticated, match="used already"):
        access.use_signoff_link(rt, token, "approve", None)


def test_a_refused_decision_leaves_the_link_usable(rt: Runtime) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    token, _ = access.issue_signoff_link(
        rt, "signatory.hmicfrs", "mappa", "HMICFRS", "report", version
    )
    with pytest.raises(InvalidInput, match="needs a comment"):
        access.use_signoff_link(rt, token, "request_changes", None)
    decided = access.use_signoff_link(rt, token, "request_changes", "Chapter 3 is thin")
    assert decided.moved_to is Stage.DRAFTING


def test_a_link_for_a_superseded_version_is_refused_as_stale(rt: Runtime) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    token, _ = access.issue_signoff_link(
        rt, "signatory.hmicfrs", "mappa", "HMICFRS", "report", version
    )
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft report v2"))
    with pytest.raises(StaleVersion):
        access.use_signoff_link(rt, token, "approve", None)


def test_a_link_expires_and_a_tampered_one_is_refused(rt: Runtime, clock: Clock) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    token, expires = access.issue_signoff_link(
        rt, "signatory.hmicfrs", "mappa", "HMICFRS", "report", version
    )
    assert expires - clock.now == access.LINK_LIFETIME
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    with pytest.raises(Unauthenticated, match="not valid"):
        access.open_signoff_link(rt, forged)
    clock.advance(days=15)
    with pytest.raises(Unauthenticated, match="expired"):
        access.open_signoff_link(rt, token)


def test_links_are_issued_only_to_a_signatory_of_a_participating_body(rt: Runtime) -> None:
    create_stream(rt)
    version = to_signoff(rt)
    with pytest.raises(NotPermitted, match="does not act for HMICFRS"):
        access.issue_signoff_link(rt, "signatory.hmcpsi", "mappa", "HMICFRS", "report", version)
    with pytest.raises(NotPermitted, match="not a signatory"):
        access.issue_signoff_link(rt, "lead.hmicfrs", "mappa", "HMICFRS", "report", version)
    with pytest.raises(NotPermitted, match="does not take part"):
        access.issue_signoff_link(rt, "signatory.cqc", "mappa", "CQC", "report", version)


def test_demo_passwords_are_never_set_in_production(rt: Runtime) -> None:
    seed_people(rt)
    production = Runtime(
        rt.settings.model_copy(update={"environment": "production"}), rt.engine, rt.clock
    )
    with pytest.raises(NotPermitted, match="never set in production"):
        production.handle(SetDemoPasswords(usernames=("admin",)), DEMO)
    assert rt.handle(SetDemoPasswords(usernames=("admin", "no.such.person")), DEMO) == ["admin"]
    assert access.sign_in(rt, "admin", access.DEMO_PASSWORD).is_admin
    assert rt.handle(SetDemoPasswords(usernames=("admin",)), DEMO) == []  # a set password is kept


DEMO = engine_principal("cjji run")


def new_person(rt: Runtime, roles: list[str], body: str = "HMICFRS") -> str:
    """A person of this test alone (users outlive a test on the session's PostgreSQL)."""
    username = f"person.{uuid.uuid4().hex[:8]}"
    person = {
        "username": username,
        "name": "A test person",
        "email": f"{username}@example.org",
        "body": body,
        "roles": roles,
    }
    rt.handle(AddUsers(people=(person,)), SETUP_ENGINE)
    return username


def _user(rt: Runtime, username: str) -> UserRow:
    with rt.read() as session:
        return session.exec(select(UserRow).where(UserRow.username == username)).one()
