"""Warning ledger (预警台账): every risk-warning signal, 发布 → 处置 → 反馈 → 认定 → 消除.

A signal raised under rules with a catalogue carries its catalogue name and category; one
raised under the closed loop (``closed_loop``) goes through feedback (反馈) and determination
(认定) before clearing. Where the rules route its colour (``warnings.reporting``), the row says
to which role it is to be reported and by when (``report_to``, ``report_due``), and when it was
(``reported_on``, by whom). Who did each step is named.

Each signal is due to be handled (处置) within a number of days of being raised that depends on
its colour (``warnings.handling_days`` of the rules in force when it was raised). The first
handling is the one that meets or misses the deadline: ``handled_on`` and ``handled_by`` are
its, ``handled_late`` says whether it came after ``handling_due``; a later handling only
replaces the measures. ``loans`` is an internal helper with each loan's descriptive fields.

:func:`warning_summary` and :func:`overdue_signals` read the ledger as it stood at a log
position (``as_of``) and judge it on a business date (``on``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.rules import RuleSet
from domain.values import LabelledEnum, Role, WarningColour
from domain.warning_rules import SignalCategory
from projections.changes import Changes
from projections.projection import Listing, Projection
from projections.query import AsOf, visible
from projections.rules_state import RULES_TABLE, FollowsRules, handlers_following_rules
from projections.store import RegisterStore
from projections.tables import PERSON, TableSpec, col, loan_columns, loan_values

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan


class SignalStatus(LabelledEnum):
    """Where a warning signal stands (预警状态)."""

    RAISED = ("raised", "已发出")
    HANDLED = ("handled", "已处置")
    FED_BACK = ("fed_back", "已反馈")
    DETERMINED = ("determined", "已认定")
    CLEARED = ("cleared", "已解除")


LOANS = TableSpec(
    "loans",
    [
        *loan_columns(),
    ],
    key=("loan_id",),
)

SIGNALS = TableSpec(
    "signals",
    [
        col("signal_id", sa.Uuid, "预警ID", "signal id", export=False, nullable=False),
        *loan_columns(id_nullable=True),
        col("colour", sa.String(16), "预警等级", "colour", filter=True, labels=WarningColour),
        col("code", sa.String(32), "预警信号", "signal code", filter=True),
        col("signal_name", sa.Text, "信号名称", "signal name"),
        col("category", sa.String(16), "信号类别", "category", filter=True, labels=SignalCategory),
        col("closed_loop", sa.Boolean, "闭环管理", "closed loop"),
        col("raised_on", sa.Date, "预警日期", "raised on"),
        col("raised_by", sa.Uuid, "发起人", "raised by", filter=True, shows=PERSON),
        col("reason", sa.Text, "预警原因", "reason"),
        col("handling_due", sa.Date, "处置期限", "handling due"),
        col("handled_on", sa.Date, "处置日期", "handled on"),
        col("handled_by", sa.Uuid, "处置人", "handled by", filter=True, shows=PERSON),
        col("measures", sa.Text, "处置措施", "measures"),
        col("handled_late", sa.Boolean, "超期处置", "handled late", filter=True),
        col("report_to", sa.String(32), "报告对象", "report to", labels=Role),
        col("report_due", sa.Date, "报告期限", "report due"),
        col("reported_on", sa.Date, "报告签收日期", "reported on"),
        col("reported_by", sa.Uuid, "报告签收人", "reported to", shows=PERSON),
        col("feedback_on", sa.Date, "反馈日期", "feedback on"),
        col("feedback_by", sa.Uuid, "反馈人", "feedback by", shows=PERSON),
        col("result", sa.Text, "处置结果", "result"),
        col("determined_on", sa.Date, "认定日期", "determined on"),
        col("determined_by", sa.Uuid, "认定人", "determined by", filter=True, shows=PERSON),
        col("confirmed", sa.Boolean, "风险属实", "risk confirmed", filter=True),
        col("opinion", sa.Text, "认定意见", "opinion"),
        col("cleared_on", sa.Date, "解除日期", "cleared on"),
        col("cleared_by", sa.Uuid, "解除人", "cleared by", shows=PERSON),
        col("clear_reason", sa.Text, "解除原因", "clear reason"),
        col("status", sa.String(16), "状态", "status", filter=True, labels=SignalStatus),
        col("plan_required", sa.Boolean, "须启动应急预案", "emergency plan required", filter=True),
        col("plan_start_due", sa.Date, "应急预案启动期限", "emergency plan start due"),
        col("plan_started_on", sa.Date, "应急预案启动日期", "emergency plan started on"),
        col("plan_started_late", sa.Boolean, "应急预案超期启动", "emergency plan started late"),
        col(
            "plan_started_by", sa.Uuid, "应急预案启动人", "emergency plan started by", shows=PERSON
        ),
        col("plan_owner", sa.Uuid, "应急预案责任人", "emergency plan owner", shows=PERSON),
        col("plan_measures", sa.Text, "应急措施", "emergency measures"),
        col("plan_due", sa.Date, "应急预案完成期限", "emergency plan due"),
        col("plan_progress_count", sa.Integer, "应急预案进展次数", "progress records"),
        col("plan_progress_on", sa.Date, "最近进展日期", "last progress on"),
        col("plan_progress", sa.Text, "最近进展情况", "last progress"),
    ],
    key=("signal_id",),
    indexes=(("loan_no",), ("handling_due",)),
)


class WarningLedger(FollowsRules, Projection):
    """预警台账: signals with their handling deadline, handling, lateness and clearing."""

    name = "warning_ledger"
    version = 5  # 5: emergency plans (应急预案); 3: rows dated by business date (业务日期), read on a day (on=); 4: the
    # catalogue's name and category, the reporting route, feedback (反馈), determination (认定)
    title_zh = "预警台账"
    title_en = "Warning ledger"
    tables = (LOANS, SIGNALS, RULES_TABLE)
    listings: ClassVar[dict[str, Listing]] = {
        "signals": Listing("signals", ("raised_on", "loan_no"), title_zh, title_en)
    }

    def __init__(self, default_rules: RuleSet | None = None) -> None:
        """``default_rules`` judge the log before its first adoption (default: the shipped)."""
        FollowsRules.__init__(self, default_rules)

    handle = handlers_following_rules()

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("loans", (event.originator_id,), loan_values(event))

    @handle.register(LoanEvents.WarningRaised)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("loans", event.originator_id) or {}
        rules = self.rules_at(changes)
        route = rules.warnings.reporting.get(event.colour)
        changes.put(
            "signals",
            (event.signal_id,),
            {
                "loan_id": event.originator_id,
                "loan_no": loan.get("loan_no"),
                "borrower_name": loan.get("borrower_name"),
                "branch": loan.get("branch"),
                "colour": event.colour.value,
                "code": event.code,
                "signal_name": getattr(event, "name", None),
                "category": getattr(event, "category", None),
                "closed_loop": bool(getattr(event, "closed_loop", False)),
                "report_to": route.to.value if route else None,
                "report_due": event.raised_on + timedelta(days=route.within_days)
                if route
                else None,
                "raised_on": event.raised_on,
                "raised_by": event.actor_id,
                "reason": event.reason,
                "handling_due": event.raised_on
                + timedelta(days=rules.warning_handling_days[event.colour]),
                "status": SignalStatus.RAISED.value,
                "plan_required": bool(getattr(event, "emergency_plan", None)),
                "plan_start_due": event.raised_on
                + timedelta(days=rules.warnings.emergency_plan_days)
                if getattr(event, "emergency_plan", None)
                else None,
                "plan_progress_count": 0,
            },
        )

    @handle.register(LoanEvents.WarningHandled)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("signals", event.signal_id)
        if row is None:
            return
        if row["handled_on"] is None:  # the first handling is the one the deadline judges
            row.update(
                handled_on=event.handled_on,
                handled_by=event.actor_id,
                handled_late=event.handled_on > row["handling_due"],
                status=SignalStatus.HANDLED.value,
            )
        row["measures"] = event.measures
        changes.put("signals", (event.signal_id,), row)

    @handle.register(LoanEvents.WarningReported)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "signals",
            (event.signal_id,),
            reported_on=event.reported_on,
            reported_by=event.actor_id,
            report_to=event.to_role.value,
        )

    @handle.register(LoanEvents.WarningFeedbackGiven)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("signals", event.signal_id)
        if row is None:
            return
        row.update(
            feedback_on=row["feedback_on"] or event.feedback_on,
            feedback_by=event.actor_id,
            result=event.result,
        )
        if row["status"] == SignalStatus.HANDLED.value:
            row["status"] = SignalStatus.FED_BACK.value
        changes.put("signals", (event.signal_id,), row)

    @handle.register(LoanEvents.WarningDetermined)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "signals",
            (event.signal_id,),
            determined_on=event.determined_on,
            determined_by=event.actor_id,
            confirmed=event.confirmed,
            opinion=event.opinion,
            status=SignalStatus.DETERMINED.value,
        )

    @handle.register(LoanEvents.EmergencyPlanStarted)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "signals",
            (event.signal_id,),
            plan_started_on=event.started_on,
            plan_started_late=event.late,
            plan_started_by=event.actor_id,
            plan_owner=event.owner_id,
            plan_measures=event.measures,
            plan_due=event.due_on,
        )

    @handle.register(LoanEvents.EmergencyProgressRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("signals", event.signal_id)
        if row is None:
            return
        changes.update(
            "signals",
            (event.signal_id,),
            plan_progress_count=(row["plan_progress_count"] or 0) + 1,
            plan_progress_on=event.progress_on,
            plan_progress=event.progress,
        )

    @handle.register(LoanEvents.WarningCleared)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "signals",
            (event.signal_id,),
            cleared_on=event.cleared_on,
            cleared_by=event.actor_id,
            clear_reason=event.reason,
            status=SignalStatus.CLEARED.value,
        )


def _overdue_on(table: sa.Table, on: date) -> Any:
    """Raised by ``on``, not handled by ``on``, and due before ``on``."""
    return sa.and_(
        table.c.raised_on <= on,
        table.c.handling_due < on,
        sa.or_(table.c.handled_on.is_(None), table.c.handled_on > on),
    )


def warning_summary(
    store: RegisterStore, projection: Projection, *, on: date, as_of: AsOf
) -> list[dict[str, Any]]:
    """Per colour (red, orange, yellow), the ledger as of ``as_of`` judged on the date ``on``.

    ``raised``: signals raised on or before ``on``; ``handled``: of those, handled on or before
    it; ``cleared``: cleared on or before it; ``overdue``: raised, not handled by ``on``, and
    with their handling deadline before ``on``.
    """
    spec = projection.specs()["signals"]
    with store.reading() as conn:
        table = store.live_tables(conn, projection)["signals"]

        def counted(condition: Any) -> Any:
            return sa.func.sum(sa.case((condition, 1), else_=0))

        found = conn.execute(
            sa.select(
                table.c.colour,
                counted(table.c.raised_on <= on),
                counted(table.c.handled_on <= on),
                counted(table.c.cleared_on <= on),
                counted(_overdue_on(table, on)),
            )
            .where(*visible(table, spec, as_of))
            .group_by(table.c.colour)
        ).all()
    by_colour = {row[0]: [int(n or 0) for n in row[1:]] for row in found}
    summary = []
    for colour in WarningColour:
        raised, handled, cleared, overdue = by_colour.get(colour.value, [0, 0, 0, 0])
        summary.append(
            {
                "colour": colour.value,
                "colour_zh": colour.zh,
                "raised": raised,
                "handled": handled,
                "cleared": cleared,
                "overdue": overdue,
            }
        )
    return summary


def overdue_signals(
    store: RegisterStore, projection: Projection, *, on: date, as_of: AsOf
) -> list[dict[str, Any]]:
    """The signals overdue for handling on ``on`` (as the ledger stood at ``as_of``).

    Each is a row of ``signals`` with ``days_past_due`` added, most overdue first.
    """
    spec = projection.specs()["signals"]
    with store.reading() as conn:
        table = store.live_tables(conn, projection)["signals"]
        found = conn.execute(
            sa.select(*[table.c[n] for n in spec.column_names])
            .where(*visible(table, spec, as_of), _overdue_on(table, on))
            .order_by(table.c.handling_due, table.c.loan_no, table.c.signal_id)
        )
        rows = [dict(r._mapping) for r in found]
    for row in rows:
        row["days_past_due"] = (on - row["handling_due"]).days
    return rows
