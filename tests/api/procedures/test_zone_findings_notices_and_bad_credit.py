"""What a zone review finds, the customer told of its assessment, and the bad-credit list.

A corporate customer (disbursed 1 March 2025) is placed in 限制 with its plan. The quarterly
review keeps, beside progress and assessment, the operating statements and cash flow (经营报表、
资金周转), the industry (行业动态), the credit record (征信), the media, the accounts watched
(帐户监管) and the repayment plan negotiated with the borrower (协商还款计划); the 三大区间台账
shows the latest credit record and account monitoring. The account manager tells the customer of
the assessment (将公司评测情况通知客户): when, how, to whom. The risk manager puts the customer
on the bank's internal control list of bad-credit customers (不良信用客户内部控制名单) with the
reason — the list is the register filtered on ``bad_credit``, read within each reader's data
scope (通报) — and takes it off again (调整).
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse

LOAN = "ZF-001"
PLAN = {
    "measures": "压降授信敞口，追加抵押担保，按月监测现金流",
    "target": "一年内压降授信50%",
    "responsible_no": "AM001",
    "deadline": "2026-03-31",
}
FINDINGS = {
    "statements": "2025年二季度营业收入同比下降18%，经营性现金流净额-320万元，应收账款周转天数升至95天",
    "industry": "行业产能过剩，主要原材料价格上涨12%",
    "credit_record": "征信报告：他行新增关注类贷款一笔",
    "media": "地方媒体报道企业拖欠供应商货款",
    "account_monitoring": "回款账户近三月流入下降40%，无大额异常划转",
    "repayment_plan": "与借款人协商：每月归还本金50万元，2025年12月前压降至1000万元",
}


def _rows(api: Api, who: str, after: int, **params: Any) -> list[dict[str, Any]]:
    answer = api.get(who, "/registers/zone_register", params={"after": after, **params})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def _restricted(api: Api) -> int:
    disburse(api, LOAN)
    proposed = api.post(
        "am",
        f"/loans/{LOAN}/zones",
        {"zone": "restricted", "reason": "销售收入连续下滑", "proposed_on": "2025-04-01", **PLAN},
    )
    assert proposed.status_code == 201, proposed.text
    approved = api.post(
        "head",
        f"/loans/{LOAN}/zones/{proposed.json()['ids']['proposal_id']}/approve",
        {"approved_on": "2025-04-03", "opinion": "同意"},
    )
    assert approved.status_code == 201, approved.text
    position: int = approved.json()["position"]
    return position


def test_a_review_keeps_its_findings_and_the_customer_is_told_of_the_assessment(
    api: Api,
) -> None:
    """Rows 003-07, 002-29, 000-15, 003-58, 003-59, 004-06, 003-19: the review records the
    statements and cash flow, the industry, the credit record, the media, the accounts watched
    and the negotiated repayment plan, kept on the loan and the latest shown in the 三大区间台账;
    the customer is told of the assessment — a notice dated before the zone's approval is
    refused and records nothing — and the register shows when and how."""
    _restricted(api)
    reviewed = api.post(
        "am",
        f"/loans/{LOAN}/zone-reviews",
        {
            "reviewed_on": "2025-07-02",
            "progress": "授信已压降10%",
            "repayment_capacity": "经营现金流不足以覆盖本息",
            "operations": "订单减少，存货积压",
            "market": "下游需求疲软",
            **FINDINGS,
        },
    )
    assert reviewed.status_code == 201, reviewed.text
    assert reviewed.json()["events"] == ["ZoneReviewed"]
    [event] = [
        e
        for e in api.get("auditor", f"/loans/{LOAN}/events").json()["data"]
        if e["type"] == "ZoneReviewed"
    ]
    assert {k: event["data"][k] for k in FINDINGS} == FINDINGS
    [row] = _rows(api, "auditor", reviewed.json()["position"], loan_no=LOAN)
    assert row["last_credit_record"] == FINDINGS["credit_record"]
    assert row["last_account_monitoring"] == FINDINGS["account_monitoring"]
    assert row["notified_on"] is None

    notice = {
        "method": "书面通知（评测情况告知书）",
        "recipient": "借款人财务总监李明",
        "content": "贵公司列入限制区间，请按协商还款计划每月归还本金50万元",
    }
    before = api.counts()
    early = api.post("am", f"/loans/{LOAN}/zone-notices", {**notice, "notified_on": "2025-04-02"})
    assert early.status_code == 422, early.text
    assert early.json()["context"]["field"] == "notified_on"
    assert "评测情况通知日期" in early.json()["detail"]["zh"]
    assert "notified_on" in early.json()["detail"]["en"]
    assert api.counts() == before, "a refused notice records nothing"

    told = api.post("am", f"/loans/{LOAN}/zone-notices", {**notice, "notified_on": "2025-07-04"})
    assert told.status_code == 201, told.text
    assert told.json()["events"] == ["ZoneNotified"]
    [row] = _rows(api, "auditor", told.json()["position"], loan_no=LOAN)
    assert (row["notified_on"], row["notified_method"]) == ("2025-07-04", notice["method"])
    [sent] = [
        e
        for e in api.get("auditor", f"/loans/{LOAN}/events").json()["data"]
        if e["type"] == "ZoneNotified"
    ]
    assert (sent["data"]["recipient"], sent["data"]["zone"]) == (
        notice["recipient"],
        "restricted",
    )


def test_the_risk_manager_keeps_the_bad_credit_list_within_scope(api: Api) -> None:
    """Row 000-64: the risk manager puts the customer on the internal control list of
    bad-credit customers with the reason (neither the account manager nor the branch head may;
    an empty reason records nothing); the list — the register filtered on bad_credit — names
    the customer, the reason and who listed it, read within the reader's data scope (a branch
    head of another branch sees none of it); the customer is taken off with the reason."""
    after = _restricted(api)
    far = api.post(
        "admin",
        "/staff",
        {"staff_no": "YY001", "name": "周建国", "branch": "营业部", "roles": ["branch_head"]},
    )
    assert far.status_code == 201, far.text
    api.headers["yy_head"] = {"Authorization": f"Bearer {far.json()['token']}"}
    listing = {"blacklisted_on": "2025-05-06", "reason": "恶意拖欠供应商货款，逃废债务"}
    before = api.counts()
    not_am = api.post("am", f"/loans/{LOAN}/bad-credit", listing)
    assert not_am.status_code == 403, not_am.text
    not_head = api.post("head", f"/loans/{LOAN}/bad-credit", listing)
    assert not_head.status_code == 403, not_head.text
    blank = api.post("risk", f"/loans/{LOAN}/bad-credit", {**listing, "reason": "  "})
    assert blank.status_code == 422, blank.text
    assert api.counts() == before, "a refused listing records nothing"
    assert _rows(api, "auditor", after, bad_credit="true") == []

    listed = api.post("risk", f"/loans/{LOAN}/bad-credit", listing)
    assert listed.status_code == 201, listed.text
    assert listed.json()["events"] == ["BadCreditListed"]
    [row] = _rows(api, "head", listed.json()["position"], bad_credit="true")
    assert (row["loan_no"], row["bad_credit_since"], row["bad_credit_reason"]) == (
        LOAN,
        "2025-05-06",
        listing["reason"],
    )
    assert row["bad_credit_by_name"] == "陈静（RM001）"
    assert _rows(api, "yy_head", listed.json()["position"], bad_credit="true") == []
    again = api.post("risk", f"/loans/{LOAN}/bad-credit", listing)
    assert again.status_code == 409, again.text

    off = api.post(
        "risk",
        f"/loans/{LOAN}/bad-credit/removal",
        {"delisted_on": "2025-09-01", "reason": "欠款已清偿，经复查移出名单"},
    )
    assert off.status_code == 201, off.text
    assert off.json()["events"] == ["BadCreditDelisted"]
    assert _rows(api, "head", off.json()["position"], bad_credit="true") == []
