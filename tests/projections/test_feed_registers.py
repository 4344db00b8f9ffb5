"""The registers under the core system's batches: what the loan says after corrections, and
the register of batches (核心系统日终文件台账), live and rebuilt (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from archive.core import CommandContext
from archive.feed.batch import LOANS, OVERDUE, REPAYMENTS, SETTLEMENTS
from domain.authorization import Action, register_read
from domain.loan import Loan
from domain.values import LoanStatus
from projections.export import to_xlsx
from projections.tables import SYSTEM_COLUMNS
from tests.archive.feed.test_import import DAY1, DAY2, arrears, batch, loan, repayment
from tests.projections.conftest import Registers

DAY3 = date(2026, 11, 4)


def _import_and_correct(registers: Registers, feed: CommandContext, tmp: Path) -> Loan:
    """Two loans booked, a repayment and arrears, their correction, a new amount (master data)
    and a settlement moved by a correction batch."""
    app = registers.app
    app.import_feed(
        feed, [batch(tmp, DAY1, files={LOANS: [loan(), loan("JD-2", principal="800.00")]})]
    )
    app.import_feed(
        feed,
        [
            batch(
                tmp,
                DAY2,
                files={
                    REPAYMENTS: [
                        repayment("TX-1"),
                        repayment("TX-2", "JD-2", principal="800.00", interest="2.00"),
                    ],
                    OVERDUE: [arrears("JD-1", 3, "500.00")],
                    SETTLEMENTS: [{"loan_no": "JD-2", "settled_on": "2026-11-03", "how": "repaid"}],
                },
            )
        ],
    )
    app.import_feed(
        feed,
        [
            batch(
                tmp,
                DAY2,
                name="feed-20261103-correction",
                correction=True,
                files={
                    REPAYMENTS: [repayment("TX-1", principal="800.00", penalty="5.00")],
                    OVERDUE: [arrears("JD-1", 2, "400.00")],
                },
            )
        ],
    )
    app.import_feed(feed, [batch(tmp, DAY3, files={LOANS: [loan(principal="120000.00")]})])
    app.import_feed(
        feed,
        [
            batch(
                tmp,
                DAY3,
                name="feed-20261104-correction",
                correction=True,
                files={
                    SETTLEMENTS: [{"loan_no": "JD-2", "settled_on": "2026-11-04", "how": "repaid"}]
                },
            )
        ],
    )
    registers.catch_up()
    found = app.repository.get(Loan.create_id("JD-1"))
    assert isinstance(found, Loan)
    return found


def _plain(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in r.items() if k not in SYSTEM_COLUMNS} for r in rows]


def test_the_registers_show_what_the_loan_says_after_the_core_corrects_it(
    registers: Registers, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    feed = staff["integration"]
    fed = _import_and_correct(registers, feed, tmp_path)
    assert fed.balance == Decimal("119200.00")  # 120000 less the corrected 800

    [ledger] = [r for r in registers.rows("loan_ledger", "loans") if r["loan_no"] == "JD-1"]
    assert ledger["principal"] == Decimal("120000.00")
    assert ledger["balance"] == fed.balance
    assert (ledger["days_overdue"], ledger["overdue_principal"]) == (2, Decimal("400.00"))
    assert ledger["borrower_rating"] == "未评级"
    [settled] = [r for r in registers.rows("loan_ledger", "loans") if r["loan_no"] == "JD-2"]
    assert (settled["status"], settled["settled_on"]) == (LoanStatus.SETTLED.value, DAY3)

    repayments = {r["reference"]: r for r in registers.rows("repayment_register", "repayments")}
    tx1 = repayments["TX-1"]
    assert (tx1["principal"], tx1["interest"], tx1["penalty"]) == (
        Decimal("800.00"),
        Decimal("36.25"),
        Decimal("5.00"),
    )
    assert tx1["corrected"] is True
    assert "更正：原" in tx1["correction"]
    assert "还本 1000.00" in tx1["correction"]
    assert tx1["source"].startswith("核心系统 2026-11-03 批次 ")
    assert tx1["source"].endswith("repayments.csv 第2行")
    assert tx1["actor_id"] == feed.staff_id
    assert repayments["TX-2"]["corrected"] is False
    [arrears_row] = registers.rows("repayment_register", "arrears")
    assert (arrears_row["days_overdue"], arrears_row["overdue_principal"]) == (2, Decimal("400"))
    assert arrears_row["corrected"] is True

    [overdue] = registers.rows("overdue_ledger", "overdue_loans")
    assert (overdue["days_overdue"], overdue["overdue_principal"]) == (2, Decimal("400.00"))
    [dossier] = [r for r in registers.rows("customer_file", "dossiers") if r["loan_no"] == "JD-1"]
    assert dossier["balance"] == fed.balance
    [npl_helper] = [r for r in registers.rows("npl_register", "loans") if r["loan_no"] == "JD-1"]
    assert (npl_helper["balance"], npl_helper["days_overdue"]) == (fed.balance, 2)


def test_the_batch_register_lists_every_batch_with_its_reconciliation(
    registers: Registers, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    _import_and_correct(registers, staff["integration"], tmp_path)
    batches = registers.rows("feed_batches", "batches")
    assert [
        (b["business_date"], b["correction"])
        for b in sorted(batches, key=lambda b: (b["business_date"], b["correction"]))
    ] == [(DAY1, False), (DAY2, False), (DAY2, True), (DAY3, False), (DAY3, True)]
    assert {b["status"] for b in batches} == {"applied"}
    assert all(b["balanced"] is True and b["refused"] == 0 for b in batches)
    assert all(len(b["control_hash"]) == 12 for b in batches)
    assert all(b["started_by"] == staff["integration"].staff_id for b in batches)
    [first] = [b for b in batches if b["business_date"] == DAY1]
    assert (first["lines_done"], first["files"], first["bank"]) == (2, 1, "云溪农商银行")
    assert first["events_recorded"] > 0
    files = [f for f in registers.rows("feed_batches", "files") if f["business_date"] == DAY1]
    assert _plain(files) == [
        {
            "batch_id": first["batch_id"],
            "business_date": DAY1,
            "control_hash": first["control_hash"],
            "file": LOANS,
            "control_records": 2,
            "archive_records": 2,
            "control_amount": Decimal("100800.00"),
            "archive_amount": Decimal("100800.00"),
            "refused_records": 0,
            "balanced": True,
        }
    ]
    assert register_read("feed_batches") is Action.READ_FEED


def test_a_batch_applied_with_lines_refused_is_listed_partial_and_unbalanced(
    registers: Registers, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    app, feed = registers.app, staff["integration"]
    app.import_feed(feed, [batch(tmp_path, DAY1, files={LOANS: [loan(principal="2000.00")]})])
    bad = batch(
        tmp_path,
        DAY2,
        files={REPAYMENTS: [repayment("TX-1"), repayment("TX-2", principal="5000.00")]},
    )
    app.import_feed(feed, [bad], partial=True)
    registers.catch_up()
    [row] = [b for b in registers.rows("feed_batches", "batches") if b["business_date"] == DAY2]
    assert (row["partial"], row["balanced"], row["status"]) == (True, False, "applied")
    [file] = [f for f in registers.rows("feed_batches", "files") if f["business_date"] == DAY2]
    assert (file["control_records"], file["archive_records"], file["refused_records"]) == (2, 1, 1)
    assert file["balanced"] is False


@pytest.mark.parametrize("batch_size", [2, 500])
def test_every_register_rebuilt_after_the_batches_equals_the_live_one(
    registers: Registers, staff: dict[str, CommandContext], tmp_path: Path, batch_size: int
) -> None:
    registers.follower.batch_size = batch_size
    _import_and_correct(registers, staff["integration"], tmp_path)
    names = list(registers.follower.projections)
    live = {name: registers.snapshot(name) for name in names}

    registers.follower.rebuild(names)

    assert registers.follower.failures() == {}
    for name in names:
        assert registers.snapshot(name) == live[name], f"{name} differs after the rebuild"


def test_the_batches_and_repayments_export_with_chinese_headers(
    registers: Registers, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    _import_and_correct(registers, staff["integration"], tmp_path)
    specs = registers.register("feed_batches").specs()
    sheet = load_workbook(
        io.BytesIO(
            to_xlsx(
                "核心系统日终文件台账",
                specs["batches"].exported(),
                registers.rows("feed_batches", "batches"),
            )
        )
    ).active
    assert sheet is not None
    header, *rows = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header == [
        "业务日期",
        "报送银行",
        "控制文件摘要",
        "更正批次",
        "部分导入",
        "状态",
        "已处理行数",
        "登记事件数",
        "拒绝行数",
        "对账平衡",
        "文件数",
        "导入人",
    ]
    assert {dict(zip(header, r, strict=True))["状态"] for r in rows} == {"已导入"}
    assert [c.info["zh"] for c in specs["files"].exported()] == [
        "业务日期",
        "控制文件摘要",
        "文件",
        "控制记录数",
        "档案记录数",
        "控制金额",
        "档案金额",
        "拒绝行数",
        "对账平衡",
    ]
    repayments = registers.register("repayment_register").specs()["repayments"]
    assert [c.info["zh"] for c in repayments.exported()] == [
        "借据号",
        "借款人",
        "机构",
        "还款日期",
        "交易流水号",
        "还本（元）",
        "付息（元）",
        "罚息（元）",
        "按时还款",
        "还款时逾期本息（元）",
        "已更正",
        "更正说明",
        "来源",
        "登记人",
    ]
