"""A database that cannot be reached, a bad URL, a directory for a file: one line, no
traceback. Text from the database is printed with its control characters escaped."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL
from tests.support.cli_server import CliServer
from tests.support.redis_server import free_port
from workflow.bootstrap import Runtime, utc_now
from workflow.domain.events import WorkStreamCreated
from workflow.store.audit import append_events

PROGRAMME = Path(__file__).resolve().parents[2] / "config/programmes/cjji-2021-23.yaml"


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cjji(tmp_path: Path, cli_server: CliServer) -> Run:
    """``cjji(DATABASE_URL, *ARGS)``: one command, a process of its own (forked from the
    session's server: tests/support/cli_server.py), in the test's directory."""

    def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CJJI_")}
        env.update({"CJJI_DATABASE_URL": database_url, "CJJI_DATA_DIR": str(tmp_path)})
        return cli_server.run(args, env=env, cwd=tmp_path, timeout=60)

    return run


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("cjji: error: ")
    return done.stderr.strip()


def pg_url(database: str, port: int | None = None, password: str = "s3cret-pw") -> str:
    """PG_ADMIN_URL's server (or a port on its host) with a password it does not need."""
    server, _ = PG_ADMIN_URL.rsplit("/", 1)
    scheme, _, host = server.rpartition("@")
    if port is not None:
        host = f"{host.rsplit(':', 1)[0]}:{port}"
    return f"{scheme}:{password}@{host}/{database}"


@pytest.mark.parametrize("command", [("streams", "list"), ("db", "upgrade")])
def test_a_postgresql_port_with_nothing_listening_is_one_line_naming_it_without_password(
    cjji: Run, command: tuple[str, ...]
) -> None:
    url = pg_url("x", port=free_port())
    line = one_line(cjji(url, *command), 1)
    shown = url.replace(":s3cret-pw", "")
    assert line.startswith(f"cjji: error: the database at {shown} cannot be reached: ")
    assert "refused" in line.lower()
    assert line.endswith("; nothing was changed")
    assert "s3cret-pw" not in line


@pytest.mark.parametrize("command", [("streams", "list"), ("db", "upgrade")])
def test_a_postgresql_database_that_does_not_exist_is_one_line(
    cjji: Run, command: tuple[str, ...]
) -> None:
    line = one_line(cjji(pg_url("cjji_no_such_database"), *command), 1)
    assert "cannot be reached" in line
    assert 'database "cjji_no_such_database" does not exist' in line
    assert line.endswith("; nothing was changed")
    assert "s3cret-pw" not in line


def test_a_sqlite_database_that_cannot_be_opened_is_one_line(cjji: Run, tmp_path: Path) -> None:
    (tmp_path / "a-directory").mkdir()
    url = f"sqlite:///{tmp_path / 'a-directory'}"
    line = one_line(cjji(url, "streams", "list"), 1)
    assert line == (
        f"cjji: error: the database at {url} cannot be reached: unable to open database file; "
        "nothing was changed"
    )


@pytest.mark.parametrize(
    "url", ["nonsense", "postgresql://who:pw@127.0.0.1:notaport/x", "sqlite//missing-colon"]
)
def test_a_malformed_database_url_is_one_line_saying_what_is_expected(cjji: Run, url: str) -> None:
    line = one_line(cjji(url, "streams", "list"), 2)
    assert "is not a URL: expected sqlite:///PATH or postgresql://USER@HOST:PORT/NAME" in line
    assert ":pw@" not in line


def test_a_mysql_url_is_refused_naming_the_databases_supported(cjji: Run) -> None:
    line = one_line(cjji("mysql://root:pw@127.0.0.1/cjji", "db", "upgrade"), 2)
    assert line == (
        "cjji: error: the database URL mysql://root@127.0.0.1/cjji names 'mysql', which is not "
        "supported: use sqlite:///PATH or postgresql://USER@HOST:PORT/NAME"
    )


def test_a_directory_given_for_the_programme_file_is_one_line(cjji: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cjji.sqlite3'}"
    assert cjji(url, "db", "upgrade").returncode == 0
    (tmp_path / "plans").mkdir()
    line = one_line(cjji(url, "programme", "import", "plans/"), 2)
    assert line == "cjji: error: cannot read plans: Is a directory"


EVIL_ACTOR = "evil\x1b[2J\x1b]0;pwned\x07 \u202ereversed\u2066 [/]\x9b31m"


def test_the_audit_log_shows_control_characters_in_an_actor_escaped(cjji: Run, rt: Runtime) -> None:
    with rt.sessions() as session, session.begin():
        event = WorkStreamCreated(
            actor=EVIL_ACTOR, body=None, at=utc_now(), reason="tab\there", fields={}
        )
        append_events(session, "some-ref", [event])
    done = cjji(rt.settings.database_url, "audit", "log")
    assert done.returncode == 0, done.stderr
    for raw in ("\x1b", "\x07", "\u202e", "\u2066", "\x9b"):
        assert raw not in done.stdout
    for shown in ("\\x1b[2J", "\\x1b]0;pwned\\x07", "\\u202ereversed\\u2066", "[/]", "\\x9b31m"):
        assert shown in done.stdout
    # JSON for scripts: the same actor, escaped by JSON itself, read back intact.
    as_json = cjji(rt.settings.database_url, "audit", "log", "--json")
    assert as_json.returncode == 0, as_json.stderr
    for raw in ("\x1b", "\x07", "\u202e", "\u2066", "\x9b"):
        assert raw not in as_json.stdout
    assert json.loads(as_json.stdout)[-1]["actor"] == EVIL_ACTOR


def test_an_error_message_quoting_what_was_typed_shows_control_characters_escaped(
    cjji: Run,
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'cjji.sqlite3'}"
    assert cjji(url, "db", "upgrade").returncode == 0
    line = one_line(cjji(url, "programme", "import", "plan\x1b[2J\u202e.yaml"), 2)
    assert line == "cjji: error: no such file: plan\\x1b[2J\\u202e.yaml"
