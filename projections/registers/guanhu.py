"""管户台账 (customer register): each manager's customers, their target-responsibility
records, and what they collected against the plan (管户经理业绩考核台帐).

A projection of the ``Staff`` events of 管户 (``CustomerAssigned``, ``CustomerReleased``) and of
the evaluations of post-loan duties (``PostLoanDutiesEvaluated``), and of the ``Loan`` events of
the target-responsibility record (``TargetResponsibilitySigned``) and of repayments:

* ``customers``: one row per manager and customer managed now, with its amount and tier;
* ``targets``: one row per loan and year signed — 管户主责任人, 风险监管责任人, the collection plan
  (本息收回计划), what was collected that year since the signing (principal and interest),
  the balance, and the evaluation of the manager's duties that reviewed the loan, if any;
* ``managers``: one row per manager — customers held (法人客户 with a group counted as one),
  whether that is within ``guanhu.customers_per_manager`` of the rules in force, the sum of
  the collection plans and of what was collected, and the last evaluation of their duties.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.rules import RuleSet
from domain.staff import Staff
from domain.values import BorrowerType, DutyConclusion
from projections.changes import Changes
from projections.fed import repayment_change
from projections.projection import Listing, Projection
from projections.rules_state import RULES_TABLE, FollowsRules, handlers_following_rules
from projections.tables import PERSON, TableSpec, col

MONEY = sa.Numeric(18, 2)
# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
StaffEvents: Any = Staff

CUSTOMERS = TableSpec(
    "customers",
    [
        col("staff_id", sa.Uuid, "管户人", "manager", nullable=False, shows=PERSON),
        col("borrower_id", sa.String(64), "客户号", "customer id", filter=True, nullable=False),
        col("staff_no", sa.String(32), "工号", "staff no.", filter=True),
        col("branch", sa.String(100), "机构", "branch", filter=True),
        col("borrower_name", sa.String(200), "客户名称", "customer"),
        col("borrower_type", sa.String(16), "客户类型", "customer type", labels=BorrowerType),
        col("group_name", sa.String(200), "所属集团", "group"),
        col("amount", MONEY, "借款金额（元）", "amount (元)"),
        col("tier", sa.String(32), "管户层级", "tier"),
        col("assigned_on", sa.Date, "分配日期", "assigned on"),
    ],
    key=("staff_id", "borrower_id"),
)

TARGETS = TableSpec(
    "targets",
    [
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True, nullable=False),
        col("year", sa.Integer, "年度", "year", filter=True, nullable=False),
        col("manager_id", sa.Uuid, "管户主责任人", "manager answering", shows=PERSON),
        col("risk_supervisor_id", sa.Uuid, "风险监管责任人", "risk supervisor", shows=PERSON),
        col("collection_target", MONEY, "本息收回计划（元）", "collection plan (元)"),
        col("collected", MONEY, "已收回本息（元）", "collected (元)"),
        col("balance", MONEY, "贷款余额（元）", "balance (元)"),
        col("business_target", sa.Text, "经营目标", "business target"),
        col("signed_on", sa.Date, "签订日期", "signed on"),
        col("signer_id", sa.Uuid, "签订人（行方）", "signed for the bank by", shows=PERSON),
        col(
            "evaluation_conclusion",
            sa.String(32),
            "履职评价结论",
            "duties evaluated",
            labels=DutyConclusion,
        ),
        col("evaluated_on", sa.Date, "评价日期", "evaluated on"),
    ],
    key=("loan_no", "year"),
)

MANAGERS = TableSpec(
    "managers",
    [
        col("staff_id", sa.Uuid, "管户人", "manager", nullable=False, shows=PERSON),
        col("staff_no", sa.String(32), "工号", "staff no.", filter=True),
        col("branch", sa.String(100), "机构", "branch", filter=True),
        col("customers", sa.Integer, "管户户数", "customers"),
        col("corporate_counted", sa.Integer, "法人客户（集团按1户）", "corporate (a group as one)"),
        col("groups", sa.Text, "集团", "groups", export=False),
        col("within_range", sa.Boolean, "户数在规定范围内", "customers within the range"),
        col("collection_target", MONEY, "本息收回计划合计（元）", "collection plans (元)"),
        col("collected", MONEY, "已收回本息合计（元）", "collected (元)"),
        col(
            "last_evaluation",
            sa.String(32),
            "最近履职评价",
            "last evaluation",
            labels=DutyConclusion,
        ),
        col("last_evaluated_on", sa.Date, "最近评价日期", "last evaluated on"),
    ],
    key=("staff_id",),
)

LOANS = TableSpec(
    "loan_index",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", nullable=False, export=False),
        col("loan_no", sa.String(64), "借据号", "loan no."),
        col("balance", MONEY, "贷款余额（元）", "balance (元)"),
        col("years", sa.String(200), "已签年度", "years signed", export=False),
    ],
    key=("loan_id",),
    dated=False,
)

PEOPLE = TableSpec(
    "people",
    [
        col("staff_id", sa.Uuid, "人员ID", "staff id", nullable=False, export=False),
        col("staff_no", sa.String(32), "工号", "staff no."),
        col("branch", sa.String(100), "机构", "branch"),
    ],
    key=("staff_id",),
    dated=False,
)

ZERO = Decimal("0.00")


class CustomerRegister(FollowsRules, Projection):
    """管户台账: each manager's customers, target records and collections against them."""

    name = "customer_register"
    version = 2  # 2: the core system's corrections and new amounts
    title_zh = "管户台账"
    title_en = "Customer register (管户)"
    tables = (MANAGERS, CUSTOMERS, TARGETS, LOANS, PEOPLE, RULES_TABLE)
    listings: ClassVar[dict[str, Listing]] = {
        "managers": Listing("managers", ("staff_no",), "管户经理业绩考核台帐", "Managers"),
        "customers": Listing("customers", ("staff_no", "borrower_id"), title_zh, title_en),
        "targets": Listing("targets", ("loan_no", "year"), "目标责任书", "Target records"),
    }

    def __init__(self, default_rules: RuleSet | None = None) -> None:
        """``default_rules`` judge the log before its first adoption (default: the shipped)."""
        FollowsRules.__init__(self, default_rules)

    handle = handlers_following_rules()

    # ------------------------------------------------------------------ people
    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "people", (event.originator_id,), {"staff_no": event.staff_no, "branch": event.branch}
        )

    @handle.register(StaffEvents.Transferred)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("people", (event.originator_id,), branch=event.branch)
        changes.update("managers", (event.originator_id,), branch=event.branch)
        # (the customers rows keep the unit they were assigned in)

    def _manager(self, changes: Changes, staff_id: Any) -> dict[str, Any]:
        row = changes.get("managers", staff_id)
        if row is not None:
            return row
        person = changes.get("people", staff_id) or {}
        return {
            "staff_no": person.get("staff_no"),
            "branch": person.get("branch"),
            "customers": 0,
            "corporate_counted": 0,
            "groups": "",
            "within_range": None,
            "collection_target": ZERO,
            "collected": ZERO,
        }

    def _count(self, changes: Changes, staff_id: Any, row: dict[str, Any], delta: int) -> None:
        row["customers"] += delta
        row["within_range"] = self.rules_at(changes).guanhu.in_range(row["customers"])
        changes.put("managers", (staff_id,), row)

    # ------------------------------------------------------------------ 管户
    @handle.register(StaffEvents.CustomerAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        person = changes.get("people", event.originator_id) or {}
        changes.put(
            "customers",
            (event.originator_id, event.borrower_id),
            {
                "staff_no": person.get("staff_no"),
                "branch": event.branch,
                "borrower_name": event.borrower_name,
                "borrower_type": event.borrower_type.value,
                "group_name": event.group,
                "amount": event.amount,
                "tier": event.tier,
                "assigned_on": event.assigned_on,
            },
        )
        row = self._manager(changes, event.originator_id)
        if event.borrower_type is BorrowerType.CORPORATE:
            groups = [g for g in (row["groups"] or "").split("\n") if g]
            if not event.group or event.group not in groups:
                row["corporate_counted"] += 1
            if event.group:
                row["groups"] = "\n".join([*groups, event.group])
        self._count(changes, event.originator_id, row, 1)

    @handle.register(StaffEvents.CustomerReleased)
    def _(self, event: Any, changes: Changes) -> None:
        key = (event.originator_id, event.borrower_id)
        customer = changes.get("customers", *key)
        if customer is None:
            return
        changes.end("customers", *key)
        row = self._manager(changes, event.originator_id)
        if customer["borrower_type"] == BorrowerType.CORPORATE.value:
            group = customer["group_name"]
            groups = [g for g in (row["groups"] or "").split("\n") if g]
            if group:
                groups.remove(group)
                row["groups"] = "\n".join(groups)
            if not group or group not in groups:
                row["corporate_counted"] -= 1
        self._count(changes, event.originator_id, row, -1)

    @handle.register(StaffEvents.PostLoanDutiesEvaluated)
    def _(self, event: Any, changes: Changes) -> None:
        """The evaluation is linked to the target records of the loans it reviewed for the
        years it covers, and to the manager's row (not copied: its conclusion and date)."""
        for loan_no in event.loan_nos:
            for year in range(event.period_from.year, event.period_to.year + 1):
                target = changes.get("targets", loan_no, year)
                if target is not None and target["manager_id"] == event.originator_id:
                    changes.update(
                        "targets",
                        (loan_no, year),
                        evaluation_conclusion=event.conclusion.value,
                        evaluated_on=event.evaluated_on,
                    )
        row = changes.get("managers", event.originator_id)
        if row is not None:
            changes.update(
                "managers",
                (event.originator_id,),
                last_evaluation=event.conclusion.value,
                last_evaluated_on=event.evaluated_on,
            )

    # ------------------------------------------------------------------ loans
    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "loan_index",
            (event.originator_id,),
            {"loan_no": event.loan_no, "balance": event.principal, "years": ""},
        )

    @handle.register(LoanEvents.TargetResponsibilitySigned)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("loan_index", event.originator_id)
        if loan is None:
            return
        changes.put(
            "targets",
            (loan["loan_no"], event.year),
            {
                "manager_id": event.manager_id,
                "risk_supervisor_id": event.risk_supervisor_id,
                "collection_target": event.collection_target,
                "collected": ZERO,
                "balance": event.balance,
                "business_target": event.business_target,
                "signed_on": event.signed_on,
                "signer_id": event.actor_id,
            },
        )
        years = [y for y in (loan["years"] or "").split(",") if y]
        changes.update(
            "loan_index", (event.originator_id,), years=",".join([*years, str(event.year)])
        )
        row = self._manager(changes, event.manager_id)
        row["collection_target"] += event.collection_target
        changes.put("managers", (event.manager_id,), row)

    @handle.register(LoanEvents.RepaymentRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        self._repaid(changes, event.originator_id, event.paid_on, event.principal, event.interest)

    @handle.register(LoanEvents.RepaymentCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        """A repayment the core system corrected: collected and the balance by the difference."""
        principal, interest, _penalty = repayment_change(event)
        self._repaid(changes, event.originator_id, event.paid_on, principal, interest)

    @handle.register(LoanEvents.MasterDataChanged)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("loan_index", event.originator_id)
        if loan is None or "principal" not in event.changes:
            return
        old, new = (Decimal(v) for v in event.changes["principal"])
        changes.update("loan_index", (event.originator_id,), balance=loan["balance"] + new - old)

    def _repaid(
        self, changes: Changes, loan_id: Any, paid_on: date, principal: Decimal, interest: Decimal
    ) -> None:
        loan = changes.get("loan_index", loan_id)
        if loan is None:
            return
        balance = loan["balance"] - principal
        changes.update("loan_index", (loan_id,), balance=balance)
        for year in (loan["years"] or "").split(","):
            if not year:
                continue
            target = changes.get("targets", loan["loan_no"], int(year))
            if target is None:
                continue
            paid = principal + interest
            counts = int(year) == paid_on.year and paid_on >= target["signed_on"]
            changes.update(
                "targets",
                (loan["loan_no"], int(year)),
                balance=balance,
                collected=target["collected"] + (paid if counts else ZERO),
            )
            if counts:
                manager = changes.get("managers", target["manager_id"])
                if manager is not None:
                    changes.update(
                        "managers",
                        (target["manager_id"],),
                        collected=manager["collected"] + paid,
                    )
