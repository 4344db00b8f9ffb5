"""Repayment register (还款记录台账): every repayment and every overdue status recorded, by loan.

``repayments``: each repayment — the day, its reference in the core system (交易流水号), the
principal, interest and penalty (罚息), whether on time (the loan not overdue when it came in),
and the principal and interest overdue then, so a repayment while overdue that paid less is
seen as partial (部分还款). ``arrears``: each overdue status recorded (as of a day, the days and
amounts overdue). Both as the core system last corrected them: a corrected row shows the new
figures, is marked 已更正 and says what it replaced and which batch line corrected it; each row
says where it came from (来源: batch, file and line) and who recorded it. ``assessments``: each
repayment-behaviour assessment (还款行为分析) with its figures, breaches and the signal it
raised. The repayment-behaviour indicator of any loan on any day, and its sum over the
portfolio, is counted from the first two (:mod:`domain.repayment_behaviour`)."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from projections.changes import Changes
from projections.fed import source
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col, loan_columns, loan_values

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan

MONEY = sa.Numeric(18, 2)

REPAYMENTS = TableSpec(
    "repayments",
    [
        *loan_columns(),
        col("seq", sa.Integer, "序号", "sequence", export=False, nullable=False),
        col("paid_on", sa.Date, "还款日期", "paid on"),
        col("reference", sa.String(64), "交易流水号", "reference", filter=True),
        col("principal", MONEY, "还本（元）", "principal (元)"),
        col("interest", MONEY, "付息（元）", "interest (元)"),
        col("penalty", MONEY, "罚息（元）", "penalty (元)"),
        col("on_time", sa.Boolean, "按时还款", "on time", filter=True),
        col("overdue_then", MONEY, "还款时逾期本息（元）", "overdue then (元)"),
        col("corrected", sa.Boolean, "已更正", "corrected", filter=True),
        col("correction", sa.Text, "更正说明", "correction"),
        col("source", sa.String(200), "来源", "source"),
        col("actor_id", sa.Uuid, "登记人", "recorded by", shows=PERSON),
    ],
    key=("loan_id", "seq"),
    indexes=(("loan_no",),),
)
"""One row per repayment (``seq``: its event's version in the loan's history), as last
corrected by the core system."""

ARREARS = TableSpec(
    "arrears",
    [
        *loan_columns(),
        col("seq", sa.Integer, "序号", "sequence", export=False, nullable=False),
        col("as_of", sa.Date, "截至日期", "as of"),
        col("days_overdue", sa.Integer, "逾期天数", "days overdue"),
        col("overdue_principal", MONEY, "逾期本金（元）", "overdue principal (元)"),
        col("overdue_interest", MONEY, "欠息（元）", "overdue interest (元)"),
        col("corrected", sa.Boolean, "已更正", "corrected", filter=True),
        col("correction", sa.Text, "更正说明", "correction"),
        col("source", sa.String(200), "来源", "source"),
        col("actor_id", sa.Uuid, "登记人", "recorded by", shows=PERSON),
    ],
    key=("loan_id", "seq"),
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
        col("as_of", sa.Date, "截至日期", "as of"),
    ],
    key=("loan_id",),
    dated=False,
)
"""Internal helper: the principal and interest overdue as last recorded, in the order recorded
(as the loan held it when each repayment came in), and the day they were as of."""

REFERENCES = TableSpec(
    "core_references",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("reference", sa.String(64), "交易流水号", "reference", nullable=False),
        col("seq", sa.Integer, "序号", "sequence"),
    ],
    key=("loan_id", "reference"),
    dated=False,
)
"""Internal helper: the row of each repayment the core system reported, by its reference."""

ARREARS_DAYS = TableSpec(
    "arrears_days",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("as_of", sa.Date, "截至日期", "as of", nullable=False),
        col("seq", sa.Integer, "序号", "sequence"),
    ],
    key=("loan_id", "as_of"),
    dated=False,
)
"""Internal helper: the row of the arrears last recorded as of each day, by loan."""


def _correction(previous: str, event: Any) -> str:
    """A correction as the register shows it: what it replaced, and where it came from."""
    where = source(event.fed)
    return f"更正：原{previous}" + (f"（{where}）" if where else "")


class RepaymentRegister(Projection):
    """还款记录台账: repayments, overdue statuses and repayment-behaviour assessments."""

    name = "repayment_register"
    version = 2  # 2: the core system's repayments (reference, 罚息, source) and corrections
    title_zh = "还款记录台账"
    title_en = "Repayment register"
    tables = (REPAYMENTS, ARREARS, ASSESSMENTS, LOAN_NAMES, OVERDUE_NOW, REFERENCES, ARREARS_DAYS)
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
        loan_id, seq = event.originator_id, event.originator_version
        now = changes.get("overdue_now", loan_id) or {}
        reference = getattr(event, "reference", None)
        penalty = getattr(event, "penalty", None)
        changes.put(
            "repayments",
            (loan_id, seq),
            {
                **self._loan(changes, loan_id),
                "paid_on": event.paid_on,
                "reference": reference,
                "principal": event.principal,
                "interest": event.interest,
                "penalty": penalty if penalty is not None else 0,
                "on_time": event.on_time,
                "overdue_then": now.get("overdue") or 0,
                "corrected": False,
                "source": source(getattr(event, "fed", None)),
                "actor_id": event.actor_id,
            },
        )
        if reference is not None:
            changes.put("core_references", (loan_id, reference), {"seq": seq})

    @handle.register(LoanEvents.RepaymentCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        found = changes.get("core_references", loan_id, event.reference)
        row = changes.get("repayments", loan_id, found["seq"]) if found else None
        if found is None or row is None:
            return
        previous = (
            f"还款日期 {row['paid_on']}，还本 {event.previous[0]}、付息 {event.previous[1]}、"
            f"罚息 {event.previous[2]}"
        )
        notes = [n for n in (row["correction"], _correction(previous, event)) if n]
        changes.put(
            "repayments",
            (loan_id, found["seq"]),
            {
                **row,
                "paid_on": event.paid_on,
                "principal": event.principal,
                "interest": event.interest,
                "penalty": event.penalty,
                "corrected": True,
                "correction": "\n".join(notes),
            },
        )

    @handle.register(LoanEvents.OverdueStatusRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id, seq = event.originator_id, event.originator_version
        changes.put(
            "overdue_now",
            (loan_id,),
            {"overdue": event.overdue_principal + event.overdue_interest, "as_of": event.as_of},
        )
        changes.put(
            "arrears",
            (loan_id, seq),
            {
                **self._loan(changes, loan_id),
                "as_of": event.as_of,
                "days_overdue": event.days_overdue,
                "overdue_principal": event.overdue_principal,
                "overdue_interest": event.overdue_interest,
                "corrected": False,
                "source": source(getattr(event, "fed", None)),
                "actor_id": event.actor_id,
            },
        )
        changes.put("arrears_days", (loan_id, event.as_of), {"seq": seq})

    @handle.register(LoanEvents.ArrearsCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        now = changes.get("overdue_now", loan_id)
        if now is not None and now["as_of"] == event.as_of:
            overdue = event.overdue_principal + event.overdue_interest
            changes.put("overdue_now", (loan_id,), {"overdue": overdue, "as_of": event.as_of})
        found = changes.get("arrears_days", loan_id, event.as_of)
        row = changes.get("arrears", loan_id, found["seq"]) if found else None
        if found is None or row is None:
            return
        days, principal, interest = event.previous
        previous = f"逾期天数 {days}，逾期本金 {principal}、欠息 {interest}"
        notes = [n for n in (row["correction"], _correction(previous, event)) if n]
        changes.put(
            "arrears",
            (loan_id, found["seq"]),
            {
                **row,
                "days_overdue": event.days_overdue,
                "overdue_principal": event.overdue_principal,
                "overdue_interest": event.overdue_interest,
                "corrected": True,
                "correction": "\n".join(notes),
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
