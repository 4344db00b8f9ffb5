"""A loan's whole life through the application, from disbursement to settlement.

The account manager disburses with the contract and the drawdown receipt; the dossier opens
with both filed and stored; the loan is inspected, falls overdue, is downgraded, warned about,
collected, restructured, repaid and settled; and the auditor reads every step back with who did
it, in which role, with which documents, in the order it happened.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from itertools import pairwise
from uuid import UUID

from archive.application import DossierArchive
from archive.commands.lifecycle import Settle
from archive.core import CommandContext, blob_key
from domain.values import (
    CollectionStepKind,
    Grade,
    InspectionKind,
    LoanStatus,
    dossier_id_for,
    loan_id_for,
)
from tests import steps
from tests.factories import make_disbursement, make_pdf, make_upload

LOAN_NO = "JJ2025011000001"


def test_a_loan_lives_from_disbursement_to_settlement_and_every_step_reads_back_in_order(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am, plo, rm, bh = (
        staff["account_manager"],
        staff["post_loan_officer"],
        staff["risk_manager"],
        staff["branch_head"],
    )

    # 放款: the account manager records the disbursement with the contract and the receipt.
    contract = make_pdf("借款合同 JJ2025011000001 上海示例贸易有限公司", pages=3)
    receipt = make_pdf("借据 JJ2025011000001 人民币壹佰万元整")
    disbursed = app.execute(
        am,
        make_disbursement(LOAN_NO),
        [
            make_upload("loan_contract", filename="借款合同.pdf", data=contract),
            make_upload("drawdown_receipt", filename="借据.pdf", data=receipt),
        ],
    )
    loan_id, dossier_id = loan_id_for(LOAN_NO), dossier_id_for(loan_id_for(LOAN_NO))
    assert disbursed.aggregate_id == loan_id
    assert disbursed.ids == {"loan_id": str(loan_id), "dossier_id": str(dossier_id)}
    assert (disbursed.version, disbursed.events, disbursed.loan_no) == (1, ("Disbursed",), LOAN_NO)

    # The dossier is open with both documents filed, each pointing at the disbursement.
    dossier = app.get_dossier(am, LOAN_NO)
    assert dossier.id == dossier_id
    filed = {d.ref.doc_type: d for d in dossier.documents}
    assert set(filed) == {"loan_contract", "drawdown_receipt"}
    contract_ref = filed["loan_contract"].ref
    assert contract_ref.sha256 == hashlib.sha256(contract).hexdigest()
    assert contract_ref.size == len(contract)
    assert contract_ref.media_type == "application/pdf"
    assert contract_ref.filename == "借款合同.pdf"
    assert contract_ref.pages == 3
    assert filed["drawdown_receipt"].ref.pages == 1
    assert filed["loan_contract"].stage == "disbursement"
    assert (filed["loan_contract"].evidences_id, filed["loan_contract"].evidences_version) == (
        loan_id,
        1,
    )

    # The bytes are in the blob store under <dossier id>/<sha256>, and nothing else is.
    assert sorted(app.blobs.keys()) == sorted(
        blob_key(dossier_id, hashlib.sha256(body).hexdigest()) for body in (contract, receipt)
    )
    assert app.blobs.get(blob_key(dossier_id, contract_ref.sha256)) == contract

    # 首次跟踪检查 within 15 days, countersigned by the reviewer.
    inspected = steps.inspect(
        app,
        am,
        LOAN_NO,
        InspectionKind.FIRST_FOLLOW_UP,
        date(2025, 1, 20),
        "资金按约定用途使用，企业经营正常",
        uploads=[make_upload("first_inspection_report", "首次跟踪检查报告")],
    )
    assert inspected.version == 2
    assert "inspection_id" in inspected.ids

    # 逾期: the post-loan officer records 40 days overdue.
    steps.overdue(app, plo, LOAN_NO, date(2025, 3, 1), 40)

    # 五级分类: proposed by the account manager, approved by the risk manager (审贷分离).
    proposed = steps.propose_special_mention(app, am, LOAN_NO, date(2025, 3, 1), "本金逾期 40 天")
    steps.approve(app, rm, LOAN_NO, proposed, "同意下调为关注类")
    assert app.get_loan(rm, LOAN_NO).grade is Grade.SPECIAL_MENTION

    # 风险预警: raised by the post-loan officer, handled by the risk manager, its result
    # reported (反馈) by the officer, determined (认定) by the reviewer, cleared by the branch head.
    raised = steps.raise_warning(app, plo, LOAN_NO, date(2025, 3, 2))
    signal_id = UUID(raised.ids["signal_id"])
    steps.handle_warning(
        app,
        rm,
        LOAN_NO,
        signal_id,
        date(2025, 3, 5),
        "约谈实际控制人，追加保证人",
        uploads=[make_upload("warning_form", "风险预警信号处理表")],
    )
    steps.give_feedback(app, plo, LOAN_NO, signal_id, date(2025, 3, 20))
    steps.determine_warning(app, staff["reviewer"], LOAN_NO, signal_id, date(2025, 3, 25))
    steps.clear_warning(
        app, staff["branch_head"], LOAN_NO, signal_id, date(2025, 4, 1), "他行逾期已结清"
    )

    # 催收: a phone call, then a written notice with its signed receipt (回执).
    steps.collect(
        app,
        am,
        LOAN_NO,
        CollectionStepKind.PHONE_CALL,
        date(2025, 3, 2),
        41,
        "借款人承诺月底前还款",
        promised_date=date(2025, 3, 31),
    )
    steps.collect(
        app,
        plo,
        LOAN_NO,
        CollectionStepKind.NOTICE_SERVED,
        date(2025, 3, 10),
        49,
        "通知书已送达，借款人签收",
        uploads=[
            make_upload("collection_notice", "逾期催收通知书"),
            make_upload("collection_receipt", "催收通知书回执"),
        ],
    )

    # 重组, approved by the branch head; then the arrears are cured and the loan repaid.
    steps.restructure(
        app,
        bh,
        LOAN_NO,
        date(2025, 4, 10),
        date(2026, 7, 10),
        "3.85%",
        "延长还款期限，按季付息",
        "经营暂时困难，第一还款来源可恢复",
        uploads=[make_upload("restructuring_agreement", "贷款重组协议")],
    )
    steps.overdue(app, plo, LOAN_NO, date(2025, 4, 11), 0, "0.00", "0.00")
    steps.repay(
        app,
        am,
        LOAN_NO,
        date(2025, 7, 10),
        "400000.00",
        "12000.00",
        uploads=[make_upload("repayment_voucher", "还款凭证 第一期")],
    )
    steps.repay(app, am, LOAN_NO, date(2025, 10, 10), "600000.00", "9000.00")

    # 结清, with the settlement certificate.
    settled = app.execute(
        am,
        Settle(loan_no=LOAN_NO, settled_on=date(2025, 10, 10)),
        [make_upload("settlement_certificate", "结清证明")],
    )
    loan = app.get_loan(am, LOAN_NO)
    assert (loan.status, loan.balance, loan.version) == (
        LoanStatus.SETTLED,
        Decimal("0.00"),
        settled.version,
    )

    # The auditor reads the whole life back: in order, with actor, role and documents.
    events = app.loan_events(staff["auditor"], LOAN_NO)
    assert [e.type for e in events] == [
        "Disbursed",
        "InspectionRecorded",
        "OverdueStatusRecorded",
        "ClassificationProposed",
        "ClassificationDetermined",
        "ClassificationApproved",
        "WarningRaised",
        "WarningHandled",
        "WarningFeedbackGiven",
        "WarningDetermined",
        "WarningCleared",
        "CollectionStepTaken",
        "CollectionStepTaken",
        "Restructured",
        "OverdueStatusRecorded",
        "RepaymentRecorded",
        "RepaymentRecorded",
        "Settled",
    ]
    assert [e.version for e in events] == list(range(1, 19))
    positions = [e.position for e in events]
    assert all(isinstance(p, int) for p in positions)
    assert all(a < b for a, b in pairwise(positions))
    # A command's position is the last of its events (the settlement's certificate is filed
    # in the dossier after the loan's own event).
    assert positions[-1] < settled.position

    who = [(e.actor_id, e.role) for e in events]
    assert who == [
        (am.staff_id, "account_manager"),
        (am.staff_id, "account_manager"),
        (plo.staff_id, "post_loan_officer"),
        (am.staff_id, "account_manager"),
        (steps.credit_management(app, LOAN_NO).staff_id, "reviewer"),  # 认定
        (rm.staff_id, "risk_manager"),
        (plo.staff_id, "post_loan_officer"),
        (rm.staff_id, "risk_manager"),
        (plo.staff_id, "post_loan_officer"),  # 反馈
        (staff["reviewer"].staff_id, "reviewer"),  # 认定
        (bh.staff_id, "branch_head"),  # 消除, not by the handler
        (am.staff_id, "account_manager"),
        (plo.staff_id, "post_loan_officer"),
        (bh.staff_id, "branch_head"),
        (plo.staff_id, "post_loan_officer"),
        (am.staff_id, "account_manager"),
        (am.staff_id, "account_manager"),
        (am.staff_id, "account_manager"),
    ]
    cited = [[d["doc_type"] for d in e.documents] for e in events]
    assert cited == [
        ["loan_contract", "drawdown_receipt"],
        ["first_inspection_report", "first_inspection_report"],  # uploaded, and generated
        [],
        ["classification_form"],
        [],
        [],
        [],
        ["warning_form"],
        [],
        [],
        [],
        [],
        ["collection_notice", "collection_receipt"],
        ["restructuring_agreement"],
        [],
        ["repayment_voucher"],
        [],
        ["settlement_certificate"],
    ]
    disbursement_docs = events[0].documents
    assert disbursement_docs[0] == {
        "doc_type": "loan_contract",
        "sha256": hashlib.sha256(contract).hexdigest(),
        "size": len(contract),
        "media_type": "application/pdf",
        "filename": "借款合同.pdf",
        "pages": 3,
    }
    approved = events[4]
    assert approved.data["grade"] == "special_mention"
    assert approved.data["proposer_id"] == str(am.staff_id)

    # Every document cited by any event is filed in the dossier and present in the blob store.
    all_cited = {d["sha256"] for e in events for d in e.documents}
    dossier = app.get_dossier(am, LOAN_NO)
    assert {d.ref.sha256 for d in dossier.documents} == all_cited
    assert set(app.blobs.keys()) == {blob_key(dossier_id, sha) for sha in all_cited}
