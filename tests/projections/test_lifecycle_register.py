"""Loan ledger (贷后管理台账): one row per loan, as it stands after each of its events."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from archive.core import CommandContext
from domain.scope import RowScope
from domain.tasks import Task, TaskKind
from domain.values import CollectionStepKind, Grade, InspectionKind
from projections.export import to_xlsx
from projections.registers.lifecycle import LOANS
from projections.tasks import tasks
from tests import steps
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers

LOAN_NO = "LL2025000001"


def _row(registers: Registers, **point: int) -> dict[str, object]:
    rows = (
        registers.as_of("loan_ledger", "loans", **point)
        if point
        else registers.rows("loan_ledger", "loans")
    )
    (row,) = [r for r in rows if r["loan_no"] == LOAN_NO]
    return row


def _routine_inspections(registers: Registers, on: date) -> list[Task]:
    """The routine inspections the work queue lists on ``on``."""
    queue = registers.register("work_queue")
    kind = TaskKind.ROUTINE_INSPECTION
    return tasks(registers.store, queue, on, scope=RowScope.everything(), kind=kind)  # type: ignore[arg-type]


def test_the_ledger_follows_a_loan_through_arrears_downgrade_warning_and_handover(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, am2, plo, rm, bh = (
        staff["account_manager"],
        staff["account_manager_2"],
        staff["post_loan_officer"],
        staff["risk_manager"],
        staff["branch_head"],
    )
    app.execute(am, make_disbursement(LOAN_NO), [make_upload("loan_contract", "借款合同")])
    registers.catch_up()
    disbursed = _row(registers)
    assert disbursed["balance"] == Decimal("1000000.00")
    assert disbursed["account_manager"] == "张伟"
    assert disbursed["account_manager_no"] == "account_manager"
    # Corporate working capital: the first follow-up falls due 15 days after the value date.
    assert disbursed["next_inspection_due"] == date(2025, 1, 25)
    at_disbursement = app.recorder.max_notification_id() or 0

    steps.inspect(
        app,
        am,
        LOAN_NO,
        InspectionKind.FIRST_FOLLOW_UP,
        date(2025, 1, 20),
        "经营正常",
        countersigned=True,
    )
    steps.repay(app, am, LOAN_NO, date(2025, 2, 10), "100000.00", "0")
    steps.overdue(app, plo, LOAN_NO, date(2025, 3, 1), 40)
    proposal = steps.propose_special_mention(
        app, am, LOAN_NO, date(2025, 3, 1), "本金逾期 40 天", uploads=()
    )
    steps.approve(app, rm, LOAN_NO, proposal)
    steps.raise_warning(app, plo, LOAN_NO, date(2025, 3, 2), "他行逾期")
    steps.collect(
        app,
        am,
        LOAN_NO,
        CollectionStepKind.PHONE_CALL,
        date(2025, 3, 2),
        41,
        "承诺月底还款",
        promised_date=date(2025, 3, 31),
    )
    steps.hand_over(app, bh, LOAN_NO, date(2025, 3, 15), "account_manager_2", "岗位调整")
    registers.catch_up()

    row = _row(registers)
    assert row["balance"] == Decimal("900000.00")
    assert row["grade"] == Grade.SPECIAL_MENTION.value
    assert row["sub_grade"] == "special_mention_1"
    assert (row["days_overdue"], row["overdue_principal"], row["overdue_interest"]) == (
        40,
        Decimal("50000.00"),
        Decimal("3000.00"),
    )
    assert row["last_inspection_on"] == date(2025, 1, 20)
    assert row["first_inspected"] is True
    # Rated A: routine inspections every two months after the last one.
    assert row["next_inspection_due"] == date(2025, 3, 20)
    assert row["open_warnings"] == 1
    assert (row["collection_stage"], row["collection_stage_on"]) == ("phone_call", date(2025, 3, 2))
    assert (row["account_manager"], row["account_manager_id"]) == ("李娜", am2.staff_id)

    # As of the disbursement, the row is the one the ledger showed then.
    then = _row(registers, position=at_disbursement)
    assert then == disbursed

    sheet = load_workbook(io.BytesIO(to_xlsx("贷后管理台账", LOANS.exported(), [row]))).active
    assert sheet is not None
    header, values = list(sheet.iter_rows(values_only=True))
    exported = dict(zip(header, values, strict=True))
    assert exported["借据号"] == LOAN_NO
    assert exported["五级分类"] == "关注"
    assert exported["客户经理"] == "李娜"
    assert exported["贷款余额"] == 900000.0


def test_a_phone_visit_is_no_inspection_for_the_ledger_nor_the_work_queue(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    """Disbursed 2025-01-10 (rating A, every 2 months), first follow-up 2025-01-20, then a phone
    visit (电话回访) on 2025-03-17: the routine inspection stays due on 2025-03-20 in both."""
    app, am = registers.app, staff["account_manager"]
    app.execute(am, make_disbursement(LOAN_NO), [make_upload("loan_contract", "借款合同")])
    for kind, on in (
        (InspectionKind.FIRST_FOLLOW_UP, date(2025, 1, 20)),
        (InspectionKind.PHONE_VISIT, date(2025, 3, 17)),
    ):
        steps.inspect(app, am, LOAN_NO, kind, on, "经营正常", countersigned=True)
    registers.catch_up()

    ledger = _row(registers)
    assert ledger["next_inspection_due"] == date(2025, 3, 20)
    assert ledger["last_inspection_on"] == date(2025, 1, 20)
    [routine] = _routine_inspections(registers, date(2025, 3, 18))
    assert routine.due_on == ledger["next_inspection_due"]

    # An inspection proper moves both.
    steps.inspect(
        app,
        am,
        LOAN_NO,
        InspectionKind.ON_SITE,
        date(2025, 3, 19),
        "现场检查正常",
        countersigned=True,
    )
    registers.catch_up()
    assert _row(registers)["next_inspection_due"] == date(2025, 5, 19)
    [moved] = _routine_inspections(registers, date(2025, 3, 20))
    assert moved.due_on == date(2025, 5, 19)
