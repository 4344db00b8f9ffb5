"""管户: customers assigned to account managers within the rules' cap and tiers, the loans'
target-responsibility records, and the 管户台账 with the evaluation of duties linked.

The shipped ``[guanhu]``: at most 15 corporate customers per manager, a group's members counted
as one (002-78); 10-12 customers per manager, outside which the register flags the manager
(003-50); customers of 10,000,000 元 or more (大户) managed by a branch head, the rest by an
account manager or a branch head (004-10, 000-25). The branch head assigns, never to
themselves; each refusal names the rule in Chinese and English and records nothing.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse, pdf
from tests.api.test_scope_over_http import refused_out_of_scope

LOAN = "GH-LOAN-001"


def customer(n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "borrower_id": f"C{n:03d}",
        "borrower_name": f"示例企业{n}有限公司",
        "borrower_type": "corporate",
        "amount": "2000000.00",
        "assigned_on": "2025-03-05",
        "reason": "管户分配",
        **overrides,
    }


def register(api: Api, listing: str, after: int, **params: Any) -> list[dict[str, Any]]:
    path = "/registers/customer_register" + ("" if listing == "managers" else f"/{listing}")
    answer = api.get("head", path, params={"after": after, **params})
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


def test_the_cap_counts_a_group_once_and_refuses_the_sixteenth_corporate_customer(
    api: Api,
) -> None:
    """Rows 002-78, 003-50, 004-10, 000-25, 004-03, 004-33, 004-34, 002-74, 002-76: fourteen
    companies and two of one group count as 15; a sixteenth is refused, as are a 大户 for an account
    manager, an assignment to oneself, out of scope, and bad input — each recording nothing."""
    position = 0
    for n in range(1, 15):
        made = api.post("head", "/staff/AM001/customers", customer(n))
        assert made.status_code == 201, made.text
    for n in (15, 16):
        made = api.post("head", "/staff/AM001/customers", customer(n, group="示例集团"))
        assert made.status_code == 201, made.text
        position = made.json()["position"]
    (row,) = register(api, "managers", position, staff_no="AM001")
    assert (row["customers"], row["corporate_counted"], row["within_range"]) == (16, 15, False)
    before = api.counts()

    over = api.post("head", "/staff/AM001/customers", customer(17))
    assert over.status_code == 409, over.text
    assert "超过上限 15 户" in over.json()["detail"]["zh"]
    assert "guanhu.max_corporate_customers" in over.json()["detail"]["en"]
    large = api.post("head", "/staff/AM002/customers", customer(30, amount="12000000.00"))
    assert large.status_code == 422, large.text
    assert "大户" in large.json()["detail"]["zh"]
    assert "guanhu.tiers" in large.json()["detail"]["en"]
    own = api.post("head", "/staff/BH001/customers", customer(31))
    assert own.status_code == 403, own.text
    assert own.json()["error"] == "segregation_of_duties"
    wrong = api.post("am2", "/staff/AM002/customers", customer(32))
    assert wrong.status_code == 403, wrong.text
    assert wrong.json()["error"] == "role_not_permitted"
    twice = api.post("head", "/staff/AM001/customers", customer(1))
    assert twice.status_code == 409, twice.text
    bad = api.post("head", "/staff/AM001/customers", customer(33, amount="-1"))
    assert bad.status_code == 422, bad.text
    assert api.counts() == before, "every refusal records nothing"
    far = api.post(
        "admin",
        "/staff",
        {"staff_no": "YY001", "name": "周建国", "branch": "营业部", "roles": ["branch_head"]},
    )
    assert far.status_code == 201, far.text
    api.headers["yy_head"] = {"Authorization": f"Bearer {far.json()['token']}"}
    before = api.counts()
    refused_out_of_scope(api, api.post("yy_head", "/staff/AM001/customers", customer(34)), before)

    # A group member handed over leaves the group counted once; a company handed over frees
    # a place.
    for borrower, counted in (("C016", 15), ("C014", 14)):
        released = api.post(
            "head",
            "/staff/AM001/customers/release",
            {"borrower_id": borrower, "released_on": "2025-04-01", "reason": "移交"},
        )
        assert released.status_code == 201, released.text
        (row,) = register(api, "managers", released.json()["position"], staff_no="AM001")
        assert row["corporate_counted"] == counted
    again = api.post("head", "/staff/AM001/customers", customer(17))
    assert again.status_code == 201, again.text
    (row,) = register(api, "managers", again.json()["position"], staff_no="AM001")
    assert (row["customers"], row["corporate_counted"]) == (15, 15)
    listed = register(api, "customers", again.json()["position"], staff_no="AM001")
    assert len(listed) == 15
    assert "C016" not in {r["borrower_id"] for r in listed}
    assert {r["tier"] for r in listed} == {"small"}


def test_a_target_record_signed_for_the_bank_listed_with_collections_and_the_evaluation(
    api: Api,
) -> None:
    """Rows 004-04, 004-05, 004-29, 004-07, 002-46, 002-74, 004-09, 004-03, 003-88, 004-20: the loan's target record
    (管户主责任人, 风险监管责任人, 本息收回计划, 经营目标) signed by the branch head with its paper
    filed; the register sets what was collected against the plan; the evaluation of duties at
    handover is linked to it; the manager cannot sign their own, nor anyone out of input."""
    disburse(api, LOAN, principal="5000000.00")
    body = {
        "year": 2025,
        "manager_no": "AM001",
        "risk_supervisor_no": "RM001",
        "collection_target": "600000.00",
        "business_target": "日均存款不低于 200 万元",
        "signed_on": "2025-03-10",
    }
    path = f"/loans/{LOAN}/target-responsibility"
    before = api.counts()
    for who, overrides, status in (
        ("am", {}, 403),  # only a branch head signs for the bank
        ("head", {"risk_supervisor_no": "AM002"}, 422),  # not a risk manager
        ("head", {"manager_no": "AM002"}, 422),  # not the loan's manager
        ("head", {"collection_target": "abc"}, 422),
        ("head", {"year": 1999}, 422),
    ):
        refused = api.post(who, path, {**body, **overrides})
        assert refused.status_code == status, (overrides, refused.text)
        assert refused.json()["detail"]["zh"]
        assert refused.json()["detail"]["en"]
    assert api.counts() == before, "a refused record records nothing"

    paper = pdf("贷后管理及目标责任书 2025")
    signed = api.upload(
        "head",
        path,
        body,
        [("target_responsibility", ("目标责任书-2025.pdf", paper, "application/pdf"))],
    )
    assert signed.status_code == 201, signed.text
    assert api.post("head", path, body).status_code == 409, "one record per loan and year"
    repaid = api.post(
        "am",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-04-01", "principal": "100000.00", "interest": "20000.00"},
    )
    assert repaid.status_code == 201, repaid.text
    handed = api.post(
        "head",
        f"/loans/{LOAN}/handovers",
        {"handed_over_on": "2025-04-01", "receiving_no": "AM002", "reason": "岗位调整"},
    )
    assert handed.status_code == 201, handed.text
    evaluated = api.post(
        "risk2",
        "/staff/AM001/evaluations",
        {
            "occasion": "handover",
            "period_from": "2025-03-01",
            "period_to": "2025-04-01",
            "evaluated_on": "2025-04-10",
            "conclusion": "competent",
            "findings": "按责任书收回本息，贷后检查按期。",
            "loan_nos": [LOAN],
        },
    )
    assert evaluated.status_code == 201, evaluated.text
    after = evaluated.json()["position"]

    (target,) = register(api, "targets", after, loan_no=LOAN)
    assert (target["year"], target["manager_id_name"], target["risk_supervisor_id_name"]) == (
        2025,
        "张伟（AM001）",
        "陈静（RM001）",
    ), "people by names"
    assert (target["collection_target"], target["collected"], target["balance"]) == (
        "600000.00",
        "120000.00",
        "4900000.00",
    )
    assert (target["signer_id_name"], target["evaluation_conclusion"], target["evaluated_on"]) == (
        "赵刚（BH001）",
        "competent",
        "2025-04-10",
    )
    (manager,) = register(api, "managers", after, staff_no="AM001")
    assert (manager["collection_target"], manager["collected"], manager["last_evaluation"]) == (
        "600000.00",
        "120000.00",
        "competent",
    )
    documents = api.get("auditor", f"/loans/{LOAN}/dossier").json()["documents"]
    assert "target_responsibility" in {d["doc_type"] for d in documents}


def test_a_customer_held_by_one_manager_is_refused_to_another_until_handed_over(
    api: Api,
) -> None:
    """Row 004-34: a customer is managed by one person (以户为单位专人管理，不得分散): assigning it
    to a second manager is refused naming the one who holds it, and records nothing; once handed
    over (移交) it may be assigned to another."""
    held = api.post("head", "/staff/AM001/customers", customer(1))
    assert held.status_code == 201, held.text
    before = api.counts()
    second = api.post("head", "/staff/AM002/customers", customer(1))
    assert second.status_code == 409, second.text
    assert "已由 张伟 管户" in second.json()["detail"]["zh"]
    assert "AM001" in second.json()["detail"]["en"]
    assert api.counts() == before, "a refused assignment records nothing"
    released = api.post(
        "head",
        "/staff/AM001/customers/release",
        {"borrower_id": "C001", "released_on": "2025-04-01", "reason": "移交"},
    )
    assert released.status_code == 201, released.text
    moved = api.post("head", "/staff/AM002/customers", customer(1, assigned_on="2025-04-01"))
    assert moved.status_code == 201, moved.text
    listed = register(api, "customers", moved.json()["position"])
    assert [(r["borrower_id"], r["staff_no"]) for r in listed] == [("C001", "AM002")]
