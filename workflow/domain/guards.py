"""Guards: pure questions asked of a work stream before a move.

Each guard returns ``None`` when its condition holds, or one sentence naming the unmet
condition and what would meet it. Guards change nothing; the time, the actor and the
reason come in as a :class:`MoveContext`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.key_matters import decides
from workflow.domain.stages import ScopingDecision, Stage, WorkStreamKind
from workflow.domain.workstream import WorkStream


@dataclass(frozen=True, slots=True)
class MoveContext:
    actor: str
    body: str | None
    at: datetime
    reason: str | None = None
    decision: ScopingDecision | None = None
    url: str | None = None  # publish: where the report is published
    version: str | None = None  # publish: the version published


Guard = Callable[[WorkStream, MoveContext], str | None]


def lead_recorded(ws: WorkStream, ctx: MoveContext) -> str | None:
    return None if ws.lead else "no lead body is recorded: record the lead inspectorate first"


def supporting_recorded(ws: WorkStream, ctx: MoveContext) -> str | None:
    if any(b != ws.lead for b in ws.supporting):
        return None
    return "no supporting body is recorded: a joint work stream needs at least one"


def terms_of_reference_agreed(ws: WorkStream, ctx: MoveContext) -> str | None:
    tor = ws.terms_of_reference
    if tor.current is None:
        return "no terms of reference are recorded: register them and have every body agree"
    missing = tor.outstanding(ws.participants)
    if missing:
        return (
            f"the terms of reference (version {tor.current[:12]}) await agreement from "
            f"{', '.join(missing)}"
        )
    return None


def matter_agreed(matter: DocumentKind) -> Guard:
    """Every participating body has agreed the current version of ``matter`` (a key matter
    the lead may not decide alone), unless the kind of work stream does not decide it
    itself (:mod:`workflow.domain.key_matters`). The refusal names the matter, the version
    and the bodies still to decide."""
    label = matter.label

    def guard(ws: WorkStream, ctx: MoveContext) -> str | None:
        if not decides(ws.kind, matter):
            return None
        doc = ws.document(matter)
        if doc.current is None:
            return (
                f"no {label} version is registered: register it and have every body agree "
                f"(`cjji drafts add {ws.ref} --kind {matter.value} --file FILE`)"
            )
        missing = doc.outstanding(ws.participants)
        if missing:
            verb = "await" if label.endswith("s") else "awaits"
            return (
                f"the {label} (version {doc.current[:12]}) {verb} agreement from "
                f"{', '.join(missing)}"
            )
        return None

    guard.__name__ = f"{matter.value}_agreed"
    return guard


methodology_agreed = matter_agreed(DocumentKind.METHODOLOGY)
findings_agreed = matter_agreed(DocumentKind.FINDINGS)
recommendations_agreed = matter_agreed(DocumentKind.RECOMMENDATIONS)
publication_arrangements_agreed = matter_agreed(DocumentKind.PUBLICATION_ARRANGEMENTS)


def key_people_named(ws: WorkStream, ctx: MoveContext) -> str | None:
    """Each participating body has named its lead inspector and senior-level oversight."""
    missing = ws.unnamed_key_people()
    if missing:
        return (
            f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} not named a lead "
            "inspector and senior-level oversight (`cjji streams name-leads`)"
        )
    return None


def not_a_scoping_study(ws: WorkStream, ctx: MoveContext) -> str | None:
    if ws.kind is WorkStreamKind.SCOPING_STUDY:
        return "a scoping study ends after scoping: conclude it with a decision instead"
    return None


def is_scoping_study(ws: WorkStream, ctx: MoveContext) -> str | None:
    if ws.kind is WorkStreamKind.SCOPING_STUDY:
        return None
    return f"only a scoping study concludes from scoping; this is a {ws.kind.value}"


def scoping_decision_given(ws: WorkStream, ctx: MoveContext) -> str | None:
    if ctx.decision is None:
        return "a decision is required: proceed or do_not_proceed"
    return None


def draft_registered(ws: WorkStream, ctx: MoveContext) -> str | None:
    if ws.report.current is None:
        return "no draft report version is registered: add a draft first"
    return None


def report_approved_by_every_body(ws: WorkStream, ctx: MoveContext) -> str | None:
    if ws.report.current is None:
        return "no draft report version is registered"
    missing = ws.report.outstanding(ws.participants)
    if missing:
        return f"draft version {ws.report.current[:12]} awaits approval from {', '.join(missing)}"
    return None


#: Kinds whose draft must pass a factual accuracy check before joint sign-off.
FACTUAL_ACCURACY_REQUIRED = frozenset(
    {WorkStreamKind.THEMATIC_INSPECTION, WorkStreamKind.VISIT, WorkStreamKind.PHASE}
)


def factual_accuracy_done(ws: WorkStream, ctx: MoveContext) -> str | None:
    check = ws.factual_accuracy
    if check is None:
        if ws.kind in FACTUAL_ACCURACY_REQUIRED:
            return (
                "the draft has had no factual accuracy check: send it to the inspected bodies "
                "with `cjji fa start`"
            )
        return None
    if not check.complete:
        waiting = check.undisposed()
        if waiting:
            return (
                f"the factual accuracy check is not complete: comment(s) "
                f"{', '.join(map(str, waiting))} have no disposition: give each one with "
                "`cjji fa dispose`"
            )
        return (
            "the factual accuracy check awaits sign-off by a member of the lead body who "
            "was not on the fieldwork team (`cjji fa sign-off`)"
        )
    if check.accepted_any() and ws.report.current == check.version:
        return (
            "accepted factual accuracy comments call for a new draft version: register it "
            "with `cjji drafts add`"
        )
    return None


def publication_scheduled(ws: WorkStream, ctx: MoveContext) -> str | None:
    if ws.publication.scheduled_for is None:
        return "no publication date and time is set: schedule it with `cjji publication schedule`"
    return None


def publication_time_reached(ws: WorkStream, ctx: MoveContext) -> str | None:
    """Not before the scheduled time, unless the lead confirms an early release with a
    reason (the move's reason, kept in the audit trail)."""
    when = ws.publication.scheduled_for
    if when is None or ctx.at >= when or (ctx.reason and ctx.reason.strip()):
        return None
    return (
        f"publication is scheduled for {when.strftime('%d %B %Y %H:%M %Z').strip()}: "
        "to publish before then, confirm an early release and give the reason"
    )


def embargoed_copy_sent(ws: WorkStream, ctx: MoveContext) -> str | None:
    p = ws.publication
    if p.embargo_sent_at is None:
        return (
            "the embargoed copy has not gone to its recipients yet: send it with "
            "`cjji publication send-embargo`"
        )
    if p.embargo_version != ws.report.current:
        return "the embargoed copy was of another version: send the approved version"
    return None


def published_version_is_the_approved_one(ws: WorkStream, ctx: MoveContext) -> str | None:
    problems = []
    if not ctx.url or not ctx.url.startswith("https://") or len(ctx.url) <= len("https://"):
        problems.append(
            "give the public URL of the published report, starting https://: publish with "
            "`cjji publication publish KEY --url URL --version HASH`, not `cjji streams fire`"
        )
    if ctx.version != ws.report.current:
        given = ctx.version[:12] if ctx.version else "no version"
        current = ws.report.current[:12] if ws.report.current else "none"
        problems.append(
            f"the published version must be the one every body approved ({current}), not {given}"
        )
    return "; ".join(problems) or None


def changes_requested(ws: WorkStream, ctx: MoveContext) -> str | None:
    if any(d.value == "request_changes" for d in ws.report.standing().values()):
        return None
    return "no body has requested changes to the current draft"


def recommendations_closed(ws: WorkStream, ctx: MoveContext) -> str | None:
    still_open = ws.open_recommendations
    if still_open:
        numbers = ", ".join(str(r.number) for r in still_open)
        return f"{len(still_open)} recommendation(s) still open ({numbers}): close or carry them"
    return None


def reason_given(ws: WorkStream, ctx: MoveContext) -> str | None:
    if ctx.reason and ctx.reason.strip():
        return None
    return "a reason is required: say why"


def paused_from(stage: Stage) -> Guard:
    """Resume returns to the state the work stream was paused in, and only there."""

    def guard(ws: WorkStream, ctx: MoveContext) -> str | None:
        return None if ws.paused_from is stage else f"it was not paused in {stage.value}"

    guard.__name__ = f"paused_from_{stage.value}"
    return guard
