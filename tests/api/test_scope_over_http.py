"""Data scope over HTTP (docs/rules.md SCP-01 to SCP-08), tried as staff of different branches
would: each reaches the loans of their branch and their own customers, and no further.

The bank of these tests: 城东支行 (the staff of tests/api/conftest.py, with its loan), 营业部 and
城西支行 (an account manager and a branch head each, with a loan each), and the head office's
risk managers, archivists, archive head, compliance and auditors, who reach the whole bank. The
three incidents that opened this capability are refused, one test each, and change nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from archive.commands.lifecycle import Settle
from archive.core import CommandContext
from domain.values import AppraisalOpinion, TransferKind
from tests import steps
from tests.api.conftest import DISBURSEMENT, Api, answered, pdf
from tests.api.test_custody_over_http import ITEMS, compliance

EAST, BUSINESS, WEST = "城东支行", "营业部", "城西支行"
LOAN_EAST, LOAN_YY, LOAN_XC = "DK-EAST-0001", "DK-YYB-0001", "DK-WEST-0001"
PEOPLE = {
    "yy_am": ("YY002", "林海燕", "account_manager", BUSINESS),
    "yy_head": ("YY001", "周建国", "branch_head", BUSINESS),
    "xc_am": ("XC002", "徐佳怡", "account_manager", WEST),
    "xc_head": ("XC001", "何振华", "branch_head", WEST),
}
"""Besides the 城东支行 crew of conftest: two people of 营业部 and two of 城西支行."""
TODAY = datetime.now(UTC).date()
"""Everyone holds their roles from their enrolment, today: the days whose readers are asked for
come after it, on an archive clock set 60 days ahead."""


def day(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def refused_out_of_scope(api: Api, answer: Any, before: tuple[int, int, int]) -> dict[str, Any]:
    """A 403 ``out_of_scope`` naming the scope in Chinese and English, and nothing recorded."""
    assert answer.status_code == 403, answer.text
    body: dict[str, Any] = answer.json()
    assert body["error"] == "out_of_scope", body
    assert "数据权限范围" in body["detail"]["zh"], body
    assert "outside your data scope" in body["detail"]["en"], body
    assert body["context"]["scope_zh"] in body["detail"]["zh"]
    assert api.counts() == before, "a refusal records nothing and stores nothing"
    return body


def disburse_as(api: Api, who: str, loan_no: str, branch: str) -> dict[str, Any]:
    contract = pdf(f"loan contract {loan_no} of {branch} signed")
    answer = api.upload(
        who,
        "/loans",
        {**DISBURSEMENT, "loan_no": loan_no, "branch": branch},
        [
            ("loan_contract", (f"借款合同-{loan_no}.pdf", contract, "application/pdf")),
            (
                "drawdown_receipt",
                (f"借据-{loan_no}.pdf", pdf(f"receipt {loan_no}"), "application/pdf"),
            ),
        ],
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
def bank(api: Api) -> dict[str, dict[str, Any]]:
    """The people of 营业部 and 城西支行 enrolled, and one loan in each of the three branches."""
    for who, (staff_no, name, role, branch) in PEOPLE.items():
        answer = api.post(
            "admin",
            "/staff",
            {"staff_no": staff_no, "name": name, "branch": branch, "roles": [role]},
        )
        assert answer.status_code == 201, answer.text
        api.headers[who] = {"Authorization": f"Bearer {answer.json()['token']}"}
    compliance(api)
    api.archive.clock = lambda: datetime.now(UTC) + timedelta(days=60)
    return {
        LOAN_EAST: disburse_as(api, "am", LOAN_EAST, EAST),
        LOAN_YY: disburse_as(api, "yy_am", LOAN_YY, BUSINESS),
        LOAN_XC: disburse_as(api, "xc_am", LOAN_XC, WEST),
    }


def inspection(reviewer: str = "RV001") -> dict[str, Any]:
    return {
        "kind": "routine",
        "inspected_on": "2025-04-01",
        "reviewer_no": reviewer,
        "findings": "经营正常",
        **answered("corporate"),
    }


# ------------------------------------------------------------------ the three incidents
def test_an_account_manager_of_chengdong_may_not_record_an_inspection_on_a_yingyebu_loan(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    before = api.counts()
    answer = api.upload(
        "am",
        f"/loans/{LOAN_YY}/inspections",
        inspection(),
        [("inspection_report", ("贷后检查报告.pdf", pdf("report"), "application/pdf"))],
    )
    body = refused_out_of_scope(api, answer, before)
    assert body["context"]["loan_no"] == LOAN_YY
    assert body["context"]["branch"] == BUSINESS
    assert body["context"]["mode"] == "act"
    assert "本人管户贷款" in body["detail"]["zh"]
    assert "manages" in body["detail"]["en"]
    # Its own account manager records it.
    done = api.upload(
        "yy_am",
        f"/loans/{LOAN_YY}/inspections",
        inspection(),
        [("inspection_report", ("贷后检查报告.pdf", pdf("report"), "application/pdf"))],
    )
    assert done.status_code == 201, done.text


def test_staff_of_other_branches_may_not_download_a_chengxi_borrowers_contract(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    contract = next(d for d in bank[LOAN_XC]["documents"] if d["doc_type"] == "loan_contract")
    path = f"/loans/{LOAN_XC}/documents/{contract['sha256']}"
    for who in ("am", "officer", "reviewer", "head", "yy_am", "yy_head"):
        before = api.counts()
        answer = api.get(who, path, params={"purpose": "business"})
        body = refused_out_of_scope(api, answer, before)
        assert body["context"]["mode"] == "read", who
    reads = list(api.get("auditor", f"/loans/{LOAN_XC}/dossier/events").json()["data"])
    assert not [e for e in reads if e["type"] == "DocumentRead"], "no read was recorded"
    for who in ("xc_am", "xc_head", "auditor", "risk"):
        copy = api.get(who, path, params={"purpose": "business"})
        assert copy.status_code == 200, f"{who}: {copy.text}"


def settled_and_appraised(api: Api, loan_no: str, am: str) -> None:
    """The loan repaid and settled by its account manager, its dossier transferred, catalogued
    and appraised for destruction by the (bank-wide) archive office, retention over."""
    archive = api.archive
    who = {n: CommandContext(archive.staff(n).id) for n in (am, "AR001", "AH001")}
    steps.repay(archive, who[am], loan_no, date(2025, 6, 30), "1000000.00", Decimal(0))
    archive.execute(who[am], Settle(loan_no=loan_no, settled_on=date(2025, 6, 30)))
    listed = steps.list_transfer(
        archive, who[am], loan_no, ITEMS, date(2025, 7, 2), kind=TransferKind.FULL
    )
    steps.receive_transfer(
        archive, who["AR001"], loan_no, listed, steps.present(6, 4), date(2025, 7, 3)
    )
    steps.catalogue(archive, who["AR001"], loan_no, "3-01", date(2025, 7, 4))
    archive.clock = lambda: datetime(2056, 3, 1, 9, tzinfo=UTC)
    opened = steps.open_appraisal(
        archive, who["AH001"], loan_no, date(2056, 1, 5), ["AR002", "AU001"]
    )
    steps.decide_appraisal(
        archive,
        who["AH001"],
        loan_no,
        opened,
        AppraisalOpinion.DESTROY,
        "已无保存价值",
        date(2056, 1, 10),
    )


def test_the_yingyebu_branch_head_may_not_approve_destroying_a_chengxi_dossier(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    settled_and_appraised(api, LOAN_XC, "XC002")
    proposed = api.post(
        "archhead", "/destruction-batches", {"loan_nos": [LOAN_XC], "proposed_on": "2056-02-01"}
    )
    assert proposed.status_code == 201, proposed.text
    batch = proposed.json()["ids"]["batch_id"]
    approve = f"/destruction-batches/{batch}/approve"
    before = api.counts()
    body = refused_out_of_scope(
        api, api.post("yy_head", approve, {"approved_on": "2056-02-02"}), before
    )
    assert body["context"]["loan_no"] == LOAN_XC
    assert "本机构及下辖机构（营业部）" in body["detail"]["zh"]
    shown = api.get("yy_head", f"/destruction-batches/{batch}")
    assert shown.status_code == 403, "the batch is not shown to a head it does not concern"
    assert api.post("xc_head", approve, {"approved_on": "2056-02-02"}).status_code == 201


# ------------------------------------------------------------------ reads across loans
def rows(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return sorted(r["loan_no"] for r in answer.json()["data"])


def test_listings_and_exports_hold_only_the_loans_in_scope_and_say_so(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    after = max(b["position"] for b in bank.values())
    everything = [LOAN_EAST, LOAN_XC, LOAN_YY]
    seen = {
        who: api.get(who, f"/registers/loan_ledger?after={after}")
        for who in ("am", "yy_head", "xc_am", "auditor", "risk")
    }
    assert rows(seen["am"]) == [LOAN_EAST]
    assert rows(seen["yy_head"]) == [LOAN_YY]
    assert rows(seen["xc_am"]) == [LOAN_XC]
    assert rows(seen["auditor"]) == rows(seen["risk"]) == everything
    assert seen["am"].json()["filtered"] is True
    assert seen["am"].json()["total"] == 1
    assert "城东支行" in seen["am"].json()["scope"]["zh"]
    assert seen["am"].headers["X-Dossier-Filtered"] == "true"
    assert seen["auditor"].json()["filtered"] is False
    assert seen["auditor"].headers["X-Dossier-Filtered"] == "false"
    # Asking for another branch by filter finds nothing more.
    assert rows(api.get("am", f"/registers/loan_ledger?branch={WEST}")) == []

    exported = api.get("yy_head", "/registers/loan_ledger?format=csv")
    assert exported.status_code == 200
    assert exported.headers["X-Dossier-Filtered"] == "true"
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r for r in table[1:] if r]
    assert all(LOAN_YY in r for r in table[1:] if r)
    workbook = load_workbook(
        io.BytesIO(api.get("xc_am", "/registers/loan_ledger?format=xlsx").content)
    )
    cells = [c.value for row in workbook.active.iter_rows() for c in row]
    assert LOAN_XC in cells
    assert LOAN_EAST not in cells
    assert LOAN_YY not in cells

    listed = api.get("am", "/loans")
    assert [x["loan_no"] for x in listed.json()["data"]] == [LOAN_EAST]
    assert (listed.json()["count"], listed.json()["filtered"]) == (1, True)
    assert api.get("auditor", "/loans").json()["count"] == 3
    # Every register listing the account manager reads holds their branch's loans only.
    for name in ("completeness", "archive_catalogue", "document_search", "scope_register"):
        found = api.get("am", f"/registers/{name}?after={after}")
        assert {r["loan_no"] for r in found.json()["data"]} <= {LOAN_EAST}, name
        assert found.json()["filtered"] is True, name


def test_a_search_finds_nothing_out_of_scope(api: Api, bank: dict[str, dict[str, Any]]) -> None:
    api.archive.wait_for_text_extraction()
    after = api.archive.recorder.max_notification_id()
    search = f"/registers/document_search/search?q=loan contract&after={after}"
    assert rows(api.get("auditor", search)) == [LOAN_EAST, LOAN_XC, LOAN_YY]
    found = api.get("am", search)
    assert rows(found) == [LOAN_EAST]
    assert found.json()["filtered"] is True
    assert found.headers["X-Dossier-Filtered"] == "true"
    assert rows(api.get("yy_am", f"/registers/document_search/search?q={LOAN_XC}")) == []


def test_tasks_reports_and_trails_are_held_to_the_readers_scope(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    after = max(b["position"] for b in bank.values())
    on = "on=2025-04-01"
    mine = api.get("yy_am", f"/tasks/mine?{on}&after={after}").json()
    assert {t["loan_no"] for t in mine["data"]} == {LOAN_YY}
    everyone = api.get("yy_head", f"/tasks?{on}&after={after}").json()
    # The loans' tasks, and the tasks of their borrower as a key customer (MON), of its unit.
    assert {t["loan_no"] for t in everyone["data"] if t["loan_no"]} == {LOAN_YY}
    assert {t["branch"] for t in everyone["data"]} == {BUSINESS}
    assert everyone["filtered"] is True
    all_tasks = api.get("auditor", f"/tasks?{on}&after={after}").json()
    assert {t["loan_no"] for t in all_tasks["data"] if t["loan_no"]} == {
        LOAN_EAST,
        LOAN_YY,
        LOAN_XC,
    }
    assert {t["branch"] for t in all_tasks["data"]} == {EAST, BUSINESS, WEST}
    assert all_tasks["filtered"] is False
    refused_out_of_scope(api, api.get("yy_head", f"/tasks?branch={WEST}"), api.counts())

    report = api.get("yy_head", f"/reports/compliance?{on}").json()
    assert report["summary"]["loans"] == 1
    assert report["filtered"] is True
    assert "营业部" in report["data_scope"]["zh"]
    assert api.get("auditor", f"/reports/compliance?{on}").json()["summary"]["loans"] == 3
    before = api.counts()
    refused_out_of_scope(api, api.get("yy_head", f"/reports/compliance?{on}&branch={WEST}"), before)
    issue = {"purpose": "检查", "format": "pdf", "on": "2025-04-01", "branch": WEST}
    refused_out_of_scope(api, api.post("yy_head", "/reports/compliance", issue), before)

    trail = f"/registers/accountability_trail/loans/{LOAN_XC}?after={after}"
    refused_out_of_scope(api, api.get("yy_head", trail), before)
    assert api.get("xc_head", trail).status_code == 200
    person = api.get("yy_head", f"/registers/accountability_trail/people/XC002?after={after}")
    assert person.json()["data"] == []
    assert person.json()["filtered"] is True


def test_an_audit_bundle_and_a_fixity_check_are_held_to_the_scope_too(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    before = api.counts()
    refused_out_of_scope(
        api, api.post("yy_am", f"/loans/{LOAN_XC}/dossier/borrowings", borrow()), before
    )
    assert api.post("xc_am", f"/loans/{LOAN_XC}/dossier/borrowings", borrow()).status_code == 201


def borrow() -> dict[str, Any]:
    return {
        "purpose": "business",
        "form": "electronic_copy",
        "reason": "续贷审查",
        "requested_on": "2025-04-01",
    }


# ------------------------------------------------------------------ moves and readers
def test_a_loan_moved_to_another_branch_is_reached_from_there_and_readers_follow_the_days(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    move = {"branch": EAST, "moved_on": day(20), "reason": "借款人迁入城东"}
    before = api.counts()
    refused_out_of_scope(api, api.post("xc_head", f"/loans/{LOAN_XC}/moves", move), before)
    assert api.post("am", f"/loans/{LOAN_XC}/moves", move).status_code == 403  # no role
    moved = api.post("risk", f"/loans/{LOAN_XC}/moves", move)
    assert moved.status_code == 201, moved.text
    position = moved.json()["position"]

    assert rows(api.get("am", f"/registers/loan_ledger?after={position}")) == [LOAN_EAST, LOAN_XC]
    assert rows(api.get("xc_head", f"/registers/loan_ledger?after={position}")) == []
    assert api.get("xc_am", f"/loans/{LOAN_XC}").status_code == 200, "still its A岗"
    assert api.get("xc_head", f"/loans/{LOAN_XC}").status_code == 403

    def readers(on: str) -> set[str]:
        answer = api.get("auditor", f"/loans/{LOAN_XC}/readers", params={"on": on})
        assert answer.status_code == 200, answer.text
        return {r["staff_no"] for r in answer.json()["data"]}

    april, may = readers(day(10)), readers(day(30))
    bank_wide = {"RM001", "RM002", "AR001", "AR002", "AH001", "AU001", "CP001"}
    assert april == bank_wide | {"XC002", "XC001"}
    assert may == bank_wide | {"XC002", "AM001", "AM002", "RV001", "PL001", "BH001"}
    why = api.get("auditor", f"/loans/{LOAN_XC}/readers", params={"on": day(30)}).json()
    assert why["branch"] == EAST
    by_no = {r["staff_no"]: r for r in why["data"]}
    assert by_no["XC002"]["why_zh"] == "客户经理：本人管户（A岗）"
    assert by_no["BH001"]["reach"] == "branch_and_below"
    assert by_no["AU001"]["display"] == "黄敏（AU001）"
    assert readers("2025-02-01") == set(), "before its value date the loan was no one's to read"
    assert api.get("am", f"/loans/{LOAN_XC}/readers", params={"on": day(30)}).status_code == 403


def test_account_managers_a_and_b_are_assigned_by_the_branch_head_of_the_loan(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    assign = {
        "a_manager_no": "AM001",
        "b_manager_no": "AM002",
        "assigned_on": "2025-04-01",
        "reason": "双人管户",
    }
    before = api.counts()
    refused_out_of_scope(
        api, api.post("yy_head", f"/loans/{LOAN_EAST}/account-managers", assign), before
    )
    other = {**assign, "b_manager_no": "YY002"}
    refused_out_of_scope(
        api, api.post("head", f"/loans/{LOAN_EAST}/account-managers", other), before
    )
    assert api.post("head", f"/loans/{LOAN_EAST}/account-managers", assign).status_code == 201
    done = api.upload(  # the B岗 now acts on the loan
        "am2",
        f"/loans/{LOAN_EAST}/inspections",
        inspection(),
        [("inspection_report", ("贷后检查报告.pdf", pdf("report"), "application/pdf"))],
    )
    assert done.status_code == 201, done.text
    loan = api.get("am", f"/loans/{LOAN_EAST}").json()
    assert loan["b_manager_id"] == str(api.archive.staff("AM002").id)


def test_a_person_moved_to_another_branch_reads_there_from_then_on(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    move = {"branch": WEST, "moved_on": day(20), "reason": "轮岗"}
    assert api.post("head", "/staff/RV001/transfers", move).status_code == 403
    unknown = api.post("admin", "/staff/RV001/transfers", {**move, "branch": "火星支行"})
    assert unknown.status_code == 422
    assert unknown.json()["error"] == "unknown_branch"
    assert api.get("reviewer", f"/loans/{LOAN_XC}").status_code == 403
    moved = api.post("admin", "/staff/RV001/transfers", move)
    assert moved.status_code == 201, moved.text
    assert api.get("reviewer", f"/loans/{LOAN_XC}").status_code == 200
    assert api.get("reviewer", f"/loans/{LOAN_EAST}").status_code == 403
    readers = api.get("auditor", f"/loans/{LOAN_EAST}/readers", params={"on": day(19)})
    assert "RV001" in {r["staff_no"] for r in readers.json()["data"]}
    readers = api.get("auditor", f"/loans/{LOAN_EAST}/readers", params={"on": day(20)})
    assert "RV001" not in {r["staff_no"] for r in readers.json()["data"]}


def test_a_loan_booked_in_a_branch_beyond_ones_reach_or_unknown_is_refused(
    api: Api, bank: dict[str, dict[str, Any]]
) -> None:
    before = api.counts()
    body = {**DISBURSEMENT, "loan_no": "DK-ELSEWHERE", "branch": WEST}
    answer = api.upload(
        "am",
        "/loans",
        body,
        [("loan_contract", ("借款合同.pdf", pdf("contract elsewhere"), "application/pdf"))],
    )
    refused_out_of_scope(api, answer, before)
    answer = api.upload(
        "am",
        "/loans",
        {**body, "branch": "火星支行"},
        [("loan_contract", ("借款合同.pdf", pdf("contract mars"), "application/pdf"))],
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "unknown_branch"
    assert api.counts() == before
