"""预警台账: every warning signal with its handling deadline, handling, lateness and clearing.

On 3 March the post-loan officer raises an orange signal (production halted) on a corporate
loan: it is due to be handled within 7 days, by 10 March. Nobody handles it: on day 8 (11
March) the summary counts it overdue and lists it. The risk manager handles it on 12 March —
late, and the ledger says so. A red signal raised the same day is handled within its 3 days and
later cleared with a reason. A yellow one raised on 20 March is not yet overdue on 1 April, but
is on 5 April. A register configured with other deadlines (from the rules file) applies them.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from uuid import UUID

from openpyxl import load_workbook

from archive.core import CommandContext
from domain.rules import RuleSet, shipped_rules
from domain.values import WarningColour, loan_id_for
from projections.export import to_csv, to_xlsx
from projections.query import AsOf, select_all
from projections.registers.warnings import WarningLedger, overdue_signals, warning_summary
from tests import steps
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers, caught_up

LOAN_NO = "JJ2025011000501"
NAME = "warning_ledger"


def _raise(
    registers: Registers, ctx: CommandContext, colour: WarningColour, code: str, on: date
) -> UUID:
    raised = steps.raise_warning(
        registers.app, ctx, LOAN_NO, on, f"{colour.zh}预警：{code}", colour=colour, code=code
    )
    return UUID(raised.ids["signal_id"])


def _summary(registers: Registers, on: date, as_of: AsOf) -> dict[str, tuple[int, ...]]:
    found = warning_summary(registers.store, registers.register(NAME), on=on, as_of=as_of)
    return {s["colour"]: (s["raised"], s["handled"], s["cleared"], s["overdue"]) for s in found}


def test_an_orange_signal_not_handled_within_7_days_is_overdue_on_day_8_and_handled_late(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, plo, rm = staff["account_manager"], staff["post_loan_officer"], staff["risk_manager"]
    app.execute(am, make_disbursement(LOAN_NO))
    orange = _raise(registers, plo, WarningColour.ORANGE, "OPS-04", date(2025, 3, 3))
    red = _raise(registers, plo, WarningColour.RED, "OPS-02", date(2025, 3, 3))
    steps.handle_warning(
        app,
        rm,
        LOAN_NO,
        red,
        date(2025, 3, 5),
        "冻结抵押物，宣布贷款提前到期",
        uploads=[make_upload("warning_form", "风险预警信号处理表 红色")],
    )
    registers.catch_up()

    signals = {s["signal_id"]: s for s in registers.rows(NAME, "signals")}
    assert signals[orange] == {
        "signal_id": orange,
        "loan_id": loan_id_for(LOAN_NO),
        "loan_no": LOAN_NO,
        "borrower_name": "上海示例贸易有限公司",
        "branch": "营业部",
        "colour": "orange",
        "code": "OPS-04",
        "signal_name": "涉及重大诉讼或仲裁",
        "category": "operational",
        "closed_loop": True,
        "report_to": "risk_manager",
        "report_due": date(2025, 3, 6),
        "reported_on": None,
        "reported_by": None,
        "feedback_on": None,
        "feedback_by": None,
        "result": None,
        "determined_on": None,
        "determined_by": None,
        "confirmed": None,
        "opinion": None,
        "raised_on": date(2025, 3, 3),
        "raised_by": plo.staff_id,
        "reason": "橙色预警：OPS-04",
        "handling_due": date(2025, 3, 10),
        "handled_on": None,
        "handled_by": None,
        "measures": None,
        "handled_late": None,
        "cleared_on": None,
        "cleared_by": None,
        "clear_reason": None,
        "status": "raised",
        "plan_required": False,
        "plan_start_due": None,
        "plan_started_on": None,
        "plan_started_late": None,
        "plan_started_by": None,
        "plan_owner": None,
        "plan_measures": None,
        "plan_due": None,
        "plan_progress_count": 0,
        "plan_progress_on": None,
        "plan_progress": None,
    }
    handled_red = signals[red]
    assert {
        k: handled_red[k]
        for k in ("handling_due", "handled_on", "handled_by", "measures", "handled_late", "status")
    } == {
        "handling_due": date(2025, 3, 6),
        "handled_on": date(2025, 3, 5),
        "handled_by": rm.staff_id,
        "measures": "冻结抵押物，宣布贷款提前到期",
        "handled_late": False,
        "status": "handled",
    }

    # Day 7 (10 March) is the deadline itself; on day 8 the orange signal is overdue.
    now = AsOf()
    assert _summary(registers, date(2025, 3, 10), now)["orange"] == (1, 0, 0, 0)
    assert _summary(registers, date(2025, 3, 11), now) == {
        "red": (1, 1, 0, 0),
        "orange": (1, 0, 0, 1),
        "yellow": (0, 0, 0, 0),
    }
    (late,) = overdue_signals(
        registers.store, registers.register(NAME), on=date(2025, 3, 11), as_of=now
    )
    assert (late["signal_id"], late["colour"], late["days_past_due"]) == (orange, "orange", 1)

    # Handled on 12 March: late, and flagged.
    before_handling = app.recorder.max_notification_id()
    steps.handle_warning(app, rm, LOAN_NO, orange, date(2025, 3, 12), "约谈实际控制人")
    registers.catch_up()
    handled = {s["signal_id"]: s for s in registers.rows(NAME, "signals")}[orange]
    assert (handled["handled_on"], handled["handled_late"], handled["status"]) == (
        date(2025, 3, 12),
        True,
        "handled",
    )
    # On the 13th nothing is overdue; as the ledger stood before the handling, it was.
    assert _summary(registers, date(2025, 3, 13), now)["orange"] == (1, 1, 0, 0)
    assert _summary(registers, date(2025, 3, 13), AsOf(position=before_handling))["orange"] == (
        1,
        0,
        0,
        1,
    )
    # Judged on the 11th, the late handling had not happened yet: overdue that day.
    assert _summary(registers, date(2025, 3, 11), now)["orange"] == (1, 0, 0, 1)
    (then,) = [
        s
        for s in registers.as_of(NAME, "signals", position=before_handling)
        if s["signal_id"] == orange
    ]
    assert (then["status"], then["handled_late"]) == ("raised", None)

    # A later handling replaces the measures, not the date that met or missed the deadline.
    steps.handle_warning(app, rm, LOAN_NO, orange, date(2025, 3, 20), "追加保证人")
    # The red signal's result is reported (反馈), determined (认定) by the reviewer, cleared
    # with a reason by the branch head; a yellow one is raised.
    steps.give_feedback(app, plo, LOAN_NO, red, date(2025, 3, 25))
    steps.determine_warning(app, staff["reviewer"], LOAN_NO, red, date(2025, 3, 28))
    bh = staff["branch_head"]
    # A red signal's emergency plan (应急预案) is started before it is cleared (WRN-59).
    owner = app.staff_by_id(am.staff_id).staff_no
    steps.start_emergency_plan(app, rm, LOAN_NO, red, date(2025, 3, 3), owner, date(2025, 3, 31))
    steps.clear_warning(app, bh, LOAN_NO, red, date(2025, 4, 1), "实际控制人已到案说明")
    yellow = _raise(registers, am, WarningColour.YELLOW, "GUA-06", date(2025, 3, 20))
    registers.catch_up()
    signals = {s["signal_id"]: s for s in registers.rows(NAME, "signals")}
    assert (signals[orange]["handled_on"], signals[orange]["measures"]) == (
        date(2025, 3, 12),
        "追加保证人",
    )
    cleared = signals[red]
    assert (
        cleared["cleared_on"],
        cleared["cleared_by"],
        cleared["clear_reason"],
        cleared["status"],
    ) == (date(2025, 4, 1), bh.staff_id, "实际控制人已到案说明", "cleared")
    assert signals[yellow]["handling_due"] == date(2025, 4, 4)
    assert _summary(registers, date(2025, 4, 1), now) == {
        "red": (1, 1, 1, 0),
        "orange": (1, 1, 0, 0),
        "yellow": (1, 0, 0, 0),
    }
    assert _summary(registers, date(2025, 4, 5), now)["yellow"] == (1, 0, 0, 1)
    assert [
        s["signal_id"]
        for s in overdue_signals(
            registers.store, registers.register(NAME), on=date(2025, 4, 5), as_of=now
        )
    ] == [yellow]


def test_deadlines_come_from_the_rules_when_given(
    registers: Registers, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    app = registers.app
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    plo = staff["post_loan_officer"]
    orange = _raise(registers, plo, WarningColour.ORANGE, "BEH-05", date(2025, 3, 3))
    yellow = _raise(registers, plo, WarningColour.YELLOW, "FIN-03", date(2025, 3, 3))

    shipped = shipped_rules()
    handling = {**shipped.source["warnings"]["handling_days"], "orange": 5}
    orange_5 = RuleSet.from_mapping({**shipped.source, "warnings": {"handling_days": handling}})
    ledger = WarningLedger(orange_5)
    with caught_up(app, tmp_path / "rules", ledger) as store:
        due = {s["signal_id"]: s["handling_due"] for s in select_all(store, ledger, "signals")}
        summary = warning_summary(store, ledger, on=date(2025, 3, 9), as_of=AsOf())
    assert due == {orange: date(2025, 3, 8), yellow: date(2025, 3, 18)}
    assert [(s["colour"], s["overdue"]) for s in summary] == [
        ("red", 0),
        ("orange", 1),
        ("yellow", 0),
    ]


def test_the_ledger_exports_with_chinese_headers_and_labels(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    signal = _raise(
        registers, staff["post_loan_officer"], WarningColour.ORANGE, "OPS-04", date(2025, 3, 3)
    )
    steps.handle_warning(
        app, staff["risk_manager"], LOAN_NO, signal, date(2025, 3, 14), "查封抵押物"
    )
    registers.catch_up()
    columns = registers.register(NAME).specs()["signals"].exported()
    rows = registers.rows(NAME, "signals")
    expected = [
        "借据号",
        "借款人",
        "机构",
        "预警等级",
        "预警信号",
        "信号名称",
        "信号类别",
        "闭环管理",
        "预警日期",
        "发起人",
        "预警原因",
        "处置期限",
        "处置日期",
        "处置人",
        "处置措施",
        "超期处置",
        "报告对象",
        "报告期限",
        "报告签收日期",
        "报告签收人",
        "反馈日期",
        "反馈人",
        "处置结果",
        "认定日期",
        "认定人",
        "风险属实",
        "认定意见",
        "解除日期",
        "解除人",
        "解除原因",
        "状态",
        "须启动应急预案",
        "应急预案启动期限",
        "应急预案启动日期",
        "应急预案超期启动",
        "应急预案启动人",
        "应急预案责任人",
        "应急措施",
        "应急预案完成期限",
        "应急预案进展次数",
        "最近进展日期",
        "最近进展情况",
    ]
    sheet = load_workbook(io.BytesIO(to_xlsx("预警台账", columns, rows))).active
    assert sheet is not None
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header == expected
    values = dict(zip(header, row, strict=True))
    assert (values["预警等级"], values["超期处置"], values["状态"]) == ("橙色", "是", "已处置")

    header, row = list(csv.reader(io.StringIO(to_csv(columns, rows).decode("utf-8-sig"))))
    assert header == expected
    values = dict(zip(header, row, strict=True))
    assert (values["预警等级"], values["处置期限"], values["超期处置"]) == (
        "橙色",
        "2025-03-10",
        "是",
    )
