"""Disbursements stored before the origination parties were recorded still read back.

Version 1 of ``Disbursed`` named only the account manager; version 2 also names who
investigated (调查), reviewed (审查) and approved (审批) the loan. Events are facts: a version-1
event stays in the log byte for byte, and reading it gives the account manager as the
investigator and no reviewer or approver. A version-2 event says its version, so it is never
upcast again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from archive.application import DossierArchive
from archive.core import CommandContext
from domain.values import (
    BorrowerType,
    GuaranteeType,
    Product,
    RepaymentMethod,
    Role,
    loan_id_for,
    staff_id_for,
)
from tests import steps
from tests.factories import doc, make_disbursement

LOAN_NO = "JJ2024V1000001"
TOPIC = "domain.loan.responsibility:Loan.Disbursed"
"""The topic every disbursement has been stored under, before and after version 2."""


def store_v1_disbursement(app: DossierArchive, account_manager_id: UUID) -> bytes:
    """Write a disbursement into the log exactly as version 1 recorded it; return its bytes."""
    state = app.mapper.transcoder.encode(
        {
            "timestamp": datetime(2024, 3, 1, 2, 30, tzinfo=UTC),
            "originator_topic": "domain.loan.responsibility:Loan",
            "loan_no": LOAN_NO,
            "borrower_id": "91310000MA1FL0000X",
            "borrower_name": "上海示例贸易有限公司",
            "borrower_type": BorrowerType.CORPORATE,
            "borrower_rating": "A",
            "product": Product.CORPORATE_WORKING_CAPITAL,
            "principal": Decimal("800000.00"),
            "interest_rate": "3.85%",
            "value_date": date(2024, 3, 1),
            "maturity_date": date(2025, 3, 1),
            "repayment_method": RepaymentMethod.BULLET,
            "guarantee_type": GuaranteeType.GUARANTEE,
            "branch": "上海分行营业部",
            "purpose": "采购原材料",
            "account_manager_id": account_manager_id,
            "documents": [doc("loan_contract")],
            "actor_id": account_manager_id,
            "role": Role.ACCOUNT_MANAGER,
        }
    )
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=loan_id_for(LOAN_NO),
                originator_version=1,
                topic=TOPIC,
                state=state,
            )
        ]
    )
    return state


def test_a_version_1_disbursement_reads_back_with_its_account_manager_as_the_investigator(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am = staff["account_manager"]
    stored = store_v1_disbursement(app, am.staff_id)

    loan = app.get_loan(staff["auditor"], LOAN_NO)

    assert loan.account_manager_id == am.staff_id
    assert loan.investigator_id == am.staff_id
    assert loan.origination_reviewer_id is None
    assert loan.approver_id is None
    assert loan.principal == Decimal("800000.00")
    (disbursed,) = app.loan_events(staff["auditor"], LOAN_NO)
    assert disbursed.type == "Disbursed"
    assert disbursed.data["investigator_id"] == str(am.staff_id)
    assert disbursed.data["origination_reviewer_id"] is None
    assert disbursed.data["approver_id"] is None
    # Upcasting happens on the way out: the stored record is as version 1 wrote it.
    (record,) = app.recorder.select_events(loan_id_for(LOAN_NO))
    assert (record.topic, record.state) == (TOPIC, stored)


def test_a_loan_disbursed_under_version_1_goes_on_recording_events(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am = staff["account_manager"]
    store_v1_disbursement(app, am.staff_id)

    repaid = steps.repay(app, am, LOAN_NO, date(2024, 6, 20), "100000.00", "7700.00")

    assert repaid.version == 2
    loan = app.get_loan(staff["auditor"], LOAN_NO)
    assert loan.balance == Decimal("700000.00")
    assert loan.investigator_id == am.staff_id


def test_a_disbursement_recorded_now_keeps_its_parties_and_is_stored_as_version_2(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(
        staff["account_manager"],
        make_disbursement(
            LOAN_NO,
            investigator_no="account_manager_2",
            origination_reviewer_no="reviewer",
            approver_no="branch_head",
        ),
    )

    loan = app.get_loan(staff["auditor"], LOAN_NO)

    assert loan.account_manager_id == staff["account_manager"].staff_id
    assert loan.investigator_id == staff_id_for("account_manager_2")
    assert loan.origination_reviewer_id == staff_id_for("reviewer")
    assert loan.approver_id == staff_id_for("branch_head")
    (record,) = app.recorder.select_events(loan_id_for(LOAN_NO))
    assert app.mapper.transcoder.decode(record.state)["class_version"] == 2
