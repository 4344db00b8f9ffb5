"""The generated notice to the guarantors (保证人履行担保责任通知书): searchable, deterministic."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from archive.reports.guarantor_notices import GuarantorNotice, guarantor_notice

NOTICE = GuarantorNotice(
    loan_no="CR-001",
    borrower_name="杭州示例机械制造有限公司",
    principal=Decimal("1000000.00"),
    value_date=date(2025, 3, 1),
    notified_on=date(2025, 7, 20),
    days_overdue=30,
    guarantees=[("王建国", "自然人", Decimal("400000.00"), "BZ-2025-010")],
)


def test_the_notice_names_each_guarantor_and_renders_the_same_bytes() -> None:
    """Row 003-29 (the guarantor notified on day 30): the notice names the loan, the arrears
    and every guarantee; the same content gives the same bytes, so a retry files the same."""
    pdf = guarantor_notice(NOTICE)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "保证人履行担保责任通知书" in text
    assert "王建国" in text
    assert "BZ-2025-010" in text
    assert "CR-001" in text
    assert guarantor_notice(NOTICE) == pdf
