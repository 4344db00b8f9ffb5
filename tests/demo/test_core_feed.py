"""The demo's loans' money comes through the core-banking feed, as a bank's real portfolio does.

Every booking, repayment, day-end arrears and settlement of the demo loans was written as the
batch of its business date and imported with the integration identity; each loan's account
manager then filed its origination record (贷前资料补录) with the credit file, the rating and the
reviewer and approver, on the value date; every settled loan's certificate was filed the day the
core reported it settled.
"""

from __future__ import annotations

from typing import Any

from archive.core import CommandContext
from demo.core_feed import INTEGRATION
from domain.feed import FeedLedger
from domain.values import LoanStatus, Role
from tests.demo.conftest import BuiltDemo

CORE_FACTS = {
    "Disbursed": "value_date",
    "RepaymentRecorded": "paid_on",
    "OverdueStatusRecorded": "as_of",
    "Settled": "settled_on",
}
"""The events the core system reports, and the field holding the day each happened."""


def test_the_demo_loans_repayments_arrears_and_settlements_come_in_the_core_batches(
    built_demo: BuiltDemo,
) -> None:
    archive = built_demo.open()
    try:
        summary = built_demo.summary
        auditor = next(s for s in summary.staff if s.role == Role.AUDITOR.value)
        ctx = CommandContext(archive.authenticate(auditor.token))
        loans = archive.list_loans(ctx, limit=summary.loans + 50)
        events = {loan.loan_no: archive.loan_events(ctx, loan.loan_no) for loan in loans}
        dossiers = {loan.loan_no: archive.dossier_events(ctx, loan.loan_no) for loan in loans}
        ledger = archive.repository.get(FeedLedger.create_id())
        integration = archive.staff(INTEGRATION)
    finally:
        archive.close()
    assert isinstance(ledger, FeedLedger)
    assert any(
        s.staff_no == INTEGRATION and s.role == Role.INTEGRATION.value for s in summary.staff
    )

    # One batch per business date, applied oldest first, none left half-done.
    assert len(ledger.applied) > len(loans)
    assert len(set(ledger.applied.values())) == len(ledger.applied)
    assert ledger.in_progress is None

    # Each fact the core owns came from a batch of its own day, recorded by the integration
    # identity; none was recorded by the staff.
    fed: list[Any] = [e for es in events.values() for e in es if e.type in CORE_FACTS]
    assert {e.type for e in fed} == set(CORE_FACTS)
    for e in fed:
        assert e.data.get("fed"), (e.type, e.data)
        assert e.actor_id == integration.id
        assert e.role == Role.INTEGRATION.value
        assert e.data["fed"]["batch"] in ledger.applied
        assert str(e.data[CORE_FACTS[e.type]]) == e.data["fed"]["business_date"]

    # The core booked each loan, unrated and without its credit file; its account manager
    # filed the origination record on the value date, once, with the credit file.
    for loan_no, es in events.items():
        booked = es[0]
        assert booked.type == "Disbursed", loan_no
        assert booked.data["fed"]["file"] == "loans.csv"
        assert (booked.data["borrower_rating"], booked.documents) == ("未评级", ())
        assert booked.data["origination_reviewer_id"] is None
        (record,) = [e for e in es if e.type == "OriginationRecordFiled"]
        assert str(record.actor_id) == booked.data["account_manager_id"]
        assert record.role == Role.ACCOUNT_MANAGER.value
        assert str(record.data["filed_on"]) == str(booked.data["value_date"])
        assert record.data["borrower_rating"] != "未评级"
        assert record.data["origination_reviewer_id"] not in (None, str(record.actor_id))
        assert record.data["approver_id"] not in (None, str(record.actor_id))
        assert {d["doc_type"] for d in record.documents} >= {
            "loan_application",
            "loan_contract",
            "drawdown_receipt",
        }
        assert not [e.type for e in es if e.data.get("fed") and e.type not in CORE_FACTS]
    # The loans read with the rating, reviewer and approver the record filed.
    for loan in loans:
        assert loan.borrower_rating != "未评级"
        assert loan.origination_reviewer_id is not None
        assert loan.approver_id is not None

    # A settled loan's certificate (结清证明) is in its dossier, filed the day it settled.
    settled = [loan for loan in loans if loan.status is LoanStatus.SETTLED]
    assert settled
    for loan in settled:
        certificates = [
            e
            for e in dossiers[loan.loan_no]
            if e.type == "DocumentFiled" and e.documents[0]["doc_type"] == "settlement_certificate"
        ]
        assert len(certificates) == 1, loan.loan_no
        assert str(certificates[0].data["filed_on"]) == str(loan.settled_on)
