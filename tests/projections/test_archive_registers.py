"""档案目录, 借阅登记簿 and 销毁清册: the archive office's registers, fed by real commands.

A corporate loan is disbursed on 10 January 2025. The account manager hands the contract
originals over on the 13th; the archivist finds the guarantee contract missing (a defect).
After settlement the full dossier follows and joins the original contract (二次组卷); the
archivist catalogues it under J001-XD·2025-D30-XDB-0001, retention running from 2026 to 2055.
Compliance freezes it for a lawsuit and releases it a month later.

On another loan an auditor borrows the whole dossier, title certificate included (so the archive
head and the branch head approve), keeps it two days past its due date and brings the contract
back a page short; the archive head closes the borrowing with a note. A second borrowing is an
electronic copy of the contract alone; a third is rejected.

A third loan runs its course to destruction: appraised "destroy" in 2056, frozen and released,
proposed, approved by the branch head and by compliance, and executed before two supervisors
and IT. The destruction register shows the entry and the batch — and still does after every
register is rebuilt from the log; the catalogue shows the dossier as destroyed. Over HTTP the
destruction register is compliance's to read, not an account manager's.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from openpyxl import load_workbook

from archive.application import DossierArchive
from archive.commands.borrowing import (
    ApproveBorrowing,
    CheckOut,
    CloseBorrowing,
    IssueElectronicCopy,
    NoteOverdueBorrowings,
    RejectBorrowing,
    ReturnBorrowing,
)
from archive.core import CommandContext
from domain.values import (
    BorrowingForm,
    BorrowingPurpose,
    HoldKind,
    TransferKind,
    dossier_id_for,
    loan_id_for,
)
from projections.export import to_xlsx
from projections.registers import all_registers
from tests import steps
from tests.api import conftest as api_fixtures
from tests.api import test_disposition_over_http as over_http
from tests.api.conftest import Api
from tests.api.test_custody_over_http import compliance
from tests.archive import test_disposition as destruction
from tests.archive.test_custody import ITEMS, settle
from tests.archive.test_disposition import LOAN_NO as DESTROYED_LOAN
from tests.archive.test_disposition import approved_batch, execute, prepare
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers

CATALOGUE, CIRCULATION, DESTRUCTION = (
    "archive_catalogue",
    "circulation_register",
    "destruction_register",
)
LOAN_NO = "JJ2025011000081"
BORROWED = "JJ2025011000082"
BORROWER = "上海示例贸易有限公司"
BRANCH = "营业部"
REFERENCE_CODE = "J001-XD·2025-D30-XDB-0001"
DAY = date(2025, 6, 2)
Staff = dict[str, CommandContext]

# Fixtures of other test modules, used here as they are.
api = api_fixtures.api
clocked = destruction.clocked
people = destruction.people


def _sheet(name: str, registers: Registers, table: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The table exported to XLSX and read back: its header, and each row by header."""
    columns = registers.register(name).specs()[table].exported()
    book = load_workbook(io.BytesIO(to_xlsx(name, columns, registers.rows(name, table))))
    sheet = book.active
    assert sheet is not None
    header, *rows = (list(r) for r in sheet.iter_rows(values_only=True))
    names = [str(h) for h in header]
    return names, [dict(zip(names, row, strict=True)) for row in rows]


def _one(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    (found,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return found


# ------------------------------------------------------------------------ 档案目录
def test_the_catalogue_follows_a_dossier_from_transfer_to_cataloguing_and_holds(
    registers: Registers, staff: Staff
) -> None:
    app = registers.app
    am, archivist, cp = staff["account_manager"], staff["archivist"], staff["compliance"]
    dossier_id = dossier_id_for(loan_id_for(LOAN_NO))
    app.execute(am, make_disbursement(LOAN_NO), [make_upload("loan_contract")])
    registers.catch_up()
    (opened,) = registers.rows(CATALOGUE, "dossiers")
    assert (opened["loan_no"], opened["borrower_name"], opened["branch"], opened["status"]) == (
        LOAN_NO,
        BORROWER,
        BRANCH,
        "opened",
    )

    # 合同原件 handed over on Monday the 13th; the guarantee contract is missing.
    listed = steps.list_transfer(
        app, am, LOAN_NO, ITEMS, date(2025, 1, 13), signed_on=date(2025, 1, 10)
    )
    originals_id = UUID(listed.ids["transfer_id"])
    assert listed.ids["transfer_no"] == "移交〔2025〕第0001号"
    checks = [*steps.present(6), steps.missing(2, "保证合同未随附")]
    received = steps.receive_transfer(
        app, archivist, LOAN_NO, originals_id, checks, date(2025, 1, 14)
    )
    # Settled, then the full dossier (整卷) comes in and is matched with the originals.
    settle(app, staff, LOAN_NO)
    full = steps.list_transfer(app, am, LOAN_NO, ITEMS, date(2025, 7, 2), kind=TransferKind.FULL)
    full_id = UUID(full.ids["transfer_id"])
    assert full.ids["transfer_no"] == "移交〔2025〕第0002号"  # the year's next number
    full_received = steps.receive_transfer(
        app, archivist, LOAN_NO, full_id, steps.present(6, 4), date(2025, 7, 3)
    )
    catalogued = steps.catalogue(app, archivist, LOAN_NO, "2-03-05-2", date(2025, 7, 4))
    assert catalogued.ids["reference_code"] == REFERENCE_CODE
    hold = steps.place_hold(
        app, cp, LOAN_NO, HoldKind.LITIGATION, "借款人涉诉", "(2025)沪0115民初1号", date(2025, 8, 1)
    )
    hold_id = UUID(hold.ids["hold_id"])
    released = steps.release_hold(app, cp, LOAN_NO, hold_id, "已结案", date(2025, 9, 1))
    registers.catch_up()

    assert registers.rows(CATALOGUE, "dossiers") == [
        {
            "dossier_id": dossier_id,
            "loan_id": loan_id_for(LOAN_NO),
            "loan_no": LOAN_NO,
            "borrower_name": BORROWER,
            "branch": BRANCH,
            "reference_code": REFERENCE_CODE,
            "shelf_location": "2-03-05-2",
            "retention": "D30",
            "retention_starts_on": date(2026, 1, 1),
            "retention_ends_on": date(2055, 12, 31),
            "extended_to": None,
            "catalogued_on": date(2025, 7, 4),
            "catalogued_by": archivist.staff_id,
            "originals_received_on": date(2025, 1, 14),
            "full_received_on": date(2025, 7, 3),
            "matched": True,
            "matched_items": 1,  # the loan contract; the guarantee contract was missing then
            "open_defects": 1,
            "open_holds": 0,
            "under_appraisal": False,
            "appraisal_opinion": None,
            "appraised_on": None,
            "destroyed": False,
            "destruction_batch_id": None,
            "destroyed_on": None,
            "status": "catalogued",
        }
    ]
    transfers = registers.rows(CATALOGUE, "transfers")
    assert _one(transfers, transfer_id=originals_id) == {
        "transfer_id": originals_id,
        "transfer_no": "移交〔2025〕第0001号",
        "dossier_id": dossier_id,
        "loan_no": LOAN_NO,
        "kind": "originals",
        "listed_on": date(2025, 1, 13),
        "listed_by": am.staff_id,
        "due_on": date(2025, 1, 15),  # three working days after Friday the 10th
        "late": False,
        "items": 2,
        "pages": 10,
        "received_on": date(2025, 1, 14),
        "received_by": archivist.staff_id,
        "defects": 1,
        "defect_detail": "第2项 缺失（保证合同未随附）",
        "matched_items": 0,
    }
    full_row = _one(transfers, transfer_id=full_id)
    assert (full_row["kind"], full_row["due_on"], full_row["defects"]) == ("full", None, 0)
    assert full_row["matched_items"] == 1
    assert full_row["transfer_no"] == "移交〔2025〕第0002号"
    assert registers.rows(CATALOGUE, "holds") == [
        {
            "hold_id": hold_id,
            "dossier_id": dossier_id,
            "loan_no": LOAN_NO,
            "kind": "litigation",
            "reason": "借款人涉诉",
            "reference": "(2025)沪0115民初1号",
            "placed_on": date(2025, 8, 1),
            "placed_by": cp.staff_id,
            "released_on": date(2025, 9, 1),
            "released_by": cp.staff_id,
            "release_reason": "已结案",
        }
    ]

    # As the catalogue stood: after the originals' receipt, a received dossier with an open
    # defect and no code; right before cataloguing, matched but still without a code; while
    # frozen, one open hold; and the hold unreleased as the hold register stood then.
    (first,) = registers.as_of(CATALOGUE, "dossiers", position=received.position)
    assert (
        first["status"],
        first["originals_received_on"],
        first["open_defects"],
        first["matched"],
        first["reference_code"],
    ) == ("received", date(2025, 1, 14), 1, False, None)
    (before,) = registers.as_of(CATALOGUE, "dossiers", position=full_received.position)
    assert (before["matched"], before["reference_code"], before["retention"]) == (True, None, None)
    (after,) = registers.as_of(CATALOGUE, "dossiers", position=catalogued.position)
    assert (after["reference_code"], after["retention_ends_on"], after["status"]) == (
        REFERENCE_CODE,
        date(2055, 12, 31),
        "catalogued",
    )
    (frozen,) = registers.as_of(CATALOGUE, "dossiers", position=hold.position)
    assert frozen["open_holds"] == 1
    (then,) = registers.as_of(CATALOGUE, "holds", position=hold.position)
    assert registers.as_of(CATALOGUE, "holds", position=released.position)[0]["released_on"]
    assert (then["released_on"], then["released_by"]) == (None, None)

    # The catalogue exported, with its Chinese headers and labels.
    header, rows = _sheet(CATALOGUE, registers, "dossiers")
    assert header[:10] == [
        "借据号",
        "借款人",
        "机构",
        "档号",
        "存放位置",
        "保管期限",
        "保管起算日",
        "保管期满日",
        "延长保管至",
        "编目日期",
    ]
    assert "已二次组卷" in header
    assert "档案ID" not in header
    (values,) = rows
    assert (values["档号"], values["保管期限"], values["已二次组卷"], values["状态"]) == (
        REFERENCE_CODE,
        "30年",
        "是",
        "已编目",
    )


# --------------------------------------------------------------------- 借阅登记簿
def test_the_circulation_register_records_each_borrowing_from_request_to_closing(
    registers: Registers, staff: Staff
) -> None:
    app = registers.app
    auditor, head, branch_head = staff["auditor"], staff["archive_head"], staff["branch_head"]
    archivist, second = staff["archivist"], staff["second_archivist"]
    app.execute(
        staff["account_manager"],
        make_disbursement(BORROWED),
        [
            make_upload(
                "loan_contract",
                "借款合同 JJ2025011000082",
                filename="借款合同-JJ2025011000082.pdf",
                pages=3,
            ),
            make_upload("registration_certificate", "抵押登记证明 JJ2025011000082"),
        ],
    )
    dossier = app.get_dossier(auditor, BORROWED)
    pages = {d.ref.sha256: d.ref.pages or 0 for d in dossier.documents}
    (contract,) = [d.ref.sha256 for d in dossier.documents if d.ref.doc_type == "loan_contract"]

    # The whole dossier, originals, for an audit: the title certificate is tier 1, so the
    # archive head and the branch head both approve.
    audit = steps.request_borrowing(
        app,
        auditor,
        BORROWED,
        BorrowingPurpose.AUDIT,
        "年度审计抽查原件",
        DAY,
        due_on=DAY + timedelta(days=1),
    )
    audit_id = audit.aggregate_id
    app.execute(head, ApproveBorrowing(borrowing_id=audit_id, archivist_no="archivist"))
    app.execute(branch_head, ApproveBorrowing(borrowing_id=audit_id))
    out = app.execute(archivist, CheckOut(borrowing_id=audit_id, checked_out_on=DAY, pages=pages))
    noted = app.execute(
        staff["post_loan_officer"], NoteOverdueBorrowings(on=DAY + timedelta(days=3))
    )
    assert noted is not None
    short = {sha: n - 1 if sha == contract else n for sha, n in pages.items()}
    back = app.execute(
        second,
        ReturnBorrowing(borrowing_id=audit_id, returned_on=DAY + timedelta(days=3), pages=short),
    )
    app.execute(
        head,
        CloseBorrowing(
            borrowing_id=audit_id, closed_on=DAY + timedelta(days=4), reason="缺页已追回"
        ),
    )

    # An electronic copy of the contract alone; and a request that is rejected.
    copy_id = steps.request_borrowing(
        app,
        auditor,
        BORROWED,
        BorrowingPurpose.LITIGATION,
        "诉讼取证",
        DAY,
        form=BorrowingForm.ELECTRONIC_COPY,
        due_on=DAY + timedelta(days=7),
        documents=[contract],
    ).aggregate_id
    app.execute(head, ApproveBorrowing(borrowing_id=copy_id))
    copy = app.execute(archivist, IssueElectronicCopy(borrowing_id=copy_id, issued_on=DAY))
    rejected_id = steps.request_borrowing(
        app, staff["account_manager"], BORROWED, BorrowingPurpose.BUSINESS, "查阅合同条款", DAY
    ).aggregate_id
    app.execute(head, RejectBorrowing(borrowing_id=rejected_id, reason="可申请电子副本"))
    registers.catch_up()

    rows = {r["borrowing_id"]: r for r in registers.rows(CIRCULATION, "borrowings")}
    assert set(rows) == {audit_id, copy_id, rejected_id}
    returned = rows[audit_id]
    approved_at = {
        k: returned.pop(k) for k in ("archive_head_approved_at", "branch_head_approved_at")
    }
    assert all(isinstance(at, datetime) for at in approved_at.values())
    assert returned == {
        "borrowing_id": audit_id,
        "dossier_id": dossier.id,
        "borrow_no": audit.ids["borrow_no"],
        "loan_no": BORROWED,
        "borrower_name": BORROWER,
        "reference_code": None,  # not catalogued
        "requested_by": auditor.staff_id,
        "requester_role": "auditor",
        "purpose": "audit",
        "reason": "年度审计抽查原件",
        "scope": "dossier",
        "items": 2,
        "tier_one": True,
        "form": "original",
        "requested_on": DAY,
        "due_on": DAY + timedelta(days=1),
        "required_approvals": "archive_head,branch_head",
        "archive_head_approved_by": head.staff_id,
        "branch_head_approved_by": branch_head.staff_id,
        "rejected": False,
        "rejected_by": None,
        "reject_reason": None,
        "checked_out_on": DAY,
        "checked_out_by": archivist.staff_id,
        "pages_out": 4,
        "returned_on": DAY + timedelta(days=3),
        "returned_to": second.staff_id,
        "pages_in": 3,
        "page_mismatch": True,
        # The document short is named by its title, as filed, not by its hash.
        "mismatch_detail": "借款合同-JJ2025011000082：借出3页，归还2页",
        "escalated": True,
        "escalated_to": "archive_head",
        "copy_issued_on": None,
        "copy_issued_by": None,
        "copy_sha256": None,
        "copy_expires_on": None,
        "overdue_noted_on": DAY + timedelta(days=3),
        "days_overdue": 2,
        "closed_on": DAY + timedelta(days=4),
        "closed_by": head.staff_id,
        "close_reason": "缺页已追回",
        "status": "closed",
    }
    issued = rows[copy_id]
    assert (
        issued["scope"],
        issued["items"],
        issued["tier_one"],
        issued["form"],
        issued["required_approvals"],
        issued["archive_head_approved_by"],
        issued["branch_head_approved_by"],
        issued["copy_issued_on"],
        issued["copy_issued_by"],
        issued["copy_sha256"],
        issued["copy_expires_on"],
        issued["checked_out_on"],
        issued["status"],
    ) == (
        "documents",
        1,
        False,
        "electronic_copy",
        "",
        head.staff_id,
        None,
        DAY,
        archivist.staff_id,
        copy.sha256,
        DAY + timedelta(days=7),
        None,
        "copy_issued",
    )
    refused = rows[rejected_id]
    assert (
        refused["rejected"],
        refused["rejected_by"],
        refused["reject_reason"],
        refused["status"],
    ) == (True, head.staff_id, "可申请电子副本", "rejected")

    # As it stood when handed out: out, nothing back, no mismatch; right after the return:
    # back three pages of four, the shortfall recorded and escalated, not yet closed.
    then = _one(
        registers.as_of(CIRCULATION, "borrowings", position=out.position),
        borrow_no=audit.ids["borrow_no"],
    )
    assert (then["status"], then["returned_on"], then["page_mismatch"], then["pages_out"]) == (
        "checked_out",
        None,
        False,
        4,
    )
    assert then["branch_head_approved_by"] == branch_head.staff_id
    later = _one(
        registers.as_of(CIRCULATION, "borrowings", position=back.position),
        borrowing_id=audit_id,
    )
    assert (later["status"], later["pages_in"], later["page_mismatch"], later["closed_on"]) == (
        "returned",
        3,
        True,
        None,
    )

    header, exported = _sheet(CIRCULATION, registers, "borrowings")
    assert header[:6] == ["借阅单号", "借据号", "借款人", "档号", "借阅人", "借阅人岗位"]
    (values,) = [r for r in exported if r["借阅单号"] == audit.ids["borrow_no"]]
    assert (values["借阅目的"], values["借阅形式"], values["页数不符"], values["状态"]) == (
        "审计",
        "原件",
        "是",
        "已结案",
    )


# ----------------------------------------------------------------------- 销毁清册
def test_a_destroyed_dossier_stays_in_the_destruction_register_and_catalogue_after_rebuild(
    registers: Registers, clocked: DossierArchive, people: Staff
) -> None:
    app = clocked
    facts = prepare(app, people)
    dossier_id = facts["dossier_id"]
    hold = steps.place_hold(
        app,
        people["compliance"],
        DESTROYED_LOAN,
        HoldKind.AUDIT,
        "专项审计",
        "审计通知书 2056-1",
        date(2056, 1, 20),
    )
    steps.release_hold(
        app, people["compliance"], DESTROYED_LOAN, hold, "审计结束", date(2056, 1, 25)
    )
    batch_id = approved_batch(app, people)
    approved = app.recorder.max_notification_id()
    assert approved is not None
    execute(app, people, batch_id)
    registers.catch_up()

    (proposed,) = app.destruction_batch(batch_id).entries
    shared = {
        "batch_no": "销毁〔2056〕第0001号",
        "proposed_on": date(2056, 2, 1),
        "proposed_by": people["archive_head"].staff_id,
        "approved_on": date(2056, 2, 2),
        "approved_by": people["branch_head"].staff_id,
        "compliance_approved_on": date(2056, 2, 3),
        "compliance_approved_by": people["compliance"].staff_id,
        "executed_on": date(2056, 3, 1),
        "executed_by": people["archivist"].staff_id,
        "supervisors": f"{people['auditor'].staff_id},{people['second_archivist'].staff_id}",
        "it_supervisor": people["it"].staff_id,
        "method": "电子文件密钥销毁并删除；纸质档案碎纸",
        "completed": True,
        "retained_blobs": 0,
        "status": "completed",
    }
    entry = {
        "batch_id": batch_id,
        "dossier_id": dossier_id,
        "reference_code": proposed["reference_code"],
        "title": f"{BORROWER} 借据 {DESTROYED_LOAN} 贷款档案",
        "years": "2025",
        "retention": "D30",
        "pages": proposed["pages"],
        "opinion": "已无保存价值，建议销毁",
        "documents_destroyed": len(facts["shas"]),
        **shared,
    }
    assert registers.rows(DESTRUCTION, "entries") == [entry]
    assert proposed["reference_code"].startswith("J001-XD·2025-D30-")
    assert registers.rows(DESTRUCTION, "batches") == [
        {
            "batch_id": batch_id,
            "dossiers": 1,
            "pages": proposed["pages"],
            "dossier_ids": str(dossier_id),
            **shared,
        }
    ]
    # As it stood before execution: approved twice, not executed.
    (before,) = registers.as_of(DESTRUCTION, "entries", position=approved)
    assert (
        before["status"],
        before["compliance_approved_by"],
        before["executed_on"],
        before["supervisors"],
        before["documents_destroyed"],
        before["completed"],
    ) == ("compliance_approved", people["compliance"].staff_id, None, None, None, False)

    def catalogued() -> dict[str, Any]:
        (row,) = registers.rows(CATALOGUE, "dossiers")
        return row

    destroyed = catalogued()
    assert (
        destroyed["reference_code"],
        destroyed["appraisal_opinion"],
        destroyed["appraised_on"],
        destroyed["open_holds"],
        destroyed["destroyed"],
        destroyed["destruction_batch_id"],
        destroyed["destroyed_on"],
        destroyed["status"],
    ) == (
        proposed["reference_code"],
        "destroy",
        date(2056, 1, 10),
        0,
        True,
        batch_id,
        date(2056, 3, 1),
        "destroyed",
    )
    (before_catalogue,) = registers.as_of(CATALOGUE, "dossiers", position=approved)
    assert (before_catalogue["destroyed"], before_catalogue["status"]) == (False, "catalogued")

    # Every register rebuilt from the log: the entry, the batch and the catalogue's record of
    # the destruction are all there again, history included.
    names = [r.name for r in all_registers()]
    live = {name: registers.snapshot(name) for name in (CATALOGUE, CIRCULATION, DESTRUCTION)}
    registers.follower.rebuild(names)
    assert {name: registers.snapshot(name) for name in live} == live
    assert registers.rows(DESTRUCTION, "entries") == [entry]
    assert catalogued()["destroyed"] is True

    header, rows = _sheet(DESTRUCTION, registers, "entries")
    assert header[:9] == [
        "销毁批次",
        "销毁批次编号",
        "档号",
        "案卷题名",
        "年度",
        "保管期限",
        "页数",
        "鉴定意见",
        "销毁文件数",
    ]
    assert {"监销人", "信息技术监销人", "销毁方式", "批准人（行长）", "合规审批人"} <= set(header)
    (values,) = rows
    assert values["销毁批次编号"] == "销毁〔2056〕第0001号"
    assert (values["销毁批次"], values["保管期限"], values["销毁日期"].date(), values["状态"]) == (
        str(batch_id),
        "30年",
        date(2056, 3, 1),
        "已完成",
    )


def test_the_destruction_register_over_http_is_read_by_compliance_not_an_account_manager(
    api: Api,
) -> None:
    compliance(api)
    over_http.prepare(api)
    proposed = api.post(
        "archhead",
        "/destruction-batches",
        {"loan_nos": [over_http.LOAN], "proposed_on": "2056-02-01"},
    )
    assert proposed.status_code == 201, proposed.text
    batch = proposed.json()["ids"]["batch_id"]
    approval = {"approved_on": "2056-02-02"}
    assert api.post("head", f"/destruction-batches/{batch}/approve", approval).status_code == 201
    assert (
        api.post("compliance", f"/destruction-batches/{batch}/compliance-approve", approval)
    ).status_code == 201
    done = api.post(
        "archivist",
        f"/destruction-batches/{batch}/execute",
        {"supervisor_nos": ["AU001", "AR002"], "it_supervisor_no": "ADM01", "method": "碎纸"},
    )
    assert done.status_code == 201, done.text
    position = api.counts()[0]

    shown = api.get("compliance", f"/registers/destruction_register?after={position}")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["title_zh"], body["total"]) == ("销毁清册", 1)
    (row,) = body["data"]
    assert (row["batch_id"], row["status"], row["completed"], row["method"]) == (
        batch,
        "completed",
        True,
        "碎纸",
    )
    code = {"name": "reference_code", "zh": "档号", "en": "reference code", "filter": True}
    assert code in body["columns"]
    refused = api.get("am", "/registers/destruction_register")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "role_not_permitted"
    # Who borrowed what is the archive office's and its checkers' to read, not the credit side's.
    for name in ("circulation_register", "destruction_register"):
        assert api.get("auditor", f"/registers/{name}").status_code == 200
        assert api.get("am", f"/registers/{name}").status_code == 403
    assert api.get("am", "/registers/archive_catalogue").status_code == 200
