"""The maturity notice (贷款到期通知书), generated in Chinese (ReportLab) when one is recorded.

Drawn like the archive office's forms (:mod:`archive.reports.forms`): the Chinese font embedded,
PDF/A-2b, the text extractable, the same content rendering the same bytes.
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

TITLE = "贷款到期通知书"


@dataclass(frozen=True)
class MaturityNoticeForm:
    """What a maturity notice states: to whom, which loan, when it falls due."""

    addressee: str
    loan_no: str
    borrower_name: str
    product: str
    principal: Decimal
    value_date: date
    maturity_date: date
    branch: str
    issued_on: date
    issued_by: str


def maturity_notice(form: MaturityNoticeForm) -> bytes:
    width = page_width()
    body = text_style(11)
    facts = grid(
        [
            ["借据号", form.loan_no, "借款人", form.borrower_name],
            ["贷款品种", form.product, "贷款金额（元）", yuan(form.principal)],
            ["起息日", form.value_date.isoformat(), "到期日", form.maturity_date.isoformat()],
            ["经办机构", form.branch, "通知日期", form.issued_on.isoformat()],
        ],
        [width * 0.15, width * 0.35, width * 0.15, width * 0.35],
    )
    story: list[Flowable] = [
        Paragraph(f"{cell_text(form.addressee)}：", body),
        Spacer(1, 4 * mm),
        Paragraph(
            f"贵方在我行{cell_text(form.branch)}借款（借据号 {cell_text(form.loan_no)}）"
            f"将于 {form.maturity_date.isoformat()} 到期。请按借款合同约定，于到期日前备足资金，"
            "按时归还贷款本息。如有疑问，请与我行客户经理联系。",
            body,
        ),
        Spacer(1, 5 * mm),
        facts,
        Spacer(1, 5 * mm),
        Paragraph(
            f"The loan {cell_text(form.loan_no)} falls due on {form.maturity_date.isoformat()};"
            " please repay principal and interest by then.",
            text_style(9),
        ),
        Spacer(1, 10 * mm),
        grid([["经办人", form.issued_by]], [width * 0.2, width * 0.8]),
        Spacer(1, 8 * mm),
        signature_lines(["借款人签收", "经办人"], width),
    ]
    return render_pdf(
        TITLE,
        cell_text(f"Maturity notice / {form.loan_no} / {form.maturity_date.isoformat()}"),
        story,
        footer=f"{TITLE}　{form.loan_no}",
    )
