"""Collection (催收): steps of the ladder taken on an overdue or written-off loan."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidInputError, InvalidTransitionError
from domain.loan import Loan
from domain.values import CollectionStepKind, Role
from tests.domain.givens import day, make_non_performing, overdue, write_off
from tests.factories import actor, disbursed_loan, doc


def take_step(
    loan: Loan,
    *,
    kind: CollectionStepKind = CollectionStepKind.PHONE_CALL,
    on: date,
    days_overdue: int = 1,
    promised: date | None = None,
) -> UUID:
    step_id = uuid4()
    loan.take_collection_step(
        step_id=step_id,
        kind=kind,
        taken_on=on,
        days_overdue=days_overdue,
        outcome="借款人承诺一周内还款",
        promised_date=promised,
        actor=actor(Role.ACCOUNT_MANAGER),
    )
    return step_id


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

    loan.take_collection_step(
        step_id=uuid4(),
        kind=CollectionStepKind.NOTICE_SERVED,
        taken_on=day(60),
        days_overdue=30,
        outcome="借款人签收",
        promised_date=None,
        actor=actor(Role.POST_LOAN_OFFICER),
        documents=[doc("collection_notice"), doc("notice_receipt")],
    )

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
