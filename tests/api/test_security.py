"""Security hardening, where people meet it: throttled sign-in with a lockout its owner is
told about, refusals of people not signed in kept out of the audit chain, API tokens that
cannot escalate, the password deny-list, idle sessions, the headers on every answer and
the secret key `cjji run` makes."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlmodel import select

from config.settings import PLACEHOLDER_SECRET, SECRET_KEY_FILE, Settings
from tests.api.helpers import (
    ADMIN,
    PASSWORD,
    SETUP_ENGINE,
    api,
    app_for,
    browser,
    csrf_of,
    token_for,
    with_password,
)
from tests.conftest import Clock, service_missing
from tests.integration.walk import create as create_stream
from tests.integration.walk import seed_people
from tests.support.acting import send
from tests.support.deployment import Deployment
from tests.support.processes import REDIS_URL, ROOT, redis_reachable
from workflow.application import security_log
from workflow.application.commands import AddUsers, CreateToken, SetPassword
from workflow.application.jobs.housekeeping import purge
from workflow.application.queries import streams as queries
from workflow.application.queries.people import find_user, principal_of
from workflow.application.throttle import throttle
from workflow.bootstrap import Runtime
from workflow.domain.errors import InvalidInput, NotPermitted
from workflow.store.auth_tables import SignoffLinkUseRow, WebSessionRow

pytest_plugins = ["tests.support.fixtures_worker"]


def limited(rt: Runtime, signin: str, address: str = "100000/minute") -> Runtime:
    """``rt`` with its own throttling limits (the suite's are out of reach)."""
    settings = rt.settings.model_copy(update={"signin_limits": signin, "address_limits": address})
    return dataclasses.replace(rt, settings=settings)


def new_person(rt: Runtime, roles: list[str], body: str = "HMICFRS") -> str:
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


def chain_length(rt: Runtime) -> int:
    return len(queries.audit_log(rt))


def try_sign_in(client: TestClient, username: str, password: str) -> Any:
    form = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )


# -- throttling -----------------------------------------------------------------------
def test_a_brute_force_meets_429s_then_a_lockout_and_the_owner_is_mailed(
    deployment: Deployment,
) -> None:
    """A script guessing one person's password: after two failures it must wait (429,
    Retry-After), after four the account is locked for the hour, even to the right
    password, and its owner receives an email about it at the SMTP server."""
    rt = limited(deployment.rt, "2/2 seconds;4/hour")
    seed_people(rt)
    victim = new_person(rt, ["inspector"])
    with_password(rt, victim)
    client = TestClient(app_for(rt), follow_redirects=False)
    answers = [try_sign_in(client, victim, f"guess number {n}") for n in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 2
    assert "too many failed attempts" in answers[2].text
    time.sleep(2.1)  # the short tier's window passes: two more guesses are let through
    later = [try_sign_in(client, victim, f"guess number {n}") for n in range(3, 5)]
    assert [a.status_code for a in later] == [401, 401]
    locked = try_sign_in(client, victim, PASSWORD)  # the right password, too late
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 3000
    deployment.drain()
    (mail,) = [m for m in deployment.mail.messages if m["To"] == f"{victim}@example.org"]
    assert "locked" in mail["Subject"]
    text = mail.get_content()
    assert victim in text and "testclient" in text and "nobody got in" in text
    # None of it touched the audit chain; the security log counted each refused guess.
    assert queries.audit_log(rt, action="access_refused") == []
    assert sum(r["count"] for r in security_log.entries(rt) if r["kind"] == "sign-in") == 4


def test_guesses_from_one_address_at_many_accounts_are_throttled_too(sqlite_rt: Runtime) -> None:
    rt = limited(sqlite_rt, "100/hour", address="5/minute")
    seed_people(rt)
    client = TestClient(app_for(rt), follow_redirects=False)
    codes = [try_sign_in(client, f"someone.{n}", "a wrong password").status_code for n in range(7)]
    assert codes == [401] * 5 + [429] * 2


def test_bad_tokens_are_throttled_per_address_with_retry_after(sqlite_rt: Runtime) -> None:
    rt = limited(sqlite_rt, "100/hour", address="3/minute")
    client = api(rt)
    codes = []
    for n in range(5):
        answer = client.get("/api/streams", headers={"Authorization": f"Bearer cjji_bad{n}"})
        codes.append(answer.status_code)
    assert codes == [401, 401, 401, 429, 429]
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.json()["type"] == "urn:cjji:problem:too-many-attempts"


def test_the_counters_can_live_in_redis_shared_by_every_web_process(sqlite_rt: Runtime) -> None:
    """The distributed set-up: two apps (two web processes) on one Redis see one count."""
    if not redis_reachable():
        service_missing("Redis", REDIS_URL)
    rt = limited(sqlite_rt, "100/hour", address="2/minute")
    rt = dataclasses.replace(
        rt, settings=rt.settings.model_copy(update={"throttle_storage": REDIS_URL})
    )
    first, second = api(rt), api(rt)
    bad = {"Authorization": "Bearer cjji_nothing"}
    assert first.get("/api/streams", headers=bad).status_code == 401
    assert second.get("/api/streams", headers=bad).status_code == 401
    assert first.get("/api/streams", headers=bad).status_code == 429
    assert second.get("/api/streams", headers=bad).status_code == 429
    namespace = throttle(rt).namespace
    assert redis.Redis.from_url(REDIS_URL).keys(f"*{namespace}*"), "no counter in Redis"


# -- refusals of people not signed in ---------------------------------------------------
# Untraced: a thousand requests through the lines the other refusal tests measure (docs/testing.md).
@pytest.mark.untraced
def test_a_thousand_bogus_tokens_add_nothing_to_the_chain_and_one_log_row(
    sqlite_rt: Runtime,
) -> None:
    seed_people(sqlite_rt)
    before = chain_length(sqlite_rt)
    client = api(sqlite_rt)
    for n in range(1000):
        bogus = client.get("/api/streams", headers={"Authorization": f"Bearer cjji_x{n}"})
        assert bogus.status_code == 401
    assert chain_length(sqlite_rt) == before
    (row,) = security_log.entries(sqlite_rt)
    assert (row["source"], row["kind"], row["count"]) == ("testclient", "token", 1000)
    # The next window gets a row of its own.
    assert isinstance(sqlite_rt.clock, Clock)
    sqlite_rt.clock.advance(seconds=sqlite_rt.settings.security_log_window_seconds)
    client.get("/api/streams", headers={"Authorization": "Bearer cjji_later"})
    assert [r["count"] for r in security_log.entries(sqlite_rt)] == [1, 1000]


def test_a_form_without_its_csrf_token_from_a_visitor_goes_to_the_security_log(
    sqlite_rt: Runtime,
) -> None:
    seed_people(sqlite_rt)
    before = chain_length(sqlite_rt)
    client = TestClient(app_for(sqlite_rt), follow_redirects=False)
    refused = client.post("/sign-in", data={"username": "admin", "password": "x" * 12})
    assert refused.status_code == 403
    assert chain_length(sqlite_rt) == before
    assert [r["kind"] for r in security_log.entries(sqlite_rt)] == ["form"]


def test_a_refusal_by_the_rules_and_one_by_permission_are_audited_apart(
    sqlite_rt: Runtime,
) -> None:
    create_stream(sqlite_rt)
    lead = api(sqlite_rt, "lead.hmiprobation")
    moved = lead.post("/api/streams/mappa/transitions", json={"trigger": "start_fieldwork"})
    assert moved.status_code == 409
    other = api(sqlite_rt, "lead.hmicfrs")
    assert other.patch("/api/streams/mappa", json={"title": "Ours now"}).status_code == 403
    (rule,) = queries.audit_log(sqlite_rt, action="rule_refused")
    (access,) = queries.audit_log(sqlite_rt, action="access_refused")
    assert (rule["actor"], access["actor"]) == ("lead.hmiprobation", "lead.hmicfrs")
    assert queries.verify_audit(sqlite_rt).ok is True


# -- tokens ---------------------------------------------------------------------------
def test_a_token_cannot_change_a_password_even_its_holders_own(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    with_password(sqlite_rt, "lead.hmiprobation")
    client = api(sqlite_rt, "lead.hmiprobation")
    changed = client.patch(
        "/api/users/lead.hmiprobation", json={"password": "a brand new passphrase"}
    )
    assert changed.status_code == 403
    assert "an API token cannot set a password" in changed.json()["detail"]
    admin = api(sqlite_rt, ADMIN)
    theirs = admin.patch("/api/users/lead.hmiprobation", json={"password": "a new passphrase x"})
    assert theirs.status_code == 403


def test_tokens_have_scopes_no_wider_than_roles_and_an_expiry(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    viewer = new_person(sqlite_rt, ["read_only"])
    wide = api(sqlite_rt, ADMIN).post(
        "/api/tokens", json={"label": "too wide", "username": viewer, "scopes": ["admin"]}
    )
    assert wide.status_code == 403
    assert "cannot have the scope admin" in wide.json()["detail"]
    issued = token_for(sqlite_rt, viewer, "reads")
    assert issued.scopes == "read"
    assert issued.expires_at is not None
    lifetime = issued.expires_at - sqlite_rt.clock().astimezone(issued.expires_at.tzinfo)
    assert lifetime.days == 90
    listed = api(sqlite_rt, ADMIN).get("/api/tokens").json()
    mine = next(t for t in listed if t["id"] == issued.id)
    assert mine["scopes"] == "read" and mine["last_used_at"] is None
    reader = api(sqlite_rt)
    reader.headers["Authorization"] = f"Bearer {issued.token}"
    assert reader.get("/api/me").status_code == 200
    used = next(t for t in api(sqlite_rt, ADMIN).get("/api/tokens").json() if t["id"] == issued.id)
    assert used["last_used_at"] is not None


def test_a_token_cannot_mint_a_wider_or_longer_lived_token(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    person = new_person(sqlite_rt, ["inspector", "signatory"])
    issued = send(
        sqlite_rt,
        ADMIN,
        CreateToken(username=person, label="moves", days=5, scopes=("read", "act")),
    )
    client = api(sqlite_rt)
    client.headers["Authorization"] = f"Bearer {issued.token}"
    me = client.get("/api/me").json()
    assert (me["may_move"], me["may_decide"]) == (True, False)  # no decide scope
    wider = client.post("/api/tokens", json={"label": "more", "scopes": ["act", "decide"]})
    assert wider.status_code == 403 and "wider than itself" in wider.json()["detail"]
    longer = client.post("/api/tokens", json={"label": "longer", "scopes": ["act"], "days": 30})
    assert longer.status_code == 403 and "outlives itself" in longer.json()["detail"]
    same = client.post("/api/tokens", json={"label": "same", "scopes": ["read"], "days": 5})
    assert same.status_code == 201 and same.json()["scopes"] == "read"
    reader = api(sqlite_rt)
    reader.headers["Authorization"] = f"Bearer {same.json()['token']}"
    refused = reader.post("/api/tokens", json={"label": "again"})
    assert "read-only access" in refused.json()["detail"]  # read alone mints nothing


def test_an_administrators_act_token_is_not_an_administrator(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    issued = send(sqlite_rt, ADMIN, CreateToken(username=ADMIN, label="r", scopes=("read",)))
    client = api(sqlite_rt)
    client.headers["Authorization"] = f"Bearer {issued.token}"
    assert client.get("/api/users").status_code == 403
    assert client.get("/api/audit").status_code == 403


# -- passwords ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short pass", "at least 12 characters"),
        ("aaaaaaaaaaaa", "repeated"),
        ("abcabcabcabc", "repeated"),
        ("q1w2e3r4t5y6", "most common passwords"),
        ("1qaz2wsx3edc", "most common passwords"),
        ("lead.hmiprobation", "your username"),
    ],
)
def test_weak_passwords_are_refused_saying_why(sqlite_rt: Runtime, password: str, why: str) -> None:
    seed_people(sqlite_rt)
    with pytest.raises(InvalidInput, match=why):
        send(sqlite_rt, ADMIN, SetPassword(username="lead.hmiprobation", password=password))


def test_changing_ones_own_password_needs_the_current_one(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    with_password(sqlite_rt, "lead.hmiprobation")
    with pytest.raises(NotPermitted, match="current password"):
        send(
            sqlite_rt,
            "lead.hmiprobation",
            SetPassword(username="lead.hmiprobation", password="a new long passphrase"),
        )
    wrong = SetPassword(
        username="lead.hmiprobation", password="a new long passphrase", current_password="nope"
    )
    with pytest.raises(NotPermitted, match="current password"):
        send(sqlite_rt, "lead.hmiprobation", wrong)
    right = SetPassword(
        username="lead.hmiprobation", password="a new long passphrase", current_password=PASSWORD
    )
    send(sqlite_rt, "lead.hmiprobation", right)
    assert (
        try_sign_in(
            TestClient(app_for(sqlite_rt), follow_redirects=False),
            "lead.hmiprobation",
            "a new long passphrase",
        ).status_code
        == 303
    )


# -- sessions and housekeeping ----------------------------------------------------------
def test_a_session_idle_past_the_timeout_has_ended(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    client = browser(sqlite_rt, "admin")
    assert isinstance(sqlite_rt.clock, Clock)
    sqlite_rt.clock.advance(minutes=20)
    assert client.get("/programme").status_code == 200  # in use: it goes on
    sqlite_rt.clock.advance(minutes=29)
    assert client.get("/programme").status_code == 200
    sqlite_rt.clock.advance(minutes=31)
    ended = client.get("/programme")
    assert ended.status_code == 303 and ended.headers["location"].startswith("/sign-in")


def test_the_purge_removes_ended_sessions_and_old_used_links(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    browser(sqlite_rt, "admin")
    kept = browser(sqlite_rt, "lead.hmiprobation")
    assert isinstance(sqlite_rt.clock, Clock)
    with sqlite_rt.sessions() as session:
        session.add(
            SignoffLinkUseRow(
                jti="old",
                username="signatory.hmicfrs",
                stream_ref="mappa",
                body="HMICFRS",
                kind="report",
                version="a" * 64,
                used_at=sqlite_rt.clock(),
            )
        )
        session.commit()
    sqlite_rt.clock.advance(minutes=25)
    assert kept.get("/programme").status_code == 200
    sqlite_rt.clock.advance(minutes=10)  # admin's idle 35 minutes, the lead's 10
    assert purge(sqlite_rt).sessions == 1
    sqlite_rt.clock.advance(days=15)  # the link would have expired by now: its use goes
    done = purge(sqlite_rt)
    assert (done.sessions, done.links) == (1, 1)
    with sqlite_rt.read() as session:
        assert session.exec(select(WebSessionRow)).all() == []


def test_beat_runs_the_purge() -> None:
    from tasks.app import celery_config

    schedule = celery_config(Settings(_env_file=None))["beat_schedule"]
    assert schedule["purge-sessions"]["task"] == "cjji.purge_sessions"


# -- headers --------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/sign-in", "/api/streams", "/docs", "/openapi.json"])
def test_every_answer_carries_the_security_headers(sqlite_rt: Runtime, path: str) -> None:
    plain = TestClient(app_for(sqlite_rt)).get(path).headers
    assert "default-src 'self'" in plain["content-security-policy"]
    assert plain["referrer-policy"] == "no-referrer"
    assert "camera=()" in plain["permissions-policy"]
    assert "strict-transport-security" not in plain
    https = dataclasses.replace(
        sqlite_rt,
        settings=sqlite_rt.settings.model_copy(update={"public_url": "https://cjji.example"}),
    )
    secure = TestClient(app_for(https)).get(path).headers
    assert secure["strict-transport-security"].startswith("max-age=31536000")


# -- the secret key -------------------------------------------------------------------
def test_cjji_run_makes_a_random_secret_key_once_and_keeps_it_private(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CJJI_") or k == "CJJI_PASSWORD_HASHING"
    }
    keys = []
    for data_dir in (tmp_path / "one", tmp_path / "two", tmp_path / "one"):
        env["CJJI_DATA_DIR"] = str(data_dir)
        subprocess.run(
            [sys.executable, "-m", "workflow.cli.main", "run", "--no-demo", "--no-serve"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(ROOT)},
            check=True,
            capture_output=True,
            timeout=120,
        )
        key_file = data_dir / SECRET_KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        keys.append(key_file.read_text().strip())
        assert Settings(data_dir=data_dir, _env_file=None).secret_key.get_secret_value() == keys[-1]
    assert keys[0] == keys[2] != keys[1]  # kept across runs; each instance its own
    assert len(keys[0]) >= 32 and PLACEHOLDER_SECRET not in keys


def test_production_refuses_a_short_secret_key_clearly() -> None:
    with pytest.raises(ValueError, match="at least 32 random bytes"):
        Settings(environment="production", secret_key="too short", _env_file=None)
    with pytest.raises(ValueError, match="placeholder"):
        Settings(environment="production", _env_file=None, data_dir=Path("/nonexistent"))
    Settings(environment="production", secret_key="k" * 32, _env_file=None)


def test_principal_of_a_person_carries_no_token_scopes(sqlite_rt: Runtime) -> None:
    seed_people(sqlite_rt)
    with sqlite_rt.read() as session:
        user = find_user(session, "admin")
        assert user is not None
        assert principal_of(user).via_token is False
