"""Collection (催收): steps of the ladder taken on an overdue or written-off loan."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInputError, InvalidTransitionError
from domain.values import CollectionStepKind, Role
from tests.domain.givens import (
    day,
    make_non_performing,
    overdue,
    serve_notice,
    take_step,
    write_off,
)
from tests.factories import actor, disbursed_loan


def test_a_phone_call_on_the_first_day_overdue_is_recorded_with_the_promised_date() -> None:
    loan = disbursed_loan()
    overdue(loan, 1, as_of=day(31))

    step_id = take_step(loan, on=day(31), promised=day(38))

    step = loan.collection_steps[step_id]
    assert step.kind is CollectionStepKind.PHONE_CALL
    assert step.days_overdue == 1
    assert step.promised_date == day(38)


def test_a_notice_served_carries_its_signed_receipt() -> None:
    loan = disbursed_loan()
    overdue(loan, 30, as_of=day(60))

    serve_notice(loan, day(60), 30)

    served = loan.pending_events[-1]
    assert [d.doc_type for d in served.documents] == ["collection_notice", "notice_receipt"]


def test_collection_is_refused_when_the_loan_is_not_overdue() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidTransitionError):
        take_step(loan, on=day(31))

    assert loan.collection_steps == {}


def test_collection_is_refused_once_the_arrears_are_cured() -> None:
    loan = disbursed_loan()
    overdue(loan, 5, as_of=day(35))
    overdue(loan, 0, as_of=day(36))

    with pytest.raises(InvalidTransitionError):
        take_step(loan, on=day(37))


def test_collection_continues_after_write_off() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)
    overdue(loan, 0, as_of=day(200))  # cured on paper, but written off below
    write_off(loan, day(400))

    step_id = take_step(loan, kind=CollectionStepKind.ENFORCEMENT, on=day(420), days_overdue=0)

    assert step_id in loan.collection_steps


def test_a_promised_date_before_the_step_is_refused() -> None:
    loan = disbursed_loan()
    overdue(loan, 3, as_of=day(33))

    with pytest.raises(InvalidInputError):
        take_step(loan, on=day(33), promised=day(32))


def test_a_promise_for_the_same_day_is_accepted() -> None:
    loan = disbursed_loan()
    overdue(loan, 3, as_of=day(33))

    step_id = take_step(loan, on=day(33), promised=day(33))

    assert loan.collection_steps[step_id].promised_date == day(33)


def test_a_settled_loan_refuses_collection() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)
    write_off(loan)
    loan.settle(settled_on=day(900), actor=actor(Role.ACCOUNT_MANAGER))

    with pytest.raises(InvalidTransitionError):
        take_step(loan, on=day(901))
