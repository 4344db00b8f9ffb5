"""The notices served on a borrower in arrears (付息通知书, 逾期缴款通知书; Chinese, ReportLab).

Filed with a collection step answering a rung whose ``notices`` name them, when none of the
type is uploaded: the loan, its overdue principal and interest as last recorded, the day and
the days overdue. Drawn like the archive office's forms (:mod:`archive.reports.forms`): the
same content renders the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from archive.reports.forms import (
    cell_text,
    grid,
    page_width,
    render_pdf,
    signature_lines,
    text_style,
)
from domain.display import yuan

INTEREST_NOTICE_TYPE = "interest_notice"
OVERDUE_PAYMENT_NOTICE_TYPE = "overdue_payment_notice"
TITLES = {INTEREST_NOTICE_TYPE: "付息通知书", OVERDUE_PAYMENT_NOTICE_TYPE: "逾期缴款通知书"}
"""The notices this module draws, by document type."""


@dataclass(frozen=True)
class ArrearsNotice:
    """What an arrears notice states: the loan, the borrower, what is overdue, the day."""

    doc_type: str
    loan_no: str
    borrower_name: str
    principal: Decimal
    value_date: date
    served_on: date
    days_overdue: int
    overdue_principal: Decimal
    overdue_interest: Decimal


def arrears_notice(notice: ArrearsNotice) -> bytes:
    title = TITLES[notice.doc_type]
    width = page_width()
    body = text_style(10)
    interest_only = notice.doc_type == INTEREST_NOTICE_TYPE
    due = (
        f"应付利息 {yuan(notice.overdue_interest)} 元"
        if interest_only
        else f"逾期本金 {yuan(notice.overdue_principal)} 元、"
        f"逾期利息 {yuan(notice.overdue_interest)} 元"
    )
    rows: list[list[object]] = [
        ["借据号", notice.loan_no, "借款人", cell_text(notice.borrower_name)],
        ["贷款金额（元）", yuan(notice.principal), "起息日", notice.value_date.isoformat()],
        [
            "逾期本金（元）",
            yuan(notice.overdue_principal),
            "逾期利息（元）",
            yuan(notice.overdue_interest),
        ],
        ["通知日期", notice.served_on.isoformat(), "逾期天数", str(notice.days_overdue)],
    ]
    story: list[Flowable] = [
        Paragraph(f"{cell_text(notice.borrower_name)}：", body),
        Spacer(1, 3 * mm),
        Paragraph(
            f"贵方在我行的借款（借据号 {notice.loan_no}）截至 {notice.served_on.isoformat()} "
            f"已逾期 {notice.days_overdue} 天，{due}。请于收到本通知书之日起尽快足额归还；"
            "逾期期间我行将依合同计收罚息，并依法采取措施。",
            body,
        ),
        Spacer(1, 4 * mm),
        grid(rows, [width * 0.18, width * 0.32, width * 0.18, width * 0.32]),
        Spacer(1, 4 * mm),
        Paragraph(f"特此通知。 Notice of arrears on loan {notice.loan_no}.", body),
        Spacer(1, 8 * mm),
        signature_lines(["经办人", "负责人", "借款人签收"], width),
    ]
    return render_pdf(
        title,
        f"{notice.loan_no} / {notice.served_on.isoformat()}",
        story,
        footer=f"{title}　{notice.loan_no}",
    )
