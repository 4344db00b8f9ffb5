"""逾期/催收台账: the loans in arrears with their collection, and every collection step.

A corporate loan is found 35 days overdue. The account manager phones the borrower, who
promises to pay by the end of the month; five days later the post-loan officer serves the
written collection notice and files it with the borrower's signed receipt (回执). The ledger
shows the loan with its arrears, the date of its first overdue record, the last step and the
promise, and both steps with their document hashes. The borrower pays: the loan is cured and
leaves the ledger, though as of the earlier position it is still there, and its steps stay in
the log. Months later it falls overdue again: a new spell, counted afresh.

A second loan is written off (核销) with recovery continuing (账销案存): it stays in the ledger,
even cured, until it is settled.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from uuid import UUID

from openpyxl import load_workbook

from archive.commands.lifecycle import Settle
from archive.core import CommandContext
from domain.values import CollectionStepKind, Grade, loan_id_for
from projections.export import to_csv, to_xlsx
from tests import steps
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers

LOAN_NO = "JJ2025011000201"
NAME = "overdue_ledger"


def _overdue(
    registers: Registers, ctx: CommandContext, loan_no: str, on: date, days: int, amount: str
) -> int:
    result = steps.overdue(
        registers.app,
        ctx,
        loan_no,
        on,
        days,
        Decimal(amount),
        Decimal("0.00") if days == 0 else Decimal("1200.00"),
    )
    return result.position


def test_a_loan_in_arrears_shows_its_steps_with_their_documents_and_leaves_once_cured(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, plo = staff["account_manager"], staff["post_loan_officer"]
    app.execute(am, make_disbursement(LOAN_NO))
    loan_id = loan_id_for(LOAN_NO)
    registers.catch_up()
    assert registers.rows(NAME, "overdue_loans") == [], "a performing loan is not in arrears"

    # 35 days overdue as of 14 February; the account manager phones the next day.
    _overdue(registers, plo, LOAN_NO, date(2025, 2, 14), 35, "50000.00")
    call = steps.collect(
        app,
        am,
        LOAN_NO,
        CollectionStepKind.PHONE_CALL,
        date(2025, 2, 15),
        36,
        "借款人承诺月底前还款",
        promised_date=date(2025, 2, 28),
    )
    # Still overdue on the 19th (40 days); the notice is served with its signed receipt.
    _overdue(registers, plo, LOAN_NO, date(2025, 2, 19), 40, "50000.00")
    notice = steps.collect(
        app,
        plo,
        LOAN_NO,
        CollectionStepKind.NOTICE_SERVED,
        date(2025, 2, 20),
        41,
        "通知书已送达，借款人签收回执",
        uploads=[
            make_upload("collection_notice", "逾期催收通知书 JJ2025011000201"),
            make_upload("collection_receipt", "催收通知书回执 JJ2025011000201"),
        ],
    )
    registers.catch_up()

    (row,) = registers.rows(NAME, "overdue_loans")
    assert row == {
        "loan_id": loan_id,
        "loan_no": LOAN_NO,
        "borrower_name": "上海示例贸易有限公司",
        "branch": "营业部",
        "product": "corporate_working_capital",
        "account_manager_id": am.staff_id,
        "status": "active",
        "grade": "normal",
        "days_overdue": 40,
        "overdue_principal": Decimal("50000.00"),
        "overdue_interest": Decimal("1200.00"),
        "overdue_as_of": date(2025, 2, 19),
        "first_overdue_on": date(2025, 2, 14),
        "last_step_kind": "notice_served",
        "last_step_on": date(2025, 2, 20),
        "last_step_outcome": "通知书已送达，借款人签收回执",
        "promised_date": date(2025, 2, 28),
        "steps_taken": 2,
        "written_off_on": None,
    }

    hashes = [d.sha256 for d in notice.documents]
    assert len(hashes) == 2
    rows = registers.rows(NAME, "steps")
    assert rows == [
        {
            "step_id": UUID(call.ids["step_id"]),
            "loan_id": loan_id,
            "loan_no": LOAN_NO,
            "borrower_name": "上海示例贸易有限公司",
            "branch": "营业部",
            "kind": "phone_call",
            "taken_on": date(2025, 2, 15),
            "days_overdue": 36,
            "outcome": "借款人承诺月底前还款",
            "promised_date": date(2025, 2, 28),
            "legal_adviser": None,
            "participants": None,
            "servicer": None,
            "actor_id": am.staff_id,
            "role": "account_manager",
            "documents": 0,
            "document_sha256s": "",
        },
        {
            "step_id": UUID(notice.ids["step_id"]),
            "loan_id": loan_id,
            "loan_no": LOAN_NO,
            "borrower_name": "上海示例贸易有限公司",
            "branch": "营业部",
            "kind": "notice_served",
            "taken_on": date(2025, 2, 20),
            "days_overdue": 41,
            "outcome": "通知书已送达，借款人签收回执",
            "promised_date": None,
            "legal_adviser": None,
            "participants": None,
            "servicer": None,
            "actor_id": plo.staff_id,
            "role": "post_loan_officer",
            "documents": 2,
            "document_sha256s": ",".join(hashes),
        },
    ]

    # The borrower pays: cured, gone from the ledger; as of before the cure it is still there.
    before_cure = app.recorder.max_notification_id()
    _overdue(registers, plo, LOAN_NO, date(2025, 3, 3), 0, "0.00")
    registers.catch_up()
    assert registers.rows(NAME, "overdue_loans") == []
    (then,) = registers.as_of(NAME, "overdue_loans", position=before_cure)
    assert (then["days_overdue"], then["steps_taken"], then["last_step_kind"]) == (
        40,
        2,
        "notice_served",
    )
    assert len(registers.rows(NAME, "steps")) == 2, "the steps stay in the log"
    assert len(registers.as_of(NAME, "steps", position=call.position)) == 1

    # A new spell in June: counted afresh from its own first overdue date.
    _overdue(registers, plo, LOAN_NO, date(2025, 6, 13), 3, "20000.00")
    registers.catch_up()
    (again,) = registers.rows(NAME, "overdue_loans")
    assert {
        k: again[k] for k in ("days_overdue", "first_overdue_on", "steps_taken", "last_step_kind")
    } == {
        "days_overdue": 3,
        "first_overdue_on": date(2025, 6, 13),
        "steps_taken": 0,
        "last_step_kind": None,
    }
    assert again["promised_date"] is None


def test_a_written_off_loan_stays_while_recovery_continues_and_leaves_when_settled(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, plo, rm, bh = (
        staff["account_manager"],
        staff["post_loan_officer"],
        staff["risk_manager"],
        staff["branch_head"],
    )
    app.execute(am, make_disbursement(LOAN_NO))
    _overdue(registers, plo, LOAN_NO, date(2025, 5, 10), 120, "300000.00")
    proposed = steps.propose(
        app, am, LOAN_NO, Grade.SUBSTANDARD, date(2025, 5, 10), "逾期超过 90 天"
    )
    steps.approve(app, rm, LOAN_NO, proposed)
    steps.hand_over(app, bh, LOAN_NO, date(2025, 5, 20), "account_manager_2", "调岗")
    steps.write_off(app, bh, LOAN_NO, date(2025, 9, 30))
    registers.catch_up()
    (row,) = registers.rows(NAME, "overdue_loans")
    assert {
        k: row[k]
        for k in ("status", "grade", "written_off_on", "account_manager_id", "first_overdue_on")
    } == {
        "status": "written_off",
        "grade": "substandard",
        "written_off_on": date(2025, 9, 30),
        "account_manager_id": staff["account_manager_2"].staff_id,
        "first_overdue_on": date(2025, 5, 10),
    }

    # 账销案存: recovery goes on; even with the arrears recorded as nil the loan stays.
    steps.collect(
        app,
        staff["account_manager_2"],
        LOAN_NO,
        CollectionStepKind.ENFORCEMENT,
        date(2025, 10, 15),
        0,
        "申请恢复执行",
    )
    _overdue(registers, plo, LOAN_NO, date(2025, 10, 31), 0, "0.00")
    registers.catch_up()
    (row,) = registers.rows(NAME, "overdue_loans")
    assert (row["status"], row["days_overdue"], row["steps_taken"], row["last_step_kind"]) == (
        "written_off",
        0,
        1,
        "enforcement",
    )

    before_settling = app.recorder.max_notification_id()
    app.execute(staff["account_manager_2"], Settle(loan_no=LOAN_NO, settled_on=date(2026, 3, 31)))
    registers.catch_up()
    assert registers.rows(NAME, "overdue_loans") == []
    assert len(registers.as_of(NAME, "overdue_loans", position=before_settling)) == 1


def test_the_ledger_exports_with_chinese_headers_and_labels(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, plo = staff["account_manager"], staff["post_loan_officer"]
    app.execute(am, make_disbursement(LOAN_NO))
    _overdue(registers, plo, LOAN_NO, date(2025, 2, 14), 35, "50000.00")
    steps.collect(
        app,
        plo,
        LOAN_NO,
        CollectionStepKind.NOTICE_SERVED,
        date(2025, 2, 15),
        36,
        "已送达",
        uploads=[make_upload("collection_notice", "逾期催收通知书")],
    )
    registers.catch_up()
    specs = registers.register(NAME).specs()

    columns = specs["overdue_loans"].exported()
    rows = registers.rows(NAME, "overdue_loans")
    sheet = load_workbook(io.BytesIO(to_xlsx("逾期催收台账", columns, rows))).active
    assert sheet is not None
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header == [
        "借据号",
        "借款人",
        "机构",
        "产品",
        "客户经理",
        "状态",
        "五级分类",
        "逾期天数",
        "逾期本金",
        "欠息",
        "逾期统计日",
        "首次逾期登记日",
        "最近催收方式",
        "最近催收日",
        "最近催收结果",
        "承诺还款日",
        "催收次数",
        "核销日",
    ]
    values = dict(zip(header, row, strict=True))
    assert (values["状态"], values["五级分类"], values["最近催收方式"]) == (
        "存续",
        "正常",
        "送达催收通知书",
    )
    assert (values["逾期本金"], values["催收次数"]) == (50000, 1)

    text = to_csv(specs["steps"].exported(), registers.rows(NAME, "steps"))
    header, row = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert header == [
        "借据号",
        "借款人",
        "机构",
        "催收方式",
        "催收日期",
        "催收时逾期天数",
        "催收结果",
        "承诺还款日",
        "告知的法律顾问",
        "参与人员",
        "追收服务机构",
        "经办人",
        "经办人岗位",
        "附件数",
        "附件SHA-256",
    ]
    values = dict(zip(header, row, strict=True))
    assert (values["催收方式"], values["经办人岗位"], values["附件数"]) == (
        "送达催收通知书",
        "贷后管理岗",
        "1",
    )
    assert len(values["附件SHA-256"]) == 64
