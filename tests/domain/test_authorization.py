"""Who may do what (docs/rules.md STF-02 to STF-06: roles, 三员分立), with bilingual refusals."""

from __future__ import annotations

import re

import pytest

from domain.authorization import BUSINESS_ROLES, PERMISSIONS, Action, authorize, choose_role
from domain.errors import (
    AdministratorBusinessActionError,
    AuthorizationError,
    DomainError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.values import Role
from tests.factories import actor

CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_bilingual(error: DomainError) -> None:
    assert error.en.strip()
    assert error.zh.strip()
    assert CJK.search(error.zh), error.zh
    assert error.en in str(error)
    assert error.zh in str(error)


def test_the_first_permitted_role_held_is_chosen() -> None:
    held = {Role.AUDITOR, Role.POST_LOAN_OFFICER, Role.ACCOUNT_MANAGER}

    assert choose_role(held, Action.RECORD_INSPECTION) is Role.ACCOUNT_MANAGER
    assert choose_role(held, Action.DETERMINE_RESPONSIBILITY) is Role.AUDITOR


def test_a_role_not_permitted_is_skipped_for_a_later_permitted_one() -> None:
    held = {Role.REVIEWER, Role.RISK_MANAGER}

    assert choose_role(held, Action.APPROVE_CLASSIFICATION) is Role.RISK_MANAGER


def test_a_named_role_that_is_held_and_permitted_is_used() -> None:
    held = {Role.ACCOUNT_MANAGER, Role.POST_LOAN_OFFICER}

    chosen = choose_role(held, Action.RECORD_INSPECTION, Role.POST_LOAN_OFFICER)

    assert chosen is Role.POST_LOAN_OFFICER


def test_a_named_role_not_held_is_refused() -> None:
    with pytest.raises(RoleNotPermittedError) as refused:
        choose_role({Role.ACCOUNT_MANAGER}, Action.APPROVE_CLASSIFICATION, Role.RISK_MANAGER)

    assert refused.value.context["role"] == "risk_manager"
    assert_bilingual(refused.value)


def test_a_named_role_held_but_not_permitted_is_refused_even_if_another_held_role_is() -> None:
    held = {Role.REVIEWER, Role.RISK_MANAGER}

    with pytest.raises(RoleNotPermittedError):
        choose_role(held, Action.APPROVE_CLASSIFICATION, Role.REVIEWER)


def test_no_permitted_role_held_is_refused_naming_the_allowed_roles() -> None:
    with pytest.raises(RoleNotPermittedError) as refused:
        choose_role({Role.ARCHIVIST}, Action.APPROVE_CLASSIFICATION)

    assert refused.value.context["allowed"] == ["risk_manager"]
    assert "risk_manager" in refused.value.en
    assert "风险经理" in refused.value.zh
    assert_bilingual(refused.value)


def test_no_role_at_all_is_refused() -> None:
    with pytest.raises(RoleNotPermittedError) as refused:
        choose_role(set(), Action.READ_BUSINESS)

    assert_bilingual(refused.value)


@pytest.mark.parametrize("action", [a for a in Action if Role.ADMINISTRATOR not in PERMISSIONS[a]])
def test_an_administrator_may_not_perform_business_actions(action: Action) -> None:
    with pytest.raises(AdministratorBusinessActionError) as refused:
        choose_role({Role.ADMINISTRATOR}, action)

    assert refused.value.context["action"] == action.value
    assert_bilingual(refused.value)


def test_a_business_user_may_not_manage_staff() -> None:
    with pytest.raises(SegregationOfDutiesError) as refused:
        choose_role({Role.BRANCH_HEAD, Role.COMPLIANCE}, Action.GRANT_ROLE)

    assert not isinstance(refused.value, AdministratorBusinessActionError)
    assert_bilingual(refused.value)


def test_administration_is_for_the_administrator_alone() -> None:
    administration = {
        Action.ENROL_STAFF,
        Action.GRANT_ROLE,
        Action.REVOKE_ROLE,
        Action.ISSUE_TOKEN,
        Action.TRANSFER_STAFF,
    }

    feed = {Action.IMPORT_FEED, Action.READ_FEED}

    for action in administration:
        assert PERMISSIONS[action] == {Role.ADMINISTRATOR}
    for action in set(Action) - administration - feed:
        assert PERMISSIONS[action] <= BUSINESS_ROLES | {Role.ADMINISTRATOR}
    for action in feed:
        assert Role.ADMINISTRATOR not in PERMISSIONS[action]


def test_the_integration_identity_imports_and_reads_the_core_feed_and_nothing_else() -> None:
    assert Role.INTEGRATION not in BUSINESS_ROLES
    assert {a for a, allowed in PERMISSIONS.items() if Role.INTEGRATION in allowed} == {
        Action.IMPORT_FEED,
        Action.READ_FEED,
    }
    assert PERMISSIONS[Action.IMPORT_FEED] == {Role.INTEGRATION}
    assert PERMISSIONS[Action.READ_FEED] == {
        Role.INTEGRATION,
        Role.RISK_MANAGER,
        Role.AUDITOR,
        Role.COMPLIANCE,
    }


@pytest.mark.parametrize(
    "action",
    [Action.READ_BUSINESS, Action.RECORD_REPAYMENT, Action.RECORD_OVERDUE, Action.READ_TRAIL],
)
def test_the_integration_identity_may_not_read_or_record_business(action: Action) -> None:
    with pytest.raises(RoleNotPermittedError) as refused:
        choose_role({Role.INTEGRATION}, action)

    assert not isinstance(refused.value, AdministratorBusinessActionError)
    assert "系统对接岗" in refused.value.zh
    assert_bilingual(refused.value)


def test_the_integration_identity_may_not_manage_staff() -> None:
    with pytest.raises(SegregationOfDutiesError) as refused:
        choose_role({Role.INTEGRATION}, Action.ENROL_STAFF)

    assert "三员分立" in refused.value.zh
    assert_bilingual(refused.value)


@pytest.mark.parametrize("role", sorted(set(Role) - {Role.INTEGRATION}, key=list(Role).index))
def test_only_the_integration_identity_imports_the_core_feed(role: Role) -> None:
    authorize(actor(Role.INTEGRATION), Action.IMPORT_FEED)
    with pytest.raises(AuthorizationError):  # the administrator by its own rule (三员分立)
        authorize(actor(role), Action.IMPORT_FEED)


def test_every_action_has_a_permission_entry() -> None:
    assert set(PERMISSIONS) == set(Action)


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        (Action.DISBURSE, {Role.ACCOUNT_MANAGER}),
        (Action.APPROVE_CLASSIFICATION, {Role.RISK_MANAGER}),
        (Action.CLEAR_WARNING, {Role.RISK_MANAGER, Role.BRANCH_HEAD}),
        (Action.DETERMINE_WARNING, {Role.REVIEWER, Role.RISK_MANAGER, Role.BRANCH_HEAD}),
        (Action.WRITE_OFF, {Role.BRANCH_HEAD}),
        (Action.EXTEND, {Role.BRANCH_HEAD}),
        (Action.RESTRUCTURE, {Role.BRANCH_HEAD}),
        (Action.DETERMINE_RESPONSIBILITY, {Role.AUDITOR}),
    ],
)
def test_the_role_table_of_the_procedures(action: Action, allowed: set[Role]) -> None:
    for role in BUSINESS_ROLES:  # the administrator is refused by its own rule, tested above
        if role in allowed:
            authorize(actor(role), action)
        else:
            with pytest.raises(RoleNotPermittedError):
                authorize(actor(role), action)
