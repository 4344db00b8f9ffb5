"""Maturity notices one month ahead (到期提示, 贷款到期通知书).

The procedures ask that loans falling due next month be listed a month ahead and the borrower
sent a notice (004-18: 提前一个月将次月到期贷款…发出提示函; 003-81: 贷款到期通知书). Under the
shipped rules (``watch.maturity_notice_months_ahead = 1``) a loan maturing on 15 July 2025 is
the account manager's ``maturity_notice`` task from 1 June, due by 30 June; recording the notice
(to whom, on which day) files the letter generated in Chinese as a ``maturity_notice`` document
of the dossier and closes the task. ``GET /maturities?month=2025-07`` lists the month's maturities
with their notice status, within the reader's data scope.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from pypdf import PdfReader

from archive.core import CommandContext
from domain.schedules import add_months
from domain.values import Role
from tests.api.conftest import Api, disburse, disburse_elsewhere
from tests.api.console_harness import CSRF, PEOPLE, Console
from tests.factories import make_disbursement, make_upload

LOAN = "MN-001"
MATURITY = "2025-07-15"


def tasks(api: Api, on: str, after: int) -> list[dict[str, Any]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind=maturity_notice")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def maturities(api: Api, who: str, month: str, after: int) -> dict[str, Any]:
    answer = api.get(who, f"/maturities?month={month}&after={after}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def notice(api: Api, who: str, loan_no: str, on: str, addressee: str = "") -> Any:
    return api.post(
        who,
        f"/loans/{loan_no}/maturity-notices",
        {"issued_on": on, "addressee": addressee or "杭州示例机械制造有限公司"},
    )


def filed_text(api: Api, loan_no: str, doc_type: str) -> list[str]:
    dossier = api.get("auditor", f"/loans/{loan_no}/dossier")
    assert dossier.status_code == 200, dossier.text
    texts = []
    for document in dossier.json()["documents"]:
        if document["doc_type"] != doc_type:
            continue
        read = api.get(
            "auditor",
            f"/loans/{loan_no}/documents/{document['sha256']}?purpose=audit&original=true",
        )
        assert read.status_code == 200, read.text
        reader = PdfReader(io.BytesIO(read.content))
        texts.append("\n".join(page.extract_text() for page in reader.pages))
    return texts


def test_a_loan_maturing_next_month_gets_its_notice_a_month_ahead(api: Api) -> None:
    """Rows 004-18, 003-81, 000-20: the notice task opens on the first day of the month before
    the maturity, due by its last day; the notice recorded names whom it went to and files the
    generated 贷款到期通知书, and the task closes."""
    booked = disburse(api, LOAN, maturity_date=MATURITY)
    after = booked["position"]
    assert tasks(api, "2025-05-31", after) == []
    [task] = tasks(api, "2025-06-02", after)
    assert (task["kind_zh"], task["subject"], task["opens_on"], task["due_on"]) == (
        "到期提示",
        MATURITY,
        "2025-06-01",
        "2025-06-30",
    )
    assert (task["owner_no"], task["rule"]) == ("AM001", "watch.maturity_notice_months_ahead = 1")
    assert tasks(api, "2025-07-01", after)[0]["overdue"] is True

    issued = notice(api, "am", LOAN, "2025-06-10")
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["events"] == ["MaturityNoticeIssued"]
    assert [d["doc_type"] for d in body["documents"]] == ["maturity_notice"]
    assert tasks(api, "2025-06-12", body["position"]) == []

    [text] = filed_text(api, LOAN, "maturity_notice")
    assert "贷款到期通知书" in text
    assert LOAN in text
    assert MATURITY in text
    assert "张伟（AM001）" in text
    [read] = api.get("am", f"/loans/{LOAN}").json()["maturity_notices"]
    assert (read["issued_on"], read["addressee"], read["maturity_date"]) == (
        "2025-06-10",
        "杭州示例机械制造有限公司",
        MATURITY,
    )
    ledger = api.get("head", f"/registers/loan_ledger?loan_no={LOAN}&after={body['position']}")
    assert ledger.json()["data"][0]["maturity_notice_on"] == "2025-06-10"


def test_the_months_maturities_list_their_notice_status_within_the_readers_scope(
    api: Api,
) -> None:
    """Rows 004-18, 003-81: the list of the month's maturities (到期贷款清单) names each loan,
    its borrower, account manager and whether the notice went out; a loan moved to another
    branch is left out for the branch's post-loan officer, shown to the account manager who
    still manages it and to a risk manager, who reads bank-wide."""
    disburse(api, LOAN, maturity_date=MATURITY)
    disburse(api, "MN-002", maturity_date="2025-07-31")
    disburse(api, "MN-003", maturity_date="2025-08-01")
    moved = disburse_elsewhere(api, "MN-004", "城西支行", maturity_date="2025-07-20")
    issued = notice(api, "am", LOAN, "2025-06-10")
    after = max(issued.json()["position"], moved["position"])

    mine = maturities(api, "officer", "2025-07", after)
    assert mine["month"] == "2025-07"
    assert [(m["loan_no"], m["maturity_date"], m["notice_issued"]) for m in mine["data"]] == [
        (LOAN, MATURITY, True),
        ("MN-002", "2025-07-31", False),
    ]
    assert mine["data"][0]["account_manager_name"] == "张伟（AM001）"
    assert (mine["count"], mine["notices_issued"], mine["filtered"]) == (2, 1, True)
    managed = maturities(api, "am", "2025-07", after)
    assert [m["loan_no"] for m in managed["data"]] == [LOAN, "MN-004", "MN-002"]
    bank = maturities(api, "risk", "2025-07", after)
    assert [m["loan_no"] for m in bank["data"]] == [LOAN, "MN-004", "MN-002"]
    assert bank["filtered"] is False

    bad = api.get("am", "/maturities?month=2025-13")
    assert bad.status_code == 422, bad.text
    assert "month" in bad.text


def test_a_notice_is_refused_after_maturity_and_to_those_who_do_not_lend(api: Api) -> None:
    """Rows 003-81, 000-20: a notice after the loan fell due, without an addressee, or by a
    role that does not manage loans is refused naming the field, and nothing is recorded; an
    extension moves the maturity and asks for a new notice."""
    disburse(api, LOAN, maturity_date=MATURITY)
    late = notice(api, "am", LOAN, "2025-07-16")
    assert late.status_code == 422, late.text
    assert "issued_on" in late.text
    blank = api.post(
        "am", f"/loans/{LOAN}/maturity-notices", {"issued_on": "2025-06-10", "addressee": " "}
    )
    assert blank.status_code == 422, blank.text
    assert "addressee" in blank.text
    refused = notice(api, "auditor", LOAN, "2025-06-10")
    assert refused.status_code == 403, refused.text
    assert api.get("am", f"/loans/{LOAN}").json()["maturity_notices"] == []
    assert filed_text(api, LOAN, "maturity_notice") == []


def test_next_months_maturities_at_the_console_and_the_notice_issued_from_them(
    console: Console,
) -> None:
    """Rows 004-18, 003-81 in the console: the account manager opens next month's maturities,
    sees the loan's notice not yet issued, issues it from the list's action (the form names
    the borrower), and the list then shows it issued."""
    archive = console.archive
    am = CommandContext(archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0]).id)
    loan_no = "DK2026000960"
    next_month = add_months(archive.today().replace(day=1), 1)
    booked = archive.disburse(
        am,
        make_disbursement(loan_no, maturity_date=next_month + timedelta(days=14)),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    console.registers.wait(["work_queue"], booked.position, 30)
    console.as_role(Role.ACCOUNT_MANAGER)
    listing = console.get("/maturities")
    assert listing.status_code == 200, listing.text
    assert next_month.strftime("%Y-%m") in listing.text
    row = listing.text.split(f">{loan_no}</a>", 1)[1].split("</tr>", 1)[0]
    assert "尚未发出" in row
    assert f"/loans/{loan_no}/maturity-notices/new" in row

    form = console.get(f"/loans/{loan_no}/maturity-notices/new")
    assert form.status_code == 200
    assert "送达对象" in form.text
    token = CSRF.search(form.text)
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', form.text)
    assert token
    assert form_id
    sent = console.post(
        f"/loans/{loan_no}/maturity-notices/new",
        {
            "csrf_token": token.group(1),
            "form_id": form_id.group(1),
            "issued_on": archive.today().isoformat(),
            "addressee": "杭州示例借款人",
        },
    )
    assert sent.status_code == 303, sent.text
    shown = console.get(sent.headers["location"]).text
    assert "已登记贷款到期通知书，通知书已归档。" in shown
    [issued] = archive.get_loan(am, loan_no).maturity_notices
    assert issued.addressee == "杭州示例借款人"
    position = archive.recorder.max_notification_id() or 0
    console.registers.wait(["work_queue"], position, 30)
    row = console.get("/maturities").text.split(f">{loan_no}</a>", 1)[1].split("</tr>", 1)[0]
    assert "已发出" in row
    assert "maturity-notices/new" not in row
