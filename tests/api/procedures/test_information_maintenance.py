"""Borrower information maintenance after disbursement (贷款信息维护).

A corporate loan rated AA disbursed on Saturday 1 March 2025 by 张伟 (AM001). The borrower
moves and changes its phone: the account manager records both from 1 April with the evidence;
the post-loan officer records a new repayment account. On 20 April the risk manager downgrades
the borrower to BBB with the new rating form: the routine inspection, quarterly under AA
(``inspections.months_high_rating = 3``), becomes monthly (``months_other_rating = 1``), and
falls due at once instead of on 10 June — in the work queue and in the loan ledger alike.
"""

from __future__ import annotations

import re
from typing import Any

from archive.core import CommandContext
from domain.values import Role
from tests.api.conftest import Api, answered, disburse, pdf
from tests.api.console_harness import CSRF, PEOPLE, Console
from tests.factories import make_disbursement, make_upload

LOAN = "IM-001"


def change(
    api: Api, who: str, on: str, changes: dict[str, str], files: list[str] = (), **extra: Any
) -> Any:
    body = {
        "changed_on": on,
        "changes": [{"field": f, "value": v} for f, v in changes.items()],
        "reason": "借款人告知并提供证明材料",
        **extra,
    }
    if not files:
        return api.post(who, f"/loans/{LOAN}/information-changes", body)
    uploads = [(t, (f"{t}.pdf", pdf(f"{t} {on}"), "application/pdf")) for t in files]
    return api.upload(who, f"/loans/{LOAN}/information-changes", body, uploads)


def inspected(api: Api, on: str, countersigned_on: str, kind: str = "first_follow_up") -> int:
    """An inspection by the account manager, countersigned by 李娜 (RV001)."""
    checklist = api.get("am", f"/loans/{LOAN}/inspection-checklist?kind={kind}").json()
    answers = answered(checklist["code"]) if checklist["applies"] else {}
    recorded = api.post(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": kind,
            "inspected_on": on,
            "reviewer_no": "RV001",
            "findings": "企业经营正常",
            **answers,
        },
    )
    assert recorded.status_code == 201, recorded.text
    signed = api.post(
        "reviewer",
        f"/loans/{LOAN}/inspections/{recorded.json()['ids']['inspection_id']}/countersign",
        {"opinion": "同意", "countersigned_on": countersigned_on},
    )
    assert signed.status_code == 201, signed.text
    position: int = signed.json()["position"]
    return position


def routine_due(api: Api, on: str, after: int) -> tuple[list[str], str | None, str]:
    """The routine inspection's due date in the work queue, and the ledger's, and its rating."""
    tasks = api.get("head", f"/tasks?on={on}&after={after}&kind=routine_inspection")
    assert tasks.status_code == 200, tasks.text
    row = api.get("head", f"/registers/loan_ledger?loan_no={LOAN}&after={after}").json()["data"][0]
    return (
        [t["due_on"] for t in tasks.json()["data"] if t["loan_no"] == LOAN],
        row["next_inspection_due"],
        row["borrower_rating"],
    )


def test_the_borrower_information_changes_with_its_evidence(api: Api) -> None:
    """Rows 002-82, 003-53, 002-95, 002-44: the borrower's address and phone change from a
    date, recorded by the account manager with the evidence; the repayment account by the
    post-loan officer; the loan read shows the information now and every change, old → new."""
    disburse(api, LOAN, borrower_rating="AA")
    moved = change(
        api,
        "am",
        "2025-04-01",
        {"address": "杭州市西湖区文三路 100 号", "phone": "0571-88880000"},
        files=["change_evidence"],
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["events"] == ["BorrowerInformationChanged"]
    assert [d["doc_type"] for d in moved.json()["documents"]] == ["change_evidence"]
    account = change(api, "officer", "2025-04-05", {"repayment_account": "6222020200112233"})
    assert account.status_code == 201, account.text
    again = change(api, "am", "2025-04-06", {"address": "杭州市滨江区江南大道 1 号"})
    assert again.status_code == 201, again.text

    loan = api.get("am", f"/loans/{LOAN}").json()
    assert loan["borrower_information"] == {
        "address": "杭州市滨江区江南大道 1 号",
        "phone": "0571-88880000",
        "repayment_account": "6222020200112233",
        "rating": "AA",
    }
    history = loan["information_changes"]
    assert [(h["changed_on"], h["changes"]) for h in history] == [
        (
            "2025-04-01",
            [
                {"field": "address", "old": None, "new": "杭州市西湖区文三路 100 号"},
                {"field": "phone", "old": None, "new": "0571-88880000"},
            ],
        ),
        ("2025-04-05", [{"field": "repayment_account", "old": None, "new": "6222020200112233"}]),
        (
            "2025-04-06",
            [
                {
                    "field": "address",
                    "old": "杭州市西湖区文三路 100 号",
                    "new": "杭州市滨江区江南大道 1 号",
                }
            ],
        ),
    ]
    assert history[0]["reason"] == "借款人告知并提供证明材料"


def test_employment_income_marriage_assets_and_disputes_change(api: Api) -> None:
    """Rows 002-85, 002-108: the borrower's employer, income (元), marital status, assets and
    its involvement in disputes or litigation change as one act."""
    disburse(api, LOAN)
    answer = change(
        api,
        "officer",
        "2025-05-01",
        {
            "employer": "杭州示例集团有限公司",
            "income": "360000.00",
            "marital_status": "married",
            "assets": "新增厂房一处（约 800 万元）",
            "litigation": "涉买卖合同纠纷一起，标的 50 万元，一审审理中",
        },
    )
    assert answer.status_code == 201, answer.text
    info = api.get("am", f"/loans/{LOAN}").json()["borrower_information"]
    assert (info["income"], info["marital_status"], info["rating"]) == ("360000.00", "married", "A")
    assert info["litigation"].startswith("涉买卖合同纠纷")


def test_a_downgrade_brings_the_next_inspection_forward(api: Api) -> None:
    """Rows 002-82, 003-53: a change of rating is the risk manager's, with the new rating form;
    the schedule is re-derived from the change's effective date under the rules in force: an
    AA borrower (every 3 months) downgraded to BBB (every month) has its next inspection due
    on the change's date rather than three months after the last inspection, in the work queue
    and the loan ledger; an upgrade takes effect from the inspection after."""
    disburse(api, LOAN, borrower_rating="AA")
    after = inspected(api, "2025-03-10", "2025-03-12")
    assert routine_due(api, "2025-04-15", after) == (["2025-06-10"], "2025-06-10", "AA")

    downgraded = change(api, "risk", "2025-04-20", {"rating": "bbb"}, files=["rating_form"])
    assert downgraded.status_code == 201, downgraded.text
    after = downgraded.json()["position"]
    assert routine_due(api, "2025-04-20", after) == (["2025-04-20"], "2025-04-20", "BBB")
    loan = api.get("am", f"/loans/{LOAN}").json()
    assert loan["borrower_rating"] == "BBB"
    assert loan["information_changes"][-1]["changes"] == [
        {"field": "rating", "old": "AA", "new": "BBB"}
    ]

    # Back to AA before the next inspection: the inspection already due stays due; the
    # quarterly interval runs from the inspection after.
    upgraded = change(api, "risk", "2025-04-25", {"rating": "AA"}, files=["rating_form"])
    assert upgraded.status_code == 201, upgraded.text
    after = upgraded.json()["position"]
    assert routine_due(api, "2025-04-25", after) == (["2025-04-20"], "2025-04-20", "AA")
    after = inspected(api, "2025-04-28", "2025-04-29", kind="routine")
    assert routine_due(api, "2025-04-29", after) == (["2025-07-28"], "2025-07-28", "AA")


def test_bad_changes_are_refused_and_nothing_is_recorded(api: Api) -> None:
    """Row 002-82: only the risk manager changes the rating, and only with the rating form; an
    account manager who is no risk manager is refused; a field given twice, a value unchanged,
    an income that is no amount, an unknown marital status, a date before the value date or in
    the future: each refused, naming the field, in Chinese and English."""
    disburse(api, LOAN)
    before = api.counts()
    by_am = change(api, "am", "2025-04-01", {"rating": "BBB"}, files=["rating_form"])
    assert by_am.status_code == 403, by_am.text
    assert "change_borrower_rating" in by_am.json()["detail"]["en"]
    no_form = change(api, "risk", "2025-04-01", {"rating": "BBB"})
    assert no_form.status_code == 422, no_form.text
    assert no_form.json()["context"]["field"] == "documents"
    assert "信用等级评定表" in no_form.json()["detail"]["zh"]
    by_auditor = change(api, "auditor", "2025-04-01", {"phone": "13800000000"})
    assert by_auditor.status_code == 403, by_auditor.text
    cases = [
        ({"rating": "A"}, "changes.rating"),
        ({"income": "abc"}, "changes.income"),
        ({"marital_status": "complicated"}, "changes.marital_status"),
        ({"phone": "call me"}, "changes.phone"),
        ({"repayment_account": "1"}, "changes.repayment_account"),
    ]
    for changes, field in cases:
        files = ["rating_form"] if "rating" in changes else []
        refused = change(api, "risk", "2025-04-01", changes, files=files)
        assert refused.status_code == 422, (changes, refused.text)
        assert refused.json()["context"]["field"] == field, refused.text
    twice = api.post(
        "am",
        f"/loans/{LOAN}/information-changes",
        {
            "changed_on": "2025-04-01",
            "changes": [{"field": "phone", "value": "13800000000"}] * 2,
            "reason": "重复",
        },
    )
    assert twice.status_code == 422, twice.text
    early = change(api, "am", "2025-02-01", {"phone": "13800000000"})
    assert early.status_code == 422, early.text
    assert early.json()["context"]["field"] == "changed_on"
    future = change(api, "am", "2999-01-01", {"phone": "13800000000"})
    assert future.status_code == 422, future.text
    unknown = change(api, "am", "2025-04-01", {"shoe_size": "42"})
    assert unknown.status_code == 422, unknown.text
    none = api.post(
        "am",
        f"/loans/{LOAN}/information-changes",
        {"changed_on": "2025-04-01", "changes": [], "reason": "无"},
    )
    assert none.status_code == 422, none.text
    assert api.counts() == before


def test_the_account_manager_changes_the_information_at_the_console(console: Console) -> None:
    """Rows 002-82, 002-95 in the console: the loan page shows the borrower's information and
    offers the account manager the form; what she changes — only what differs — is recorded
    and heads the history; the auditor is offered no form and is refused it."""
    am = CommandContext(console.archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0]).id)
    loan_no = "DK2026000950"
    console.archive.disburse(
        am,
        make_disbursement(loan_no),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    path = f"/loans/{loan_no}/information/new"
    console.as_role(Role.AUDITOR)
    page = console.get(f"/loans/{loan_no}").text
    assert "借款人信息" in page
    assert path not in page
    assert console.get(path).status_code == 403

    console.as_role(Role.ACCOUNT_MANAGER)
    assert path in console.get(f"/loans/{loan_no}").text
    form = console.get(path)
    assert form.status_code == 200, form.text
    for label in ("变更借款人信息", "生效日期", "联系电话", "婚姻状况", "变更原因"):
        assert label in form.text, label
    token = CSRF.search(form.text)
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', form.text)
    assert token
    assert form_id
    today = console.archive.today().isoformat()
    sent = console.client.post(
        path,
        data={
            "csrf_token": token.group(1),
            "form_id": form_id.group(1),
            "changed_on": today,
            "phone": "13900001111",
            "marital_status": "married",
            "rating": "A",  # as it was: not a change
            "reason": "客户来行更新资料",
        },
        files=[("none", ("", b"", "application/pdf"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    shown = console.get(sent.headers["location"]).text
    assert "借款人信息已变更。" in shown
    history = shown.split('data-testid="information-changes"', 1)[-1].split("</table>", 1)[0]
    assert "联系电话：— → 13900001111" in history
    assert "婚姻状况：— → 已婚" in history
    assert "信用等级" not in history
    loan = console.archive.get_loan(am, loan_no)
    assert loan.borrower_information["phone"] == "13900001111"
