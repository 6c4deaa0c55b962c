"""Token scopes against roles, and the password rules, as plain functions."""

from __future__ import annotations

import pytest

from workflow.adapters.password_policy import common_passwords, weakness
from workflow.application.scopes import Scope, narrow, parse, scopes_of_roles, spelled
from workflow.domain.errors import InvalidInput
from workflow.domain.roles import Role


def test_a_persons_roles_bound_the_scopes_of_their_tokens() -> None:
    assert scopes_of_roles({Role.INSPECTOR}) == {Scope.READ, Scope.ACT}
    assert scopes_of_roles({Role.SIGNATORY, Role.CONTACT}) == {
        Scope.READ,
        Scope.DECIDE,
        Scope.ACT,
    }
    assert scopes_of_roles({Role.ADMINISTRATOR}) == {Scope.READ, Scope.ADMIN}
    # read_only wins over any other role, as in the policy.
    assert scopes_of_roles({Role.READ_ONLY, Role.ADMINISTRATOR}) == {Scope.READ}


def test_a_token_keeps_only_the_roles_its_scopes_cover() -> None:
    roles = frozenset({Role.ADMINISTRATOR, Role.INSPECTOR, Role.SIGNATORY})
    assert narrow(roles, {"act"}) == {Role.INSPECTOR}
    assert narrow(roles, {"decide", "admin"}) == {Role.SIGNATORY, Role.ADMINISTRATOR}
    assert narrow(roles, {"read"}) == {Role.READ_ONLY}


def test_scopes_are_read_and_spelled_in_one_order() -> None:
    assert spelled(parse(["Admin", " read"])) == "read admin"
    with pytest.raises(InvalidInput, match="no token scope 'write'"):
        parse(["write"])


def test_the_deny_list_is_shipped_and_read() -> None:
    common = common_passwords()
    assert len(common) > 19_000 and "password" in common and "123456" in common


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "Tr0ub4dor&3 plus more", "twelve chars"],
)
def test_long_uncommon_passwords_pass_without_composition_rules(password: str) -> None:
    assert weakness(password, "someone") is None
