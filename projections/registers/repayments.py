"""Repayment register (还款记录台账): every repayment and every overdue status recorded, by loan.

``repayments``: each repayment — the day, principal and interest, whether on time (the loan
not overdue when it came in), and the principal and interest overdue then, so a repayment
while overdue that paid less is seen as partial (部分还款). ``arrears``: each overdue status the
core-banking feed recorded (as of a day, the days overdue). ``assessments``: each
repayment-behaviour assessment (还款行为分析) with its figures, breaches and the signal it
raised. The repayment-behaviour indicator of any loan on any day, and its sum over the
portfolio, is counted from the first two (:mod:`domain.repayment_behaviour`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col, loan_columns, loan_values

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan

MONEY = sa.Numeric(18, 2)

REPAYMENTS = TableSpec(
    "repayments",
    [
        *loan_columns(),
        col("paid_on", sa.Date, "还款日期", "paid on"),
        col("principal", MONEY, "还本（元）", "principal (元)"),
        col("interest", MONEY, "付息（元）", "interest (元)"),
        col("on_time", sa.Boolean, "按时还款", "on time", filter=True),
        col("overdue_then", MONEY, "还款时逾期本息（元）", "overdue then (元)"),
    ],
    indexes=(("loan_no",),),
)

ARREARS = TableSpec(
    "arrears",
    [
        *loan_columns(),
        col("as_of", sa.Date, "截至日期", "as of"),
        col("days_overdue", sa.Integer, "逾期天数", "days overdue"),
    ],
    indexes=(("loan_no",),),
)

ASSESSMENTS = TableSpec(
    "assessments",
    [
        *loan_columns(),
        col("assessed_on", sa.Date, "分析日期", "assessed on"),
        col("late_episodes", sa.Integer, "近期逾期次数", "late episodes"),
        col("most_days_late", sa.Integer, "最长逾期天数", "most days late"),
        col("consecutive_late", sa.Integer, "连续逾期还款期数", "consecutive late"),
        col("partial_payments", sa.Integer, "逾期部分还款次数", "partial payments"),
        col("breaches", sa.Text, "触发阈值", "breaches"),
        col("signal_id", sa.Uuid, "预警信号ID", "signal id", export=False),
        col("actor_id", sa.Uuid, "分析人", "assessed by", shows=PERSON),
    ],
    indexes=(("loan_no",),),
)

LOAN_NAMES = TableSpec("loan_names", [*loan_columns()], key=("loan_id",))
"""Internal helper: each loan's number, borrower and branch."""

OVERDUE_NOW = TableSpec(
    "overdue_now",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("overdue", MONEY, "逾期本息（元）", "overdue (元)"),
    ],
    key=("loan_id",),
    dated=False,
)
"""Internal helper: the principal and interest overdue as last recorded, in the order recorded
(as the loan held it when each repayment came in)."""


class RepaymentRegister(Projection):
    """还款记录台账: repayments, overdue statuses and repayment-behaviour assessments."""

    name = "repayment_register"
    version = 1
    title_zh = "还款记录台账"
    title_en = "Repayment register"
    tables = (REPAYMENTS, ARREARS, ASSESSMENTS, LOAN_NAMES, OVERDUE_NOW)
    listings: ClassVar[dict[str, Listing]] = {
        "repayments": Listing("repayments", ("paid_on", "loan_no"), title_zh, title_en),
        "arrears": Listing("arrears", ("as_of", "loan_no"), "逾期登记", "Overdue statuses"),
        "assessments": Listing(
            "assessments", ("assessed_on", "loan_no"), "还款行为分析", "Repayment behaviour"
        ),
    }

    handle = handlers()

    def _loan(self, changes: Changes, loan_id: Any) -> dict[str, Any]:
        found = changes.get("loan_names", loan_id) or {}
        return {
            "loan_id": loan_id,
            **{k: found.get(k) for k in ("loan_no", "borrower_name", "branch")},
        }

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("loan_names", (event.originator_id,), loan_values(event))
        changes.put("overdue_now", (event.originator_id,), {"overdue": 0})

    @handle.register(LoanEvents.BranchChanged)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("loan_names", (event.originator_id,), branch=event.branch)

    @handle.register(LoanEvents.RepaymentRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        now = changes.get("overdue_now", event.originator_id) or {}
        changes.append(
            "repayments",
            {
                **self._loan(changes, event.originator_id),
                "paid_on": event.paid_on,
                "principal": event.principal,
                "interest": event.interest,
                "on_time": event.on_time,
                "overdue_then": now.get("overdue") or 0,
            },
        )

    @handle.register(LoanEvents.OverdueStatusRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "overdue_now",
            (event.originator_id,),
            {"overdue": event.overdue_principal + event.overdue_interest},
        )
        changes.append(
            "arrears",
            {
                **self._loan(changes, event.originator_id),
                "as_of": event.as_of,
                "days_overdue": event.days_overdue,
            },
        )

    @handle.register(LoanEvents.RepaymentBehaviourAssessed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.append(
            "assessments",
            {
                **self._loan(changes, event.originator_id),
                "assessed_on": event.assessed_on,
                "late_episodes": event.late_episodes,
                "most_days_late": event.most_days_late,
                "consecutive_late": event.consecutive_late,
                "partial_payments": event.partial_payments,
                "breaches": "；".join(event.breaches),
                "signal_id": event.signal_id,
                "actor_id": event.actor_id,
            },
        )
