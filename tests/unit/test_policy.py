"""The policy table walked whole: every command, every role, every relation.

The expectations are the domain's rules as DOMAIN.md states them ("singly led, jointly
owned"), written here independently of the table's own spelling.
"""

from __future__ import annotations

import itertools

import pytest

from workflow.application import commands as c
from workflow.application.handlers import COMMAND_HANDLERS
from workflow.application.policy import ENGINE, POLICY, Relation, authorise, is_allowed
from workflow.application.principal import Principal, engine_principal
from workflow.domain.errors import NotPermitted
from workflow.domain.roles import Role

MOVERS = {Role.INSPECTOR, Role.CHIEF_INSPECTOR}
DECIDERS = {Role.SIGNATORY, Role.DEPUTY_SIGNATORY}
PEOPLE_COMMANDS = {c.AddUsers, c.LoadPeople, c.SetActive, c.ImportProgramme}
PLAN_COMMANDS = {
    c.MovePlan,
    c.RecordConsultationResponse,
    c.ReprioritiseWork,
    c.DeferWork,
    c.DropWork,
    c.CommissionWork,
}
SELF_SERVICE = {c.SetPassword, c.CreateToken, c.RevokeToken}


def expected(command: type[c.Command], role: str, relation: Relation) -> bool:
    if role == Role.READ_ONLY:  # sees, changes nothing but their own password and tokens
        return command in {c.SetPassword, c.RevokeToken} and relation is Relation.SELF
    if command in (c.RecordDecision, c.RecordParticipantsDecision):
        # each participating body's own signatory or deputy (jointly owned)
        return role in DECIDERS and relation in (Relation.LEAD, Relation.SUPPORTING)
    if command is c.NameKeyPeople:
        # each participating body names its own lead inspector and senior oversight
        return role in MOVERS and relation in (Relation.LEAD, Relation.SUPPORTING)
    if command is c.RecordPlanDecision:  # each chief inspector, for their own body only
        return role == Role.CHIEF_INSPECTOR and relation is Relation.NONE
    if command in PLAN_COMMANDS:  # administrators run the business plan's own life
        return role == Role.ADMINISTRATOR and relation is Relation.NONE
    if command is c.RegisterWitnessKey:  # whose cosignature counts: administrators only
        return role == Role.ADMINISTRATOR and relation is Relation.NONE
    if command is c.SetDemoPasswords:
        return role == ENGINE and relation is Relation.NONE
    if command in PEOPLE_COMMANDS:
        if command is c.SetActive:
            return role == Role.ADMINISTRATOR and relation is Relation.OTHER
        return role in (Role.ADMINISTRATOR, ENGINE) and relation is Relation.NONE
    if command in SELF_SERVICE:
        if role == Role.ADMINISTRATOR:
            return relation in (Relation.SELF, Relation.OTHER, Relation.NONE)
        return role != ENGINE and relation is Relation.SELF
    if command is c.MarkDeadlineMet and relation is Relation.OWES:  # the body that owes it
        return role not in (ENGINE,)
    # Everything else concerns one work stream, which its lead body's staff run.
    if command is c.SendEmbargoedCopy and role == ENGINE:
        return relation in (Relation.LEAD, Relation.SUPPORTING, Relation.OUTSIDER)
    return role in MOVERS and relation is Relation.LEAD


def principal(role: str) -> Principal:
    if role == ENGINE:
        return engine_principal()
    return Principal(1, "p", "P", "HMICFRS", frozenset({Role(role)}))


ROLES = [*(r.value for r in Role), ENGINE]


def test_every_command_has_one_handler_and_one_row() -> None:
    every = {getattr(c, name) for name in c.__all__} - {c.Command}
    assert set(COMMAND_HANDLERS) == every
    assert set(POLICY) == every


@pytest.mark.parametrize("command", sorted(POLICY, key=str))
def test_the_table_says_what_the_rules_say_for_every_role_and_relation(
    command: type[c.Command],
) -> None:
    for role, relation in itertools.product(ROLES, Relation):
        allowed = is_allowed(command, principal(role), relation)
        assert allowed == expected(command, role, relation), (command.__name__, role, relation)


def test_a_refusal_says_which_role_would_be_needed() -> None:
    reader = principal(Role.CONTACT.value)
    with pytest.raises(NotPermitted, match="needs the inspector or chief_inspector role"):
        authorise(c.FireTrigger(key="x", trigger="pause"), reader, Relation.LEAD, "x")


def test_nobody_acts_for_another_body() -> None:
    for role in ROLES:
        for command in POLICY:
            assert not is_allowed(command, principal(role), Relation.OTHER_BODY)


def test_a_change_of_participants_is_proposed_by_the_lead_and_decided_by_each_bodys_signatory() -> (
    None
):
    propose = c.ProposeParticipants(key="x", supporting=(), reason="why")
    decide = c.RecordParticipantsDecision(key="x", number=1, body="HMICFRS", decision="agree")
    inspector, signatory, deputy = (
        principal(Role.INSPECTOR.value),
        principal(Role.SIGNATORY.value),
        principal(Role.DEPUTY_SIGNATORY.value),
    )
    assert is_allowed(type(propose), inspector, Relation.LEAD)
    assert not is_allowed(type(propose), inspector, Relation.SUPPORTING)
    assert not is_allowed(type(propose), signatory, Relation.LEAD)
    for decider in (signatory, deputy):
        assert is_allowed(type(decide), decider, Relation.LEAD)
        assert is_allowed(type(decide), decider, Relation.SUPPORTING)
        assert not is_allowed(type(decide), decider, Relation.OUTSIDER)
        assert not is_allowed(type(decide), decider, Relation.OTHER_BODY)
    assert not is_allowed(type(decide), inspector, Relation.LEAD)
    assert not is_allowed(type(decide), engine_principal(), Relation.SUPPORTING)
    with pytest.raises(NotPermitted, match="needs the signatory or deputy_signatory role"):
        authorise(decide, inspector, Relation.SUPPORTING, "x is led by HMIPROBATION")


def test_an_api_token_never_sets_a_password_whatever_its_scopes() -> None:
    """The one row a token may not send, even an administrator's: a stolen token must not
    become a stolen account."""
    assert [cmd for cmd, rule in POLICY.items() if not rule.by_token] == [c.SetPassword]
    person = Principal(1, "ann", "Ann", "HMICFRS", frozenset({Role.ADMINISTRATOR}))
    by_token = Principal(
        1,
        "ann",
        "Ann",
        "HMICFRS",
        frozenset({Role.ADMINISTRATOR}),
        token_scopes=frozenset({"admin"}),
    )
    command = c.SetPassword(username="ann", password="x" * 12)
    assert is_allowed(c.SetPassword, person, Relation.SELF)
    for relation in (Relation.SELF, Relation.OTHER):
        with pytest.raises(NotPermitted, match="an API token cannot set a password"):
            authorise(command, by_token, relation)
