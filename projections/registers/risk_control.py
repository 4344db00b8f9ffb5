"""Risk notices and suspensions register (风险预警提示及停复牌登记簿).

``notices``: one row per risk notice and unit concerned — the subject (industry, region,
customer or product), the figures that prompted it, when the unit acknowledged it, what its
investigation found and the measures taken, and when the notice was closed and by whom.
``suspensions``: every suspension of new lending (停牌), current and past — its subject, basis,
reason, the figures at the time, the supervision notes, the loans booked while it was in force,
and its lifting (复牌): when, by whom, why, with the figures then. ``flagged``: each loan booked
while its unit, product, manager or customer was suspended. Read within the reader's data
scope: by the unit concerned (a product-wide suspension by those who read the whole).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.risk_control import (
    NoticeState,
    RiskNotice,
    RiskSubject,
    Suspension,
    SuspensionBasis,
    SuspensionState,
)
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
NoticeEvents: Any = RiskNotice
SuspensionEvents: Any = Suspension
RATE = sa.String(16)
"""A rate in percent, as the figures recorded it (``33.33``): text, not an amount in 元."""

NOTICES = TableSpec(
    "notices",
    [
        col("notice_id", sa.Uuid, "提示ID", "notice id", export=False, nullable=False),
        col("branch", sa.String(100), "所涉机构", "unit concerned", filter=True, nullable=False),
        col("notice_no", sa.String(40), "提示编号", "notice no.", filter=True),
        col("subject", sa.String(16), "提示对象", "subject", filter=True, labels=RiskSubject),
        col("subject_name", sa.String(200), "对象名称", "subject name"),
        col("title", sa.String(200), "提示事项", "title"),
        col("published_on", sa.Date, "发布日期", "published on"),
        col("published_by", sa.Uuid, "发布人", "published by", shows=PERSON),
        col("figures_on", sa.Date, "指标统计日", "figures on"),
        col("balance", sa.Numeric(18, 2), "贷款余额（元）", "balance (元)"),
        col("npl_rate", RATE, "不良率（%）", "NPL ratio (%)"),
        col("overdue_rate", RATE, "逾期率（%）", "overdue ratio (%)"),
        col("acknowledged_on", sa.Date, "签收日期", "acknowledged on"),
        col("acknowledged_by", sa.Uuid, "签收人", "acknowledged by", shows=PERSON),
        col("investigated_on", sa.Date, "调查处理日期", "investigated on"),
        col("findings", sa.Text, "调查情况", "findings"),
        col("measures", sa.Text, "处理措施", "measures"),
        col("closed_on", sa.Date, "办结日期", "closed on"),
        col("closed_by", sa.Uuid, "办结人", "closed by", shows=PERSON),
        col("state", sa.String(16), "状态", "state", filter=True, labels=NoticeState),
    ],
    key=("notice_id", "branch"),
    indexes=(("published_on",),),
)

SUSPENSIONS = TableSpec(
    "suspensions",
    [
        col("suspension_id", sa.Uuid, "停牌ID", "suspension id", export=False, nullable=False),
        col("suspension_no", sa.String(40), "停牌编号", "suspension no.", filter=True),
        col("subject", sa.String(16), "停牌对象", "subject", filter=True, labels=RiskSubject),
        col("subject_key", sa.String(100), "对象代码", "subject key", filter=True),
        col("subject_name", sa.String(200), "对象名称", "subject name"),
        col("branch", sa.String(100), "所属机构", "unit", filter=True),
        col("basis", sa.String(16), "停牌依据", "basis", labels=SuspensionBasis),
        col("notice_no", sa.String(40), "风险预警提示编号", "notice no."),
        col("reason", sa.Text, "停牌原因", "reason"),
        col("figures_on", sa.Date, "停牌时指标统计日", "figures on"),
        col("npl_rate", RATE, "停牌时不良率（%）", "NPL ratio then (%)"),
        col("npl_alert", RATE, "不良警戒线（%）", "NPL alert line (%)"),
        col("overdue_rate", RATE, "停牌时逾期率（%）", "overdue ratio then (%)"),
        col("overdue_target", RATE, "逾期率考核线（%）", "overdue target (%)"),
        col("suspended_on", sa.Date, "停牌日期", "suspended on"),
        col("suspended_by", sa.Uuid, "停牌人", "suspended by", shows=PERSON),
        col("supervision_notes", sa.Integer, "督导次数", "supervision notes"),
        col("last_supervised_on", sa.Date, "最近督导日期", "last supervised on"),
        col("flagged_loans", sa.Integer, "停牌期间发放笔数", "loans booked while suspended"),
        col("lifted_on", sa.Date, "复牌日期", "lifted on"),
        col("lifted_by", sa.Uuid, "复牌人", "lifted by", shows=PERSON),
        col("lift_reason", sa.Text, "复牌理由", "lift reason"),
        col("lift_npl_rate", RATE, "复牌时不良率（%）", "NPL ratio at lifting (%)"),
        col("lift_overdue_rate", RATE, "复牌时逾期率（%）", "overdue ratio at lifting (%)"),
        col("state", sa.String(16), "状态", "state", filter=True, labels=SuspensionState),
    ],
    key=("suspension_id",),
    indexes=(("suspended_on",),),
)

FLAGGED = TableSpec(
    "flagged",
    [
        col("suspension_id", sa.Uuid, "停牌ID", "suspension id", export=False, nullable=False),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True, nullable=False),
        col("suspension_no", sa.String(40), "停牌编号", "suspension no.", filter=True),
        col("subject_name", sa.String(200), "停牌对象", "subject"),
        col("booked_on", sa.Date, "放款日期", "booked on"),
        col("principal", sa.Numeric(18, 2), "贷款金额（元）", "principal (元)"),
        col("booked_by", sa.Uuid, "放款经办人", "booked by", shows=PERSON),
    ],
    key=("suspension_id", "loan_no"),
)


def _rate(value: Any) -> str | None:
    return None if value is None else str(value)


def _notice_state(row: dict[str, Any]) -> str:
    if row["closed_on"] is not None:
        return str(NoticeState.CLOSED.value)
    if row["investigated_on"] is not None:
        return str(NoticeState.INVESTIGATED.value)
    if row["acknowledged_on"] is not None:
        return str(NoticeState.ACKNOWLEDGED.value)
    return str(NoticeState.PUBLISHED.value)


class RiskControlRegister(Projection):
    """风险预警提示及停复牌登记簿: notices by unit, suspensions current and past."""

    name = "risk_control_register"
    version = 1
    title_zh = "风险预警提示及停复牌登记簿"
    title_en = "Risk notices and suspensions register"
    tables = (NOTICES, SUSPENSIONS, FLAGGED)
    listings: ClassVar[dict[str, Listing]] = {
        "suspensions": Listing(
            "suspensions", ("suspended_on", "suspension_no"), "停复牌登记簿", "Suspensions"
        ),
        "notices": Listing(
            "notices", ("published_on", "notice_no", "branch"), "风险预警提示台账", "Risk notices"
        ),
        "flagged": Listing(
            "flagged", ("booked_on", "loan_no"), "停牌期间发放贷款", "Loans booked while suspended"
        ),
    }

    handle = handlers()

    # ------------------------------------------------------------------ notices
    @handle.register(NoticeEvents.RiskNoticePublished)
    def _(self, event: Any, changes: Changes) -> None:
        figures = event.figures
        for unit in event.units:
            row: dict[str, Any] = dict.fromkeys(NOTICES.column_names)
            row |= {
                "notice_no": event.notice_no,
                "subject": event.subject,
                "subject_name": event.subject_name,
                "title": event.title,
                "published_on": event.published_on,
                "published_by": event.actor_id,
                "figures_on": date.fromisoformat(str(figures["on"])),
                "balance": Decimal(str(figures["balance"])),
                "npl_rate": _rate(figures.get("npl_rate")),
                "overdue_rate": _rate(figures.get("overdue_rate")),
            }
            row["state"] = _notice_state(row)
            changes.put("notices", (event.originator_id, unit), row)

    def _unit(self, changes: Changes, notice_id: Any, unit: str, **values: Any) -> None:
        row = changes.get("notices", notice_id, unit)
        if row is None:
            return
        row.update(values)
        row["state"] = _notice_state(row)
        changes.put("notices", (notice_id, unit), row)

    @handle.register(NoticeEvents.RiskNoticeAcknowledged)
    def _(self, event: Any, changes: Changes) -> None:
        self._unit(
            changes,
            event.originator_id,
            event.unit,
            acknowledged_on=event.acknowledged_on,
            acknowledged_by=event.actor_id,
        )

    @handle.register(NoticeEvents.RiskNoticeInvestigated)
    def _(self, event: Any, changes: Changes) -> None:
        self._unit(
            changes,
            event.originator_id,
            event.unit,
            investigated_on=event.investigated_on,
            findings=event.findings,
            measures=event.measures,
        )

    @handle.register(NoticeEvents.RiskNoticeClosed)
    def _(self, event: Any, changes: Changes) -> None:
        for unit in event.units:
            self._unit(
                changes,
                event.originator_id,
                unit,
                closed_on=event.closed_on,
                closed_by=event.actor_id,
            )

    # --------------------------------------------------------------- suspensions
    def _suspension(self, changes: Changes, suspension_id: Any, **values: Any) -> None:
        row = changes.get("suspensions", suspension_id)
        if row is None:
            return
        row.update(values)
        row["state"] = str(
            (SuspensionState.LIFTED if row["lifted_on"] else SuspensionState.SUSPENDED).value
        )
        changes.put("suspensions", (suspension_id,), row)

    @handle.register(SuspensionEvents.LendingSuspended)
    def _(self, event: Any, changes: Changes) -> None:
        figures = event.figures
        row: dict[str, Any] = dict.fromkeys(SUSPENSIONS.column_names)
        row |= {
            "suspension_no": event.suspension_no,
            "subject": event.subject,
            "subject_key": event.subject_key,
            "subject_name": event.subject_name,
            "branch": event.branch,
            "basis": event.basis,
            "notice_no": event.notice_no,
            "reason": event.reason,
            "figures_on": date.fromisoformat(str(figures["on"])),
            "npl_rate": _rate(figures.get("npl_rate")),
            "npl_alert": _rate(figures.get("npl_alert")),
            "overdue_rate": _rate(figures.get("overdue_rate")),
            "overdue_target": _rate(figures.get("overdue_target")),
            "suspended_on": event.suspended_on,
            "suspended_by": event.actor_id,
            "supervision_notes": 0,
            "flagged_loans": 0,
            "state": SuspensionState.SUSPENDED.value,
        }
        changes.put("suspensions", (event.originator_id,), row)

    @handle.register(SuspensionEvents.SuspensionSupervised)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("suspensions", event.originator_id)
        if row is not None:
            self._suspension(
                changes,
                event.originator_id,
                supervision_notes=(row["supervision_notes"] or 0) + 1,
                last_supervised_on=event.supervised_on,
            )

    @handle.register(SuspensionEvents.BookingFlagged)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("suspensions", event.originator_id)
        if row is None:
            return
        changes.put(
            "flagged",
            (event.originator_id, event.loan_no),
            {
                "suspension_no": row["suspension_no"],
                "subject_name": row["subject_name"],
                "booked_on": event.booked_on,
                "principal": event.principal,
                "booked_by": event.actor_id,
            },
        )
        self._suspension(
            changes, event.originator_id, flagged_loans=(row["flagged_loans"] or 0) + 1
        )

    @handle.register(SuspensionEvents.SuspensionLifted)
    def _(self, event: Any, changes: Changes) -> None:
        self._suspension(
            changes,
            event.originator_id,
            lifted_on=event.lifted_on,
            lifted_by=event.actor_id,
            lift_reason=event.reason,
            lift_npl_rate=_rate(event.figures.get("npl_rate")),
            lift_overdue_rate=_rate(event.figures.get("overdue_rate")),
        )
