"""The three zones of customers (三大区间) and the plan for each (一户一策).

The account manager classifies a corporate customer (disbursed 1 March 2025) as 限制 on 1 April
with its plan — measures, target, the person responsible, a deadline — which a 限制 zone cannot
go without; a risk manager who proposed cannot approve it (审批分离), the branch head does. The
三大区间台账 lists the customer with its zone, plan and next review, a quarter on
(``review_months = 3`` of 限制); the review is the responsible person's task from a month
before. The review records the progress and the assessment (还款能力、经营状况、市场环境) and
proposes 坚决退出, approved in turn: reviewed monthly from then.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from archive.core import CommandContext
from domain.values import Role
from tests.api.conftest import Api, disburse
from tests.api.console_harness import CSRF, PEOPLE, Console
from tests.api.test_scope_over_http import refused_out_of_scope
from tests.factories import make_disbursement, make_upload

LOAN = "ZN-001"
PLAN = {
    "measures": "压降授信敞口，追加抵押担保，按月监测现金流",
    "target": "一年内压降授信50%",
    "responsible_no": "AM001",
    "deadline": "2026-03-31",
}


def propose(api: Api, who: str, **fields: Any) -> Any:
    body = {"zone": "restricted", "reason": "销售收入连续下滑", "proposed_on": "2025-04-01"}
    return api.post(who, f"/loans/{LOAN}/zones", {**body, **PLAN, **fields})


def tasks(api: Api, who: str, kind: str, on: str, after: int) -> list[dict[str, Any]]:
    answer = api.get(who, "/tasks", params={"kind": kind, "on": on, "after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def register(api: Api, after: int) -> dict[str, Any]:
    answer = api.get(
        "auditor", "/registers/zone_register", params={"loan_no": LOAN, "after": after}
    )
    assert answer.status_code == 200, answer.text
    [row] = answer.json()["data"]
    found: dict[str, Any] = row
    return found


def test_a_customer_classified_with_its_plan_is_approved_then_reviewed_on_schedule(
    api: Api,
) -> None:
    """Rows 004-02, 004-12, 004-14, 004-28, 002-62, 000-47, 003-54, 002-27, 003-07, 003-53,
    000-24, 002-03, 002-30, 004-06, 003-59, 002-29, 000-15, 003-58: the account manager proposes 限制 with its plan; the branch head approves it (a proposer never
    does); the register (三大区间台账) holds the customer's zone, plan, person responsible and next
    review; the quarterly review falls due as the person responsible's task; the review records
    progress, repayment capacity, operations and market, and moves the customer to 坚决退出,
    approved in turn and reviewed monthly from then."""
    disburse(api, LOAN)
    granted = api.post("admin", "/staff/AM001/roles", {"role": "branch_head"})
    assert granted.status_code == 201, granted.text

    # The account manager, a branch head as well, proposes: she may not approve her proposal.
    own = propose(api, "am")
    assert own.status_code == 201, own.text
    mine = own.json()["ids"]["proposal_id"]
    refused = api.post(
        "am",
        f"/loans/{LOAN}/zones/{mine}/approve",
        {"approved_on": "2025-04-02", "opinion": "同意"},
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "segregation_of_duties"
    assert "提出人不得审批" in refused.json()["detail"]["zh"]
    [waiting] = tasks(api, "head", "zone_approval", "2025-04-02", own.json()["position"])
    assert (waiting["kind_zh"], waiting["owner_role"]) == ("客户区间审批", "branch_head")
    rejected = api.post(
        "head",
        f"/loans/{LOAN}/zones/{mine}/reject",
        {"rejected_on": "2025-04-02", "reason": "由管户客户经理提出"},
    )
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["events"] == ["ZoneRejected"]

    proposed = propose(api, "am")
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["events"] == ["ZoneProposed"]
    proposal = proposed.json()["ids"]["proposal_id"]
    am_cannot = api.post(
        "am",
        f"/loans/{LOAN}/zones/{proposal}/approve",
        {"approved_on": "2025-04-03", "opinion": "同意"},
    )
    assert am_cannot.status_code == 403, am_cannot.text
    approved = api.post(
        "head",
        f"/loans/{LOAN}/zones/{proposal}/approve",
        {"approved_on": "2025-04-03", "opinion": "同意，按方案压降"},
    )
    assert approved.status_code == 201, approved.text
    assert approved.json()["events"] == ["ZoneApproved"]
    after = approved.json()["position"]

    row = register(api, after)
    assert (row["zone"], row["zone_zh"], row["band"]) == ("restricted", "限制", "限制")
    assert (row["measures"], row["target"], row["deadline"]) == (
        PLAN["measures"],
        PLAN["target"],
        PLAN["deadline"],
    )
    assert row["responsible_id_name"] == "张伟（AM001）"
    assert row["approved_by_name"] == "赵刚（BH001）"
    assert (row["since"], row["last_reviewed_on"], row["next_review_due"]) == (
        "2025-04-03",
        "2025-04-03",
        "2025-07-03",
    )
    assert row["pending_zone"] is None
    loan = api.get("am", f"/loans/{LOAN}").json()
    assert loan["zone"]["zone"] == "restricted"
    assert loan["zone"]["plan"]["target"] == PLAN["target"]

    # The quarterly review: open a month before it falls due, the responsible person's.
    assert tasks(api, "am", "zone_review", "2025-05-20", after) == []
    [due] = tasks(api, "am", "zone_review", "2025-06-10", after)
    assert (due["kind_zh"], due["opens_on"], due["due_on"], due["owner_no"]) == (
        "客户区间定期评估",
        "2025-06-03",
        "2025-07-03",
        "AM001",
    )
    assert due["rule"] == "zones.restricted.review_months = 3"
    assert due["overdue"] is False
    assert tasks(api, "am", "zone_review", "2025-07-05", after)[0]["overdue"] is True

    # The review records progress and assessment, and proposes 坚决退出 with its plan.
    reviewed = api.post(
        "am",
        f"/loans/{LOAN}/zone-reviews",
        {
            "reviewed_on": "2025-07-05",
            "progress": "授信已压降20%，抵押未落实",
            "repayment_capacity": "经营现金流不足以覆盖本息",
            "operations": "订单减少，存货积压",
            "market": "行业产能过剩",
            "zone": "exit",
            "reason": "压降未达预期，经营持续恶化",
            **PLAN,
            "measures": "制定退出计划，分期收回贷款，落实追加担保",
            "target": "2026年3月末前全部退出",
        },
    )
    assert reviewed.status_code == 201, reviewed.text
    assert reviewed.json()["events"] == ["ZoneReviewed", "ZoneProposed"]
    moving = reviewed.json()["ids"]["proposal_id"]
    # The review done, the next is a quarter on (the zone stays 限制 until the move is approved).
    position = reviewed.json()["position"]
    assert tasks(api, "am", "zone_review", "2025-07-06", position) == []
    [next_one] = tasks(api, "am", "zone_review", "2025-09-10", position)
    assert next_one["due_on"] == "2025-10-05"
    row = register(api, reviewed.json()["position"])
    assert (row["zone"], row["pending_zone"], row["reviews"]) == ("restricted", "exit", 1)
    assert row["last_progress"] == "授信已压降20%，抵押未落实"

    moved = api.post(
        "risk",
        f"/loans/{LOAN}/zones/{moving}/approve",
        {"approved_on": "2025-07-06", "opinion": "同意退出"},
    )
    assert moved.status_code == 201, moved.text
    row = register(api, moved.json()["position"])
    assert (row["zone"], row["zone_zh"], row["band"]) == ("exit", "坚决退出", "限制")
    assert row["target"] == "2026年3月末前全部退出"
    assert row["next_review_due"] == "2025-08-06"
    [monthly] = tasks(api, "am", "zone_review", "2025-07-20", moved.json()["position"])
    assert (monthly["due_on"], monthly["rule"]) == ("2025-08-06", "zones.exit.review_months = 1")


def test_an_unknown_zone_a_missing_plan_and_a_reach_beyond_scope_record_nothing(
    api: Api,
) -> None:
    """Rows 004-12, 004-14, 000-47: an unknown zone, a 限制 zone without its plan, a deadline
    before the day are refused naming the field in Chinese and English; a branch head of
    another branch may not approve; a review before any zone is refused; nothing recorded."""
    disburse(api, LOAN)
    proposed = propose(api, "am", zone="normal", measures=None, target=None, deadline=None)
    assert proposed.status_code == 201, proposed.text  # 正常 needs no plan
    proposal = proposed.json()["ids"]["proposal_id"]
    far = api.post(
        "admin",
        "/staff",
        {"staff_no": "YY001", "name": "周建国", "branch": "营业部", "roles": ["branch_head"]},
    )
    assert far.status_code == 201, far.text
    api.headers["yy_head"] = {"Authorization": f"Bearer {far.json()['token']}"}
    before = api.counts()

    unknown = propose(api, "am", zone="gold")
    assert unknown.status_code == 422, unknown.text
    detail = unknown.json()["detail"]
    assert "未知的客户区间" in detail["zh"]
    assert "unknown zone 'gold'" in detail["en"]
    assert "restricted（限制）" in detail["zh"]
    refused_out_of_scope(
        api,
        api.post(
            "yy_head",
            f"/loans/{LOAN}/zones/{proposal}/approve",
            {"approved_on": "2025-04-02", "opinion": "同意"},
        ),
        before,
    )
    no_zone = api.post(
        "am",
        f"/loans/{LOAN}/zone-reviews",
        {
            "reviewed_on": "2025-04-05",
            "progress": "正常",
            "repayment_capacity": "稳定",
            "operations": "正常",
        },
    )
    assert no_zone.status_code == 409, no_zone.text
    assert api.counts() == before, "a refused zone command records nothing"

    rejected = api.post(
        "head",
        f"/loans/{LOAN}/zones/{proposal}/reject",
        {"rejected_on": "2025-04-02", "reason": "重新评估"},
    )
    assert rejected.status_code == 201, rejected.text
    before = api.counts()
    planless = api.post(
        "am",
        f"/loans/{LOAN}/zones",
        {"zone": "exit", "reason": "x", "proposed_on": "2025-04-01", "responsible_no": "AM001"},
    )
    assert planless.status_code == 422, planless.text
    assert planless.json()["context"]["field"] == "measures"
    assert "一户一策" in planless.json()["detail"]["zh"]
    assert "needs a plan" in planless.json()["detail"]["en"]
    early = propose(api, "am", deadline="2025-03-15")
    assert early.status_code == 422, early.text
    assert early.json()["context"]["field"] == "deadline"
    nobody = propose(api, "am", responsible_no="NOBODY")
    assert nobody.status_code == 404, nobody.text
    assert api.counts() == before, "a refused zone command records nothing"
    assert api.get("am", f"/loans/{LOAN}").json()["zone"] is None


def _send(console: Console, path: str, values: dict[str, str]) -> str:
    form = console.get(path)
    assert form.status_code == 200, form.text
    token = CSRF.search(form.text)
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', form.text)
    assert token
    assert form_id
    sent = console.post(path, {"csrf_token": token.group(1), "form_id": form_id.group(1), **values})
    assert sent.status_code == 303, sent.text
    shown: str = console.get(sent.headers["location"]).text
    return shown


def test_the_zone_is_proposed_and_approved_at_the_console(console: Console) -> None:
    """Rows 004-12, 004-14 in the console: the account manager proposes 限制 with its plan
    from the loan page; the branch head — offered the approval, which the account manager is
    not — approves it, and the page shows the zone, the plan and the person responsible."""
    am_no = PEOPLE[Role.ACCOUNT_MANAGER][0]
    am = CommandContext(console.archive.staff(am_no).id)
    loan_no = "DK2026000960"
    console.archive.disburse(
        am,
        make_disbursement(loan_no),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    today = console.archive.today()
    console.as_role(Role.ACCOUNT_MANAGER)
    shown = _send(
        console,
        f"/loans/{loan_no}/zones/new",
        {
            "zone": "restricted",
            "proposed_on": today.isoformat(),
            "reason": "销售收入连续下滑",
            "measures": "压降授信敞口",
            "target": "一年内压降50%",
            "responsible_no": am_no,
            "deadline": date(today.year + 1, 1, 1).isoformat(),
        },
    )
    assert "客户区间及一户一策方案已提交审批。" in shown
    assert f"/loans/{loan_no}/zones/approve" not in shown

    console.as_role(Role.BRANCH_HEAD)
    page = console.get(f"/loans/{loan_no}").text
    assert f"/loans/{loan_no}/zones/approve" in page
    shown = _send(
        console,
        f"/loans/{loan_no}/zones/approve",
        {"approved_on": today.isoformat(), "opinion": "同意"},
    )
    assert "客户区间及方案已审批通过。" in shown
    panel = shown.split('data-testid="zones"', 1)[1]
    assert "限制" in panel.split("</h2>", 1)[0]
    assert "一年内压降50%" in panel
