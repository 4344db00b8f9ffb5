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

from domain.portfolio import (
    ZERO,
    Causes,
    Downgrade,
    GroupBy,
    LoanPosition,
    PortfolioMetrics,
    build_metrics,
)
from domain.portfolio_rules import PortfolioRules
from domain.scope import RowScope
from domain.values import DisposalRoute, Grade, LoanStatus
from domain.warning_rules import SignalCategory
from projections.projection import Projection
from projections.query import AsOf, select_all
from projections.store import RegisterStore

LOAN_LEDGER = "loan_ledger"
WARNING_LEDGER = "warning_ledger"
CLASSIFICATION_REGISTER = "classification_register"
NPL_REGISTER = "npl_register"
CAUSE_REGISTERS = (WARNING_LEDGER, CLASSIFICATION_REGISTER, NPL_REGISTER)
"""The registers the causes and the disposal figures of the risk report read."""
REGISTERS = (LOAN_LEDGER, *CAUSE_REGISTERS)
"""The registers the metrics and the report read."""


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
        principal=Decimal(row["principal"] or 0).quantize(Decimal("0.01")),
        industry=row.get("industry"),
        borrower_id=str(row.get("borrower_id") or ""),
        manager_no=str(row.get("account_manager_no") or ""),
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
    rules: PortfolioRules | None = None,
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
        rules=rules,
    )


def _within(day: Any, since: date, on: date) -> bool:
    return day is not None and since < day <= on


def causes(
    store: RegisterStore,
    projections: Mapping[str, Projection],
    *,
    on: date,
    since: date,
    position: int,
    data_scope: RowScope,
    branch: str | None = None,
) -> Causes:
    """The warnings raised and handled, the downgrades approved (dated within (``since``,
    ``on``]) and the NPL loans by disposal route on ``on``, of the loans the reader reaches."""

    def rows(register: str, table: str) -> list[dict[str, Any]]:
        found = select_all(
            store,
            projections[register],
            table,
            as_of=AsOf(position=position, on=on),
            scope=data_scope,
        )
        return [r for r in found if branch is None or r["branch"] == branch]

    warnings: dict[tuple[str, str], int] = {}
    handled: dict[str, int] = {}
    for r in rows(WARNING_LEDGER, "signals"):
        where = str(r["branch"] or "")
        if _within(r["raised_on"], since, on):
            category = next(
                (c.zh for c in SignalCategory if c.value == r["category"]),
                str(r["category"] or "未分类"),
            )
            warnings[(where, category)] = warnings.get((where, category), 0) + 1
        if _within(r["handled_on"], since, on) and r["measures"]:
            handled[where] = handled.get(where, 0) + 1
    downgrades = []
    for r in rows(CLASSIFICATION_REGISTER, "changes"):
        before, after = Grade.parse(r["from_grade"], "grade"), Grade.parse(r["to_grade"], "grade")
        if _within(r["as_of"], since, on) and after.severity > before.severity:
            downgrades.append(
                Downgrade(
                    loan_no=str(r["loan_no"]),
                    branch=str(r["branch"] or ""),
                    from_grade=before,
                    to_grade=after,
                    as_of=r["as_of"],
                    reason=str(r["proposal_reason"] or r["approval_reason"] or ""),
                )
            )
    disposal: dict[str, tuple[int, Decimal, Decimal]] = {}
    for r in rows(NPL_REGISTER, "npl_loans"):
        if r["settled_on"] is not None and r["written_off_on"] is None:
            continue
        route = next(
            (d.zh for d in DisposalRoute if d.value == r["disposal_route"]),
            DisposalRoute.COLLECTION.zh,
        )
        loans, balance, recovered = disposal.get(route, (0, ZERO, ZERO))
        disposal[route] = (
            loans + 1,
            balance + Decimal(r["balance"] or 0).quantize(Decimal("0.01")),
            recovered + Decimal(r["recovered"] or 0).quantize(Decimal("0.01")),
        )
    return Causes(
        warnings=warnings,
        handled=handled,
        downgrades=tuple(sorted(downgrades, key=lambda d: (d.as_of, d.loan_no))),
        disposal=dict(sorted(disposal.items())),
    )
