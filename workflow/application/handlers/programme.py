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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from workflow.adapters.yaml_files import YAMLError, load_yaml
from workflow.application.commands import ImportProgramme
from workflow.application.context import Context
from workflow.application.handlers.streams import (
    check_nations,
    clean_fields,
    new_stream,
    parent_problem,
)
from workflow.application.inputs import (
    MAX_PLAN_BYTES,
    MAX_PLAN_ENTRIES,
    REF_PATTERN,
    check_text,
)
from workflow.domain.bodies import BodyRegistry
from workflow.domain.errors import InvalidInput, UnknownBody
from workflow.domain.fuzzy_dates import parse_fuzzy_date
from workflow.domain.stages import TERMINAL_STAGES, Priority, WorkStreamKind
from workflow.domain.working_days import Jurisdiction
from workflow.domain.workstream import encode_field
from workflow.store.tables import BusinessPlanRow
from workflow.store.uow import UnitOfWork


class PlanEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=REF_PATTERN.pattern)
    title: str = Field(min_length=1)
    starts: date | None = None
    ends: date | None = None

    @model_validator(mode="after")
    def _in_order(self) -> PlanEntry:
        if self.starts and self.ends and self.starts > self.ends:
            raise ValueError(
                f"the plan starts on {self.starts} after it ends on {self.ends}: "
                "swap the dates or correct one"
            )
        return self


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
    #: The code of an earlier plan this work stream was imported by and is carried over
    #: from: without it, a ref another plan imported is refused.
    carried_from: str | None = Field(default=None, pattern=REF_PATTERN.pattern)
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

    @model_validator(mode="after")
    def _nesting(self) -> ProgrammeFile:
        problems: list[str] = []
        for entry in self.work_streams:
            if entry.kind is WorkStreamKind.VISIT:
                problems.append(f"{entry.ref}: a visit belongs under a rolling programme")
        for entry, _parent in _flatten(self.work_streams):
            for child in entry.children:
                problem = parent_problem(child.kind, entry.kind)
                if problem:
                    problems.append(f"{child.ref}: {problem}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


@dataclass
class ImportResult:
    plan: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: "ref: why": entries that differ from a finished work stream, which is not changed.
    refused: list[str] = field(default_factory=list)
    #: Whether the plan's own title or dates changed.
    plan_updated: bool = False
    #: "ref: …" lines a person should read: e.g. a publication date that cannot be read.
    warnings: list[str] = field(default_factory=list)


def load_programme(path: Path, bodies: BodyRegistry) -> ProgrammeFile:
    """Read and validate the whole file; :class:`InvalidInput` lists every problem."""
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise InvalidInput(
                f"{path} is {size} bytes: a plan file may be at most {MAX_PLAN_BYTES} bytes"
            )
        data = load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except (YAMLError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path} is not readable YAML: {error}".replace("\n", " ")) from None
    entries = _count_entries(data.get("work_streams") if isinstance(data, dict) else None)
    if entries > MAX_PLAN_ENTRIES:
        raise InvalidInput(
            f"{path} has {entries} work stream entries: a plan file may have at most "
            f"{MAX_PLAN_ENTRIES}, children included"
        )
    check_text("plan", data, f"{path}")
    problems = _duplicate_refs(data)
    try:
        programme = ProgrammeFile.model_validate(data, context={"bodies": bodies})
    except ValidationError as error:
        problems = [_describe(data, e) for e in error.errors()] + problems
    if problems:
        raise InvalidInput(f"{path}: {len(problems)} error(s): " + "; ".join(problems))
    return programme


def _count_entries(entries: Any) -> int:
    if not isinstance(entries, list):
        return 0
    return sum(
        1 + (_count_entries(e.get("children")) if isinstance(e, dict) else 0) for e in entries
    )


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
    code = programme.plan.code
    result = ImportResult(code)
    uow, actor = ctx.uow, ctx.actor
    entries = _flatten(programme.work_streams)
    problems = _conflicts(uow, code, entries)
    if problems:
        raise InvalidInput(
            f"{cmd.path}: {len(problems)} error(s): "
            + "; ".join(problems)
            + "; nothing was imported"
        )
    result.plan_updated = _upsert_plan(uow.session, programme.plan)
    for entry, parent in entries:
        fields = _fields(entry)
        when = entry.expected_publication
        if when and not (parsed := parse_fuzzy_date(when)).earliest and not parsed.latest:
            result.warnings.append(
                f"{entry.ref}: expected_publication {when!r} is not a date the engine can read: "
                "imported as undated"
            )
        if not uow.streams.exists(entry.ref):
            ws = new_stream(
                ctx,
                actor,
                ref=entry.ref,
                title=entry.title,
                kind=entry.kind.value,
                plan=code,
                parent_ref=parent,
                **fields,
            )
            ws.plan_section = entry.section
            uow.add_stream(ws)
            result.created.append(entry.ref)
            continue
        ws = uow.streams.get(entry.ref)
        if ws.plan_section != entry.section:  # the plan's layout: no event, even when closed
            uow.streams.set_plan_section(ws, entry.section)
        values = clean_fields(ctx.bodies, {"title": entry.title, **fields})
        if ws.state in TERMINAL_STAGES:  # finished work is history: the plan cannot edit it
            differ = [
                n
                for n, v in values.items()
                if encode_field(n, getattr(ws, n)) != encode_field(n, v)
            ]
            if ws.plan != code:
                differ.insert(0, "plan")
            if differ:
                result.refused.append(
                    f"{entry.ref}: {ws.state.value}, so {', '.join(differ)} not changed"
                )
            else:
                result.unchanged.append(entry.ref)
            continue
        ws.check_participants_change(values["lead"], values["supporting"])
        lead = (values["lead"],) if values["lead"] else ()
        check_nations(ctx.bodies, ws.ref, lead + values["supporting"], values["jurisdiction"])
        changed = bool(ws.edit(actor.name, actor.body, ctx.clock(), **values))
        if ws.plan != code:  # carried over from the plan named in carried_from
            ws.carry_to(code, actor.name, actor.body, ctx.clock())
            changed = True
        (result.updated if changed else result.unchanged).append(entry.ref)
    return result


def _conflicts(
    uow: UnitOfWork, code: str, entries: list[tuple[StreamEntry, str | None]]
) -> list[str]:
    """What the file says that the engine cannot apply: nothing is imported if any."""
    problems: list[str] = []
    for entry, parent in entries:
        name = f"entry {entry.ref}"
        if not uow.streams.exists(entry.ref):
            if entry.carried_from:
                problems.append(
                    f"{name}: carried_from {entry.carried_from}, but no work stream "
                    f"{entry.ref!r} exists: remove carried_from to create it"
                )
            continue
        ws = uow.streams.get(entry.ref)
        if ws.plan is not None and ws.plan != code and entry.carried_from != ws.plan:
            problems.append(
                f"{name}: the ref belongs to plan {ws.plan}: choose another ref, or write "
                f"`carried_from: {ws.plan}` if this plan carries the work stream over"
            )
        elif entry.carried_from and entry.carried_from not in (ws.plan, code):
            problems.append(
                f"{name}: carried_from {entry.carried_from}, but the work stream belongs to "
                f"plan {ws.plan or '(none)'}"
            )
        if ws.kind is not entry.kind:
            problems.append(
                f"{name}: kind is {ws.kind.value} in the engine and {entry.kind.value} in the "
                "file: a kind cannot be changed once imported"
            )
        if ws.parent_ref != parent:
            problems.append(
                f"{name}: its parent is {ws.parent_ref or '(none)'} in the engine and "
                f"{parent or '(none)'} in the file: a parent cannot be changed once imported"
            )
    return problems


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


def _upsert_plan(session: Any, plan: PlanEntry) -> bool:
    """Store the plan's row; True if an existing plan's title or dates changed."""
    row = session.get(BusinessPlanRow, plan.code)
    if row is None:
        session.add(
            BusinessPlanRow(code=plan.code, title=plan.title, starts=plan.starts, ends=plan.ends)
        )
        return False
    if (row.title, row.starts, row.ends) == (plan.title, plan.starts, plan.ends):
        return False
    row.title, row.starts, row.ends = plan.title, plan.starts, plan.ends
    session.add(row)
    return True


HANDLERS: dict[type, Any] = {ImportProgramme: import_programme}
