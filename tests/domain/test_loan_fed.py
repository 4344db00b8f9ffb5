"""What the core system reports of a loan already on record (domain/loan/fed.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.utils import get_topic

from domain.dossier import Dossier
from domain.loan import Loan
from domain.loan.fed import UNRATED, rate_text
from domain.values import BorrowerType, GuaranteeType, Product, RepaymentMethod, Role
from tests.factories import actor, disbursed_loan, party

FED = {"batch": "0" * 64, "business_date": "2025-01-10", "file": "loans.csv", "line": 2}


def test_the_core_rate_of_a_contract_rate_written_with_a_trailing_zero_is_no_change() -> None:
    # The account manager booked the loan at the contract's "4.10%"; the core sends 0.041.
    loan = disbursed_loan(interest_rate="4.10%")
    integration = actor(Role.INTEGRATION)
    manager = party(Role.ACCOUNT_MANAGER, id=loan.account_manager_id)

    def report(rate: str) -> bool:
        return loan.report_master_data(
            borrower_id=loan.borrower_id,
            reported={**loan.master_data(), "interest_rate": rate_text(Decimal(rate))},
            branch=loan.branch,
            account_manager=manager,
            business_date=date(2025, 1, 10),
            actor=integration,
            fed=FED,
        )

    assert report("0.041") is False
    assert report("0.0410") is False
    assert [type(e).__name__ for e in loan.pending_events][-1] == "Disbursed"
    # Another rate is an information change, with the value it replaces.
    assert report("0.042") is True
    assert loan.term.interest_rate == "4.2%"
    assert loan.pending_events[-1].changes == {"interest_rate": ["4.10%", "4.2%"]}  # type: ignore[attr-defined]


def _recorded(events: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """Events as the store keeps them: topic and payload (the time they were made aside)."""
    return [
        (get_topic(type(e)), {k: v for k, v in vars(e).items() if k != "timestamp"}) for e in events
    ]


def test_the_cores_commands_record_the_events_their_decorated_methods_record() -> None:
    # The feed's hot commands trigger their events directly (no look at each call's arguments):
    # the events must be those the @event methods make, or stores written before would differ.
    integration = actor(Role.INTEGRATION)
    manager = party(Role.ACCOUNT_MANAGER)
    booked = Loan.book_from_core(
        loan_no="JD-FAST-1",
        borrower_id="110101199003077777",
        borrower_name="张三",
        borrower_type=BorrowerType.INDIVIDUAL,
        product=Product.CONSUMER,
        principal=Decimal("100000.00"),
        rate=Decimal("0.0435"),
        value_date=date(2025, 1, 2),
        maturity_date=date(2026, 1, 2),
        repayment_method="equal_instalment",
        guarantee_type=GuaranteeType.CREDIT,
        branch="营业部",
        purpose="消费",
        account_manager=manager,
        actor=integration,
        fed=FED,
    )
    decorated = Loan(
        loan_no="JD-FAST-1",
        borrower_id="110101199003077777",
        borrower_name="张三",
        borrower_type=BorrowerType.INDIVIDUAL,
        borrower_rating=UNRATED,
        product=Product.CONSUMER,
        principal=Decimal("100000.00"),
        interest_rate="4.35%",
        value_date=date(2025, 1, 2),
        maturity_date=date(2026, 1, 2),
        repayment_method=RepaymentMethod.INSTALMENT,
        guarantee_type=GuaranteeType.CREDIT,
        branch="营业部",
        purpose="消费",
        account_manager_id=manager.id,
        investigator_id=manager.id,
        origination_reviewer_id=None,
        approver_id=None,
        documents=[],
        actor_id=integration.id,
        role=integration.role,
        fed=FED,
    )
    assert booked.id == decorated.id
    booked.report_arrears(
        as_of=date(2025, 1, 10),
        days_overdue=3,
        overdue_principal=Decimal("10.00"),
        overdue_interest=Decimal("1.20"),
        correction=False,
        actor=integration,
        fed=FED,
    )
    decorated._overdue_recorded(
        as_of=date(2025, 1, 10),
        days_overdue=3,
        overdue_principal=Decimal("10.00"),
        overdue_interest=Decimal("1.20"),
        actor_id=integration.id,
        role=integration.role,
        fed=FED,
    )
    booked.report_repayment(
        reference="TX-1",
        paid_on=date(2025, 1, 10),
        principal=Decimal("10.00"),
        interest=Decimal("1.20"),
        penalty=Decimal("0.30"),
        correction=False,
        actor=integration,
        fed=FED,
    )
    decorated._repayment_recorded(
        paid_on=date(2025, 1, 10),
        principal=Decimal("10.00"),
        interest=Decimal("1.20"),
        on_time=False,
        recovery=False,
        documents=[],
        actor_id=integration.id,
        role=integration.role,
        reference="TX-1",
        penalty=Decimal("0.30"),
        fed=FED,
    )
    assert _recorded(booked.collect_events()) == _recorded(decorated.collect_events())
    assert booked.balance == decorated.balance == Decimal("99990.00")
    assert booked.arrears_on(date(2025, 1, 10)) == decorated.arrears_on(date(2025, 1, 10))
    assert booked.has_arrears_on(date(2025, 1, 10)) is (
        booked.arrears_on(date(2025, 1, 10)) is not None
    )
    assert booked.has_arrears_on(date(2025, 1, 10))  # recorded above, as the decorated one was
    assert not booked.has_arrears_on(date(2025, 1, 11))
    assert booked.core_references == decorated.core_references
    opened = Dossier.open(
        loan_id=booked.id,
        loan_no=booked.loan_no,
        borrower_name=booked.borrower_name,
        actor=integration,
        opened_on=booked.value_date,
    )
    made = Dossier(
        loan_id=booked.id,
        loan_no=booked.loan_no,
        borrower_name=booked.borrower_name,
        actor_id=integration.id,
        role=integration.role,
        opened_on=booked.value_date,
    )
    assert opened.id == made.id
    assert _recorded(opened.collect_events()) == _recorded(made.collect_events())
