"""What the core system reported, as the registers show it: where a fact came from
(:func:`source`) and what a correction changed (:func:`repayment_change`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

SHORT_HASH = 12
"""How many hex digits of the control hash a register shows (the full hash names the batch)."""


def source(fed: dict[str, Any] | None) -> str | None:
    """Where a fact came from, as a register shows it (来源): ``核心系统 2026-11-03 批次
    3f2a9c1b7d4e repayments.csv 第12行``, ``（更正）`` for a correction batch; None when it
    was recorded by hand."""
    if not fed:
        return None
    text = (
        f"核心系统 {fed.get('business_date', '')} 批次 {str(fed.get('batch', ''))[:SHORT_HASH]} "
        f"{fed.get('file', '')} 第{fed.get('line', '')}行"
    )
    return f"{text}（更正）" if fed.get("correction") else text


def repayment_change(event: Any) -> tuple[Decimal, Decimal, Decimal]:
    """What a ``RepaymentCorrected`` changed: principal, interest and penalty, new less old."""
    old = [Decimal(str(v)) for v in event.previous]
    return (
        event.principal - old[0],
        event.interest - old[1],
        (event.penalty or Decimal("0.00")) - old[2],
    )
