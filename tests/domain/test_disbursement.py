"""Disbursement (放款): the loan's first event, recorded by its account manager."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import AdministratorBusinessActionError, InvalidInputError, RoleNotPermittedError
from domain.loan import Loan
from domain.values import Grade, LoanStatus, Role, loan_id_for
from tests.domain.givens import event_names
from tests.factories import actor, disbursed_loan, disbursement_params


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
