"""Classification register (五级分类台账): every approved change, and every proposal.

``changes`` is a log: one row per approved change of grade, with who proposed it and why, who
determined it (认定), who approved it and why, and the statutory floor (监管下限) applied at approval. ``proposals`` holds
each proposal as it stands — awaiting determination (待认定), awaiting approval (待审批),
approved or rejected, with its determiner and determined grade — so a rejected proposal is visible
too. ``loans`` is an internal helper: the descriptive fields of each loan and its current grade.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.values import Grade, LabelledEnum, Role
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col, loan_columns, loan_facts, loan_values

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan


class ProposalStatus(LabelledEnum):
    """Where a classification proposal stands (分类申请状态)."""

    AWAITING_DETERMINATION = ("awaiting_determination", "待认定")
    PENDING = ("pending", "待审批")
    APPROVED = ("approved", "已批准")
    REJECTED = ("rejected", "已否决")


LOANS = TableSpec(
    "loans",
    [
        *loan_columns(),
        *loan_facts("product", "grade", "sub_grade"),
    ],
    key=("loan_id",),
)

PROPOSALS = TableSpec(
    "proposals",
    [
        col("proposal_id", sa.Uuid, "申请ID", "proposal id", export=False, nullable=False),
        *loan_columns(id_nullable=True),
        *loan_facts("product"),
        col("previous_grade", sa.String(20), "原分类", "previous grade", labels=Grade),
        col("grade", sa.String(20), "拟定分类", "proposed grade", filter=True, labels=Grade),
        col("sub_grade", sa.String(20), "拟定细分档次", "proposed sub-grade"),
        col("as_of", sa.Date, "分类基准日", "as of"),
        col("proposer_id", sa.Uuid, "申请人", "proposer", filter=True, shows=PERSON),
        col("proposer_role", sa.String(32), "申请人岗位", "proposer role", labels=Role),
        col("reason", sa.Text, "申请理由", "reason"),
        col("system_grade", sa.String(20), "系统初始定级", "system grade", labels=Grade),
        col("factor_grade", sa.String(20), "风险因子调整后", "after risk factors", labels=Grade),
        col("risk_factors", sa.Text, "风险因子调整", "risk factors"),
        col("adjustment_reason", sa.Text, "人工调整理由", "manual adjustment reason"),
        col("proposed_at", sa.DateTime, "申请时间", "proposed at"),
        col("status", sa.String(32), "状态", "status", filter=True, labels=ProposalStatus),
        col("determined_by", sa.Uuid, "认定人", "determined by", filter=True, shows=PERSON),
        col("determiner_role", sa.String(32), "认定人岗位", "determiner role", labels=Role),
        col("determined_grade", sa.String(20), "认定分类", "determined grade", labels=Grade),
        col("determined_sub_grade", sa.String(20), "认定细分档次", "determined sub-grade"),
        col("determination_reason", sa.Text, "认定意见", "determination reason"),
        col("determined_at", sa.DateTime, "认定时间", "determined at"),
        col("decided_by", sa.Uuid, "审批人", "decided by", filter=True, shows=PERSON),
        col("decided_role", sa.String(32), "审批人岗位", "decider role", labels=Role),
        col("decision_reason", sa.Text, "审批意见", "decision reason"),
        col("decided_at", sa.DateTime, "审批时间", "decided at"),
    ],
    key=("proposal_id",),
    indexes=(("loan_no",),),
)

CHANGES = TableSpec(
    "changes",
    [
        *loan_columns(id_nullable=True),
        *loan_facts("product"),
        col("from_grade", sa.String(20), "原分类", "from grade", filter=True, labels=Grade),
        col("to_grade", sa.String(20), "新分类", "to grade", filter=True, labels=Grade),
        *loan_facts("sub_grade"),
        col("as_of", sa.Date, "分类基准日", "as of"),
        col("proposal_id", sa.Uuid, "申请ID", "proposal id", export=False),
        col("proposer_id", sa.Uuid, "申请人", "proposer", filter=True, shows=PERSON),
        col("proposal_reason", sa.Text, "申请理由", "proposal reason"),
        col("determiner_id", sa.Uuid, "认定人", "determiner", filter=True, shows=PERSON),
        col("approver_id", sa.Uuid, "审批人", "approver", filter=True, shows=PERSON),
        col("approver_role", sa.String(32), "审批人岗位", "approver role", labels=Role),
        col("approval_reason", sa.Text, "审批意见", "approval reason"),
        col("floor", sa.String(20), "监管下限", "statutory floor", labels=Grade),
        col("floor_reason", sa.Text, "下限依据", "floor reason"),
        col("approved_position", sa.BigInteger, "审批日志位置", "approved at position"),
        col("approved_at", sa.DateTime, "审批时间", "approved at"),
    ],
    indexes=(("loan_no",),),
)


def _grade(grade: Any) -> str | None:
    return None if grade is None else str(grade.value)


class ClassificationRegister(Projection):
    """五级分类台账: approved grade changes with proposer, determiner, approver, reasons and
    floor; every proposal at its stage (待认定, 待审批, 已批准, 已否决)."""

    name = "classification_register"
    # 2: rows dated by business date (业务日期), read on a day (on=); 3: 认定; 4: how the
    # proposed grade was reached (系统初始定级, 风险因子调整, 人工调整)
    version = 4
    title_zh = "五级分类台账"
    title_en = "Classification register"
    tables = (LOANS, PROPOSALS, CHANGES)
    listings: ClassVar[dict[str, Listing]] = {
        "changes": Listing("changes", ("approved_position",), title_zh, title_en),
        "proposals": Listing("proposals", ("proposed_at",), "五级分类申请", "Proposals"),
    }

    handle = handlers()

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "loans",
            (event.originator_id,),
            loan_values(
                event,
                product=event.product.value,
                grade=Grade.NORMAL.value,
                sub_grade=None,
            ),
        )

    @handle.register(LoanEvents.ClassificationProposed)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("loans", event.originator_id) or {}
        changes.put(
            "proposals",
            (event.proposal_id,),
            {
                "loan_id": event.originator_id,
                "loan_no": loan.get("loan_no"),
                "borrower_name": loan.get("borrower_name"),
                "branch": loan.get("branch"),
                "product": loan.get("product"),
                "previous_grade": event.previous_grade.value,
                "grade": event.grade.value,
                "sub_grade": event.sub_grade,
                "as_of": event.as_of,
                "proposer_id": event.actor_id,
                "proposer_role": event.role.value,
                "reason": event.reason,
                "system_grade": _grade(getattr(event, "system_grade", None)),
                "factor_grade": _grade(getattr(event, "factor_grade", None)),
                "risk_factors": getattr(event, "risk_factors", None),
                "adjustment_reason": getattr(event, "adjustment_reason", None),
                "proposed_at": changes.at,
                "status": (
                    ProposalStatus.AWAITING_DETERMINATION
                    if getattr(event, "determination_required", False)
                    else ProposalStatus.PENDING
                ).value,
            },
        )

    @handle.register(LoanEvents.ClassificationDetermined)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "proposals",
            (event.proposal_id,),
            status=ProposalStatus.PENDING.value,
            determined_by=event.actor_id,
            determiner_role=event.role.value,
            determined_grade=event.grade.value,
            determined_sub_grade=event.sub_grade,
            determination_reason=event.reason,
            determined_at=changes.at,
        )

    def _decide(
        self, event: Any, changes: Changes, status: ProposalStatus
    ) -> dict[str, Any] | None:
        """Close the proposal the event decides: who decided, in which role, why and when."""
        return changes.update(
            "proposals",
            (event.proposal_id,),
            status=status.value,
            decided_by=event.actor_id,
            decided_role=event.role.value,
            decision_reason=event.reason,
            decided_at=changes.at,
        )

    @handle.register(LoanEvents.ClassificationApproved)
    def _(self, event: Any, changes: Changes) -> None:
        proposal = self._decide(event, changes, ProposalStatus.APPROVED)
        loan: dict[str, Any] = changes.get("loans", event.originator_id) or {}
        changes.append(
            "changes",
            {
                "loan_id": event.originator_id,
                "loan_no": loan.get("loan_no"),
                "borrower_name": loan.get("borrower_name"),
                "branch": loan.get("branch"),
                "product": loan.get("product"),
                "from_grade": event.previous_grade.value,
                "to_grade": event.grade.value,
                "sub_grade": event.sub_grade,
                "as_of": proposal["as_of"] if proposal else None,
                "proposal_id": event.proposal_id,
                "proposer_id": event.proposer_id,
                "proposal_reason": proposal["reason"] if proposal else None,
                "determiner_id": getattr(event, "determiner_id", None),
                "approver_id": event.actor_id,
                "approver_role": event.role.value,
                "approval_reason": event.reason,
                "floor": event.floor.value,
                "floor_reason": event.floor_reason,
                "approved_position": changes.position,
                "approved_at": changes.at,
            },
        )
        if loan:
            changes.update(
                "loans",
                (event.originator_id,),
                grade=event.grade.value,
                sub_grade=event.sub_grade,
            )

    @handle.register(LoanEvents.ClassificationRejected)
    def _(self, event: Any, changes: Changes) -> None:
        self._decide(event, changes, ProposalStatus.REJECTED)
