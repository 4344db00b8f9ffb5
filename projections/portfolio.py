"""Reading the portfolio metrics' facts from the loan ledger, at one log position.

The loan ledger keeps every loan's balance, grade, days overdue and status by business date
(业务日期), so the positions at the start and the end of a period — and, for a loan written off
within it, on the day it was written off — are each one query "on" that day, all at the same
log position: the same position gives the same figures, which is how an issued
risk-monitoring report is drawn again. :func:`domain.portfolio.build_metrics` counts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.portfolio import GroupBy, LoanPosition, PortfolioMetrics, build_metrics
from domain.scope import RowScope
from domain.values import Grade, LoanStatus
from projections.projection import Projection
from projections.query import AsOf, select_all
from projections.store import RegisterStore

LOAN_LEDGER = "loan_ledger"
REGISTERS = (LOAN_LEDGER,)
"""The registers the metrics read."""


def _manager(row: Mapping[str, Any]) -> str:
    name, number = row["account_manager"], row["account_manager_no"]
    if name and number:
        return f"{name}（{number}）"
    return str(name or number or "未指定客户经理")


def _position(row: Mapping[str, Any]) -> LoanPosition:
    return LoanPosition(
        loan_id=row["loan_id"],
        loan_no=str(row["loan_no"]),
        branch=str(row["branch"] or ""),
        product=str(row["product"] or ""),
        manager=_manager(row),
        balance=Decimal(row["balance"] or 0).quantize(Decimal("0.01")),
        grade=Grade.parse(row["grade"] or Grade.NORMAL.value, "grade"),
        days_overdue=int(row["days_overdue"] or 0),
        on_book=row["status"] == LoanStatus.ACTIVE.value,
        maturity_date=row["maturity_date"],
        written_off_on=row["written_off_on"],
    )


def positions(
    store: RegisterStore,
    ledger: Projection,
    *,
    on: date,
    position: int,
    data_scope: RowScope,
    branch: str | None = None,
) -> dict[UUID, LoanPosition]:
    """Every loan the reader reaches as the ledger held it on ``on`` (at ``position``)."""
    rows = select_all(
        store, ledger, "loans", as_of=AsOf(position=position, on=on), scope=data_scope
    )
    found = (_position(r) for r in rows)
    return {p.loan_id: p for p in found if branch is None or p.branch == branch}


def portfolio_metrics(
    store: RegisterStore,
    ledger: Projection,
    *,
    on: date,
    since: date,
    by: GroupBy,
    position: int,
    data_scope: RowScope,
    branch: str | None = None,
) -> PortfolioMetrics:
    """The metrics on ``on``, the period's figures counted from ``since``, grouped ``by``."""

    def at(day: date) -> dict[UUID, LoanPosition]:
        return positions(
            store, ledger, on=day, position=position, data_scope=data_scope, branch=branch
        )

    start, end = at(since), at(on)
    written_off: dict[UUID, Decimal] = {}
    days = {
        p.written_off_on
        for p in end.values()
        if p.written_off_on is not None and since < p.written_off_on <= on
    }
    for day in sorted(days):
        that_day = at(day)
        for loan_id, p in end.items():
            if p.written_off_on == day and loan_id in that_day:
                written_off[loan_id] = that_day[loan_id].balance
    return build_metrics(
        on=on,
        since=since,
        by=by,
        branch=branch,
        position=position,
        data_scope=data_scope,
        start=start,
        end=end,
        written_off=written_off,
    )
