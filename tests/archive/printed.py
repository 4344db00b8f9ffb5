"""One sample of every PDF form and report the archive draws itself, each with its Chinese
title: what the printing tests (:mod:`tests.archive.test_printing`) render and check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from api.web.pages.desk_labels import Label, label_pdf
from archive.reports import compliance, risk
from archive.reports.arrears_notices import (
    OVERDUE_PAYMENT_NOTICE_TYPE,
    ArrearsNotice,
    arrears_notice,
)
from archive.reports.forms import (
    BorrowSlip,
    DestructionEntry,
    DestructionRegister,
    TransferReceipt,
    borrow_slip,
    destruction_register,
    transfer_receipt,
)
from archive.reports.guarantor_notices import GuarantorNotice, guarantor_notice
from archive.reports.inspection_forms import InspectionForm, inspection_form
from archive.reports.maturity_notices import MaturityNoticeForm, maturity_notice
from archive.reports.rectification_notices import RectificationNoticeForm, rectification_notice
from domain.compliance import ReportFormat
from domain.rules import shipped_rules
from tests.fixtures.renderers.reports import compliance_report, risk_report

BORROWER = "青禾县盛通纺织有限公司"


def _borrow_slip() -> bytes:
    return borrow_slip(
        BorrowSlip(
            borrowing_id="JY-2026-0001",
            reference_code="J001-XD·2026-D30-XDB-0001",
            loan_no="DK2024000163",
            borrower_name=BORROWER,
            requester="冯志明（审计）",
            purpose="审计",
            form="原件",
            due_on=date(2026, 11, 22),
            approvers=["周建国（档案室负责人）"],
            items=[("loan_contract", "借款合同.pdf", 3)],
        )
    )


def _transfer_receipt() -> bytes:
    return transfer_receipt(
        TransferReceipt(
            transfer_id="YJ-0007",
            loan_no="DK2024000163",
            borrower_name=BORROWER,
            kind="合同原件",
            handed_by="林海燕",
            received_by="沈秀英",
            received_on=date(2024, 5, 10),
            items=[("loan_contract", "借款合同", 3, "齐全")],
            transfer_no="移交〔2024〕第0007号",
        )
    )


def _destruction_register() -> bytes:
    return destruction_register(
        DestructionRegister(
            batch_id="XH-2037-01",
            proposed_by="周建国",
            approved_by=["赵刚"],
            method="粉碎；电子文件删除密钥",
            supervisors=["李娜", "陈静"],
            proposed_on=date(2037, 1, 5),
            entries=[
                DestructionEntry(
                    "J001-XD·2026-D10-XDB-0001", "贷后档案", "2024-2026", "D10", 57, "保管期满"
                )
            ],
        )
    )


def _arrears_notice() -> bytes:
    return arrears_notice(
        ArrearsNotice(
            doc_type=OVERDUE_PAYMENT_NOTICE_TYPE,
            loan_no="DK2024000163",
            borrower_name=BORROWER,
            principal=Decimal("1000000.00"),
            value_date=date(2025, 3, 1),
            served_on=date(2025, 7, 20),
            days_overdue=30,
            overdue_principal=Decimal("50000.00"),
            overdue_interest=Decimal("1234.56"),
        )
    )


def _rectification_notice() -> bytes:
    return rectification_notice(
        RectificationNoticeForm(
            notice_no="ZG-2026-001",
            check_no="JC-2026-001",
            addressee="青禾县支行",
            checked_on=date(2026, 6, 1),
            period_from=date(2026, 1, 1),
            period_to=date(2026, 5, 31),
            items=[],
            total=100,
            score=82,
            pass_score=85,
            proposed_penalty=None,
            findings="档案移交不及时",
            deadline=date(2026, 7, 1),
            checker="王丽",
        )
    )


def _maturity_notice() -> bytes:
    return maturity_notice(
        MaturityNoticeForm(
            addressee=BORROWER,
            loan_no="DK2024000163",
            borrower_name=BORROWER,
            product="公司流动资金贷款",
            principal=Decimal("1000000.00"),
            value_date=date(2025, 3, 1),
            maturity_date=date(2026, 3, 1),
            branch="青禾县支行",
            issued_on=date(2026, 2, 1),
            issued_by="冯志明",
        )
    )


def _inspection_form() -> bytes:
    checklists = shipped_rules().checklists
    checklist = checklists.lists[0]
    judgment = checklists.judgments[0]
    return inspection_form(
        InspectionForm(
            checklist=checklist,
            loan_no="DK2024000163",
            borrower_name=BORROWER,
            borrower_type="企业",
            product="公司流动资金贷款",
            principal=Decimal("1000000.00"),
            value_date=date(2025, 3, 1),
            guarantee_type="保证",
            kind="电话回访",
            inspected_on=date(2025, 6, 1),
            inspector="冯志明",
            reviewer="周建国",
            answers=[(item.code, "normal", "") for item in checklist.items],
            figures=[],
            judgment=judgment,
            measures=None,
            findings="经营正常",
        )
    )


def _guarantor_notice() -> bytes:
    return guarantor_notice(
        GuarantorNotice(
            loan_no="DK2024000163",
            borrower_name=BORROWER,
            principal=Decimal("1000000.00"),
            value_date=date(2025, 3, 1),
            notified_on=date(2025, 7, 20),
            days_overdue=30,
            guarantees=[("王建国", "自然人", Decimal("400000.00"), "BZ-2025-010")],
        )
    )


def _label() -> bytes:
    return label_pdf(
        Label(
            reference_code="J001-XD·2026-D30-XDB-0001",
            loan_no="DK2024000163",
            borrower_name=BORROWER,
            shelf="A区3排2列",
            retention="保管期限 30年",
        )
    )


FORMS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "borrow_slip": ("档案借阅单", _borrow_slip),
    "transfer_receipt": ("档案移交清单", _transfer_receipt),
    "destruction_register": ("档案销毁清册", _destruction_register),
    "arrears_notice": ("逾期缴款通知书", _arrears_notice),
    "rectification_notice": ("限期整改通知书", _rectification_notice),
    "maturity_notice": ("贷款到期通知书", _maturity_notice),
    "inspection_form": ("电话回访记录", _inspection_form),
    "guarantor_notice": ("保证人履行担保责任通知书", _guarantor_notice),
    "compliance_report": (
        "贷后档案合规检查报告",
        lambda: compliance.render(compliance_report(), ReportFormat.PDF),
    ),
    "risk_report": ("风险监测报告", lambda: risk.render(risk_report(), ReportFormat.PDF)),
    "folder_label": ("档案标签", _label),
}
"""Each form: (the Chinese title it prints, how to draw a sample)."""
