"""Who takes part in the joint visit and the revised plan, and who decides the plan.

A loan of 1,000,000.00 元 (杭州示例机械制造有限公司) misses its instalment. Under the shipped
ladder the day-1 call serves the interest notice and the overdue payment notice (付息通知书,
逾期缴款通知书), generated from the arrears recorded when none is uploaded; the day-7 joint visit is the account manager's with the post-loan officer taking part
(一同上门); the day-15 revised plan is taken with the post-loan officer and a supervisor (主管级
以上: the risk manager) taking part. The plan records the cause of the arrears found and the
plan settled on — here early recall (提前收回) — and, the balance being above the decision level
of 500,000.00 元 (``[collection] decision_levels``), the branch head (行长) decides it.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse
from tests.api.procedures.test_collection_rungs import GUARANTEE, LOAN, overdue, step


def ledger_row(api: Api, after: int) -> dict[str, Any]:
    """The loan's row of the loan ledger once the ledger has read up to ``after``."""
    api.client.app.state.registers.wait(["loan_ledger"], after, 60)
    answer = api.get("head", f"/registers/loan_ledger?loan_no={LOAN}&after={after}")
    assert answer.status_code == 200, answer.text
    [row] = answer.json()["data"]
    return dict(row)


def refused(api: Api, status: int, *args: Any, **extra: Any) -> dict[str, Any]:
    before = api.counts()
    answer = step(api, *args, **extra)
    assert answer.status_code == status, answer.text
    assert api.counts() == before
    body: dict[str, Any] = answer.json()
    return body


def test_joint_visit_and_revised_plan_name_who_took_part_and_the_plan_is_decided_by_level(
    api: Api,
) -> None:
    """Rows 003-15, 003-26, 003-28, 003-16, 003-17, 000-30: the day-1 call files both notices; the
    joint visit is refused without the post-loan
    officer taking part and recorded with them; the revised plan is refused without a supervisor,
    records the cause and the early-recall plan, refused below the decision level (the balance
    above 500,000.00 元) and recorded when the branch head takes part; the loan ledger counts
    the repayment made on time and the one made while overdue."""
    disburse(api, LOAN)
    paid = {"paid_on": "2025-03-20", "principal": "0.00", "interest": "3600.00"}
    assert api.post("officer", f"/loans/{LOAN}/repayments", paid).status_code == 201
    overdue(api, 1, "2025-06-21")
    called = step(api, "am", "phone_call", "2025-06-21", 1, participants=["RM001"])
    assert called.status_code == 201, called.text
    dossier = api.get("auditor", f"/loans/{LOAN}/dossier").json()["documents"]
    assert sorted(d["filename"] for d in dossier if d["stage"] == "collection") == [
        f"interest-notice-{LOAN}-2025-06-21.pdf",
        f"overdue-payment-notice-{LOAN}-2025-06-21.pdf",
    ]
    overdue(api, 7, "2025-06-27")
    alone = refused(api, 422, "am", "joint_visit", "2025-06-27", 7)
    assert alone["context"]["field"] == "participants"
    assert "贷后管理岗" in alone["detail"]["zh"]
    assert "post_loan_officer" in alone["detail"]["en"]
    visited = step(
        api, "am", "joint_visit", "2025-06-27", 7, participants=["PL001"], outcome="经营近况已获取"
    )
    assert visited.status_code == 201, visited.text

    overdue(api, 15, "2025-07-05")
    plan = {
        "participants": ["PL001"],
        "cause": "主要下游客户拖欠货款，现金流断裂",
        "plan": "recall",
        "outcome": "核实逾期原因属实，建议提前收回贷款",
    }
    no_supervisor = refused(api, 422, "am", "plan_revised", "2025-07-05", 15, **plan)
    assert "风险经理" in no_supervisor["detail"]["zh"]
    plan["participants"] = ["PL001", "RM001"]
    below = refused(api, 403, "am", "plan_revised", "2025-07-05", 15, **plan)
    assert "行长" in below["detail"]["zh"]
    assert "decided by the branch_head" in below["detail"]["en"]
    plan["participants"] = ["PL001", "RM001", "BH001"]
    decided = step(api, "am", "plan_revised", "2025-07-05", 15, **plan)
    assert decided.status_code == 201, decided.text

    events = api.get("auditor", f"/loans/{LOAN}/events").json()["data"]
    steps = [e["data"] for e in events if e["type"] == "CollectionStepTaken"]
    ids = {s["staff_no"]: s["id"] for s in api.get("admin", "/staff?limit=100").json()["data"]}
    assert [s.get("participants") for s in steps] == [
        [ids["RM001"]],
        [ids["PL001"]],
        [ids["PL001"], ids["RM001"], ids["BH001"]],
    ]
    assert (steps[2]["plan"], steps[2]["cause"]) == ("recall", plan["cause"])

    # Row 000-30: the loan ledger counts the repayments made on time and while overdue.
    paid = {"paid_on": "2025-07-06", "principal": "50000.00", "interest": "1200.00"}
    late = api.post("officer", f"/loans/{LOAN}/repayments", paid)
    assert late.status_code == 201, late.text
    row = ledger_row(api, late.json()["position"])
    assert (row["repayments_on_time"], row["repayments_late"]) == (1, 1)


def test_a_restructuring_changes_rate_and_repayment_method_and_a_guarantee_is_added(
    api: Api,
) -> None:
    """Row 003-10 (风控措施): a restructuring adjusts the rate and changes the repayment method
    (instalments to bullet), which the loan ledger shows; a guarantee is added to the loan."""
    disburse(api, LOAN)
    overdue(api, 40, "2025-07-30")
    body = {
        "restructured_on": "2025-07-30",
        "new_maturity_date": "2027-07-30",
        "new_interest_rate": "3.85%",
        "terms": "调整利率，改为到期一次还本，追加保证",
        "reason": "借款人经营暂时困难但仍有还款意愿",
        "new_repayment_method": "bullet",
    }
    restructured = api.post("head", f"/loans/{LOAN}/restructurings", body)
    assert restructured.status_code == 201, restructured.text
    guaranteed = api.post("am", f"/loans/{LOAN}/guarantees", GUARANTEE)
    assert guaranteed.status_code == 201, guaranteed.text

    row = ledger_row(api, guaranteed.json()["position"])
    assert (row["repayment_method"], row["maturity_date"]) == ("bullet", "2027-07-30")
    events = api.get("auditor", f"/loans/{LOAN}/events").json()["data"]
    types = [e["type"] for e in events]
    assert types.index("Restructured") < types.index("GuaranteeRegistered")
    [change] = [e["data"] for e in events if e["type"] == "Restructured"]
    assert (change["new_interest_rate"], change["new_repayment_method"]) == ("3.85%", "bullet")
