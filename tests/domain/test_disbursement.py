"""Disbursement (放款): the loan's first event, recorded by its account manager."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import (
    AdministratorBusinessActionError,
    InvalidInputError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.loan import Loan
from domain.values import Grade, LoanStatus, Role, loan_id_for
from tests.domain.givens import event_names
from tests.factories import actor, disbursed_loan, disbursement_params, party


def test_disbursement_opens_an_active_normal_loan_with_the_full_principal_outstanding() -> None:
    loan = disbursed_loan(loan_no="JJ2025000001", principal=Decimal("1000000.00"))

    assert loan.id == loan_id_for("JJ2025000001")
    assert loan.status is LoanStatus.ACTIVE
    assert loan.grade is Grade.NORMAL
    assert loan.balance == Decimal("1000000.00")
    assert loan.term.maturity_date == date(2026, 1, 10)
    assert event_names(loan) == ["Disbursed"]


def test_the_disbursing_account_manager_becomes_the_loans_account_manager() -> None:
    manager = actor(Role.ACCOUNT_MANAGER)

    loan = disbursed_loan(actor=manager)

    assert loan.account_manager_id == manager.id
    assert loan.account_managers == [manager.id]
    disbursed = loan.pending_events[0]
    assert disbursed.actor_id == manager.id
    assert disbursed.role is Role.ACCOUNT_MANAGER


@pytest.mark.parametrize("maturity", [date(2025, 1, 10), date(2025, 1, 9)])
def test_maturity_must_fall_after_the_value_date(maturity: date) -> None:
    with pytest.raises(InvalidInputError) as refused:
        disbursed_loan(value_date=date(2025, 1, 10), maturity_date=maturity)

    assert refused.value.context["field"] == "maturity_date"


@pytest.mark.parametrize("principal", ["0", "0.00", "-1.00", "100.001", "NaN", "1e30", "abc"])
def test_principal_must_be_a_positive_amount_with_at_most_two_decimals(principal: str) -> None:
    with pytest.raises(InvalidInputError):
        disbursed_loan(principal=principal)


def test_principal_is_kept_to_the_cent() -> None:
    loan = disbursed_loan(principal="1000000")

    assert loan.principal == Decimal("1000000.00")
    assert loan.principal.as_tuple().exponent == -2


@pytest.mark.parametrize("blank", ["", "   "])
def test_borrower_name_must_not_be_blank(blank: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        disbursed_loan(borrower_name=blank)

    assert refused.value.context["field"] == "borrower_name"


@pytest.mark.parametrize(
    "role", [Role.POST_LOAN_OFFICER, Role.RISK_MANAGER, Role.BRANCH_HEAD, Role.ARCHIVIST]
)
def test_only_an_account_manager_may_record_a_disbursement(role: Role) -> None:
    with pytest.raises(RoleNotPermittedError):
        disbursed_loan(actor=actor(role))


def test_an_administrator_may_not_record_a_disbursement() -> None:
    with pytest.raises(AdministratorBusinessActionError):
        Loan.disburse(**disbursement_params(actor=actor(Role.ADMINISTRATOR)))


# ------------------------------------------------------------------ origination parties
# 审贷分离: who investigated (调查), reviewed (审查) and approved (审批) the loan are named at
# disbursement, so a responsibility determination can later find them; no one holds two.


def test_a_disbursement_names_who_investigated_reviewed_and_approved_the_loan() -> None:
    manager = actor(Role.ACCOUNT_MANAGER)
    investigator = party(Role.ACCOUNT_MANAGER)
    reviewer = party(Role.REVIEWER)
    approver = party(Role.BRANCH_HEAD)

    loan = disbursed_loan(
        actor=manager,
        investigator=investigator,
        origination_reviewer=reviewer,
        approver=approver,
    )

    assert loan.investigator_id == investigator.id
    assert loan.origination_reviewer_id == reviewer.id
    assert loan.approver_id == approver.id
    assert loan.account_manager_id == manager.id
    disbursed = loan.pending_events[0]
    assert (
        disbursed.investigator_id,
        disbursed.origination_reviewer_id,
        disbursed.approver_id,
    ) == (investigator.id, reviewer.id, approver.id)


def test_the_account_manager_is_the_investigator_unless_another_is_named() -> None:
    manager = actor(Role.ACCOUNT_MANAGER)

    loan = disbursed_loan(actor=manager)

    assert loan.investigator_id == manager.id
    assert loan.origination_reviewer_id is None
    assert loan.approver_id is None


def test_a_risk_manager_may_approve_a_loan() -> None:
    approver = party(Role.RISK_MANAGER)

    loan = disbursed_loan(origination_reviewer=party(Role.REVIEWER), approver=approver)

    assert loan.approver_id == approver.id


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.REVIEWER, Role.POST_LOAN_OFFICER])
def test_the_approver_must_hold_the_branch_head_or_risk_manager_role(role: Role) -> None:
    with pytest.raises(SegregationOfDutiesError) as refused:
        disbursed_loan(approver=party(role))

    assert "approver must hold the branch head or risk manager role" in refused.value.en
    assert "行长或风险经理" in refused.value.zh


def test_an_approver_who_no_longer_holds_any_role_may_not_approve() -> None:
    with pytest.raises(SegregationOfDutiesError):
        disbursed_loan(approver=party())


def test_the_account_manager_who_investigated_may_not_approve_the_loan() -> None:
    manager = actor(Role.ACCOUNT_MANAGER)
    also_branch_head = party(Role.ACCOUNT_MANAGER, Role.BRANCH_HEAD, id=manager.id)

    with pytest.raises(SegregationOfDutiesError) as refused:
        disbursed_loan(actor=manager, approver=also_branch_head)

    assert "other than its investigator" in refused.value.en


def test_a_named_investigator_may_not_approve_the_loan() -> None:
    investigator = party(Role.ACCOUNT_MANAGER, Role.BRANCH_HEAD)

    with pytest.raises(SegregationOfDutiesError) as refused:
        disbursed_loan(investigator=investigator, approver=investigator)

    assert "approver must be someone other than its investigator" in refused.value.en


def test_the_origination_reviewer_may_not_approve_the_loan() -> None:
    reviewer = party(Role.REVIEWER, Role.RISK_MANAGER)

    with pytest.raises(SegregationOfDutiesError) as refused:
        disbursed_loan(origination_reviewer=reviewer, approver=reviewer)

    assert "other than its origination reviewer" in refused.value.en
    assert "审批人不能是审查人" in refused.value.zh


def test_the_investigator_may_not_review_the_loan() -> None:
    manager = actor(Role.ACCOUNT_MANAGER)

    with pytest.raises(SegregationOfDutiesError) as refused:
        disbursed_loan(actor=manager, origination_reviewer=party(Role.REVIEWER, id=manager.id))

    assert "origination reviewer must be someone other than its investigator" in refused.value.en


def test_a_named_investigator_may_not_review_the_loan() -> None:
    investigator = party(Role.ACCOUNT_MANAGER, Role.REVIEWER)

    with pytest.raises(SegregationOfDutiesError):
        disbursed_loan(investigator=investigator, origination_reviewer=investigator)
