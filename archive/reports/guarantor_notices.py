"""The generated notice to the guarantors (保证人履行担保责任通知书, Chinese, ReportLab).

Filed with a collection step notifying the guarantors (通知保证人) when none is uploaded: one
notice naming every guarantee registered on the loan, the amount each guarantees and its
contract, dated the day of the step. Drawn like the archive office's forms
(:mod:`archive.reports.forms`): the same content renders the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from archive.reports.forms import grid, page_width, render_pdf, signature_lines, text_style
from domain.display import yuan

TITLE = "保证人履行担保责任通知书"


@dataclass(frozen=True)
class GuarantorNotice:
    """What the notice states: the loan, the borrower, the guarantees, the day and arrears."""

    loan_no: str
    borrower_name: str
    principal: Decimal
    value_date: date
    notified_on: date
    days_overdue: int
    guarantees: Sequence[tuple[str, str, Decimal, str]]  # (name, kind, amount, contract no.)


def guarantor_notice(notice: GuarantorNotice) -> bytes:
    width = page_width()
    body = text_style(10)
    names = "、".join(name for name, _kind, _amount, _contract in notice.guarantees)
    rows: list[list[object]] = [["保证人", "类型", "担保金额（元）", "保证合同编号"]]
    rows += [[n, k, yuan(a), c] for n, k, a, c in notice.guarantees]
    story: list[Flowable] = [
        Paragraph(f"{names}：", body),
        Spacer(1, 3 * mm),
        Paragraph(
            f"借款人{notice.borrower_name}在我行的借款（借据号 {notice.loan_no}，金额"
            f"{yuan(notice.principal)}元，起息日 {notice.value_date.isoformat()}）截至"
            f" {notice.notified_on.isoformat()} 已逾期 {notice.days_overdue} 天。您为该笔借款"
            "提供保证，现依保证合同通知您履行担保责任，于收到本通知书之日起十日内代为清偿"
            "借款人所欠本息。逾期不履行的，我行将依法向您主张权利。",
            body,
        ),
        Spacer(1, 4 * mm),
        grid(rows, [width * 0.34, width * 0.16, width * 0.22, width * 0.28]),
        Spacer(1, 4 * mm),
        Paragraph("特此通知。 Notice to the guarantors to perform the guarantee.", body),
        Spacer(1, 8 * mm),
        signature_lines(["经办人", "负责人", "保证人签收"], width),
    ]
    return render_pdf(
        TITLE,
        f"{notice.loan_no} / {notice.notified_on.isoformat()}",
        story,
        footer=f"{TITLE}　{notice.loan_no}",
    )
