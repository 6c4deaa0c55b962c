"""Who may do what: one table, consulted by the message bus for every command, whatever
the entry point (command line, API, web page, signed link).

A row says, for one command, which roles may send it and in which relation to what it
concerns: the actor's body to the work stream (it leads it, supports it, or takes no
part), or the actor to the person concerned (themselves or another). ``read_only`` wins
over every other role a person holds. The engine's own principal has the role
``engine``. Nothing else grants anything: a command without a row is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from workflow.application.commands import (
    AddEmbargoRecipient,
    AddFactualAccuracyComment,
    AddRecommendation,
    AddUsers,
    CarryRecommendation,
    CloseRecommendation,
    Command,
    CommissionWork,
    CreateToken,
    CreateWorkStream,
    DeferWork,
    DisposeFactualAccuracyComment,
    DropWork,
    EditWorkStream,
    ExtendDeadline,
    FireTrigger,
    ImportProgramme,
    LoadPeople,
    MarkDeadlineMet,
    MigrateLifecycle,
    MovePlan,
    NameKeyPeople,
    OverrideDeadlineRule,
    ProposeParticipants,
    Publish,
    RecordConsultationResponse,
    RecordDecision,
    RecordMilestone,
    RecordParticipantsDecision,
    RecordPlanDecision,
    RecordRating,
    RecordUrgentNotification,
    RegisterDocument,
    RegisterWitnessKey,
    ReprioritiseWork,
    RespondToRecommendation,
    ReviewRecommendation,
    RevokeToken,
    SchedulePublication,
    SendEmbargoedCopy,
    SetActive,
    SetDemoPasswords,
    SetFieldworkTeam,
    SetPassword,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.principal import Principal
from workflow.domain.errors import NotPermitted
from workflow.domain.roles import Role


class Relation(StrEnum):
    """How the actor stands to what a command concerns."""

    LEAD = "lead"  # their body leads the work stream (or may: it has no lead yet)
    SUPPORTING = "supporting"  # their body is a supporting participant
    OUTSIDER = "outsider"  # their body takes no part in the work stream
    OTHER_BODY = "other_body"  # the command is taken for a body that is not theirs
    OWES = "owes"  # their body (not the lead) owes the deadline concerned
    SELF = "self"  # the person concerned is the actor
    OTHER = "other"  # the person concerned is someone else
    NONE = "none"  # the command concerns no work stream and no person


ENGINE = "engine"  # the role of the engine's own principal
STREAM = frozenset({Relation.LEAD, Relation.SUPPORTING, Relation.OUTSIDER})
PARTICIPANT = frozenset({Relation.LEAD, Relation.SUPPORTING})
LEAD = frozenset({Relation.LEAD})
SELF = frozenset({Relation.SELF})
OTHER = frozenset({Relation.OTHER})
ANYONE = frozenset({Relation.SELF, Relation.OTHER, Relation.NONE})
NONE = frozenset({Relation.NONE})


@dataclass(frozen=True, slots=True)
class Rule:
    """``allowed`` maps a role (or ``engine``) to the relations in which it may act;
    ``by_token``: whether an API token may send it at all (a token signed in with its
    scopes, which have already narrowed the roles it is read with)."""

    what: str
    allowed: Mapping[str, frozenset[Relation]]
    by_token: bool = True


Grant = dict[str, frozenset[Relation]]


def _grant(roles: Iterable[str], relations: frozenset[Relation]) -> Grant:
    return {str(role): relations for role in roles}


def _either(*grants: Grant) -> Grant:
    """Several grants together: a role holds every relation any of them gives it."""
    out: Grant = {}
    for grant in grants:
        for role, relations in grant.items():
            out[role] = out.get(role, frozenset()) | relations
    return out


MOVERS = (Role.INSPECTOR, Role.CHIEF_INSPECTOR)
DECIDERS = (Role.SIGNATORY, Role.DEPUTY_SIGNATORY)
STAFF = tuple(r for r in Role if r is not Role.READ_ONLY)


def _lead_staff(what: str) -> Rule:
    """The lead body's inspectors and chief inspector: singly led."""
    return Rule(what, _grant(MOVERS, LEAD))


def _plan_admin(what: str) -> Rule:
    """Administrators run the business plan's own life."""
    return Rule(what, _grant([Role.ADMINISTRATOR], NONE))


POLICY: dict[type[Command], Rule] = {
    # -- work streams: the lead body's staff move them ------------------------------------
    CreateWorkStream: _lead_staff("create a work stream"),
    EditWorkStream: _lead_staff("edit a work stream"),
    FireTrigger: _lead_staff("move a work stream"),
    MigrateLifecycle: _lead_staff("put a work stream under another lifecycle version"),
    RegisterDocument: _lead_staff("register a document version"),
    # -- joint decisions: each participating body's own signatory or deputy ---------------
    RecordDecision: Rule("record a body's decision", _grant(DECIDERS, PARTICIPANT)),
    # Each participating body names its own lead inspector and senior-level oversight.
    NameKeyPeople: Rule(
        "name a body's lead inspector and senior-level oversight", _grant(MOVERS, PARTICIPANT)
    ),
    # A change of participants: the lead proposes, each body that remains agrees (the
    # domain refuses a body the change would drop).
    ProposeParticipants: _lead_staff("propose a change of participants"),
    RecordParticipantsDecision: Rule(
        "record a body's decision on a change of participants", _grant(DECIDERS, PARTICIPANT)
    ),
    # -- the report's journey: the lead body's staff ----------------------------------
    StartFactualAccuracy: _lead_staff("start the factual accuracy check"),
    AddFactualAccuracyComment: _lead_staff("record a factual accuracy comment"),
    DisposeFactualAccuracyComment: _lead_staff("dispose of a factual accuracy comment"),
    SignOffFactualAccuracy: _lead_staff("sign off the factual accuracy check"),
    SetFieldworkTeam: _lead_staff("set the fieldwork team"),
    AddRecommendation: _lead_staff("add a recommendation"),
    RespondToRecommendation: _lead_staff("record a response to a recommendation"),
    ReviewRecommendation: _lead_staff("review a recommendation"),
    CloseRecommendation: _lead_staff("close a recommendation"),
    CarryRecommendation: _lead_staff("carry a recommendation forward"),
    SchedulePublication: _lead_staff("schedule publication"),
    AddEmbargoRecipient: _lead_staff("add an embargo recipient"),
    # The engine sends a due embargoed copy by itself, for the lead.
    SendEmbargoedCopy: Rule(
        "send the embargoed copy", _either(_grant(MOVERS, LEAD), _grant([ENGINE], STREAM))
    ),
    Publish: _lead_staff("publish the report"),
    RecordUrgentNotification: _lead_staff("record an urgent notification"),
    RecordRating: _lead_staff("record a rating"),
    # -- deadlines: the lead body decides --------------------------------------------------
    ExtendDeadline: _lead_staff("extend a deadline"),
    # The lead, or the body that owes the deadline, says it is met.
    MarkDeadlineMet: Rule(
        "mark a deadline met",
        _either(_grant(MOVERS, LEAD), _grant(STAFF, frozenset({Relation.OWES}))),
    ),
    RecordMilestone: _lead_staff("record a milestone date"),
    OverrideDeadlineRule: _lead_staff("give a deadline rule another duration"),
    # -- the directory and access: administrators; each person for themselves ----------
    # A body's cosigning key decides whose cosignature counts: administrators only.
    RegisterWitnessKey: Rule(
        "register a body's checkpoint-cosigning key", _grant([Role.ADMINISTRATOR], NONE)
    ),
    AddUsers: Rule("add people", _grant([Role.ADMINISTRATOR, ENGINE], NONE)),
    LoadPeople: Rule("load people from a file", _grant([Role.ADMINISTRATOR, ENGINE], NONE)),
    SetActive: Rule("activate or deactivate a person", _grant([Role.ADMINISTRATOR], OTHER)),
    # A password is changed signed in (with the current one) or by an administrator,
    # never with a token: a stolen token must not become a stolen account.
    SetPassword: Rule(
        "set a password",
        _either(_grant(Role, SELF), _grant([Role.ADMINISTRATOR], ANYONE)),
        by_token=False,
    ),
    SetDemoPasswords: Rule("set the demonstration passwords", _grant([ENGINE], NONE)),
    CreateToken: Rule(
        "create an API token", _either(_grant(STAFF, SELF), _grant([Role.ADMINISTRATOR], ANYONE))
    ),
    RevokeToken: Rule(
        "revoke an API token", _either(_grant(Role, SELF), _grant([Role.ADMINISTRATOR], ANYONE))
    ),
    ImportProgramme: Rule(
        "import a business plan's programme", _grant([Role.ADMINISTRATOR, ENGINE], NONE)
    ),
    # -- the business plan's own life: administrators run it; each chief inspector
    # approves it for their own body only (the relation is other_body for another's) -----
    MovePlan: _plan_admin("move a business plan"),
    RecordConsultationResponse: _plan_admin("record a consultation response"),
    ReprioritiseWork: _plan_admin("re-prioritise a work stream of the plan"),
    DeferWork: _plan_admin("defer a work stream of the plan"),
    DropWork: _plan_admin("drop a work stream from the plan"),
    CommissionWork: _plan_admin("commission new work in-year"),
    RecordPlanDecision: Rule(
        "approve the business plan for a body", _grant([Role.CHIEF_INSPECTOR], NONE)
    ),
}


def roles_of(who: Principal) -> frozenset[str]:
    """The roles the table is read with: ``read_only`` alone if held, ``engine`` for the
    engine."""
    if who.engine:
        return frozenset({ENGINE})
    if who.read_only:
        return frozenset({Role.READ_ONLY.value})
    return frozenset(r.value for r in who.roles)


def is_allowed(command: type[Command], who: Principal, relation: Relation) -> bool:
    rule = POLICY.get(command)
    if rule is None or (who.via_token and not rule.by_token):
        return False
    return any(relation in rule.allowed.get(role, frozenset()) for role in roles_of(who))


def authorise(command: Command, who: Principal, relation: Relation, about: str = "") -> None:
    """Refuse ``command`` unless a row allows it; the refusal says what would be needed.

    ``about`` describes what the command concerns (who leads the work stream, which body a
    decision is for), so that the refusal can name it.
    """
    rule = POLICY.get(type(command))
    if rule is None:
        raise NotPermitted(f"{type(command).__name__} is in no row of the policy: nobody may")
    if is_allowed(type(command), who, relation):
        return
    if who.via_token and not rule.by_token:
        raise NotPermitted(f"an API token cannot {rule.what}: sign in to the web pages to do it")
    if who.read_only:
        raise NotPermitted(f"{who.username} has read-only access and cannot {rule.what}")
    held = roles_of(who)
    able = [role for role, rels in rule.allowed.items() if relation in rels]
    if able and not held & set(able):
        raise NotPermitted(
            f"{who.username} cannot {rule.what}: that needs the {' or '.join(able)} role "
            f"(roles held: {', '.join(sorted(held)) or 'none'})"
        )
    raise NotPermitted(_refusal(rule, who, relation, about))


def _refusal(rule: Rule, who: Principal, relation: Relation, about: str) -> str:
    body = who.body or "no body"
    if relation is Relation.OTHER_BODY:
        return f"{who.username} acts for {body} and {about}"
    if relation in (Relation.SUPPORTING, Relation.OUTSIDER):
        if Relation.SUPPORTING in _relations(rule):  # a participant's act: they take no part
            return f"{who.username} cannot {rule.what}: {about}"
        return (
            f"{who.username} cannot {rule.what}: {about}: only the lead body moves it, not {body}"
        )
    if relation is Relation.SELF:
        return f"{who.username} cannot {rule.what} for themselves"
    if relation is Relation.OTHER:
        return f"{who.username} cannot {rule.what} for someone else: only for themselves"
    return f"{who.username} cannot {rule.what}"


def _relations(rule: Rule) -> frozenset[Relation]:
    return frozenset().union(*rule.allowed.values())


__all__ = ["ENGINE", "POLICY", "Relation", "Rule", "authorise", "is_allowed", "roles_of"]
