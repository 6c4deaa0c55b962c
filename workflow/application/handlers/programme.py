"""Importing a business plan's programme from YAML: all or nothing, and idempotent.

The whole file is validated first and every error is reported by entry and field; only a
file without errors is imported, in one transaction. Entries are matched on ``ref``: an
unchanged entry changes nothing, a changed one is edited (and audited), a new one created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from workflow.application.commands import ImportProgramme
from workflow.application.context import Context
from workflow.application.handlers.streams import clean_fields, new_stream
from workflow.application.inputs import REF_PATTERN
from workflow.domain.bodies import BodyRegistry
from workflow.domain.errors import InvalidInput, UnknownBody
from workflow.domain.stages import TERMINAL_STAGES, Priority, WorkStreamKind
from workflow.domain.working_days import Jurisdiction
from workflow.store.tables import BusinessPlanRow


class PlanEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=REF_PATTERN.pattern)
    title: str = Field(min_length=1)
    starts: date | None = None
    ends: date | None = None


class StreamEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=REF_PATTERN.pattern)
    title: str = Field(min_length=1)
    section: (
        Literal["continuing core", "continuing thematic", "three or more", "bilateral"] | None
    ) = None
    kind: WorkStreamKind
    lead: str | None = None
    supporting: list[str] = Field(default_factory=list)
    jurisdiction: Jurisdiction = Jurisdiction.ENGLAND_AND_WALES
    priority: Priority = Priority.NORMAL
    expected_publication: str | None = None
    summary: str = ""
    missing: list[str] = Field(default_factory=list)
    children: list[StreamEntry] = Field(default_factory=list)

    @field_validator("summary", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("lead", "supporting")
    @classmethod
    def _known_bodies(cls, value: Any, info: ValidationInfo) -> Any:
        bodies: BodyRegistry = (info.context or {})["bodies"]
        for name in [value] if isinstance(value, str) else value or []:
            try:
                bodies.resolve(name)
            except UnknownBody as error:
                raise ValueError(str(error)) from None
        return value


class ProgrammeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: PlanEntry
    work_streams: list[StreamEntry] = Field(min_length=1)


@dataclass
class ImportResult:
    plan: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_programme(path: Path, bodies: BodyRegistry) -> ProgrammeFile:
    """Read and validate the whole file; :class:`InvalidInput` lists every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path} is not readable YAML: {error}".replace("\n", " ")) from None
    problems = _duplicate_refs(data)
    try:
        programme = ProgrammeFile.model_validate(data, context={"bodies": bodies})
    except ValidationError as error:
        problems = [_describe(data, e) for e in error.errors()] + problems
    if problems:
        raise InvalidInput(f"{path}: {len(problems)} error(s): " + "; ".join(problems))
    return programme


def _describe(data: Any, error: Any) -> str:
    loc = list(error["loc"])
    where = ".".join(str(p) for p in loc)
    if len(loc) >= 2 and loc[0] == "work_streams" and isinstance(loc[1], int):
        try:
            entry = data["work_streams"][loc[1]]
            ref = entry.get("ref") if isinstance(entry, dict) else None
        except (KeyError, IndexError, TypeError):
            ref = None
        where = f"entry {loc[1] + 1}" + (f" ({ref})" if ref else "")
        if len(loc) > 2:
            where += " field " + ".".join(str(p) for p in loc[2:])
    return f"{where}: {error['msg']}"


def _flatten(
    entries: list[StreamEntry], parent: str | None = None
) -> list[tuple[StreamEntry, str | None]]:
    out: list[tuple[StreamEntry, str | None]] = []
    for entry in entries:
        out.append((entry, parent))
        out.extend(_flatten(entry.children, entry.ref))
    return out


def _duplicate_refs(data: Any) -> list[str]:
    """Refs used twice anywhere in the file, children included (read from the raw data)."""
    seen: set[str] = set()
    problems: list[str] = []

    def walk(entries: Any) -> None:
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            ref = entry.get("ref")
            if isinstance(ref, str):
                if ref in seen:
                    problems.append(f"entry {ref}: ref is used twice")
                seen.add(ref)
            walk(entry.get("children"))

    walk(data.get("work_streams") if isinstance(data, dict) else None)
    return problems


def import_programme(cmd: ImportProgramme, ctx: Context) -> ImportResult:
    """Import the whole file, or nothing: it is validated before anything changes."""
    programme = load_programme(cmd.path, ctx.bodies)
    result = ImportResult(programme.plan.code)
    uow, actor = ctx.uow, ctx.actor
    _upsert_plan(uow.session, programme.plan)
    for entry, parent in _flatten(programme.work_streams):
        fields = _fields(entry)
        if not uow.streams.exists(entry.ref):
            ws = new_stream(
                ctx,
                actor,
                ref=entry.ref,
                title=entry.title,
                kind=entry.kind.value,
                plan=programme.plan.code,
                parent_ref=parent,
                **fields,
            )
            uow.add_stream(ws)
            result.created.append(entry.ref)
            continue
        ws = uow.streams.get(entry.ref)
        if ws.state in TERMINAL_STAGES:  # finished work is history: the plan cannot edit it
            result.unchanged.append(entry.ref)
            continue
        changes = ws.edit(
            actor.name,
            actor.body,
            ctx.clock(),
            **clean_fields(ctx.bodies, {"title": entry.title, **fields}),
        )
        (result.updated if changes else result.unchanged).append(entry.ref)
    return result


def _fields(entry: StreamEntry) -> dict[str, Any]:
    return {
        "lead": entry.lead,
        "supporting": entry.supporting,
        "jurisdiction": entry.jurisdiction.value,
        "priority": entry.priority.value,
        "expected_publication": entry.expected_publication,
        "summary": entry.summary,
        "missing": entry.missing,
    }


def _upsert_plan(session: Any, plan: PlanEntry) -> None:
    row = session.get(BusinessPlanRow, plan.code) or BusinessPlanRow(
        code=plan.code, title=plan.title
    )
    row.title, row.starts, row.ends = plan.title, plan.starts, plan.ends
    session.add(row)


HANDLERS: dict[type, Any] = {ImportProgramme: import_programme}
