"""Accountability trail (责任追溯): who did what, in which role, when, on which evidence.

A loan is disbursed (investigated by its account manager, reviewed, approved by the branch
head), inspected, falls 100 days overdue, is downgraded to substandard, warned about and handed
to another account manager under supervision; its first account manager is moved to the
post-loan desk — the old duty revoked, a new one granted — and goes on collecting in that role;
the new manager objects in writing; the auditor finds the first manager mainly responsible, the
finding is appealed and upheld by another auditor. The trail lists every action with the role
held at that moment, each row resolves to its event in the log, and the responsibility view
names each person at each stage.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from openpyxl import load_workbook

from archive.application import DossierArchive
from archive.commands.responsibility import (
    AppealResponsibility,
    DecideAppeal,
    DetermineResponsibility,
    RecordObjection,
)
from archive.commands.staff import EnrolStaff, GrantRole, RevokeRole
from archive.core import SYSTEM_ID, CommandContext, CommandResult
from domain.scope import RowScope
from domain.values import (
    AppealOutcome,
    CollateralKind,
    CollectionStepKind,
    Grade,
    InspectionKind,
    ResponsibilityFinding,
    ResponsibilityStage,
    Role,
    dossier_id_for,
    loan_id_for,
)
from projections.export import to_csv, to_xlsx
from projections.query import AsOf
from projections.registers.responsibility import (
    ACTIONS,
    loan_trail,
    person_trail,
    responsibility_view,
)
from tests import steps
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers

LOAN_NO = "JJ2025011000201"
CONSOLE = CommandContext(SYSTEM_ID)
LOAN_ID = loan_id_for(LOAN_NO)
DOSSIER_ID = dossier_id_for(LOAN_ID)


def _trail(registers: Registers) -> Any:
    return registers.register("accountability_trail")


def _name(person: dict[str, Any] | None) -> str | None:
    return None if person is None else person["name"]


def _who(person: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """A person's name and the role they acted in (None when they did not act)."""
    assert person is not None
    return person["name"], person.get("role")


@pytest.fixture
def story(registers: Registers, staff: dict[str, CommandContext]) -> dict[str, Any]:
    """The narrated loan, through the application's commands; returns what they returned."""
    app = registers.app
    am, am2, plo, rm, bh, auditor = (
        staff[k]
        for k in (
            "account_manager",
            "account_manager_2",
            "post_loan_officer",
            "risk_manager",
            "branch_head",
            "auditor",
        )
    )
    done: dict[str, Any] = {}
    done["disbursed"] = app.execute(
        am,
        make_disbursement(LOAN_NO, origination_reviewer_no="reviewer", approver_no="branch_head"),
        [
            make_upload("loan_contract", "借款合同 JJ2025011000201"),
            make_upload("drawdown_receipt", "借据 人民币壹佰万元整"),
        ],
    )
    done["inspected"] = steps.inspect(
        app,
        am,
        LOAN_NO,
        InspectionKind.FIRST_FOLLOW_UP,
        date(2025, 1, 20),
        "资金按约定用途使用",
        uploads=[make_upload("first_inspection_report", "首次跟踪检查报告")],
    )
    steps.overdue(app, plo, LOAN_NO, date(2025, 4, 20), 100)
    done["proposed"] = steps.propose(
        app,
        am,
        LOAN_NO,
        Grade.SUBSTANDARD,
        date(2025, 4, 20),
        "本金逾期超过90天",
        uploads=[make_upload("classification_form", "五级分类认定表 次级")],
    )
    steps.determine(app, staff["reviewer"], LOAN_NO, done["proposed"], "认定为次级")
    steps.approve(app, rm, LOAN_NO, done["proposed"])
    raised = steps.raise_warning(app, plo, LOAN_NO, date(2025, 4, 21))
    steps.handle_warning(
        app, rm, LOAN_NO, UUID(raised.ids["signal_id"]), date(2025, 4, 25), "约谈实际控制人"
    )
    done["handed_over"] = steps.hand_over(
        app, bh, LOAN_NO, date(2025, 5, 1), "account_manager_2", "调岗"
    )
    # The first account manager moves to the post-loan desk: one duty ends, another begins.
    done["revoked"] = app.execute(
        CONSOLE,
        RevokeRole(
            staff_no="account_manager", role=Role.ACCOUNT_MANAGER, reason="调岗至贷后管理岗"
        ),
    )
    done["granted"] = app.execute(
        CONSOLE, GrantRole(staff_no="account_manager", role=Role.POST_LOAN_OFFICER)
    )
    done["called"] = steps.collect(
        app, am, LOAN_NO, CollectionStepKind.PHONE_CALL, date(2025, 5, 5), 115, "借款人称资金紧张"
    )
    done["visited"] = steps.collect(
        app,
        am2,
        LOAN_NO,
        CollectionStepKind.VISIT,
        date(2025, 5, 10),
        120,
        "上门送达催收通知书",
        uploads=[make_upload("collection_notice", "逾期催收通知书")],
        legal_adviser="周律师",
    )
    app.execute(
        am2,
        RecordObjection(
            loan_no=LOAN_NO,
            subject="移交前的贷后检查",
            text="接手时检查记录不全，移交前的责任不在本人",
        ),
    )
    determined = app.execute(
        auditor,
        DetermineResponsibility(
            loan_no=LOAN_NO,
            person_no="account_manager",
            stage=ResponsibilityStage.POST_LOAN,
            finding=ResponsibilityFinding.MAIN,
            sanction="通报批评",
            reason="首次检查未发现资金挪用",
        ),
        [make_upload("responsibility_determination", "不良贷款责任认定书")],
    )
    determination_id = UUID(determined.ids["determination_id"])
    app.execute(
        am,
        AppealResponsibility(
            loan_no=LOAN_NO, determination_id=determination_id, reason="已按规定完成首次检查"
        ),
    )
    token = app.execute(
        CONSOLE,
        EnrolStaff(staff_no="auditor_2", name="钱进", branch="总行", roles=[Role.AUDITOR]),
    ).token
    assert token is not None
    app.execute(
        CommandContext(app.authenticate(token.token)),
        DecideAppeal(
            loan_no=LOAN_NO,
            determination_id=determination_id,
            outcome=AppealOutcome.UPHELD,
            finding=None,
            reason="维持原认定",
        ),
    )
    registers.catch_up()
    return done


def _resolve(app: DossierArchive, row: dict[str, Any]) -> Any:
    """The event a trail row points at, checked against the row."""
    [note] = app.recorder.select_notifications(start=row["position"], limit=1)
    assert note.id == row["position"]
    assert (note.originator_id, note.originator_version) == (
        row["originator_id"],
        row["originator_version"],
    )
    assert note.topic.endswith("." + row["event"])
    event = app.mapper.to_domain_event(note)
    assert event.actor_id == row["actor_id"]
    assert getattr(event.role, "value", event.role) == row["role"]
    cited = getattr(event, "documents", None)
    if cited is None:
        cited = [event.document] if hasattr(event, "document") else []
    assert row["documents"] == ",".join(d.sha256 for d in cited)
    assert row["document_count"] == len(cited)
    return event


def _hashes(result: CommandResult) -> str:
    return ",".join(d.sha256 for d in result.documents)


def test_a_persons_trail_lists_every_action_with_the_role_held_then(
    registers: Registers, staff: dict[str, CommandContext], story: dict[str, Any]
) -> None:
    am = staff["account_manager"].staff_id
    rows = person_trail(registers.store, _trail(registers), am, scope=RowScope.everything())
    assert [(r["event"], r["role"]) for r in rows] == [
        ("Disbursed", "account_manager"),
        ("Opened", "account_manager"),
        ("DocumentFiled", "account_manager"),
        ("DocumentFiled", "account_manager"),
        ("InspectionRecorded", "account_manager"),
        ("DocumentFiled", "account_manager"),
        ("DocumentFiled", "account_manager"),  # the generated 公司客户贷后检查报告
        ("ClassificationProposed", "account_manager"),
        ("DocumentFiled", "account_manager"),
        ("CollectionStepTaken", "post_loan_officer"),  # after the duty changed
        ("ResponsibilityAppealed", "post_loan_officer"),
    ]
    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)
    assert {(r["actor_staff_no"], r["actor_name"]) for r in rows} == {("account_manager", "张伟")}
    for row in rows:
        _resolve(registers.app, row)

    by_event = {r["event"]: r for r in rows}
    # The documents each action cites are those its command brought.
    assert by_event["Disbursed"]["documents"] == _hashes(story["disbursed"])
    assert by_event["Disbursed"]["document_count"] == 2
    assert by_event["InspectionRecorded"]["documents"] == _hashes(story["inspected"])
    assert by_event["CollectionStepTaken"]["documents"] == ""
    filings = [r["documents"] for r in rows if r["event"] == "DocumentFiled"]
    assert filings == [
        d.sha256 for key in ("disbursed", "inspected", "proposed") for d in story[key].documents
    ]
    # Every row knows its loan, whichever aggregate (the loan, its dossier) it belongs to.
    assert {(r["loan_id"], r["loan_no"]) for r in rows} == {(LOAN_ID, LOAN_NO)}
    assert {r["aggregate"] for r in rows} == {"loan", "dossier"}
    assert by_event["InspectionRecorded"]["summary"] == "登记贷后检查 首次跟踪检查 2025-01-20"
    assert by_event["InspectionRecorded"]["business_date"] == date(2025, 1, 20)
    assert by_event["CollectionStepTaken"]["summary"] == "催收 电话催收 2025-05-05"
    assert by_event["ResponsibilityAppealed"]["subject_name"] == "张伟"

    # As of the moment before the duty changed, the trail and the staff record stood earlier.
    before = AsOf(position=story["revoked"].position - 1)
    earlier = person_trail(
        registers.store, _trail(registers), am, before, scope=RowScope.everything()
    )
    assert earlier == [r for r in rows if r["position"] <= before.position]
    assert [r["role"] for r in earlier] == ["account_manager"] * 9
    [then] = [
        s
        for s in registers.as_of("accountability_trail", "staff", position=before.position)
        if s["staff_id"] == am
    ]
    [now] = [s for s in registers.rows("accountability_trail", "staff") if s["staff_id"] == am]
    assert (then["roles"], then["roles_zh"]) == ("account_manager", "客户经理")
    assert (now["roles"], now["roles_zh"]) == ("post_loan_officer", "贷后管理岗")


def test_the_administrators_changes_name_the_person_changed(
    registers: Registers, staff: dict[str, CommandContext], story: dict[str, Any]
) -> None:
    rows = person_trail(registers.store, _trail(registers), SYSTEM_ID, scope=RowScope.everything())
    changed = [
        r for r in rows if r["position"] in (story["revoked"].position, story["granted"].position)
    ]
    assert [(r["event"], r["role"], r["subject_name"], r["summary"]) for r in changed] == [
        ("RoleRevoked", "administrator", "张伟", "撤销岗位 客户经理"),
        ("RoleGranted", "administrator", "张伟", "授予岗位 贷后管理岗"),
    ]
    assert all(r["aggregate"] == "staff" and r["loan_id"] is None for r in rows)
    for row in changed:
        _resolve(registers.app, row)


def test_a_loans_trail_covers_its_dossier_and_skips_what_no_one_did(
    registers: Registers, staff: dict[str, CommandContext], story: dict[str, Any]
) -> None:
    rows = loan_trail(registers.store, _trail(registers), LOAN_ID)
    assert {r["originator_id"] for r in rows} == {LOAN_ID, DOSSIER_ID}
    loan_events = [r["event"] for r in rows if r["aggregate"] == "loan"]
    assert loan_events == [
        "Disbursed",
        "InspectionRecorded",
        "OverdueStatusRecorded",
        "ClassificationProposed",
        "ClassificationDetermined",
        "ClassificationApproved",
        "WarningRaised",
        "WarningHandled",
        "AccountManagerHandedOver",
        "CollectionStepTaken",
        "CollectionStepTaken",
        "ObjectionRecorded",
        "ResponsibilityDetermined",
        "ResponsibilityAppealed",
        "AppealDecided",
    ]
    for row in rows:
        _resolve(registers.app, row)
    # The borrower index and the idempotency receipts are bookkeeping, not actions.
    every = registers.rows("accountability_trail", "actions")
    assert not {r["aggregate"] for r in every} & {"borrower_index", "receipt"}
    handover = next(r for r in rows if r["event"] == "AccountManagerHandedOver")
    assert (handover["actor_name"], handover["role"], handover["subject_name"]) == (
        "杨军",
        "branch_head",
        "李娜",
    )
    determined = next(r for r in rows if r["event"] == "ResponsibilityDetermined")
    assert (determined["actor_name"], determined["subject_name"], determined["summary"]) == (
        "赵敏",
        "张伟",
        "责任认定 贷后管理 主要责任",
    )


def test_the_responsibility_view_names_each_person_at_each_stage(
    registers: Registers, staff: dict[str, CommandContext], story: dict[str, Any]
) -> None:
    view = responsibility_view(registers.store, _trail(registers), LOAN_ID)
    assert (view["loan_no"], view["borrower_name"]) == (LOAN_NO, "上海示例贸易有限公司")

    origination = view["origination"]
    assert {k: _name(origination[k]) for k in ("investigator", "reviewer", "approver")} == {
        "investigator": "张伟",
        "reviewer": "王芳",
        "approver": "杨军",
    }
    assert _name(origination["account_manager"]) == "张伟"
    assert [(_name(p["person"]), p["from"], p["to"]) for p in view["account_managers"]] == [
        ("张伟", date(2025, 1, 10), date(2025, 5, 1)),
        ("李娜", date(2025, 5, 1), None),
    ]
    assert _who(view["account_managers"][1]["supervisor"]) == ("杨军", "branch_head")

    [handover] = view["handovers"]
    assert (handover["on"], _who(handover["handing"]), _who(handover["receiving"])) == (
        date(2025, 5, 1),
        ("张伟", None),
        ("李娜", None),
    )
    assert _who(handover["supervisor"]) == ("杨军", "branch_head")
    [inspection] = view["inspections"]
    assert (inspection["on"], inspection["label"]) == (date(2025, 1, 20), "首次跟踪检查")
    assert _who(inspection["inspector"]) == ("张伟", "account_manager")
    assert _who(inspection["reviewer"]) == ("王芳", None)
    proposed, determined, approved = view["classifications"]
    assert (proposed["event"], _who(proposed["proposer"]), proposed["label"]) == (
        "ClassificationProposed",
        ("张伟", "account_manager"),
        "次级",
    )
    assert (determined["event"], determined["on"], determined["text"]) == (
        "ClassificationDetermined",
        date(2025, 4, 20),
        "认定为次级",
    )
    assert _who(determined["classification_determiner"]) == ("王芳", "reviewer")
    assert _who(approved["classification_approver"]) == ("陈静", "risk_manager")
    assert _who(approved["proposer"]) == ("张伟", None)
    assert _who(approved["classification_determiner"]) == ("王芳", None)
    raised, handled = view["warnings"]
    assert (_who(raised["raiser"]), raised["on"]) == (
        ("刘洋", "post_loan_officer"),
        date(2025, 4, 21),
    )
    assert (_who(handled["handler"]), handled["text"]) == (
        ("陈静", "risk_manager"),
        "约谈实际控制人",
    )
    assert [(_who(c["collector"]), c["on"], c["label"]) for c in view["collection"]] == [
        (("张伟", "post_loan_officer"), date(2025, 5, 5), "电话催收"),
        (("李娜", "account_manager"), date(2025, 5, 10), "上门催收"),
    ]
    [objection] = view["objections"]
    assert (_who(objection["author"]), objection["subject"], objection["text"]) == (
        ("李娜", "account_manager"),
        "移交前的贷后检查",
        "接手时检查记录不全，移交前的责任不在本人",
    )
    determined, appealed, decided = view["determinations"]
    assert (_who(determined["person"]), _who(determined["auditor"])) == (
        ("张伟", None),
        ("赵敏", "auditor"),
    )
    assert (determined["stage"], determined["finding"], determined["sanction"]) == (
        "post_loan",
        "main",
        "通报批评",
    )
    assert _who(appealed["appellant"]) == ("张伟", "post_loan_officer")
    assert (_who(decided["appeal_decider"]), _name(decided["person"]), decided["outcome"]) == (
        ("钱进", "auditor"),
        "张伟",
        "upheld",
    )

    # Every entry resolves to the event it came from.
    entries = [view["origination"]] + [
        entry
        for key in (
            "handovers",
            "inspections",
            "classifications",
            "warnings",
            "collection",
            "objections",
            "determinations",
        )
        for entry in view[key]
    ]
    for entry in entries:
        [note] = registers.app.recorder.select_notifications(start=entry["position"], limit=1)
        assert note.originator_id == LOAN_ID
        assert note.topic.endswith("." + entry.get("event", "Disbursed"))

    # Per person: the stages each took part in.
    stages = {_name(p["person"]): p["stages"] for p in view["people"]}
    assert stages["张伟"] == ["investigation", "post_loan", "collection"]
    assert stages["王芳"] == ["review", "post_loan"]
    assert stages["杨军"] == ["approval", "post_loan"]


def test_the_responsibility_view_as_of_before_the_handover(
    registers: Registers, staff: dict[str, CommandContext], story: dict[str, Any]
) -> None:
    before = AsOf(position=story["handed_over"].position - 1)
    view = responsibility_view(registers.store, _trail(registers), LOAN_ID, before)
    assert [(_name(p["person"]), p["to"]) for p in view["account_managers"]] == [("张伟", None)]
    assert view["handovers"] == view["collection"] == view["determinations"] == []
    assert len(view["classifications"]) == 3  # 初分, 认定, 审批

    # The loan's current manager, as the origination table held it then and holds it now.
    [then] = registers.as_of("accountability_trail", "origination", position=before.position)
    [now] = registers.rows("accountability_trail", "origination")
    assert then["current_manager_id"] == staff["account_manager"].staff_id
    assert now["current_manager_id"] == staff["account_manager_2"].staff_id
    assert then["account_manager_id"] == now["account_manager_id"] == then["investigator_id"]


def test_the_trail_exports_with_chinese_headers_and_labels(
    registers: Registers, staff: dict[str, CommandContext], story: dict[str, Any]
) -> None:
    rows = loan_trail(registers.store, _trail(registers), LOAN_ID)
    columns = ACTIONS.exported()
    book = load_workbook(io.BytesIO(to_xlsx("责任追溯", columns, rows)))
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:6] == [
        "日志位置",
        "记录时间",
        "操作人工号",
        "操作人",
        "当时岗位",
        "对象类型",
    ]
    assert {"借据号", "摘要", "文件数", "文件哈希(SHA-256)", "涉及人员"} <= set(header)
    assert "操作人ID" not in header
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert (first["操作人"], first["当时岗位"], first["对象类型"], first["事件"]) == (
        "张伟",
        "客户经理",
        "贷款",
        "Disbursed",
    )
    text = to_csv(columns, rows).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == header
    assert len(parsed) == len(rows) + 1
    assert "贷后管理岗" in {line[header.index("当时岗位")] for line in parsed[1:]}


def test_a_collaterals_actions_belong_to_its_loan(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    loan_no = "JJ2025011000202"
    app.execute(staff["account_manager"], make_disbursement(loan_no))
    registered = steps.register_collateral(
        app,
        staff["account_manager"],
        loan_no,
        [make_upload("mortgage_contract", "抵押合同")],
        collateral_no="YP2025-0201",
        kind=CollateralKind.REAL_ESTATE,
    )
    lodged = steps.lodge_certificate(
        app,
        staff["archivist"],
        loan_no,
        "YP2025-0201",
        "他项权证 0012345",
        date(2025, 1, 12),
        ["archivist", "second_archivist"],
    )
    registers.catch_up()

    rows = loan_trail(registers.store, _trail(registers), loan_id_for(loan_no))
    collateral = [r for r in rows if r["aggregate"] == "collateral"]
    assert [(r["event"], r["actor_name"], r["role"]) for r in collateral] == [
        ("Registered", "张伟", "account_manager"),
        ("CertificateLodged", "黄丽", "archivist"),
    ]
    assert {r["loan_no"] for r in rows} == {loan_no}
    assert collateral[0]["documents"] == _hashes(registered)
    assert collateral[1]["subject_name"] == "孙悦"  # the second custodian present
    assert collateral[1]["summary"] == "权证入库 他项权证 0012345 2025-01-12"
    assert collateral[1]["originator_id"] == lodged.aggregate_id
    for row in rows:
        _resolve(app, row)
