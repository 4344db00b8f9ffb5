"""Data scope (docs/rules.md SCP-01 to SCP-08): the bank's units, each role's reach, the one
decision, and the moves of people and loans that make scope answerable on any past day."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.authorization import Action
from domain.errors import (
    DateOutOfOrderError,
    InvalidInputError,
    OutOfScopeError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
    UnknownBranchError,
)
from domain.rules import RulesError, RuleSet, shipped_rules
from domain.scope import Hierarchy, Level, Mode, Reach, Reaching, Unit, in_scope, mode_of
from domain.staff import Staff
from domain.values import Role
from tests.factories import actor, disbursed_loan, party, rules_with

HEAD, EAST, OUTLET, WEST, BUSINESS = "总行", "城东支行", "东湖分理处", "城西支行", "营业部"
HIERARCHY = shipped_rules().scope.hierarchy


def reaching(reach: Reach, branch: str, person: Any = None, *more: Reach) -> Reaching:
    return Reaching(
        person_id=person or uuid4(),
        person="张伟（0202）",
        branch=branch,
        role=Role.ACCOUNT_MANAGER,
        mode=Mode.READ,
        reaches=(reach, *more),
        hierarchy=HIERARCHY,
    )


# ------------------------------------------------------------------------------ the hierarchy
def test_the_shipped_hierarchy_is_the_demo_banks_head_office_sub_branches_and_an_outlet() -> None:
    assert HIERARCHY.units[HEAD].level is Level.HEAD_OFFICE
    assert {u.name for u in HIERARCHY.units.values() if u.parent == HEAD} == {
        BUSINESS,
        EAST,
        WEST,
    }
    assert HIERARCHY.below(EAST) == {EAST, OUTLET}
    assert HIERARCHY.below(HEAD) == {HEAD, BUSINESS, EAST, OUTLET, WEST}
    assert HIERARCHY.below(WEST) == {WEST}
    assert HIERARCHY.path(OUTLET) == (HEAD, EAST, OUTLET)


def test_a_branch_the_hierarchy_does_not_know_is_refused_naming_the_units() -> None:
    with pytest.raises(UnknownBranchError) as refused:
        HIERARCHY.check_known("上海分行营业部")
    assert refused.value.context["branch"] == "上海分行营业部"
    assert "城东支行" in refused.value.zh
    assert "城东支行" in refused.value.en
    assert HIERARCHY.check_known(EAST) == EAST
    assert Hierarchy().knows("任何名称"), "no hierarchy configured: any name stands alone"


def branches(*entries: dict[str, Any]) -> RuleSet:
    source: dict[str, Any] = dict(shipped_rules().source)
    source["branches"] = list(entries)
    return RuleSet.from_mapping(source)


HEAD_UNIT = {"name": HEAD, "code": "000", "level": "head_office"}


@pytest.mark.parametrize(
    ("entries", "field"),
    [
        ([HEAD_UNIT, {**HEAD_UNIT, "code": "001"}], "branches[1].name"),
        ([HEAD_UNIT, {"name": EAST, "code": "000", "level": "sub_branch"}], "branches[1].code"),
        ([HEAD_UNIT, {"name": EAST, "code": "002", "level": "district"}], "branches[1].level"),
        ([{"name": EAST, "code": "002", "level": "sub_branch"}], "branches"),
        ([HEAD_UNIT, {**HEAD_UNIT, "name": "第二总行", "code": "999"}], "branches"),
        (
            [HEAD_UNIT, {"name": EAST, "code": "002", "level": "sub_branch", "parent": "无此行"}],
            "branches[1].parent",
        ),
        (
            [
                HEAD_UNIT,
                {"name": OUTLET, "code": "0021", "level": "outlet", "parent": HEAD},
                {"name": EAST, "code": "002", "level": "sub_branch", "parent": OUTLET},
            ],
            "branches[2].level",
        ),
        (
            [HEAD_UNIT, {"name": " 城东支行", "code": "002", "level": "sub_branch"}],
            "branches[1].name",
        ),
        ([HEAD_UNIT, {"name": EAST, "code": "002", "level": "sub_branch", "x": 1}], "branches[1]"),
    ],
)
def test_a_hierarchy_that_cannot_be_used_is_refused_naming_the_key(
    entries: list[dict[str, Any]], field: str
) -> None:
    with pytest.raises(RulesError) as refused:
        branches(*entries)
    assert refused.value.context["field"] == field
    assert field in refused.value.zh
    assert field in refused.value.en


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        ({"account_manager": {"act": "everywhere", "read": "branch"}}, "scope.account_manager.act"),
        ({"administrator": {"act": "bank", "read": "bank"}}, "scope.administrator"),
        ({"account_manager": {"write": "bank"}}, "scope.account_manager"),
        ({"janitor": {"act": "bank", "read": "bank"}}, "scope.janitor"),
    ],
)
def test_a_scope_that_cannot_be_used_is_refused_naming_the_key(
    scope: dict[str, Any], field: str
) -> None:
    with pytest.raises(RulesError) as refused:
        rules_with(scope=scope)
    assert refused.value.context["field"] == field


def test_every_business_role_needs_a_scope() -> None:
    source: dict[str, Any] = dict(shipped_rules().source)
    source["scope"] = {k: v for k, v in source["scope"].items() if k != "auditor"}
    with pytest.raises(RulesError) as refused:
        RuleSet.from_mapping(source)
    assert "auditor" in refused.value.en


def test_the_shipped_scope_is_the_issues_defaults() -> None:
    scope = shipped_rules().scope
    assert scope.reaches(Role.ACCOUNT_MANAGER, Mode.ACT) == (Reach.OWN_LOANS,)
    assert scope.reaches(Role.ACCOUNT_MANAGER, Mode.READ) == (Reach.BRANCH, Reach.OWN_LOANS)
    assert scope.reaches(Role.BRANCH_HEAD, Mode.ACT) == (Reach.BRANCH_AND_BELOW,)
    for role in (Role.RISK_MANAGER, Role.ARCHIVIST, Role.ARCHIVE_HEAD, Role.COMPLIANCE):
        assert set(scope.reaches(role, Mode.READ)) == {Reach.BANK}, role
    assert scope.reaches(Role.AUDITOR, Mode.ACT) == (Reach.BANK,)
    assert scope.reaches(Role.ADMINISTRATOR, Mode.READ) == ()


def test_a_rule_set_written_before_scope_reaches_bank_wide_with_no_hierarchy() -> None:
    source: dict[str, Any] = dict(shipped_rules().source)
    del source["scope"], source["branches"]
    older = RuleSet.from_mapping(source)
    assert not older.scope.hierarchy.configured
    for role in Role:
        if role is not Role.ADMINISTRATOR:
            assert older.scope.reaches(role, Mode.ACT) == (Reach.BANK,), role


def test_reads_are_judged_by_the_read_scope_commands_by_the_act_scope() -> None:
    assert mode_of(Action.READ_DOCUMENT) is Mode.READ
    assert mode_of(Action.ISSUE_AUDIT_BUNDLE) is Mode.READ
    assert mode_of(Action.RECORD_INSPECTION) is Mode.ACT
    assert mode_of(Action.APPROVE_DESTRUCTION) is Mode.ACT


# ------------------------------------------------------------------------------ the decision
ME = uuid4()
SOMEONE = uuid4()


@pytest.mark.parametrize(
    ("reach", "person_branch", "loan_branch", "managers", "reached"),
    [
        (Reach.OWN_LOANS, EAST, EAST, {SOMEONE}, False),
        (Reach.OWN_LOANS, EAST, WEST, {SOMEONE, ME}, True),
        (Reach.BRANCH, EAST, EAST, {SOMEONE}, True),
        (Reach.BRANCH, EAST, OUTLET, {SOMEONE}, False),
        (Reach.BRANCH, EAST, WEST, {ME}, False),
        (Reach.BRANCH_AND_BELOW, EAST, OUTLET, {SOMEONE}, True),
        (Reach.BRANCH_AND_BELOW, EAST, WEST, {SOMEONE}, False),
        (Reach.BRANCH_AND_BELOW, HEAD, WEST, {SOMEONE}, True),
        (Reach.BRANCH_AND_BELOW, OUTLET, EAST, {SOMEONE}, False),
        (Reach.BANK, OUTLET, WEST, {SOMEONE}, True),
    ],
)
def test_who_reaches_a_loan(
    reach: Reach, person_branch: str, loan_branch: str, managers: set[Any], reached: bool
) -> None:
    assert (
        in_scope(
            reach,
            person_id=ME,
            person_branch=person_branch,
            loan_branch=loan_branch,
            loan_managers=managers,
            hierarchy=HIERARCHY,
        )
        is reached
    )


@given(
    reaches=st.lists(st.sampled_from(list(Reach)), min_size=1, max_size=2),
    person_branch=st.sampled_from(sorted(HIERARCHY.units)),
    loan_branch=st.sampled_from(sorted(HIERARCHY.units)),
    managed=st.booleans(),
)
def test_the_rows_a_register_keeps_are_the_loans_the_decision_reaches(
    reaches: list[Reach], person_branch: str, loan_branch: str, managed: bool
) -> None:
    who = reaching(reaches[0], person_branch, ME, *reaches[1:])
    managers = {ME} if managed else {SOMEONE}
    assert who.rows().covers(loan_branch, managers) is who.covers(loan_branch, managers)
    assert who.rows().filtered is (Reach.BANK not in reaches)


def test_a_refusal_names_the_loan_and_the_scope_in_chinese_and_english() -> None:
    who = reaching(Reach.BRANCH, EAST, ME, Reach.OWN_LOANS)
    with pytest.raises(OutOfScopeError) as refused:
        who.check("DK2025000001", BUSINESS, {SOMEONE})
    error = refused.value
    assert error.code == "out_of_scope"
    assert "DK2025000001" in error.zh
    assert BUSINESS in error.zh
    assert "本机构（城东支行）及本人管户贷款（张伟（0202））" in error.zh
    assert "the loans of 城东支行 and the loans 张伟（0202） manages" in error.en
    assert error.context["scope"] == ["branch", "own_loans"]
    assert error.context["mode"] == "read"
    who.check("DK2025000002", EAST, {SOMEONE})
    who.check("DK2025000003", WEST, {ME})


def test_a_branch_named_beyond_ones_reach_is_refused() -> None:
    head = reaching(Reach.BRANCH_AND_BELOW, EAST)
    head.check_branch(OUTLET)
    with pytest.raises(OutOfScopeError) as refused:
        head.check_branch(WEST)
    assert refused.value.context["branch"] == WEST
    with pytest.raises(UnknownBranchError):
        head.check_branch("火星支行")


# ------------------------------------------------------------------------------ moves
def enrolled(branch: str = EAST) -> Staff:
    return Staff.enrol(
        staff_no="0202", name="王晓东", branch=branch, actor=actor(Role.ADMINISTRATOR)
    )


def test_a_person_moved_between_branches_belongs_to_each_on_its_days() -> None:
    staff = enrolled()
    admin = actor(Role.ADMINISTRATOR)
    staff.transfer(branch=WEST, moved_on=date(2026, 3, 1), reason="轮岗", actor=admin)
    staff.transfer(branch=BUSINESS, moved_on=date(2026, 9, 1), reason="调岗", actor=admin)
    assert staff.branch == BUSINESS
    assert staff.branch_on(date(2025, 1, 1)) == EAST
    assert staff.branch_on(date(2026, 2, 28)) == EAST
    assert staff.branch_on(date(2026, 3, 1)) == WEST
    assert staff.branch_on(date(2026, 12, 1)) == BUSINESS
    with pytest.raises(DateOutOfOrderError):
        staff.transfer(branch=EAST, moved_on=date(2026, 8, 31), reason="补录", actor=admin)
    with pytest.raises(InvalidInputError):
        staff.transfer(branch=BUSINESS, moved_on=date(2026, 10, 1), reason="重复", actor=admin)


def test_only_an_administrator_moves_a_person() -> None:
    with pytest.raises(SegregationOfDutiesError):
        enrolled().transfer(
            branch=WEST, moved_on=date(2026, 3, 1), reason="轮岗", actor=actor(Role.BRANCH_HEAD)
        )


def test_a_loan_moved_between_branches_belongs_to_each_on_its_days() -> None:
    loan = disbursed_loan(branch=EAST)
    rm = actor(Role.RISK_MANAGER)
    loan.move(branch=WEST, moved_on=date(2025, 6, 1), reason="客户迁址", actor=rm)
    assert loan.branch == WEST
    assert loan.branch_on(date(2025, 5, 31)) == EAST
    assert loan.branch_on(date(2025, 6, 1)) == WEST
    with pytest.raises(DateOutOfOrderError):
        loan.move(branch=EAST, moved_on=date(2025, 5, 1), reason="回迁", actor=rm)
    with pytest.raises(RoleNotPermittedError):
        loan.move(branch=EAST, moved_on=date(2025, 7, 1), reason="回迁", actor=actor(Role.AUDITOR))


def test_a_loans_a_and_b_managers_are_assigned_with_a_date() -> None:
    opener = actor(Role.ACCOUNT_MANAGER)
    loan = disbursed_loan(actor=opener)
    assert loan.managers == {opener.id}
    a, b = party(Role.ACCOUNT_MANAGER), party(Role.ACCOUNT_MANAGER)
    head = actor(Role.BRANCH_HEAD)
    loan.assign_account_managers(
        a_manager=a, b_manager=b, assigned_on=date(2025, 3, 1), reason="双人管户", actor=head
    )
    assert loan.managers == {a.id, b.id}
    assert loan.managers_on(date(2025, 2, 28)) == (opener.id, None)
    assert loan.managers_on(date(2025, 3, 1)) == (a.id, b.id)
    with pytest.raises(SegregationOfDutiesError):
        loan.assign_account_managers(
            a_manager=a, b_manager=a, assigned_on=date(2025, 4, 1), reason="同一人", actor=head
        )
    with pytest.raises(InvalidInputError):
        loan.assign_account_managers(
            a_manager=a,
            b_manager=party(Role.REVIEWER),
            assigned_on=date(2025, 4, 1),
            reason="复核人",
            actor=head,
        )
    with pytest.raises(DateOutOfOrderError):
        loan.assign_account_managers(
            a_manager=b, b_manager=a, assigned_on=date(2025, 2, 1), reason="倒签", actor=head
        )


def test_a_handover_to_the_b_manager_leaves_the_loan_without_one() -> None:
    loan = disbursed_loan()
    a, b = party(Role.ACCOUNT_MANAGER), party(Role.ACCOUNT_MANAGER)
    head = actor(Role.BRANCH_HEAD)
    loan.assign_account_managers(
        a_manager=a, b_manager=b, assigned_on=date(2025, 3, 1), reason="双人管户", actor=head
    )
    loan.hand_over(handed_over_on=date(2025, 5, 1), receiving=b, reason="调岗", actor=head)
    assert loan.managers == {b.id}
    assert loan.managers_on(date(2025, 4, 30)) == (a.id, b.id)
    assert loan.managers_on(date(2025, 5, 1)) == (b.id, None)


def test_units_are_values() -> None:
    unit = Unit(EAST, "002", Level.SUB_BRANCH, HEAD)
    assert HIERARCHY.units[EAST] == unit
