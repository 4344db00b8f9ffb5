"""Overdue status (逾期情况): recorded as of a date, moving only forward."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import DateOutOfOrderError, InvalidInputError
from domain.values import Role
from tests.domain.givens import day, overdue, repay, restructure
from tests.factories import actor, disbursed_loan


def test_recording_overdue_status_updates_days_and_amounts() -> None:
    loan = disbursed_loan()

    overdue(loan, 12, as_of=day(60), principal=Decimal("20000.00"), interest=Decimal("800.00"))

    assert loan.days_overdue == 12
    assert loan.overdue_principal == Decimal("20000.00")
    assert loan.overdue_interest == Decimal("800.00")
    assert loan.overdue_as_of == day(60)


def test_overdue_status_may_not_be_recorded_as_of_an_earlier_date() -> None:
    loan = disbursed_loan()
    overdue(loan, 12, as_of=day(60))

    with pytest.raises(DateOutOfOrderError) as refused:
        overdue(loan, 11, as_of=day(59))
    assert refused.value.context["field"] == "as_of"
    assert refused.value.code == "date_out_of_order"

    assert loan.days_overdue == 12


def test_zero_days_overdue_with_an_overdue_amount_is_refused() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError):
        loan.record_overdue(
            as_of=day(60),
            days_overdue=0,
            overdue_principal=Decimal("1.00"),
            overdue_interest=Decimal("0"),
            actor=actor(Role.POST_LOAN_OFFICER),
        )


def test_days_overdue_without_an_overdue_amount_is_refused() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError):
        overdue(loan, 5, principal=Decimal("0"), interest=Decimal("0"))


def test_overdue_principal_above_the_balance_is_refused() -> None:
    loan = disbursed_loan(principal=Decimal("1000.00"))

    with pytest.raises(InvalidInputError):
        overdue(loan, 5, principal=Decimal("1000.01"))


def test_negative_days_overdue_are_refused() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError):
        overdue(loan, -1)


def test_falling_overdue_restarts_a_restructuring_observation_period() -> None:
    loan = disbursed_loan()
    restructure(loan, day(30))
    repay(loan, day(60))
    repay(loan, day(90))
    assert loan.observation.started_on == day(60)
    assert loan.observation.periods_repaid == 2

    overdue(loan, 3, as_of=day(120))

    assert loan.observation.started_on is None
    assert loan.observation.periods_repaid == 0
    assert loan.observation.is_running(day(1000))


def test_falling_overdue_resets_the_run_of_normal_repayments() -> None:
    loan = disbursed_loan()
    repay(loan, day(30))
    repay(loan, day(60))
    assert loan.normal_repayments_since_arrears == 2

    overdue(loan, 3, as_of=day(95))

    assert loan.normal_repayments_since_arrears == 0


def test_a_repayment_while_overdue_is_not_on_time() -> None:
    loan = disbursed_loan()
    overdue(loan, 3, as_of=day(95))

    repay(loan, day(96))

    assert loan.pending_events[-1].on_time is False
    assert loan.normal_repayments_since_arrears == 0
