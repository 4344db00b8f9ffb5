"""Repayments (还款), recoveries after write-off (收回) and settlement (结清)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import InvalidInputError, InvalidTransitionError
from domain.values import LoanStatus, Role
from tests.domain.givens import day, event_names, make_non_performing, overdue, repay, write_off
from tests.factories import actor, disbursed_loan


def test_a_repayment_reduces_the_balance_by_its_principal() -> None:
    loan = disbursed_loan(principal=Decimal("1000000.00"))

    repay(loan, day(30), principal="250000.00", interest="2875.00")

    assert loan.balance == Decimal("750000.00")
    assert loan.last_repaid_on == day(30)
    recorded = loan.pending_events[-1]
    assert type(recorded).__name__ == "RepaymentRecorded"
    assert recorded.recovery is False
    assert recorded.on_time is True


def test_a_repayment_of_more_principal_than_the_balance_is_refused() -> None:
    loan = disbursed_loan(principal=Decimal("1000.00"))

    with pytest.raises(InvalidInputError) as refused:
        repay(loan, day(30), principal="1000.01")

    assert refused.value.context["field"] == "principal"
    assert loan.balance == Decimal("1000.00")
    assert event_names(loan) == ["Disbursed"]


def test_a_repayment_of_nothing_is_refused() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError):
        repay(loan, day(30), principal="0", interest="0")


def test_a_repayment_before_the_value_date_is_refused() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError):
        repay(loan, day(-1))


def test_after_write_off_a_repayment_is_a_recovery() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)
    write_off(loan, day(400))
    balance = loan.balance

    repay(loan, day(420), principal="5000.00", interest="0")

    assert loan.status is LoanStatus.WRITTEN_OFF
    assert loan.balance == balance - Decimal("5000.00")
    assert loan.pending_events[-1].recovery is True


def test_a_loan_repaid_in_full_settles() -> None:
    loan = disbursed_loan(principal=Decimal("1000.00"))
    repay(loan, day(365), principal="1000.00", interest="34.50")

    loan.settle(settled_on=day(365), actor=actor(Role.ACCOUNT_MANAGER))

    assert loan.status is LoanStatus.SETTLED
    assert loan.settled_on == day(365)


def test_a_loan_with_a_balance_may_not_settle() -> None:
    loan = disbursed_loan(principal=Decimal("1000.00"))
    repay(loan, day(100), principal="999.99")

    with pytest.raises(InvalidTransitionError):
        loan.settle(settled_on=day(365), actor=actor(Role.ACCOUNT_MANAGER))

    assert loan.status is LoanStatus.ACTIVE


def test_a_loan_with_overdue_interest_may_not_settle() -> None:
    loan = disbursed_loan(principal=Decimal("1000.00"))
    repay(loan, day(100), principal="1000.00", interest="0")
    overdue(loan, 5, as_of=day(100), principal=Decimal("0"), interest=Decimal("12.00"))

    with pytest.raises(InvalidTransitionError):
        loan.settle(settled_on=day(120), actor=actor(Role.ACCOUNT_MANAGER))


def test_a_written_off_loan_settles_when_recovery_ends_even_with_a_balance() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)
    write_off(loan)

    loan.settle(settled_on=day(900), actor=actor(Role.POST_LOAN_OFFICER))

    assert loan.status is LoanStatus.SETTLED
    assert loan.pending_events[-1].outstanding == loan.balance


def test_a_loan_may_not_be_settled_twice() -> None:
    loan = disbursed_loan(principal=Decimal("1000.00"))
    repay(loan, day(365), principal="1000.00")
    loan.settle(settled_on=day(365), actor=actor(Role.ACCOUNT_MANAGER))

    with pytest.raises(InvalidTransitionError):
        loan.settle(settled_on=day(366), actor=actor(Role.ACCOUNT_MANAGER))

    assert event_names(loan).count("Settled") == 1


def test_a_settled_loan_refuses_repayments() -> None:
    loan = disbursed_loan(principal=Decimal("1000.00"))
    repay(loan, day(365), principal="1000.00")
    loan.settle(settled_on=day(365), actor=actor(Role.ACCOUNT_MANAGER))

    with pytest.raises(InvalidTransitionError) as refused:
        repay(loan, day(370), principal="0", interest="1.00")

    assert refused.value.context["status"] == "settled"
