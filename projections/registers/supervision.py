"""Supervision register (贷后管理检查台账): every check of post-loan work, its score, its
rectification notice, deadline and state, and the penalties recorded as decided.

One row per check (``checks``): the branch or account manager checked, by whom and in which
role, the score out of the sheet's total against the pass score, the notice's number and
deadline, when the rectification was reported and accepted, and the state; one row per penalty
(``penalties``): on whom (the unit checked, or a person), how much in 元, why, decided by whom.
Read within the reader's data scope by the unit checked (and the person).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.supervision import CheckState, SupervisionCheck
from domain.values import CheckSubject, Role
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
CheckEvents: Any = SupervisionCheck

CHECKS = TableSpec(
    "checks",
    [
        col("check_id", sa.Uuid, "检查ID", "check id", filter=True, nullable=False),
        col("check_no", sa.String(40), "检查编号", "check no.", filter=True),
        col("subject", sa.String(24), "检查对象", "subject", filter=True, labels=CheckSubject),
        col("branch", sa.String(100), "被检查机构", "branch checked", filter=True),
        col("staff_id", sa.Uuid, "被检查客户经理", "account manager checked", shows=PERSON),
        col("checked_on", sa.Date, "检查日期", "checked on"),
        col("period_from", sa.Date, "检查期间起", "period from"),
        col("period_to", sa.Date, "检查期间止", "period to"),
        col("checker_id", sa.Uuid, "检查人", "checked by", shows=PERSON),
        col("checker_role", sa.String(32), "检查人岗位", "checker's role", labels=Role),
        col("total", sa.Integer, "满分", "total"),
        col("score", sa.Integer, "得分", "score"),
        col("pass_score", sa.Integer, "合格分", "pass score"),
        col("passed", sa.Boolean, "达标", "passed", filter=True),
        col("items_deducted", sa.Integer, "扣分项数", "items with deductions"),
        col("findings", sa.Text, "检查意见", "findings"),
        col("proposed_penalty", sa.Numeric(18, 2), "评分表拟扣减（元）", "penalty proposed (元)"),
        col("notice_no", sa.String(40), "整改通知书编号", "notice no.", filter=True),
        col("deadline", sa.Date, "整改期限", "rectification deadline"),
        col("reported_on", sa.Date, "整改报告日期", "rectification reported on"),
        col("reported_by", sa.Uuid, "整改报告人", "reported by", shows=PERSON),
        col("returned", sa.Integer, "退回整改次数", "times sent back"),
        col("accepted_on", sa.Date, "验收日期", "accepted on"),
        col("penalties", sa.Numeric(18, 2), "处罚合计（元）", "penalties (元)"),
        col("state", sa.String(24), "状态", "state", filter=True, labels=CheckState),
    ],
    key=("check_id",),
    indexes=(("branch",), ("checked_on",)),
)

PENALTIES = TableSpec(
    "penalties",
    [
        col("penalty_id", sa.Uuid, "处罚ID", "penalty id", export=False, nullable=False),
        col("check_id", sa.Uuid, "检查ID", "check id", export=False),
        col("check_no", sa.String(40), "检查编号", "check no.", filter=True),
        col("branch", sa.String(100), "被检查机构", "branch checked", filter=True),
        col("staff_id", sa.Uuid, "被处罚人", "person penalised", shows=PERSON),
        col("amount", sa.Numeric(18, 2), "金额（元）", "amount (元)"),
        col("reason", sa.Text, "处罚依据", "reason"),
        col("decided_on", sa.Date, "决定日期", "decided on"),
        col("decided_by", sa.Uuid, "决定人", "decided by", shows=PERSON),
    ],
    key=("penalty_id",),
)


def _state(row: dict[str, Any]) -> str:
    if row["notice_no"] is None:
        state = CheckState.PASSED
    elif row["accepted_on"] is not None:
        state = CheckState.CLOSED
    elif row["reported_on"] is not None:
        state = CheckState.REPORTED
    else:
        state = CheckState.RECTIFYING
    return str(state.value)


class SupervisionRegister(Projection):
    """贷后管理检查台账: checks, scores, notices, deadlines, states and penalties."""

    name = "supervision_register"
    version = 1
    title_zh = "贷后管理检查台账"
    title_en = "Supervision register"
    tables = (CHECKS, PENALTIES)
    listings: ClassVar[dict[str, Listing]] = {
        "checks": Listing("checks", ("checked_on", "check_no"), title_zh, title_en),
        "penalties": Listing("penalties", ("decided_on",), "处罚登记", "Penalties"),
    }

    handle = handlers()

    def _change(self, changes: Changes, check_id: Any, **values: Any) -> None:
        row = changes.get("checks", check_id)
        if row is None:
            return
        row.update(values)
        row["state"] = _state(row)
        changes.put("checks", (check_id,), row)

    @handle.register(CheckEvents.Checked)
    def _(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(CHECKS.column_names)
        row |= {
            "check_no": event.check_no,
            "subject": event.subject.value,
            "branch": event.branch,
            "staff_id": event.staff_id,
            "checked_on": event.checked_on,
            "period_from": event.period_from,
            "period_to": event.period_to,
            "checker_id": event.actor_id,
            "checker_role": event.role.value,
            "total": event.total,
            "score": event.score,
            "pass_score": event.pass_score,
            "passed": event.passed,
            "items_deducted": sum(1 for i in event.items if i["deducted"]),
            "findings": event.findings,
            "proposed_penalty": event.proposed_penalty,
            "returned": 0,
            "penalties": Decimal("0.00"),
        }
        row["state"] = _state(row)
        changes.put("checks", (event.originator_id,), row)

    @handle.register(CheckEvents.NoticeIssued)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes, event.originator_id, notice_no=event.notice_no, deadline=event.deadline
        )

    @handle.register(CheckEvents.RectificationReported)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes, event.originator_id, reported_on=event.reported_on, reported_by=event.actor_id
        )

    @handle.register(CheckEvents.RectificationAccepted)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("checks", event.originator_id)
        if row is None:
            return
        if event.accepted:
            self._change(changes, event.originator_id, accepted_on=event.accepted_on)
        else:
            self._change(
                changes,
                event.originator_id,
                reported_on=None,
                reported_by=None,
                returned=(row["returned"] or 0) + 1,
            )

    @handle.register(CheckEvents.PenaltyRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("checks", event.originator_id)
        if row is None:
            return
        changes.put(
            "penalties",
            (event.penalty_id,),
            {
                "check_id": event.originator_id,
                "check_no": row["check_no"],
                "branch": row["branch"],
                "staff_id": event.penalised_id,
                "amount": event.amount,
                "reason": event.reason,
                "decided_on": event.decided_on,
                "decided_by": event.actor_id,
            },
        )
        self._change(
            changes,
            event.originator_id,
            penalties=Decimal(row["penalties"] or 0) + event.amount,
        )
