"""What the core system reports of a loan already on record (domain/loan/fed.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.loan.fed import rate_text
from domain.values import Role
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
