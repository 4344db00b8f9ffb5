"""五级分类台账: every approved change with proposer, approver, reasons and floor; every proposal.

A corporate loan falls 35 days overdue. Its account manager proposes 关注 with the
classification form, and the risk manager approves it (审贷分离): the register shows one change
from 正常 to 关注, who proposed it and why, who approved it and why, and the statutory floor
(关注, because the loan is overdue). The account manager then proposes to put it back to 正常
while it is still overdue; the risk manager rejects that, and the proposal shows as rejected.
At 95 days the loan is made 次级, under the 90-day floor: a second change. As of the moment
before that approval the register still shows one change and a pending proposal.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from uuid import UUID

from openpyxl import load_workbook

from archive.commands.classification import (
    RejectClassification,
)
from archive.core import CommandContext
from domain.values import Grade, loan_id_for
from projections.export import to_csv, to_xlsx
from tests import steps
from tests.factories import make_disbursement
from tests.projections.conftest import Registers

LOAN_NO = "JJ2025011000101"
NAME = "classification_register"


def _position_of(registers: Registers, auditor: CommandContext, event_type: str) -> list[int]:
    """The log positions of the loan's events of one type, in order."""
    events = registers.app.loan_events(auditor, LOAN_NO)
    return [e.position for e in events if e.type == event_type and e.position is not None]


def test_an_approved_downgrade_and_a_rejected_upgrade_read_back_with_who_why_and_floor(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, plo, rm = staff["account_manager"], staff["post_loan_officer"], staff["risk_manager"]
    app.execute(am, make_disbursement(LOAN_NO))
    loan_id = loan_id_for(LOAN_NO)

    # 35 days overdue: the account manager proposes 关注 with the classification form.
    steps.overdue(app, plo, LOAN_NO, date(2025, 3, 1), 35)
    proposed = steps.propose_special_mention(
        app, am, LOAN_NO, date(2025, 3, 1), "本金逾期 35 天，经营现金流紧张"
    )
    first_id = UUID(proposed.ids["proposal_id"])
    registers.catch_up()
    pending = registers.rows(NAME, "proposals")
    assert [(p["proposal_id"], p["status"], p["decided_by"]) for p in pending] == [
        (first_id, "awaiting_determination", None)
    ]
    assert registers.rows(NAME, "changes") == []

    # The reviewer determines it (认定), the risk manager approves it.
    steps.determine(app, staff["reviewer"], LOAN_NO, first_id, "认定为关注一级")
    registers.catch_up()
    (determined,) = registers.rows(NAME, "proposals")
    assert (determined["status"], determined["determined_by"], determined["determined_grade"]) == (
        "pending",
        staff["reviewer"].staff_id,
        "special_mention",
    )
    steps.approve(app, rm, LOAN_NO, first_id, "同意下调为关注类")
    registers.catch_up()
    auditor = staff["auditor"]
    (approved_at,) = _position_of(registers, auditor, "ClassificationApproved")
    (change,) = registers.rows(NAME, "changes")
    assert {k: v for k, v in change.items() if k != "approved_at"} == {
        "loan_id": loan_id,
        "loan_no": LOAN_NO,
        "borrower_name": "上海示例贸易有限公司",
        "branch": "营业部",
        "product": "corporate_working_capital",
        "from_grade": "normal",
        "to_grade": "special_mention",
        "sub_grade": "special_mention_1",
        "as_of": date(2025, 3, 1),
        "proposal_id": first_id,
        "proposer_id": am.staff_id,
        "proposal_reason": "本金逾期 35 天，经营现金流紧张",
        "determiner_id": staff["reviewer"].staff_id,
        "approver_id": rm.staff_id,
        "approver_role": "risk_manager",
        "approval_reason": "同意下调为关注类",
        "floor": "special_mention",
        "floor_reason": "逾期 35 天（超过 0 天）至少为关注",
        "approved_position": approved_at,
    }
    assert change["approved_at"] is not None

    # Back to 正常 while still overdue? The risk manager says no.
    upgrade = steps.propose(
        app, am, LOAN_NO, Grade.NORMAL, date(2025, 3, 10), "借款人承诺月底前结清欠款"
    )
    upgrade_id = UUID(upgrade.ids["proposal_id"])
    app.execute(
        rm,
        RejectClassification(
            loan_no=LOAN_NO, proposal_id=upgrade_id, reason="仍处于逾期状态，不符合上调条件"
        ),
    )
    registers.catch_up()
    proposals = {p["proposal_id"]: p for p in registers.rows(NAME, "proposals")}
    rejected = proposals[upgrade_id]
    assert {
        k: rejected[k]
        for k in (
            "loan_no",
            "previous_grade",
            "grade",
            "sub_grade",
            "as_of",
            "proposer_id",
            "proposer_role",
            "reason",
            "status",
            "decided_by",
            "decided_role",
            "decision_reason",
        )
    } == {
        "loan_no": LOAN_NO,
        "previous_grade": "special_mention",
        "grade": "normal",
        "sub_grade": None,
        "as_of": date(2025, 3, 10),
        "proposer_id": am.staff_id,
        "proposer_role": "account_manager",
        "reason": "借款人承诺月底前结清欠款",
        "status": "rejected",
        "decided_by": rm.staff_id,
        "decided_role": "risk_manager",
        "decision_reason": "仍处于逾期状态，不符合上调条件",
    }
    assert (proposals[first_id]["status"], proposals[first_id]["decided_by"]) == (
        "approved",
        rm.staff_id,
    )
    assert len(registers.rows(NAME, "changes")) == 1, "a rejection changes no grade"

    # 95 days overdue: made 次级 under the 90-day floor.
    steps.overdue(app, plo, LOAN_NO, date(2025, 4, 30), 95, "150000.00", "9000.00")
    down = steps.propose(
        app,
        am,
        LOAN_NO,
        Grade.SUBSTANDARD,
        date(2025, 4, 30),
        "本金逾期超过 90 天",
        sub_grade="substandard_1",
    )
    before_approval = down.position
    steps.approve(app, rm, LOAN_NO, down, "同意认定为次级类")
    registers.catch_up()
    changes = registers.rows(NAME, "changes")
    assert [(c["from_grade"], c["to_grade"], c["floor"], c["floor_reason"]) for c in changes] == [
        ("normal", "special_mention", "special_mention", "逾期 35 天（超过 0 天）至少为关注"),
        ("special_mention", "substandard", "substandard", "逾期 95 天（超过 90 天）至少为次级"),
    ]
    assert [c["approved_position"] for c in changes] == _position_of(
        registers, auditor, "ClassificationApproved"
    )
    (loan,) = registers.rows(NAME, "loans")
    assert (loan["grade"], loan["sub_grade"]) == ("substandard", "substandard_1")

    # As of the moment before the second approval: one change, the 次级 proposal pending.
    earlier = registers.as_of(NAME, "changes", position=before_approval)
    assert [c["to_grade"] for c in earlier] == ["special_mention"]
    statuses = sorted(
        (p["grade"], p["status"])
        for p in registers.as_of(NAME, "proposals", position=before_approval)
    )
    assert statuses == [
        ("normal", "rejected"),
        ("special_mention", "approved"),
        ("substandard", "awaiting_determination"),
    ]
    (loan_then,) = registers.as_of(NAME, "loans", position=before_approval)
    assert loan_then["grade"] == "special_mention"


def test_the_register_exports_with_chinese_headers_and_labels(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, plo, rm = staff["account_manager"], staff["post_loan_officer"], staff["risk_manager"]
    app.execute(am, make_disbursement(LOAN_NO))
    steps.overdue(app, plo, LOAN_NO, date(2025, 3, 1), 35, "50000.00", "0.00")
    proposed = steps.propose(app, am, LOAN_NO, Grade.SPECIAL_MENTION, date(2025, 3, 1), "本金逾期")
    steps.approve(app, rm, LOAN_NO, proposed)
    registers.catch_up()
    register = registers.register(NAME)
    specs = register.specs()

    columns = specs["changes"].exported()
    book = load_workbook(
        io.BytesIO(to_xlsx("五级分类台账", columns, registers.rows(NAME, "changes")))
    )
    sheet = book.active
    assert sheet is not None
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header == [
        "借据号",
        "借款人",
        "机构",
        "产品",
        "原分类",
        "新分类",
        "细分档次",
        "分类基准日",
        "申请人",
        "申请理由",
        "认定人",
        "审批人",
        "审批人岗位",
        "审批意见",
        "监管下限",
        "下限依据",
        "审批日志位置",
        "审批时间",
    ]
    values = dict(zip(header, row, strict=True))
    assert (values["原分类"], values["新分类"], values["监管下限"], values["产品"]) == (
        "正常",
        "关注",
        "关注",
        "公司流动资金贷款",
    )
    assert values["审批人岗位"] == "风险经理"

    text = to_csv(specs["proposals"].exported(), registers.rows(NAME, "proposals"))
    assert text.startswith("\ufeff".encode())
    header, row = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert header == [
        "借据号",
        "借款人",
        "机构",
        "产品",
        "原分类",
        "拟定分类",
        "拟定细分档次",
        "分类基准日",
        "申请人",
        "申请人岗位",
        "申请理由",
        "系统初始定级",
        "风险因子调整后",
        "风险因子调整",
        "人工调整理由",
        "申请时间",
        "状态",
        "认定人",
        "认定人岗位",
        "认定分类",
        "认定细分档次",
        "认定意见",
        "认定时间",
        "审批人",
        "审批人岗位",
        "审批意见",
        "审批时间",
    ]
    values = dict(zip(header, row, strict=True))
    assert (values["状态"], values["拟定分类"], values["申请人岗位"]) == (
        "已批准",
        "关注",
        "客户经理",
    )
