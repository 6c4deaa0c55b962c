"""`cjji users passwd`, `cjji tokens …` and `cjji serve` as a person or a script uses them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli_server import CliServer
from tests.web.test_browser import free_port

PEOPLE = Path(__file__).resolve().parents[2] / "config/people.demo.yaml"


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cjji(cli_server: CliServer) -> Run:
    """``cjji(ENV, *ARGS, stdin=…, expect=…)``: one command, a process of its own (forked
    from the session's server: tests/support/cli_server.py)."""

    def run(
        env: dict[str, str], *args: str, stdin: str = "", expect: int = 0
    ) -> subprocess.CompletedProcess[str]:
        done = cli_server.run(args, env=env, cwd=Path.cwd(), stdin=stdin)
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done

    return run


def get(url: str, token: str | None = None) -> tuple[int, object]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_administrator_sets_a_password_issues_a_token_and_serves_the_api(
    cjji: Run, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CJJI_")},
        "CJJI_DATABASE_URL": f"sqlite:///{tmp_path / 'cjji.sqlite3'}",
        "CJJI_DATA_DIR": str(tmp_path),
        "CJJI_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CJJI_ACTOR": "admin",  # who acts, once `users load` has added them
    }
    cjji(env, "db", "upgrade")
    cjji(env, "users", "load", str(PEOPLE))
    short = cjji(env, "users", "passwd", "admin", "--password-stdin", stdin="short\n", expect=2)
    assert "at least 12 characters" in short.stderr
    cjji(env, "users", "passwd", "admin", "--password-stdin", stdin="a long enough password\n")
    created = cjji(env, "tokens", "create", "admin", "--label", "report script")
    token = created.stdout.strip()
    assert token.startswith("cjji_") and "shown once" in created.stderr
    listed = json.loads(cjji(env, "tokens", "list", "--json").stdout)
    assert [(t["username"], t["label"]) for t in listed] == [("admin", "report script")]
    assert token not in json.dumps(listed)

    server = subprocess.Popen(
        [sys.executable, "-m", "workflow.cli.main", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, me = get(f"http://127.0.0.1:{port}/api/me", token)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and server.poll() is None, "no server"
                time.sleep(0.2)
        assert status == 200 and me["username"] == "admin"  # type: ignore[index]
        cjji(env, "tokens", "revoke", str(listed[0]["id"]))
        status, problem = get(f"http://127.0.0.1:{port}/api/me", token)
        assert status == 401 and "revoked" in problem["detail"]  # type: ignore[index]
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=20)[0]
    assert f"web pages and API at http://127.0.0.1:{port}/" in output


def test_cjji_run_prints_where_to_sign_in_with_the_demo_password(cjji: Run, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CJJI_")},
        "CJJI_DATA_DIR": str(tmp_path),
        "CJJI_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CJJI_ACTOR": "admin",  # who acts, once `users load` has added them
    }
    done = cjji(env, "run", "--no-serve")
    assert f"Open http://127.0.0.1:{port}/ and sign in with password cjji-demo-2021" in (
        done.stdout
    )
    assert "signatory.hmicfrs" in done.stdout and "admin" in done.stdout
    production = {**env, "CJJI_ENVIRONMENT": "production", "CJJI_SECRET_KEY": "x" * 40}
    refused = cjji(production, "run", "--no-serve", expect=3)
    assert "never set in production" in refused.stderr
