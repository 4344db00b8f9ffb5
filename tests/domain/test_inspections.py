"""Post-loan inspections (贷后检查): an inspector and a different, countersigning reviewer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import (
    InvalidTransitionError,
    NotFoundError,
    SegregationOfDutiesError,
)
from domain.schedules import InspectionsDone, counts_as_inspection
from domain.values import InspectionKind, Role
from tests.domain.givens import day, event_names, inspect, make_non_performing, repay, write_off
from tests.factories import actor, disbursed_loan, doc, party


def test_an_inspection_records_its_inspector_and_reviewer() -> None:
    loan = disbursed_loan()
    inspector = actor(Role.ACCOUNT_MANAGER)
    reviewer = party(Role.REVIEWER)

    loan.record_inspection(
        inspection_id=(inspection_id := uuid4()),
        kind=InspectionKind.FIRST_FOLLOW_UP,
        inspected_on=day(12),
        reviewer=reviewer,
        findings="资金已按合同用途支付给供应商",
        actor=inspector,
        documents=[doc("first_inspection_report")],
    )

    recorded = loan.inspections[inspection_id]
    assert recorded.kind is InspectionKind.FIRST_FOLLOW_UP
    assert recorded.inspector_id == inspector.id
    assert recorded.reviewer_id == reviewer.id
    assert recorded.inspected_on == day(12)
    assert event_names(loan)[-1] == "InspectionRecorded"


def test_the_reviewer_may_not_be_the_inspector() -> None:
    loan = disbursed_loan()
    inspector = actor(Role.ACCOUNT_MANAGER)

    with pytest.raises(SegregationOfDutiesError):
        loan.record_inspection(
            inspection_id=uuid4(),
            kind=InspectionKind.ROUTINE,
            inspected_on=day(30),
            reviewer=party(Role.REVIEWER, Role.ACCOUNT_MANAGER, id=inspector.id),
            findings="正常",
            actor=inspector,
        )

    assert loan.inspections == {}


def test_the_reviewer_must_hold_the_reviewer_role() -> None:
    loan = disbursed_loan()

    with pytest.raises(SegregationOfDutiesError):
        loan.record_inspection(
            inspection_id=uuid4(),
            kind=InspectionKind.ROUTINE,
            inspected_on=day(30),
            reviewer=party(Role.ACCOUNT_MANAGER),
            findings="正常",
            actor=actor(Role.ACCOUNT_MANAGER),
        )


def test_a_second_first_follow_up_inspection_is_refused() -> None:
    loan = disbursed_loan()
    inspect(loan, kind=InspectionKind.FIRST_FOLLOW_UP, on=day(10))

    with pytest.raises(InvalidTransitionError):
        inspect(loan, kind=InspectionKind.FIRST_FOLLOW_UP, on=day(14))

    assert len(loan.inspections) == 1


def test_routine_inspections_may_follow_one_another() -> None:
    loan = disbursed_loan()
    inspect(loan, kind=InspectionKind.FIRST_FOLLOW_UP, on=day(10))

    inspect(loan, on=day(70))
    inspect(loan, on=day(130))

    assert len(loan.inspections) == 3


def test_a_settled_loan_may_not_be_inspected() -> None:
    loan = disbursed_loan(principal=Decimal("1000.00"))
    repay(loan, day(365), principal="1000.00")
    loan.settle(settled_on=day(365), actor=actor(Role.ACCOUNT_MANAGER))

    with pytest.raises(InvalidTransitionError):
        inspect(loan, on=day(370))


def test_a_written_off_loan_may_not_be_inspected() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)
    write_off(loan)

    with pytest.raises(InvalidTransitionError):
        inspect(loan, on=day(420))


def test_the_inspector_may_correct_the_findings_by_a_new_event() -> None:
    loan = disbursed_loan()
    inspector = actor(Role.ACCOUNT_MANAGER)
    inspection_id = inspect(loan, by=inspector)

    loan.correct_inspection(
        inspection_id=inspection_id,
        findings="资金部分挪用于归还他行贷款",
        reason="补充核查银行流水后更正",
        actor=inspector,
    )

    assert loan.inspections[inspection_id].findings == "资金部分挪用于归还他行贷款"
    assert loan.inspections[inspection_id].corrections == 1
    assert event_names(loan)[-2:] == ["InspectionRecorded", "InspectionCorrected"]


def test_the_reviewer_may_correct_the_findings_and_corrections_are_counted() -> None:
    loan = disbursed_loan()
    reviewer = actor(Role.REVIEWER)
    inspection_id = inspect(loan, reviewer_id=reviewer.id)

    for findings in ("更正一", "更正二"):
        loan.correct_inspection(
            inspection_id=inspection_id, findings=findings, reason="复核更正", actor=reviewer
        )

    assert loan.inspections[inspection_id].findings == "更正二"
    assert loan.inspections[inspection_id].corrections == 2


def test_nobody_else_may_correct_an_inspection() -> None:
    loan = disbursed_loan()
    inspection_id = inspect(loan)
    original = loan.inspections[inspection_id].findings

    with pytest.raises(SegregationOfDutiesError):
        loan.correct_inspection(
            inspection_id=inspection_id,
            findings="改写",
            reason="无",
            actor=actor(Role.ACCOUNT_MANAGER),
        )

    assert loan.inspections[inspection_id].findings == original
    assert loan.inspections[inspection_id].corrections == 0


def test_correcting_an_unknown_inspection_is_not_found() -> None:
    loan = disbursed_loan()

    with pytest.raises(NotFoundError):
        loan.correct_inspection(
            inspection_id=uuid4(), findings="x", reason="y", actor=actor(Role.ACCOUNT_MANAGER)
        )


def test_a_phone_visit_neither_makes_the_first_follow_up_nor_moves_the_schedule() -> None:
    first = InspectionsDone().after(InspectionKind.FIRST_FOLLOW_UP, date(2025, 1, 20))
    assert first == InspectionsDone(first_done=True, last_inspected_on=date(2025, 1, 20))
    assert first.after(InspectionKind.PHONE_VISIT, date(2025, 3, 17)) == first
    assert InspectionsDone().after(InspectionKind.PHONE_VISIT, date(2025, 1, 12)) == (
        InspectionsDone()
    )
    assert not counts_as_inspection(InspectionKind.PHONE_VISIT)
    assert all(
        counts_as_inspection(k) for k in InspectionKind if k is not InspectionKind.PHONE_VISIT
    )
    # An inspection recorded late (dated before the last) does not move the schedule back.
    later = first.after(InspectionKind.ON_SITE, date(2025, 3, 19))
    assert later.after(InspectionKind.OFF_SITE, date(2025, 2, 1)) == later
