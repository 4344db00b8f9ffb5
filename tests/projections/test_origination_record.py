"""贷前资料补录: the origination record of a loan the core system booked, on SQLite and PostgreSQL.

The core's loans.csv books a loan unrated, with its account manager as investigator and no
reviewer, approver or credit file. Until the account manager files its origination record the
completeness register owes the disbursement's documents; filed, the record closes those gaps on
its date, the loan reads with its rating, reviewer and approver, and the accountability trail
names them. It is filed once, on a loan the core booked, under 审贷分离 — and a refusal records
nothing, not even a document's bytes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from archive.application import DossierArchive
from archive.commands.lifecycle import FileOriginationRecord
from archive.core import CommandContext
from archive.feed.batch import LOANS
from archive.feed.writing import write_batch
from domain.errors import (
    DomainError,
    InvalidInputError,
    InvalidTransitionError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.loan import Loan
from domain.values import GuaranteeType, loan_id_for
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers

VALUE = date(2026, 11, 2)
FED_LOAN = "HX-ORIG-1"
CREDIT_FILE = (
    "loan_application",
    "investigation_report",
    "approval",
    "loan_contract",
    "drawdown_receipt",
    "guarantee_contract",
)
"""What the shipped rules ask of a guaranteed individual loan's disbursement."""


def _book(app: DossierArchive, feed: CommandContext, folder: Path, loan_no: str = FED_LOAN) -> None:
    row = {
        "loan_no": loan_no,
        "borrower_name": "林秀英",
        "borrower_kind": "individual",
        "borrower_id_type": "resident_id",
        "borrower_id_no": "11010519491231002X",
        "product": "individual_production",
        "branch": "营业部",
        "account_manager_no": "account_manager",
        "principal": "100000.00",
        "rate": "0.0435",
        "value_date": VALUE.isoformat(),
        "maturity_date": "2027-11-02",
        "repayment_method": "equal_principal",
        "guarantee_type": "guarantee",
        "purpose": "购买种苗",
    }
    path = write_batch(
        folder / f"feed-{loan_no}",
        bank="云溪农商银行",
        business_date=VALUE,
        files={LOANS: [row]},
    )
    [outcome] = app.import_feed(feed, [path])
    assert outcome.status == "applied"


def _record(loan_no: str = FED_LOAN, **changes: Any) -> FileOriginationRecord:
    fields: dict[str, Any] = {
        "loan_no": loan_no,
        "filed_on": VALUE,
        "borrower_rating": "AA",
        "origination_reviewer": "reviewer",
        "approver": "branch_head",
        **changes,
    }
    return FileOriginationRecord.model_validate(fields)


def _uploads(*doc_types: str) -> list[Any]:
    return [make_upload(d, f"{d} 贷前资料") for d in doc_types or CREDIT_FILE]


def _gaps(registers: Registers, loan_no: str) -> set[str]:
    return {
        r["doc_type"] for r in registers.rows("completeness", "gaps") if r["loan_no"] == loan_no
    }


def _summary(registers: Registers, loan_no: str) -> tuple[Any, ...]:
    (row,) = [r for r in registers.rows("completeness", "summary") if r["loan_no"] == loan_no]
    return row["required"], row["filed"], row["late"], row["missing"], row["complete"]


def test_a_fed_loan_owes_its_credit_file_until_the_account_manager_files_its_record(
    registers: Registers, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    app = registers.app
    _book(app, staff["integration"], tmp_path)
    registers.catch_up()

    # Booked by the core: unrated, no reviewer nor approver, and its credit file owed.
    assert _gaps(registers, FED_LOAN) == set(CREDIT_FILE)
    assert _summary(registers, FED_LOAN) == (6, 0, 0, 6, False)
    (ledger,) = [r for r in registers.rows("loan_ledger", "loans") if r["loan_no"] == FED_LOAN]
    assert ledger["borrower_rating"] == "未评级"

    done = app.execute(staff["account_manager"], _record(), _uploads())
    registers.catch_up()

    assert done.events == ("OriginationRecordFiled",)
    assert len(done.documents) == len(CREDIT_FILE)
    loan = app.repository.get(loan_id_for(FED_LOAN))
    assert isinstance(loan, Loan)
    reviewer, head, am = (app.staff(n) for n in ("reviewer", "branch_head", "account_manager"))
    assert (loan.borrower_rating, loan.origination_reviewer_id, loan.approver_id) == (
        "AA",
        reviewer.id,
        head.id,
    )
    assert loan.investigator_id == am.id
    assert loan.origination_filed_on == VALUE
    # Filed on the record's date, the value date: every gap closed, none late.
    assert _gaps(registers, FED_LOAN) == set()
    assert _summary(registers, FED_LOAN) == (6, 6, 0, 0, True)
    (ledger,) = [r for r in registers.rows("loan_ledger", "loans") if r["loan_no"] == FED_LOAN]
    assert ledger["borrower_rating"] == "AA"
    (origination,) = [
        r for r in registers.rows("accountability_trail", "origination") if r["loan_no"] == FED_LOAN
    ]
    assert (
        origination["investigator_id"],
        origination["origination_reviewer_id"],
        origination["approver_id"],
    ) == (am.id, reviewer.id, head.id)
    parts = {
        (r["part"], r["person_id"])
        for r in registers.rows("accountability_trail", "parts")
        if r["loan_no"] == FED_LOAN and r["event"] == "OriginationRecordFiled"
    }
    assert parts == {("origination_reviewer", reviewer.id), ("approver", head.id)}

    # Once: a second record is refused, and records nothing.
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransitionError) as again:
        app.execute(staff["account_manager"], _record(borrower_rating="A"), _uploads("approval"))
    assert "不能重复补录" in again.value.zh
    assert "filed once" in again.value.en
    assert app.recorder.max_notification_id() == before

    # The live register equals one rebuilt from the log.
    live = registers.snapshot("completeness")
    registers.follower.rebuild(["completeness"])
    assert registers.snapshot("completeness") == live


def _refused(
    app: DossierArchive,
    ctx: CommandContext,
    command: FileOriginationRecord,
    uploads: list[Any],
    error: type[DomainError],
) -> DomainError:
    """The command refused with ``error``: nothing recorded, no document's bytes kept."""
    before = app.recorder.max_notification_id()
    blobs = sorted(app.blobs.keys())
    with pytest.raises(error) as refused:
        app.execute(ctx, command, uploads)
    assert app.recorder.max_notification_id() == before
    assert sorted(app.blobs.keys()) == blobs
    assert refused.value.zh
    assert refused.value.en
    return refused.value


def test_the_record_keeps_the_segregation_of_duties_of_a_disbursement_by_hand(
    app: DossierArchive, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    _book(app, staff["integration"], tmp_path)
    am = staff["account_manager"]

    # The investigator (the core's account manager) may not review nor approve it.
    found = _refused(
        app,
        am,
        _record(origination_reviewer="account_manager"),
        _uploads(),
        SegregationOfDutiesError,
    )
    assert "审查人不能是调查人" in found.zh
    found = _refused(
        app, am, _record(approver="account_manager"), _uploads(), SegregationOfDutiesError
    )
    assert "审批人不能是调查人" in found.zh
    # Reviewer and approver are two people; the approver a branch head or risk manager.
    found = _refused(
        app,
        am,
        _record(origination_reviewer="branch_head", approver="branch_head"),
        _uploads(),
        SegregationOfDutiesError,
    )
    assert "审批人不能是审查人" in found.zh
    found = _refused(
        app, am, _record(approver="post_loan_officer"), _uploads(), SegregationOfDutiesError
    )
    assert "行长或风险经理" in found.zh
    # Only an account manager files it.
    _refused(app, staff["reviewer"], _record(), _uploads(), RoleNotPermittedError)
    # Its documents are the disbursement's credit file, at least one of them.
    found = _refused(app, am, _record(), _uploads("inspection_report"), InvalidInputError)
    assert found.context["field"] == "documents"
    found = _refused(app, am, _record(), [], InvalidInputError)
    assert found.context["field"] == "documents"
    # A rating, not "unrated"; a date neither before the value date nor after today.
    found = _refused(app, am, _record(borrower_rating="未评级"), _uploads(), InvalidInputError)
    assert found.context["field"] == "borrower_rating"
    _refused(app, am, _record(filed_on=date(2026, 11, 1)), _uploads(), DomainError)
    _refused(app, am, _record(filed_on=date(2099, 1, 1)), _uploads(), DomainError)

    # None of it recorded anything: the record is still to be filed, and is.
    app.execute(am, _record(), _uploads())


def test_a_loan_disbursed_by_hand_has_no_record_to_file_apart(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am = staff["account_manager"]
    app.execute(
        am,
        make_disbursement("JJ-HAND-1", guarantee_type=GuaranteeType.CREDIT),
        [make_upload("loan_contract", "借款合同")],
    )
    found = _refused(app, am, _record("JJ-HAND-1"), _uploads(), InvalidTransitionError)
    assert "手工登记放款" in found.zh
    assert "disbursed by hand" in found.en
