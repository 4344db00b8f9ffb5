"""The archive office's forms render Chinese that pypdf can read back, with their signature lines."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from archive.documents.pdfsafety import inspect_pdf
from archive.reports.forms import (
    BorrowSlip,
    DestructionEntry,
    DestructionRegister,
    TransferReceipt,
    borrow_slip,
    destruction_register,
    transfer_receipt,
)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_borrow_slip_names_the_borrower_the_items_and_the_signatures() -> None:
    slip = BorrowSlip(
        borrowing_id="JY-2026-0001",
        reference_code="J001-XD·2026-D30-XDB-0001",
        loan_no="DK2024000163",
        borrower_name="青禾县盛通纺织有限公司",
        requester="冯志明（审计）",
        purpose="审计",
        form="原件",
        due_on=date(2026, 11, 22),
        approvers=["周建国（档案室负责人）"],
        items=[("loan_contract", "借款合同.pdf", 3), ("drawdown_receipt", "借据.pdf", 1)],
    )
    pdf = borrow_slip(slip)
    text = _text(pdf)
    for words in (
        "档案借阅单",
        "青禾县盛通纺织有限公司",
        "冯志明",
        "借款合同.pdf",
        "借阅人签字",
        "归还期限",
    ):
        assert words in text, words
    assert borrow_slip(slip) == pdf, "the same slip renders to the same bytes"
    # The form passes the same checks as any filed document: it can be filed itself.
    assert inspect_pdf(io.BytesIO(pdf), "借阅单.pdf").pages == 1


def test_a_transfer_receipt_lists_each_item_with_its_check() -> None:
    pdf = transfer_receipt(
        TransferReceipt(
            transfer_id="YJ-0007",
            loan_no="DK2024000163",
            borrower_name="青禾县盛通纺织有限公司",
            kind="合同原件",
            handed_by="林海燕",
            received_by="沈秀英",
            received_on=date(2024, 5, 10),
            items=[
                ("loan_contract", "借款合同", 3, "齐全"),
                ("guarantee_contract", "保证合同", 2, "缺失"),
            ],
        )
    )
    text = _text(pdf)
    for words in ("档案移交清单", "保证合同", "缺失", "接收人签字"):
        assert words in text, words


def test_a_destruction_register_totals_its_pages_and_has_every_signature_line() -> None:
    pdf = destruction_register(
        DestructionRegister(
            batch_id="XH-2037-01",
            proposed_by="周建国",
            approved_by=["赵刚", "合规部 王丽"],
            method="粉碎；电子文件删除密钥",
            supervisors=["李娜", "陈静"],
            proposed_on=date(2037, 1, 5),
            approved_on=date(2037, 1, 12),
            compliance_approved_on=date(2037, 1, 15),
            executed_on=None,
            entries=[
                DestructionEntry(
                    "J001-XD·2026-D10-XDB-0001",
                    "DK2024000163 贷后档案",
                    "2024-2026",
                    "D10",
                    57,
                    "保管期满，无保存价值",
                ),
                DestructionEntry(
                    "J001-XD·2026-D10-XDB-0002",
                    "DK2024000164 贷后档案",
                    "2024-2026",
                    "D10",
                    43,
                    "保管期满，无保存价值",
                ),
            ],
        )
    )
    text = _text(pdf)
    for words in (
        "档案销毁清册",
        "共 2 卷，100 页",
        "永久保存",
        "监销人签字",
        "合规审批签字",
        "保管期满",
    ):
        assert words in text, words


def test_a_destruction_register_states_the_day_of_each_step_and_which_is_still_to_come() -> None:
    pdf = destruction_register(
        DestructionRegister(
            batch_id="XH-2037-02",
            proposed_by="周建国",
            approved_by=["赵刚", "王丽"],
            method="粉碎",
            entries=[
                DestructionEntry("J001-XD·2026-D10-XDB-0003", "贷后档案", "2026", "D10", 5, "")
            ],
            proposed_on=date(2037, 1, 5),
            approved_on=date(2037, 1, 12),
            compliance_approved_on=date(2037, 1, 15),
            executed_on=date(2037, 2, 1),
            executed_by="唐玉兰（0911）",
        )
    )
    text = _text(pdf)
    for words in (
        "提出日期",
        "2037-01-05",
        "批准日期",
        "2037-01-12",
        "合规审批日期",
        "2037-01-15",
        "销毁日期",
        "2037-02-01",
        "唐玉兰（0911）",
    ):
        assert words in text, words
    assert "未办理" not in text


def test_recorded_text_is_printed_as_text_never_read_as_markup() -> None:
    """A title typed as ``借款合同<第1册>`` (or a control character an earlier release let in)
    once made ReportLab fail the whole form, and the command that files it answered 500."""
    pdf = transfer_receipt(
        TransferReceipt(
            transfer_id="YJ-0008",
            loan_no="DK2024000163",
            borrower_name="盛通纺织 & 子公司",
            kind="合同原件",
            handed_by="林海燕",
            received_by="沈秀英",
            received_on=date(2024, 5, 10),
            items=[
                ("loan_contract", "借款合同<第1册>", 3, "齐全"),
                ("guarantee_contract", "<para>保证合同", 2, "水渍\x07"),
            ],
        )
    )
    text = _text(pdf)
    for words in ("借款合同<第1册>", "<para>保证合同", "盛通纺织 & 子公司", "水渍\\u0007"):
        assert words in text, words
