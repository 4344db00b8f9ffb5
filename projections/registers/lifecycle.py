"""Loan ledger (贷后管理台账): one row per loan, as it stands after each of its events.

The next inspection's due date follows the ``[inspections]`` schedule of the rules in force
when the loan's last event was recorded (``rules_in_force``, as the work queue keeps it), and
counts the inspections the work queue counts: not phone visits, and under rules requiring a
countersign (``inspections.countersign_days``) only the countersigned.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.industry import Industry
from domain.loan import Loan
from domain.rules import RuleSet
from domain.schedules import InspectionsDone
from domain.staff import Staff
from domain.values import (
    BorrowerType,
    CollectionStepKind,
    Grade,
    GuaranteeType,
    InspectionKind,
    LoanStatus,
    Product,
    RepaymentMethod,
)
from projections.changes import Changes
from projections.fed import repayment_change
from projections.projection import Listing, Projection
from projections.rules_state import RULES_TABLE, FollowsRules, handlers_following_rules
from projections.tables import TableSpec, col, loan_facts, staff_names

MONEY = sa.Numeric(18, 2)
# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
StaffEvents: Any = Staff

LOANS = TableSpec(
    "loans",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        *loan_facts("loan_no"),
        col("borrower_id", sa.String(64), "借款人编号", "borrower id", filter=True),
        *loan_facts("borrower_name"),
        col("borrower_type", sa.String(32), "借款人类型", "borrower type", labels=BorrowerType),
        col("borrower_rating", sa.String(16), "信用等级", "rating", filter=True),
        col("previous_rating", sa.String(16), "变更前信用等级", "rating before the change"),
        col("rating_changed_on", sa.Date, "信用等级变更日", "rating changed on"),
        col("rating_due_on", sa.Date, "评级变更所定检查到期日", "inspection due by the change"),
        col("information_changed_on", sa.Date, "最近信息变更日", "information last changed"),
        col("industry", sa.String(4), "所属行业", "industry", filter=True, labels=Industry),
        *loan_facts("product", "branch"),
        col("guarantee_type", sa.String(16), "担保方式", "guarantee", labels=GuaranteeType),
        col("repayment_method", sa.String(16), "还款方式", "repayment", labels=RepaymentMethod),
        col("principal", MONEY, "贷款金额", "principal"),
        col("balance", MONEY, "贷款余额", "balance"),
        col("repayments_on_time", sa.Integer, "按时还款次数", "repayments on time"),
        col("repayments_late", sa.Integer, "逾期后还款次数", "repayments while overdue"),
        *loan_facts("value_date"),
        col("maturity_date", sa.Date, "到期日", "maturity date"),
        *loan_facts("status", "grade", "sub_grade", "days_overdue"),
        col("overdue_principal", MONEY, "逾期本金", "overdue principal"),
        col("overdue_interest", MONEY, "欠息", "overdue interest"),
        *loan_facts("overdue_as_of"),
        col("account_manager_id", sa.Uuid, "客户经理ID", "account manager id", export=False),
        col(
            "account_manager_no", sa.String(32), "客户经理工号", "account manager no.", filter=True
        ),
        col("account_manager", sa.String(100), "客户经理", "account manager"),
        col("b_manager_id", sa.Uuid, "B岗ID", "B岗 id", export=False),
        col("b_manager", sa.String(100), "B岗客户经理", "B岗 account manager"),
        col("b_post_required", sa.Boolean, "须设B岗", "B岗 required"),
        col("last_inspection_on", sa.Date, "上次检查日", "last inspection"),
        col("next_inspection_due", sa.Date, "下次检查到期日", "next inspection due"),
        col("first_inspected", sa.Boolean, "已首次检查", "first inspection done"),
        col("last_checklist_on", sa.Date, "上次清单检查日", "last checklist inspection"),
        col("last_judgment", sa.String(32), "上次检查风险判断", "last risk judgment", filter=True),
        col("last_abnormal", sa.Integer, "上次检查异常项数", "abnormal items last time"),
        col("open_warnings", sa.Integer, "未解除预警数", "open warnings"),
        col("funds_used", MONEY, "已登记资金使用金额", "funds use recorded"),
        col("funds_misused", MONEY, "未按约定用途使用金额", "funds used against the purpose"),
        col(
            "collection_stage",
            sa.String(32),
            "催收阶段",
            "collection stage",
            filter=True,
            labels=CollectionStepKind,
        ),
        col("collection_stage_on", sa.Date, "最近催收日", "last collection step"),
        col("in_asset_preservation", sa.Boolean, "已移交资产保全", "with asset preservation"),
        col("lead_unit", sa.String(50), "牵头部门", "lead unit", filter=True),
        *loan_facts("written_off_on"),
        col("settled_on", sa.Date, "结清日", "settled on"),
        col("key_customer", sa.Boolean, "重点客户", "key customer", filter=True),
        col("watch_list", sa.Boolean, "纳入关注名单", "on the watch list", filter=True),
        col("large_customer", sa.Boolean, "大额客户", "large customer", filter=True),
        col("third_party_servicer", sa.String(320), "第三方服务机构", "third-party servicer"),
        col("maturity_notice_on", sa.Date, "到期通知书发出日", "maturity notice issued on"),
    ],
    key=("loan_id",),
    indexes=(("loan_no",),),
)

# Who is who, so rows name people.
STAFF = staff_names()

MASTER_COLUMNS = frozenset(
    {"borrower_name", "borrower_type", "product", "repayment_method", "guarantee_type"}
)
"""The master data the core system may change (``MasterDataChanged``) that the ledger shows
as the core writes it; the amount and dates are converted."""


class LoanLedger(FollowsRules, Projection):
    """贷后管理台账: borrower, product, amounts, status, grade, arrears, inspections, warnings."""

    name = "loan_ledger"
    version = 14  # 6: checklist judgment; 7: the B岗 (managers.b_post_required); 8: an
    # inspection counts once countersigned; 9: borrower information changed (the rating moves
    # the schedule), the use of the funds; 10: closer watch (重点客户, 大额客户, 第三方服务) and
    # the maturity notice (贷款到期通知书); 11: repayments on time and while overdue; 12: the
    # lead unit by grade (牵头部门) and the hand-back from asset preservation; 13: the borrower's
    # industry (所属行业); 14: the core system's master data changes and corrections
    title_zh = "贷后管理台账"
    title_en = "Loan ledger"
    tables = (LOANS, STAFF, RULES_TABLE)
    listings: ClassVar[dict[str, Listing]] = {
        "loans": Listing("loans", ("loan_no",), title_zh, title_en)
    }

    def __init__(self, default_rules: RuleSet | None = None) -> None:
        """``default_rules`` judge the log before its first adoption (default: the shipped)."""
        FollowsRules.__init__(self, default_rules)

    def _next_due(self, row: dict[str, Any], changes: Changes) -> None:
        row["b_post_required"] = (
            self.rules_at(changes).managers.b_post_rule(
                borrower_type=row["borrower_type"],
                product=row["product"],
                principal=row["principal"],
            )
            is not None
        )
        row["large_customer"] = self.rules_at(changes).watch.is_large(row["principal"])
        row["lead_unit"] = self.rules_at(changes).accountability.lead_unit(
            Grade.parse(row["grade"], "grade")
        )
        if row["status"] != LoanStatus.ACTIVE.value:
            row["next_inspection_due"] = None
            return
        row["next_inspection_due"] = self.rules_at(changes).inspections.next_due(
            value_date=row["value_date"],
            borrower_type=BorrowerType.parse(row["borrower_type"], "borrower_type"),
            product=Product.parse(row["product"], "product"),
            rating=row["borrower_rating"],
            repayment_method=RepaymentMethod.parse(row["repayment_method"], "repayment_method"),
            first_done=bool(row["first_inspected"]),
            last_inspected_on=row["last_inspection_on"],
            rating_change=(
                (row["rating_changed_on"], row["rating_due_on"])
                if row["rating_changed_on"] is not None
                else None
            ),
        )

    handle = handlers_following_rules()

    @staticmethod
    def _manager(changes: Changes, staff_id: Any) -> dict[str, Any]:
        person = changes.get("staff", staff_id) or {}
        return {
            "account_manager_id": staff_id,
            "account_manager_no": person.get("staff_no"),
            "account_manager": person.get("name"),
        }

    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "staff", (event.originator_id,), {"staff_no": event.staff_no, "name": event.name}
        )

    def _change(self, changes: Changes, loan_id: Any, **values: Any) -> None:
        row = changes.get("loans", loan_id)
        if row is None:  # an event of a loan whose disbursement this register never saw
            return
        row.update(values)
        self._next_due(row, changes)
        changes.put("loans", (loan_id,), row)

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(LOANS.column_names)
        row |= {
            "loan_no": event.loan_no,
            "borrower_id": event.borrower_id,
            "borrower_name": event.borrower_name,
            "borrower_type": event.borrower_type.value,
            "borrower_rating": event.borrower_rating,
            "product": event.product.value,
            "branch": event.branch,
            "guarantee_type": event.guarantee_type.value,
            "repayment_method": event.repayment_method.value,
            "principal": event.principal,
            "balance": event.principal,
            "value_date": event.value_date,
            "maturity_date": event.maturity_date,
            "status": LoanStatus.ACTIVE.value,
            "grade": Grade.NORMAL.value,
            "sub_grade": None,
            "days_overdue": 0,
            "overdue_principal": 0,
            "overdue_interest": 0,
            **self._manager(changes, event.account_manager_id),
            "first_inspected": False,
            "open_warnings": 0,
            "in_asset_preservation": False,
            "key_customer": False,
            "watch_list": False,
        }
        self._next_due(row, changes)
        changes.put("loans", (event.originator_id,), row)

    @handle.register(LoanEvents.OriginationRecordFiled)
    def _(self, event: Any, changes: Changes) -> None:
        # The rating the core does not carry, filed with the loan's origination record: the
        # rating the loan was granted on, not a change of it.
        self._change(changes, event.originator_id, borrower_rating=event.borrower_rating)

    @handle.register(LoanEvents.IndustryRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(changes, event.originator_id, industry=event.industry)

    @handle.register(LoanEvents.KeyCustomerDesignated)
    def _(self, event: Any, changes: Changes) -> None:
        # 重点客户名单纳入关注类: listed, never reclassified by it.
        self._change(changes, event.originator_id, key_customer=True, watch_list=True)

    @handle.register(LoanEvents.KeyCustomerRemoved)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(changes, event.originator_id, key_customer=False, watch_list=False)

    @handle.register(LoanEvents.ThirdPartyServiceAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        servicer = f"{event.servicer}（{event.contact}）"
        self._change(changes, event.originator_id, third_party_servicer=servicer)

    @handle.register(LoanEvents.MaturityNoticeIssued)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is not None and event.maturity_date == row["maturity_date"]:
            self._change(changes, event.originator_id, maturity_notice_on=event.issued_on)

    @handle.register(LoanEvents.RepaymentRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is not None:
            counted = "repayments_on_time" if event.on_time else "repayments_late"
            self._change(
                changes,
                event.originator_id,
                balance=row["balance"] - event.principal,
                **{counted: (row[counted] or 0) + 1},
            )

    @handle.register(LoanEvents.OverdueStatusRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            days_overdue=event.days_overdue,
            overdue_principal=event.overdue_principal,
            overdue_interest=event.overdue_interest,
            overdue_as_of=event.as_of,
        )

    @handle.register(LoanEvents.InspectionRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        if self.rules_at(changes).countersign_days is None:
            self._inspection_counts(event, changes)
        self._checklist(event, changes)

    @handle.register(LoanEvents.InspectionCountersigned)
    def _(self, event: Any, changes: Changes) -> None:
        # Recorded under rules requiring it, the inspection counts now (复核); recorded
        # earlier, it counted already and counting it again changes nothing.
        self._inspection_counts(event, changes)

    def _inspection_counts(self, event: Any, changes: Changes) -> None:
        """The schedule as the work queue's: phone visits are no inspections."""
        row = changes.get("loans", event.originator_id)
        if row is None:
            return
        done = InspectionsDone(bool(row["first_inspected"]), row["last_inspection_on"]).after(
            InspectionKind.parse(event.kind, "kind"), event.inspected_on
        )
        self._change(
            changes,
            event.originator_id,
            last_inspection_on=done.last_inspected_on,
            first_inspected=done.first_done,
        )

    def _checklist(self, event: Any, changes: Changes) -> None:
        """The last inspection that answered a checklist (贷后检查表): its overall judgment, by
        the label of the rules in force, and how many items it found abnormal."""
        row = changes.get("loans", event.originator_id)
        if row is None:
            return
        answers = getattr(event, "answers", None)
        last = row["last_checklist_on"]
        if answers is not None and (last is None or event.inspected_on >= last):
            code = getattr(event, "judgment", None)
            judgment = self.rules_at(changes).checklists.judgment(code)
            self._change(
                changes,
                event.originator_id,
                last_checklist_on=event.inspected_on,
                last_judgment=judgment.zh if judgment is not None else code,
                last_abnormal=sum(1 for a in answers if a.get("result") == "abnormal"),
            )

    @handle.register(LoanEvents.BorrowerInformationChanged)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is None:
            return
        values: dict[str, Any] = {"information_changed_on": event.changed_on}
        for change in event.changes:
            if change["field"] == "industry":
                values["industry"] = change["new"]
            if change["field"] == "rating":
                # The schedule re-derived from the change's date (INF-55).
                fixed = self.rules_at(changes).inspections.due_at_rating_change(
                    changed_on=event.changed_on,
                    due_before=row["next_inspection_due"],
                    value_date=row["value_date"],
                    borrower_type=BorrowerType.parse(row["borrower_type"], "borrower_type"),
                    product=Product.parse(row["product"], "product"),
                    rating=change["new"],
                    repayment_method=RepaymentMethod.parse(
                        row["repayment_method"], "repayment_method"
                    ),
                    first_done=bool(row["first_inspected"]),
                    last_inspected_on=row["last_inspection_on"],
                )
                values |= {
                    "borrower_rating": change["new"],
                    "previous_rating": row["borrower_rating"],
                    "rating_changed_on": event.changed_on,
                    "rating_due_on": fixed,
                }
        self._change(changes, event.originator_id, **values)

    @handle.register(LoanEvents.FundsUseRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is None:
            return
        misused = row["funds_misused"] or 0
        self._change(
            changes,
            event.originator_id,
            funds_used=(row["funds_used"] or 0) + event.amount,
            funds_misused=misused if event.matches_purpose else misused + event.amount,
        )

    @handle.register(LoanEvents.ClassificationApproved)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes, event.originator_id, grade=event.grade.value, sub_grade=event.sub_grade
        )

    @handle.register(LoanEvents.WarningRaised)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is not None:
            self._change(changes, event.originator_id, open_warnings=row["open_warnings"] + 1)

    @handle.register(LoanEvents.WarningCleared)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is not None:
            self._change(changes, event.originator_id, open_warnings=row["open_warnings"] - 1)

    @handle.register(LoanEvents.CollectionStepTaken)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            collection_stage=event.kind.value,
            collection_stage_on=event.taken_on,
        )

    @handle.register(LoanEvents.Restructured)
    def _(self, event: Any, changes: Changes) -> None:
        method = getattr(event, "new_repayment_method", None)
        self._change(
            changes,
            event.originator_id,
            maturity_date=event.new_maturity_date,
            maturity_notice_on=None,  # a new maturity date: its own notice
            **({"repayment_method": method.value} if method is not None else {}),
        )

    @handle.register(LoanEvents.Extended)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            maturity_date=event.new_maturity_date,
            maturity_notice_on=None,  # a new maturity date: its own notice
        )

    @handle.register(LoanEvents.AccountManagerHandedOver)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id) or {}
        b_left = row.get("b_manager_id") == event.receiving_id  # the B岗 took over as A岗
        self._change(
            changes,
            event.originator_id,
            **self._manager(changes, event.receiving_id),
            **({"b_manager_id": None, "b_manager": None} if b_left else {}),
        )

    @handle.register(LoanEvents.AccountManagersAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        b_id = event.b_manager_id
        b_name = (changes.get("staff", b_id) or {}).get("name") if b_id is not None else None
        self._change(
            changes,
            event.originator_id,
            **self._manager(changes, event.a_manager_id),
            b_manager_id=b_id,
            b_manager=b_name,
        )

    @handle.register(LoanEvents.BranchChanged)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(changes, event.originator_id, branch=event.branch)

    @handle.register(LoanEvents.TransferredToAssetPreservation)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(changes, event.originator_id, in_asset_preservation=True)

    @handle.register(LoanEvents.ReturnedFromAssetPreservation)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(changes, event.originator_id, in_asset_preservation=False)

    @handle.register(LoanEvents.WrittenOff)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            status=LoanStatus.WRITTEN_OFF.value,
            written_off_on=event.written_off_on,
        )

    @handle.register(LoanEvents.SettlementCorrected)
    @handle.register(LoanEvents.Settled)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            status=LoanStatus.SETTLED.value,
            settled_on=event.settled_on,
        )

    # ------------------------------------------------ what the core system reports or corrects
    @handle.register(LoanEvents.MasterDataChanged)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is None:
            return
        values: dict[str, Any] = {"information_changed_on": event.changed_on}
        for name, (_old, new) in event.changes.items():
            if name == "principal":  # a new amount moves the balance by as much
                values["principal"] = Decimal(new)
                values["balance"] = row["balance"] + Decimal(new) - row["principal"]
            elif name in ("value_date", "maturity_date"):
                values[name] = date.fromisoformat(new)
            elif name in MASTER_COLUMNS:
                values[name] = new
        self._change(changes, event.originator_id, **values)

    @handle.register(LoanEvents.RepaymentCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is not None:
            principal, _interest, _penalty = repayment_change(event)
            self._change(changes, event.originator_id, balance=row["balance"] - principal)

    @handle.register(LoanEvents.ArrearsCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is None or row["overdue_as_of"] != event.as_of:
            return  # a day since followed by later arrears: the loan's arrears are those
        self._change(
            changes,
            event.originator_id,
            days_overdue=event.days_overdue,
            overdue_principal=event.overdue_principal,
            overdue_interest=event.overdue_interest,
        )
