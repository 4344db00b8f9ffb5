"""The customer file (客户档案, 按户建档): one borrower's loans and dossiers in one place, the
archive partitioned by unit, customer type and loan category, the customer's managing bank
(客户管理行), the phone return visits timed by its operating rhythm, and 失联 customers with the
timeliness and accuracy of contact data.

A company borrows twice at 城东支行 (a working-capital loan and a small-business loan); a farmer
borrows once. The 管户 assignment, a warning, an inspection and the dossiers' catalogue entries
all appear on the company's file, by name; a reader beyond the branch is refused it.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from tests.api.conftest import DISBURSEMENT, Api, disburse
from tests.api.test_scope_over_http import refused_out_of_scope

COMPANY = DISBURSEMENT["borrower_id"]
FARMER = "330102199001011234"
FILE = f"/customers/{COMPANY}"


def farmer_loan(api: Api, loan_no: str = "CF-FARM-1", **overrides: Any) -> Any:
    body = {
        "borrower_id": FARMER,
        "borrower_name": "李大山",
        "borrower_type": "individual",
        "product": "individual_production",
        "principal": "200000.00",
        **overrides,
    }
    return disburse(api, loan_no, **body)


def two_company_loans(api: Api) -> int:
    disburse(api, "CF-001")
    made = disburse(api, "CF-002", product="small_business", principal="500000.00")
    return int(made["position"])


def read(api: Api, who: str, path: str, after: int, **params: Any) -> Any:
    answer = api.get(who, path, params={"after": after, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_one_customer_file_gathers_its_loans_dossiers_and_people_within_scope(api: Api) -> None:
    """Rows 004-32, 004-33, 000-27: one file per customer gathering both of its loans with
    their dossiers (档号 once catalogued, completeness), its manager (管户), warnings and
    inspections by name; the register lists customers by unit and type, the catalogue lists the
    dossiers of one customer and exports them, and the partitions count customers, dossiers and
    balances by unit, customer type and loan category. A reader beyond the branch is refused."""
    two_company_loans(api)
    farmer_loan(api)
    assigned = api.post(
        "head",
        "/staff/AM001/customers",
        {
            "borrower_id": COMPANY,
            "borrower_name": DISBURSEMENT["borrower_name"],
            "borrower_type": "corporate",
            "amount": "1500000.00",
            "assigned_on": "2025-03-05",
            "reason": "管户分配",
        },
    )
    assert assigned.status_code == 201, assigned.text
    raised = api.post(
        "officer",
        "/loans/CF-001/warnings",
        {"code": "OPS-01", "raised_on": "2025-04-01", "reason": "贷后检查发现半停产"},
    )
    assert raised.status_code == 201, raised.text
    position = raised.json()["position"]

    found = read(api, "head", FILE, position)
    assert (found["borrower_name"], found["borrower_type"]["zh"]) == (
        DISBURSEMENT["borrower_name"],
        "企业",
    )
    assert (found["loans_total"], found["loans_left_out"]) == (2, 0)
    assert (found["rating"], found["rating_changes"]) == ("A", [])
    assert [x["loan_no"] for x in found["loans"]] == ["CF-001", "CF-002"]
    assert [x["product"]["zh"] for x in found["loans"]] == ["公司流动资金贷款", "小微企业贷款"]
    assert found["manager"]["name"] == "张伟（AM001）"
    assert found["operating_banks"] == ["城东支行"]
    first = found["loans"][0]
    assert first["account_manager"] == "张伟（AM001）"
    assert first["warnings"][0]["code"] == "OPS-01"
    assert first["warnings"][0]["raised_by"] == "刘洋（PL001）"
    dossier = first["dossier"]
    assert dossier["documents"] == 2
    assert dossier["completeness"] is not None
    assert dossier["completeness"]["required"] >= dossier["completeness"]["filed"] >= 2

    # Another account manager of the branch reads it; one of another unit is refused.
    assert read(api, "am2", FILE, position)["loans_total"] == 2
    far = api.post(
        "admin",
        "/staff",
        {"staff_no": "YY002", "name": "钱多多", "branch": "营业部", "roles": ["account_manager"]},
    )
    assert far.status_code == 201, far.text
    api.headers["far"] = {"Authorization": f"Bearer {far.json()['token']}"}
    refused_out_of_scope(api, api.get("far", FILE), api.counts())
    missing = api.get("head", "/customers/NOBODY-1")
    assert missing.status_code == 404, missing.text

    # The register by customer, partitioned (分区管理).
    position = api.counts()[0]
    rows = read(api, "head", "/registers/customer_file", position, branch="城东支行")["data"]
    by_id = {r["borrower_id"]: r for r in rows}
    company = by_id[COMPANY]
    assert (company["borrower_type"], company["dossiers"], company["open_loans"]) == (
        "corporate",
        2,
        2,
    )
    assert company["balance"] == "1500000.00"
    assert company["manager_id_name"] == "张伟（AM001）"
    assert set(company["products"].split("\n")) == {"公司流动资金贷款", "小微企业贷款"}
    individuals = read(
        api, "head", "/registers/customer_file", position, borrower_type="individual"
    )["data"]
    assert [r["borrower_id"] for r in individuals] == [FARMER]
    catalogue = read(
        api, "head", "/registers/customer_file/dossiers", position, borrower_id=COMPANY
    )["data"]
    assert [r["loan_no"] for r in catalogue] == ["CF-001", "CF-002"]
    exported = api.get(
        "head",
        "/registers/customer_file/dossiers",
        params={"borrower_id": COMPANY, "format": "csv", "after": position},
    )
    assert exported.status_code == 200, exported.text
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["客户号", "客户名称", "客户类型", "借据号"]
    assert [line[3] for line in lines[1:]] == ["CF-001", "CF-002"]
    partitions = read(api, "head", "/registers/customer_file/partitions", position)["data"]
    assert {
        (p["branch"], p["borrower_type"], p["product"]): (p["customers"], p["dossiers"])
        for p in partitions
    } == {
        ("城东支行", "corporate", "corporate_working_capital"): (1, 1),
        ("城东支行", "corporate", "small_business"): (1, 1),
        ("城东支行", "individual", "individual_production"): (1, 1),
    }


def test_the_managing_bank_is_named_by_the_branch_head_at_the_level_its_tier_asks(
    api: Api,
) -> None:
    """Row 002-76: a 小户 is managed by a sub-branch (customers.managing_levels), a 大户 by the
    head office; the managing bank must be at or above the unit its loans are booked at; only
    a branch head reaching that unit names it, with the reason; the file shows it by name. Each
    refusal records nothing."""
    two_company_loans(api)
    head_office = api.post(
        "admin",
        "/staff",
        {"staff_no": "HQ001", "name": "马行长", "branch": "总行", "roles": ["branch_head"]},
    )
    assert head_office.status_code == 201, head_office.text
    api.headers["hq"] = {"Authorization": f"Bearer {head_office.json()['token']}"}
    path = f"{FILE}/managing-branch"
    body = {"branch": "城东支行", "set_on": "2025-03-10", "reason": "分层经营：小户由支行管理"}
    before = api.counts()
    too_high = api.post("hq", path, {**body, "branch": "总行"})
    assert too_high.status_code == 422, too_high.text
    assert "支行级" in too_high.json()["detail"]["zh"]
    assert "customers.managing_levels" in too_high.json()["detail"]["en"]
    elsewhere = api.post("hq", path, {**body, "branch": "城西支行"})
    assert elsewhere.status_code == 422, elsewhere.text
    assert "经营行" in elsewhere.json()["detail"]["zh"]
    unknown = api.post("head", path, {**body, "branch": "火星支行"})
    assert unknown.status_code == 422, unknown.text
    manager = api.post("am", path, body)
    assert manager.status_code == 403, manager.text
    assert manager.json()["error"] == "role_not_permitted"
    refused_out_of_scope(api, api.post("head", path, {**body, "branch": "总行"}), before)
    assert api.counts() == before, "every refusal records nothing"

    named = api.post("head", path, body)
    assert named.status_code == 201, named.text
    found = read(api, "am", FILE, named.json()["position"])
    managing = found["managing_bank"]
    assert (managing["branch"], managing["level"]["zh"], managing["tier"]) == (
        "城东支行",
        "支行",
        "小户",
    )
    assert managing["set_by"] == "赵刚（BH001）"
    assert managing["reason"] == "分层经营：小户由支行管理"
    assert found["managing_level_required"]["zh"] == "支行"
    assert found["managing_units_allowed"] == ["城东支行"]
    again = api.post("head", path, body)
    assert again.status_code == 409, again.text
    rows = read(
        api, "head", "/registers/customer_file", named.json()["position"], borrower_id=COMPANY
    )["data"]
    assert (rows[0]["managing_branch"], rows[0]["managing_level"]) == ("城东支行", "sub_branch")

    # A 大户 (10,000,000 元 or more) is managed by the head office.
    farmer_loan(api, "CF-FARM-BIG", principal="12000000.00")
    farmer = f"/customers/{FARMER}/managing-branch"
    refused = api.post("hq", farmer, {**body, "branch": "城东支行"})
    assert refused.status_code == 422, refused.text
    assert "总行级" in refused.json()["detail"]["zh"]
    set_large = api.post("hq", farmer, {**body, "branch": "总行", "reason": "大户由总行管理"})
    assert set_large.status_code == 201, set_large.text
    managing = read(api, "hq", f"/customers/{FARMER}", set_large.json()["position"])
    assert (managing["managing_bank"]["branch"], managing["managing_bank"]["tier"]) == (
        "总行",
        "大户",
    )


def tasks(api: Api, on: str, after: int) -> list[dict[str, Any]]:
    found = read(api, "head", "/tasks", after, on=on, kind="rhythm_phone_visit")
    rows: list[dict[str, Any]] = found["data"]
    return rows


def test_phone_return_visits_fall_due_in_the_customers_own_months(api: Api) -> None:
    """Row 000-33: the customer's operating rhythm (生猪在5月、9月出栏, phoned on the 10th to
    the 20th, in the evening) is recorded; the phone return visit falls due in those days, is
    overdue after them, and once made moves to the next of its months. Bad months or days are
    refused and record nothing."""
    farmer_loan(api)
    path = f"/customers/{FARMER}/rhythm"
    body = {
        "months": [9, 5],
        "from_day": 10,
        "to_day": 20,
        "call_window": "18:00-20:00",
        "note": "生猪5月、9月出栏，已与饲料公司约定出栏前后回访",
        "agreed_on": "2025-03-15",
    }
    before = api.counts()
    for bad in ({"months": [13]}, {"months": []}, {"from_day": 21}, {"months": [5, 5]}):
        refused = api.post("am", path, {**body, **bad})
        assert refused.status_code == 422, (bad, refused.text)
    assert api.counts() == before, "every refusal records nothing"
    recorded = api.post("am", path, body)
    assert recorded.status_code == 201, recorded.text
    after = recorded.json()["position"]
    rhythm = read(api, "am", f"/customers/{FARMER}", after)["rhythm"]
    assert (rhythm["months"], rhythm["call_window"]) == ([5, 9], "18:00-20:00")

    assert tasks(api, "2025-04-01", after) == [], "not open before the customer's days"
    [task] = tasks(api, "2025-05-12", after)
    assert (task["opens_on"], task["due_on"], task["overdue"]) == (
        "2025-05-10",
        "2025-05-20",
        False,
    )
    assert "18:00-20:00" in task["subject"]
    [late] = tasks(api, "2025-05-25", after)
    assert (late["due_on"], late["overdue"]) == ("2025-05-20", True)

    called = api.post(
        "am",
        "/loans/CF-FARM-1/inspections",
        {
            "kind": "phone_visit",
            "inspected_on": "2025-05-15",
            "findings": "电话回访：生猪已出栏，销售款已回笼",
            "counterpart": "李大山本人",
            "reviewer_no": "RV001",
        },
    )
    assert called.status_code == 201, called.text
    assert tasks(api, "2025-05-25", called.json()["position"]) == []
    [following] = tasks(api, "2025-09-12", called.json()["position"])
    assert (following["opens_on"], following["due_on"]) == ("2025-09-10", "2025-09-20")


def test_a_customer_is_unreachable_after_failed_attempts_until_new_contacts_are_verified(
    api: Api,
) -> None:
    """Row 002-95: three failed attempts in a row (customers.unreachable_after_failures) mark
    the customer 失联 with them as the evidence; a success is refused until new contact data are
    verified, which clears it. The unit's contact quality counts the attempts, the share that
    reached (准确率) and the days from a change learned to its recording (及时性)."""
    farmer_loan(api)
    attempts = f"/customers/{FARMER}/contact-attempts"
    tried = {"channel": "phone", "purpose": "return_visit", "contact": "13800000000"}
    for n, on in enumerate(("2025-04-01", "2025-04-05", "2025-04-10")):
        made = api.post(
            "am",
            attempts,
            {**tried, "attempted_on": on, "reached": False, "note": f"第{n + 1}次拨打，空号"},
        )
        assert made.status_code == 201, made.text
    after = made.json()["position"]
    contact = read(api, "am", f"/customers/{FARMER}", after)["contact"]
    assert (contact["unreachable"], contact["unreachable_since"]) == (True, "2025-04-10")
    assert [a["by"] for a in contact["attempts"]] == ["张伟（AM001）"] * 3
    [row] = read(api, "head", "/registers/customer_file", after, borrower_id=FARMER)["data"]
    assert (row["unreachable"], row["unreachable_since"]) == (True, "2025-04-10")
    [quality] = read(api, "head", "/registers/customer_file/contact_quality", after)["data"]
    assert (quality["attempts"], quality["reached"], quality["unreachable"]) == (3, 0, 1)
    assert quality["accuracy"] == "0.00"

    before = api.counts()
    early = api.post(
        "am", attempts, {**tried, "attempted_on": "2025-04-12", "reached": True, "note": "接通"}
    )
    assert early.status_code == 409, early.text
    verify = f"/customers/{FARMER}/contact-verifications"
    body = {
        "verified_on": "2025-04-20",
        "learned_on": "2025-04-18",
        "phone": "13900000000",
        "note": "经村委会获知新号码，拨打核实为本人",
    }
    for bad in ({"phone": None}, {"learned_on": "2025-04-21"}):
        refused = api.post("am", verify, {**body, **bad})
        assert refused.status_code == 422, (bad, refused.text)
    assert api.counts() == before, "every refusal records nothing"
    verified = api.post("am", verify, body)
    assert verified.status_code == 201, verified.text
    reached = api.post(
        "am",
        attempts,
        {
            **tried,
            "contact": "13900000000",
            "attempted_on": "2025-05-15",
            "reached": True,
            "note": "接通，本人",
        },
    )
    assert reached.status_code == 201, reached.text
    after = reached.json()["position"]
    contact = read(api, "am", f"/customers/{FARMER}", after)["contact"]
    assert (contact["unreachable"], contact["phone"]) == (False, "13900000000")
    [quality] = read(api, "head", "/registers/customer_file/contact_quality", after)["data"]
    assert (quality["unreachable"], quality["restored"], quality["reached"]) == (0, 1, 1)
    assert quality["accuracy"] == "25.00"
    days = (api.archive.today() - date(2025, 4, 18)).days
    assert (quality["updates"], quality["latest_update_days"]) == (1, days)
