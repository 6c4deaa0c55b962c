"""Commands on the directory and on access: people, passwords, API tokens; and loading a
business plan's programme."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.application.commands.base import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class AddUsers(Command):
    """Each entry has username, name, email, body and roles; ``skip_known`` leaves people
    already in the directory as they are (else a known username is a conflict)."""

    people: tuple[Mapping[str, Any], ...]
    skip_known: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadPeople(Command):
    """The people of a YAML file; those already known stay as they are."""

    path: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPassword(Command):
    """A new password; changing one's own needs the current one (administrators may set
    anyone's without it). No API token may send it."""

    username: str
    password: str
    current_password: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetDemoPasswords(Command):
    """The demonstration password for demo people who have none (never in production)."""

    usernames: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SetActive(Command):
    username: str
    active: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateToken(Command):
    """``scopes``: read, act, decide, admin (default: all the person's roles allow);
    ``days``: its lifetime (default ``CJJI_TOKEN_DAYS``, 90)."""

    username: str
    label: str
    days: int | None = None
    scopes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeToken(Command):
    token_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportProgramme(Command):
    path: Path
