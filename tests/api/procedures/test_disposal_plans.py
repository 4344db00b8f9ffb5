"""Disposal plans (不良/特殊资产处置方案): submitted, decided by the branch head, carried out.

A corporate loan of 城东支行 secured by a mortgage. While it performs, the account manager
submits an early recall (提前收回), which the branch head approves and whose result is recorded;
an auction, or a write-off, of a performing loan is refused. Once 95 days overdue and downgraded
to 次级, the risk manager (资产保全) submits the auction of the collateral (拍卖抵押物), the
branch head approves it and the account manager records what the auction recovered with its
confirmation; a transfer of the claim (债权转让) is refused by the branch head, and its result
cannot be recorded; a suit against the guarantor (诉讼) is approved and its judgment recorded as
its result; the running and sale of foreclosed assets (抵债资产) is approved; a write-off project
(核销项目) is submitted and approved. The loan's read
lists every plan with its decision and result, and the accountability trail names who decided each. Through the HTTP API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

from tests.api.conftest import Api, disburse, pdf

LOAN = "DK2025000590"
PLANS = f"/loans/{LOAN}/disposal-plans"
CJK = re.compile(r"[\u4e00-\u9fff]")


def submit(api: Api, who: str, method: str, on: str, **extra: Any) -> Any:
    return api.post(who, PLANS, {"method": method, "submitted_on": on, "plan": "处置方案", **extra})


def decide(api: Api, plan_id: str, on: str, approved: bool = True) -> None:
    answer = api.post(
        "head",
        f"{PLANS}/{plan_id}/decision",
        {"decided_on": on, "approved": approved, "opinion": "同意" if approved else "不同意"},
    )
    assert answer.status_code == 201, answer.text


def submitted(answer: Any) -> str:
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ids"]["plan_id"])


def refused(api: Api, answer: Any, before: tuple[int, int, int], status: int) -> None:
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert CJK.search(detail["zh"]), detail
    assert re.search(r"[a-z]", detail["en"]), detail
    assert api.counts() == before, "a refusal records nothing"


def downgrade(api: Api, loan_no: str = LOAN) -> None:
    """95 days overdue on 1 September 2025, 次级 by 初分 → 认定 → 审批."""
    overdue = api.post(
        "officer",
        f"/loans/{loan_no}/overdue-status",
        {
            "as_of": "2025-09-01",
            "days_overdue": 95,
            "overdue_principal": "10000.00",
            "overdue_interest": "0.00",
        },
    )
    assert overdue.status_code == 201, overdue.text
    base = f"/loans/{loan_no}/classifications"
    proposed = api.post(
        "am",
        base,
        {
            "grade": "substandard",
            "sub_grade": "substandard_1",
            "reason": "逾期95天",
            "as_of": "2025-09-01",
        },
    )
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["ids"]["proposal_id"]
    grade = {"grade": "substandard", "sub_grade": "substandard_1", "reason": "逾期95天"}
    for who, step, body in (
        ("reviewer", "determine", grade),
        ("risk", "approve", {"reason": "同意"}),
    ):
        answer = api.post(who, f"{base}/{proposal}/{step}", body)
        assert answer.status_code == 201, answer.text


def test_plans_are_submitted_approved_or_refused_by_the_branch_head_and_carried_out(
    api: Api,
) -> None:
    """Rows 000-71, 000-72, 000-73, 000-75, 002-15, 002-72, 002-85, 003-55, 003-63."""
    disburse(api, LOAN, guarantee_type="mortgage")

    # A performing loan: recalled early, never auctioned nor written off.
    recall = submitted(
        submit(api, "am", "early_recall", "2025-06-02", expected_recovery="1000000.00")
    )
    before = api.counts()
    refused(api, submit(api, "am", "auction", "2025-06-02"), before, 409)
    refused(api, submit(api, "am", "write_off", "2025-06-02"), before, 409)
    refused(api, submit(api, "head", "early_recall", "2025-06-02"), before, 403)
    decide(api, recall, "2025-06-03")
    answer = api.post(
        "am",
        f"{PLANS}/{recall}/result",
        {"executed_on": "2025-06-10", "recovered": "200000.00", "result": "借款人提前归还部分本金"},
    )
    assert answer.status_code == 201, answer.text

    downgrade(api)
    auction = submitted(submit(api, "risk", "auction", "2025-09-05", expected_recovery="800000.00"))
    decide(api, auction, "2025-09-08")
    confirmation = [
        ("other", ("拍卖成交确认书.pdf", pdf("auction confirmation"), "application/pdf"))
    ]
    answer = api.upload(
        "am",
        f"{PLANS}/{auction}/result",
        {"executed_on": "2025-11-20", "recovered": "760000.00", "result": "抵押房产拍卖成交"},
        confirmation,
    )
    assert answer.status_code == 201, answer.text

    transfer = submitted(submit(api, "am", "transfer", "2025-09-10"))
    before = api.counts()
    refused(
        api,
        api.post(
            "head",
            f"{PLANS}/{transfer}/decision",
            {"decided_on": "2025-09-09", "approved": False, "opinion": "不同意"},
        ),
        before,
        422,
    )
    decide(api, transfer, "2025-09-12", approved=False)
    before = api.counts()
    refused(
        api,
        api.post(
            "am",
            f"{PLANS}/{transfer}/result",
            {"executed_on": "2025-09-20", "recovered": "0", "result": "转让"},
        ),
        before,
        409,
    )
    refused(
        api,
        api.post(
            "head",
            f"{PLANS}/{transfer}/decision",
            {"decided_on": "2025-09-13", "approved": True, "opinion": "同意"},
        ),
        before,
        409,
    )
    litigation = submitted(submit(api, "risk", "litigation", "2025-09-15", plan="起诉保证人"))
    decide(api, litigation, "2025-09-16")
    judgment = [("judgment", ("民事判决书.pdf", pdf("civil judgment"), "application/pdf"))]
    answer = api.upload(
        "risk",
        f"{PLANS}/{litigation}/result",
        {"executed_on": "2025-11-10", "recovered": "0", "result": "胜诉，判决保证人承担连带责任"},
        judgment,
    )
    assert answer.status_code == 201, answer.text
    foreclosed = submitted(submit(api, "risk", "foreclosed_asset", "2025-11-21"))
    decide(api, foreclosed, "2025-11-22")
    write_off = submitted(submit(api, "officer", "write_off", "2025-11-25"))
    decide(api, write_off, "2025-11-28")

    plans = api.get("am", f"/loans/{LOAN}").json()["disposal_plans"]
    assert [(p["method_zh"], p["approved"], p["recovered"], p["result"]) for p in plans] == [
        ("提前收回", True, "200000.00", "借款人提前归还部分本金"),
        ("拍卖抵押物", True, "760000.00", "抵押房产拍卖成交"),
        ("债权转让", False, None, None),
        ("诉讼", True, "0.00", "胜诉，判决保证人承担连带责任"),
        ("抵债资产经营处置", True, None, None),
        ("核销", True, None, None),
    ]
    assert plans[1]["expected_recovery"] == "800000.00"
    # 催收成效: recovered in per cent of expected, per plan and over the loan's plans carried out.
    assert [p["recovery_rate"] for p in plans] == ["20.00", "95.00", None, None, None, None]
    assert api.get("am", f"/loans/{LOAN}").json()["disposal_recovery_rate"] == "53.33"
    assert plans[1]["decided_on"] == "2025-09-08"
    after = api.archive.recorder.max_notification_id()
    trail = api.get(
        "auditor",
        f"/registers/accountability_trail/parts?loan_no={LOAN}&part=disposal_approver"
        f"&after={after}&limit=100",
    )
    assert trail.status_code == 200, trail.text
    decided = [(r["name"], r["label"]) for r in trail.json()["data"]]
    assert ("赵刚", "不予批准") in decided
    assert len(decided) == 6, "every decision, by name, in the accountability trail"
    events = api.get("head", f"/loans/{LOAN}/events").json()
    kinds = [e["type"] for e in (events["data"] if isinstance(events, dict) else events)]
    assert kinds.count("DisposalResultRecorded") == 3
