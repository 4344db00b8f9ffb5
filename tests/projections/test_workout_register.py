"""不良贷款台账: non-performing and written-off loans, by disposal route.

A corporate loan 95 days overdue is made 次级 on 30 June: it enters the register on that
date, under 清收. The risk manager hands it to the asset preservation department (保全); part
of it is repaid; the branch head writes the rest off on the borrower's bankruptcy (核销) and
it stays in the register (账销案存) while recovery brings in more, which the register sums.
As of the moment before the write-off it was still 保全, and the summary by route says so.

Other loans take the other routes: a suit filed before the downgrade makes the loan 诉讼 the
moment it is non-performing, and a debt-for-asset settlement then makes it 以资抵债; a
non-performing loan restructured is 盘活; a non-performing loan repaid and settled leaves.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from archive.commands.lifecycle import Settle
from archive.commands.workout import TransferToAssetPreservation
from archive.core import CommandContext
from domain.values import CollectionStepKind, Grade, loan_id_for
from projections.export import to_csv, to_xlsx
from projections.query import AsOf
from projections.registers.workout import npl_summary
from tests import steps
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers

LOAN_NO = "JJ2025011000301"
NAME = "npl_register"


def _disburse(registers: Registers, am: CommandContext, loan_no: str) -> None:
    # Each loan its own borrower: the 10% rule would otherwise carry one NPL onto the others.
    registers.app.execute(am, make_disbursement(loan_no, borrower_id=f"B-{loan_no}"))


def _downgrade(
    registers: Registers,
    staff: dict[str, CommandContext],
    loan_no: str,
    grade: Grade,
    *,
    as_of: date,
    days: int,
) -> None:
    """Record the arrears, then propose and approve ``grade`` as of that date."""
    app = registers.app
    steps.overdue(app, staff["post_loan_officer"], loan_no, as_of, days, "200000.00", "8000.00")
    proposed = steps.propose(
        app, staff["account_manager"], loan_no, grade, as_of, f"逾期 {days} 天"
    )
    steps.approve(app, staff["risk_manager"], loan_no, proposed)


def _step(
    registers: Registers, ctx: CommandContext, loan_no: str, kind: CollectionStepKind, on: date
) -> None:
    steps.collect(registers.app, ctx, loan_no, kind, on, 100, kind.zh)


def _summary(registers: Registers, as_of: AsOf) -> dict[str, tuple[int, Decimal, Decimal]]:
    found = npl_summary(registers.store, registers.register(NAME), as_of)
    return {s["route"]: (s["count"], s["balance"], s["recovered"]) for s in found if s["count"]}


def test_a_loan_made_substandard_goes_to_preservation_then_is_written_off_and_recovered(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, rm, bh = staff["account_manager"], staff["risk_manager"], staff["branch_head"]
    _disburse(registers, am, LOAN_NO)
    # A lawyer's letter is collection, not yet a route of its own.
    steps.overdue(
        app, staff["post_loan_officer"], LOAN_NO, date(2025, 6, 20), 85, "200000.00", "8000.00"
    )
    _step(registers, am, LOAN_NO, CollectionStepKind.LAWYERS_LETTER, date(2025, 6, 21))
    registers.catch_up()
    assert registers.rows(NAME, "npl_loans") == [], "关注 or 正常 is not non-performing"

    _downgrade(registers, staff, LOAN_NO, Grade.SUBSTANDARD, as_of=date(2025, 6, 30), days=95)
    registers.catch_up()
    (row,) = registers.rows(NAME, "npl_loans")
    assert row == {
        "loan_id": loan_id_for(LOAN_NO),
        "loan_no": LOAN_NO,
        "borrower_name": "上海示例贸易有限公司",
        "branch": "营业部",
        "product": "corporate_working_capital",
        "grade": "substandard",
        "status": "active",
        "balance": Decimal("1000000.00"),
        "days_overdue": 95,
        "became_npl_on": date(2025, 6, 30),
        "disposal_route": "collection",
        "route_on": date(2025, 6, 30),
        "written_off_on": None,
        "written_off_amount": None,
        "recovered": Decimal("0.00"),
        "settled_on": None,
    }

    # Handed to asset preservation: 保全.
    app.execute(
        rm,
        TransferToAssetPreservation(
            loan_no=LOAN_NO, transferred_on=date(2025, 7, 10), reason="移交资产保全部门清收"
        ),
        [make_upload("asset_preservation_transfer", "资产保全移交书")],
    )
    steps.repay(app, am, LOAN_NO, date(2025, 8, 1), "100000.00", Decimal(0))
    registers.catch_up()
    (row,) = registers.rows(NAME, "npl_loans")
    assert (row["disposal_route"], row["route_on"], row["balance"], row["recovered"]) == (
        "preservation",
        date(2025, 7, 10),
        Decimal("900000.00"),
        Decimal("0.00"),
    ), "a repayment before the write-off is no recovery"
    before_write_off = app.recorder.max_notification_id()

    # Written off on the borrower's bankruptcy: 核销, and it stays (账销案存).
    steps.write_off(app, bh, LOAN_NO, date(2025, 12, 20))
    # Recovery continues: money comes in; enforcement goes on, and the route stays 核销.
    steps.repay(app, am, LOAN_NO, date(2026, 2, 1), "50000.00", "2000.00")
    _step(registers, am, LOAN_NO, CollectionStepKind.ENFORCEMENT, date(2026, 3, 1))
    steps.repay(app, am, LOAN_NO, date(2026, 4, 1), "30000.00", Decimal(0))
    registers.catch_up()
    (row,) = registers.rows(NAME, "npl_loans")
    assert {k: row[k] for k in row if k not in ("loan_id", "borrower_name", "branch")} == {
        "loan_no": LOAN_NO,
        "product": "corporate_working_capital",
        "grade": "substandard",
        "status": "written_off",
        "balance": Decimal("820000.00"),
        "days_overdue": 95,
        "became_npl_on": date(2025, 6, 30),
        "disposal_route": "written_off",
        "route_on": date(2025, 12, 20),
        "written_off_on": date(2025, 12, 20),
        "written_off_amount": Decimal("900000.00"),
        "recovered": Decimal("82000.00"),
        "settled_on": None,
    }

    # As of before the write-off it was with asset preservation, and the summary agrees.
    (then,) = registers.as_of(NAME, "npl_loans", position=before_write_off)
    assert (then["disposal_route"], then["status"]) == ("preservation", "active")
    assert _summary(registers, AsOf(position=before_write_off)) == {
        "preservation": (1, Decimal("900000.00"), Decimal("0.00"))
    }
    assert _summary(registers, AsOf()) == {
        "written_off": (1, Decimal("820000.00"), Decimal("82000.00"))
    }

    # Recovery ended (终结): the written-off loan stays in the register, settled.
    app.execute(am, Settle(loan_no=LOAN_NO, settled_on=date(2026, 6, 30)))
    registers.catch_up()
    (row,) = registers.rows(NAME, "npl_loans")
    assert (row["status"], row["settled_on"], row["disposal_route"]) == (
        "settled",
        date(2026, 6, 30),
        "written_off",
    )


def test_the_route_follows_the_latest_disposal_action_and_the_summary_counts_every_route(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, bh = staff["account_manager"], staff["branch_head"]
    sued, revived, repaid, watched = (f"JJ20250110004{n:02d}" for n in range(1, 5))
    for loan_no in (sued, revived, repaid, watched):
        _disburse(registers, am, loan_no)

    # Sued at 92 days, before the downgrade was approved: 诉讼 from the day it is NPL.
    steps.overdue(
        app, staff["post_loan_officer"], sued, date(2025, 5, 1), 92, "200000.00", "8000.00"
    )
    _step(registers, am, sued, CollectionStepKind.LITIGATION, date(2025, 5, 2))
    _downgrade(registers, staff, sued, Grade.SUBSTANDARD, as_of=date(2025, 5, 5), days=96)
    registers.catch_up()
    (row,) = registers.rows(NAME, "npl_loans")
    assert (row["loan_no"], row["disposal_route"], row["route_on"], row["became_npl_on"]) == (
        sued,
        "litigation",
        date(2025, 5, 2),
        date(2025, 5, 5),
    )
    # Settled in kind by the court: 以资抵债.
    _step(registers, am, sued, CollectionStepKind.DEBT_FOR_ASSET, date(2025, 9, 1))

    # A non-performing loan restructured: 盘活. A 关注 loan restructured is no NPL at all.
    _downgrade(registers, staff, revived, Grade.DOUBTFUL, as_of=date(2025, 11, 1), days=280)
    steps.restructure(
        app,
        bh,
        revived,
        date(2025, 11, 20),
        date(2027, 11, 20),
        "4.10%",
        "展期两年，按月还本付息",
        "企业经营恢复，第一还款来源可期",
        uploads=[make_upload("restructuring_agreement", "贷款重组协议")],
    )
    _downgrade(registers, staff, watched, Grade.SPECIAL_MENTION, as_of=date(2025, 3, 1), days=30)
    steps.restructure(
        app,
        bh,
        watched,
        date(2025, 3, 20),
        date(2026, 9, 20),
        "3.85%",
        "延长还款期限",
        "暂时性困难",
    )

    # A non-performing loan repaid in full and settled leaves the register.
    _downgrade(registers, staff, repaid, Grade.SUBSTANDARD, as_of=date(2025, 5, 1), days=100)
    registers.catch_up()
    assert {r["loan_no"] for r in registers.rows(NAME, "npl_loans")} == {sued, revived, repaid}
    before_settling = app.recorder.max_notification_id()
    steps.repay(app, am, repaid, date(2025, 6, 1), "1000000.00", "30000.00")
    steps.overdue(
        app, staff["post_loan_officer"], repaid, date(2025, 6, 1), 0, Decimal(0), Decimal(0)
    )
    app.execute(am, Settle(loan_no=repaid, settled_on=date(2025, 6, 2)))
    registers.catch_up()

    routes = {r["loan_no"]: r["disposal_route"] for r in registers.rows(NAME, "npl_loans")}
    assert routes == {sued: "debt_for_asset", revived: "revitalisation"}
    assert _summary(registers, AsOf()) == {
        "revitalisation": (1, Decimal("1000000.00"), Decimal("0.00")),
        "debt_for_asset": (1, Decimal("1000000.00"), Decimal("0.00")),
    }
    assert _summary(registers, AsOf(position=before_settling)) == {
        "collection": (1, Decimal("1000000.00"), Decimal("0.00")),
        "revitalisation": (1, Decimal("1000000.00"), Decimal("0.00")),
        "debt_for_asset": (1, Decimal("1000000.00"), Decimal("0.00")),
    }
    full = npl_summary(registers.store, registers.register(NAME), AsOf())
    assert [(s["route"], s["route_zh"], s["count"]) for s in full] == [
        ("collection", "清收", 0),
        ("litigation", "诉讼", 0),
        ("revitalisation", "盘活", 1),
        ("preservation", "保全", 0),
        ("debt_for_asset", "以资抵债", 1),
        ("written_off", "核销", 0),
    ]


def test_the_register_exports_with_chinese_headers_and_labels(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    _disburse(registers, staff["account_manager"], LOAN_NO)
    _downgrade(registers, staff, LOAN_NO, Grade.SUBSTANDARD, as_of=date(2025, 6, 30), days=95)
    registers.app.execute(
        staff["risk_manager"],
        TransferToAssetPreservation(
            loan_no=LOAN_NO, transferred_on=date(2025, 7, 10), reason="移交资产保全"
        ),
    )
    registers.catch_up()
    columns = registers.register(NAME).specs()["npl_loans"].exported()
    rows = registers.rows(NAME, "npl_loans")
    expected = [
        "借据号",
        "借款人",
        "机构",
        "产品",
        "五级分类",
        "状态",
        "贷款余额",
        "逾期天数",
        "认定不良日",
        "处置方式",
        "处置方式确定日",
        "核销日",
        "核销金额",
        "核销后收回",
        "结清/终结日",
    ]

    sheet = load_workbook(io.BytesIO(to_xlsx("不良贷款台账", columns, rows))).active
    assert sheet is not None
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header == expected
    values = dict(zip(header, row, strict=True))
    assert (values["五级分类"], values["处置方式"], values["状态"], values["贷款余额"]) == (
        "次级",
        "保全",
        "存续",
        1000000,
    )

    header, row = list(csv.reader(io.StringIO(to_csv(columns, rows).decode("utf-8-sig"))))
    assert header == expected
    assert dict(zip(header, row, strict=True))["处置方式"] == "保全"
