"""Extension (展期), handover (客户经理变更), asset preservation (资产保全) and write-off (核销)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import (
    InvalidInputError,
    InvalidTransitionError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.loan import Loan
from domain.values import CollectionStepKind, LoanStatus, Role, WriteOffCriterion
from tests.domain.givens import (
    day,
    event_names,
    inspect,
    make_non_performing,
    repay,
    take_step,
    write_off,
)
from tests.factories import MATURITY_DATE, actor, disbursed_loan, doc, party

# ------------------------------------------------------------------- extension


def extend(loan: Loan, approved_on: date, new_maturity: date) -> None:
    loan.extend(
        approved_on=approved_on,
        new_maturity_date=new_maturity,
        reason="季节性回款延迟",
        actor=actor(Role.BRANCH_HEAD),
    )


def test_an_extension_approved_by_maturity_moves_the_maturity_later() -> None:
    loan = disbursed_loan(maturity_date=date(2026, 1, 10))

    extend(loan, date(2026, 1, 10), date(2026, 7, 10))

    assert loan.term.maturity_date == date(2026, 7, 10)
    assert loan.term.extensions == 1
    assert loan.term.history == [("extended", date(2026, 1, 10))]


def test_an_extension_approved_after_maturity_is_refused() -> None:
    loan = disbursed_loan(maturity_date=date(2026, 1, 10))

    with pytest.raises(InvalidTransitionError):
        extend(loan, date(2026, 1, 11), date(2026, 7, 10))

    assert loan.term.maturity_date == date(2026, 1, 10)


@pytest.mark.parametrize("new_maturity", [MATURITY_DATE, date(2025, 12, 31)])
def test_an_extension_must_move_the_maturity_later(new_maturity: date) -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError):
        extend(loan, date(2025, 12, 1), new_maturity)


def test_only_a_branch_head_approves_an_extension() -> None:
    loan = disbursed_loan()

    with pytest.raises(RoleNotPermittedError):
        loan.extend(
            approved_on=date(2025, 12, 1),
            new_maturity_date=date(2026, 6, 1),
            reason="x",
            actor=actor(Role.ACCOUNT_MANAGER),
        )


# -------------------------------------------------------------------- handover


def test_a_handover_records_handing_receiving_and_supervising_parties() -> None:
    handing = actor(Role.ACCOUNT_MANAGER)
    loan = disbursed_loan(actor=handing)
    receiving = party(Role.ACCOUNT_MANAGER)
    supervisor = actor(Role.BRANCH_HEAD)

    loan.hand_over(
        handed_over_on=day(100),
        receiving=receiving,
        reason="原客户经理调岗",
        actor=supervisor,
    )

    handed = loan.pending_events[-1]
    assert type(handed).__name__ == "AccountManagerHandedOver"
    assert (handed.handing_id, handed.receiving_id, handed.supervisor_id) == (
        handing.id,
        receiving.id,
        supervisor.id,
    )
    assert loan.account_manager_id == receiving.id
    assert loan.account_managers == [handing.id, receiving.id]


def test_the_supervisor_of_a_handover_may_not_be_the_handing_party() -> None:
    handing = actor(Role.ACCOUNT_MANAGER)
    loan = disbursed_loan(actor=handing)

    with pytest.raises(SegregationOfDutiesError):
        loan.hand_over(
            handed_over_on=day(100),
            receiving=party(Role.ACCOUNT_MANAGER),
            reason="调岗",
            actor=actor(Role.REVIEWER, id=handing.id),
        )

    assert loan.account_manager_id == handing.id


def test_the_supervisor_of_a_handover_may_not_be_the_receiving_party() -> None:
    loan = disbursed_loan()
    receiving = party(Role.ACCOUNT_MANAGER, Role.REVIEWER)

    with pytest.raises(SegregationOfDutiesError):
        loan.hand_over(
            handed_over_on=day(100),
            receiving=receiving,
            reason="调岗",
            actor=actor(Role.REVIEWER, id=receiving.id),
        )


def test_the_receiving_party_must_hold_the_account_manager_role() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError):
        loan.hand_over(
            handed_over_on=day(100),
            receiving=party(Role.POST_LOAN_OFFICER),
            reason="调岗",
            actor=actor(Role.BRANCH_HEAD),
        )


def test_a_loan_cannot_be_handed_to_its_own_account_manager() -> None:
    manager = actor(Role.ACCOUNT_MANAGER)
    loan = disbursed_loan(actor=manager)

    with pytest.raises(InvalidInputError):
        loan.hand_over(
            handed_over_on=day(100),
            receiving=party(Role.ACCOUNT_MANAGER, id=manager.id),
            reason="调岗",
            actor=actor(Role.BRANCH_HEAD),
        )


def test_successive_handovers_keep_every_account_manager_in_the_history() -> None:
    first = actor(Role.ACCOUNT_MANAGER)
    loan = disbursed_loan(actor=first)
    second, third = party(Role.ACCOUNT_MANAGER), party(Role.ACCOUNT_MANAGER)

    for receiving in (second, third):
        loan.hand_over(
            handed_over_on=day(100),
            receiving=receiving,
            reason="调岗",
            actor=actor(Role.BRANCH_HEAD),
        )

    assert loan.account_managers == [first.id, second.id, third.id]


# ---------------------------------------------------------- asset preservation


def transfer(loan: Loan) -> None:
    loan.transfer_to_asset_preservation(
        transferred_on=day(200), reason="逾期超过90天，移交保全", actor=actor(Role.RISK_MANAGER)
    )


def test_a_non_performing_loan_is_transferred_to_asset_preservation_once() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)

    transfer(loan)
    assert loan.in_asset_preservation

    with pytest.raises(InvalidTransitionError):
        transfer(loan)
    assert event_names(loan).count("TransferredToAssetPreservation") == 1


def test_a_performing_loan_may_not_be_transferred_to_asset_preservation() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidTransitionError):
        transfer(loan)

    assert not loan.in_asset_preservation


# -------------------------------------------------------------------- write-off


def test_a_non_performing_loan_is_written_off_with_evidence_and_stays_open_for_recovery() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)

    loan.write_off(
        written_off_on=day(400),
        criterion=WriteOffCriterion.ENFORCEMENT_EXHAUSTED,
        reason="终结本次执行程序",
        actor=actor(Role.BRANCH_HEAD),
        documents=[doc("enforcement_termination_ruling")],
    )

    assert loan.status is LoanStatus.WRITTEN_OFF
    assert loan.written_off_on == day(400)
    written_off = loan.pending_events[-1]
    assert written_off.amount == loan.balance
    assert written_off.criterion is WriteOffCriterion.ENFORCEMENT_EXHAUSTED


def test_a_performing_loan_may_not_be_written_off() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidTransitionError):
        write_off(loan)

    assert loan.status is LoanStatus.ACTIVE


def test_a_write_off_needs_at_least_one_document() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)

    with pytest.raises(InvalidInputError):
        loan.write_off(
            written_off_on=day(400),
            criterion=WriteOffCriterion.BANKRUPTCY,
            reason="破产",
            actor=actor(Role.BRANCH_HEAD),
            documents=[],
        )

    assert loan.status is LoanStatus.ACTIVE


def test_a_loan_may_not_be_written_off_twice() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)
    write_off(loan, day(400))

    with pytest.raises(InvalidTransitionError):
        write_off(loan, day(401))


def test_after_write_off_inspection_is_refused_but_collection_and_recovery_continue() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)
    write_off(loan, day(400))
    balance = loan.balance

    with pytest.raises(InvalidTransitionError):
        inspect(loan, on=day(410))
    take_step(
        loan,
        kind=CollectionStepKind.LITIGATION,
        on=day(410),
        days_overdue=380,
        outcome="已向法院起诉",
        by=Role.POST_LOAN_OFFICER,
    )
    repay(loan, day(420), principal="20000.00", interest="0")

    assert loan.inspections == {}
    assert len(loan.collection_steps) == 1
    assert loan.balance == balance - Decimal("20000.00")
    assert event_names(loan)[-2:] == ["CollectionStepTaken", "RepaymentRecorded"]
