"""docker-compose.yml, checked by parsing (there is no Docker engine here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from workflow.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
OURS = [name for name, s in SERVICES.items() if s.get("build") == "."]


def resolve(argv: list[str]) -> Any:
    """The click command `cjji argv…` runs, checking every option it is given exists."""
    command: Any = typer.main.get_command(app)
    words = list(argv)
    while words and hasattr(command, "commands") and words[0] in command.commands:
        command = command.commands[words.pop(0)]
    assert not hasattr(command, "commands"), f"`cjji {' '.join(argv)}` names no command"
    known = {opt for p in command.params for opt in getattr(p, "opts", [])}
    for word in words:
        if word.startswith("--"):
            assert word.split("=")[0] in known, f"`cjji {' '.join(argv)}`: no option {word}"
    return command


def test_the_file_has_every_service_the_engine_needs() -> None:
    assert {"postgres", "redis", "migrate", "web", "worker", "beat", "mailpit", "flower"} <= set(
        SERVICES
    )


@pytest.mark.parametrize("name", OURS)
def test_every_engine_service_runs_a_command_that_exists_in_the_project(name: str) -> None:
    command = SERVICES[name]["command"]
    assert command[0] == "cjji"
    resolve(command[1:])


def test_the_image_default_command_exists_too() -> None:
    cmd = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    argv = yaml.safe_load(cmd.removeprefix("CMD").strip())
    assert argv[0] == "cjji"
    resolve(argv[1:])


@pytest.mark.parametrize("name", list(SERVICES))
def test_dependencies_wait_for_health_or_completion(name: str) -> None:
    for target, rule in (SERVICES[name].get("depends_on") or {}).items():
        assert target in SERVICES, f"{name} depends on unknown service {target}"
        condition = rule["condition"]
        assert condition in {"service_healthy", "service_completed_successfully"}
        if condition == "service_healthy":
            assert "healthcheck" in SERVICES[target], f"{target} has no healthcheck"


def test_redis_keeps_its_queue_on_disk_and_the_migration_runs_once() -> None:
    assert "--appendonly" in SERVICES["redis"]["command"]
    assert (
        SERVICES["redis"]["command"][SERVICES["redis"]["command"].index("--appendonly") + 1]
        == "yes"
    )
    assert SERVICES["migrate"]["command"] == ["cjji", "db", "upgrade"]
    assert SERVICES["migrate"]["restart"] == "no"


def test_engine_services_share_one_configuration_pointing_at_the_compose_services() -> None:
    for name in OURS:
        env = SERVICES[name]["environment"]
        assert env["CJJI_DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in env["CJJI_DATABASE_URL"]
        assert env["CJJI_BROKER_URL"] == "redis://redis:6379/0"
        assert env["CJJI_SMTP_HOST"] == "mailpit"
