"""Who takes part, who leads, and what is owed as a loan goes bad or nears maturity.

A working-capital loan of 杭州示例机械制造有限公司 (城东支行, 1,000,000.00 元, value date 1 March
2025, maturing 1 March 2026) misses its instalment of 20 June 2025. Under the shipped rules:

* the day-1 call is taken with the risk manager taking part (逾期1天项目人员、风控人员介入): refused
  without them, recorded with their name in the overdue ledger;
* from day 30 an NPL management plan (不良贷款管理方案) is owed — the account manager's task —
  until a disposal plan is submitted or the collection plan revised from that day;
* the lead unit follows the grade (正常类由客户部牵头，不良由资产经营部牵头): a loan downgraded
  to 次级 is the asset management department's, to be transferred to asset preservation (the
  risk manager's task); upgraded back to 关注, it is handed back to the customer department;
* 30 days before maturity a performing loan with nothing overdue gets a task to prepare and
  file the application materials of an extension or 借新还旧 (展期申请资料), by 10 days before;
  the extension approved then cites the materials filed.

Through the HTTP API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse, pdf
from tests.api.procedures import test_collection_rungs as rungs
from tests.api.procedures.test_disposal_plans import downgrade

LOAN = "NA-001"
OTHER = "NA-002"


def tasks(api: Api, on: str, after: int, kind: str, loan_no: str = LOAN) -> list[dict[str, Any]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind={kind}")
    assert answer.status_code == 200, answer.text
    return [t for t in answer.json()["data"] if t["loan_no"] == loan_no]


def overdue(api: Api, days: int, as_of: str, loan_no: str = LOAN) -> int:
    return rungs.overdue(api, days, as_of, loan_no)


def step(api: Api, *args: Any, loan_no: str = LOAN, **extra: Any) -> Any:
    return rungs.step(api, *args, loan_no=loan_no, **extra)


def loan(api: Api, loan_no: str = LOAN) -> dict[str, Any]:
    answer = api.get("auditor", f"/loans/{loan_no}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_the_day_1_call_is_taken_with_the_risk_manager_named_in_the_ledger(api: Api) -> None:
    """Row 003-30 (COL-55): the shipped day-1 rung asks the risk manager to take part."""
    disburse(api, LOAN)
    overdue(api, 1, "2025-06-21")
    before = api.counts()
    alone = step(api, "am", "phone_call", "2025-06-21", 1)
    assert alone.status_code == 422, alone.text
    assert alone.json()["context"]["field"] == "participants"
    assert "风险经理" in alone.json()["detail"]["zh"]
    assert "risk_manager" in alone.json()["detail"]["en"]
    assert api.counts() == before

    called = step(api, "am", "phone_call", "2025-06-21", 1, participants=["RM001"])
    assert called.status_code == 201, called.text
    after = called.json()["position"]
    api.client.app.state.registers.wait(["overdue_ledger"], after, 60)
    [row] = api.get(
        "auditor", f"/registers/overdue_ledger/steps?loan_no={LOAN}&after={after}"
    ).json()["data"]
    assert (row["kind"], row["participants_name"]) == ("phone_call", "陈静（RM001）")
    export = api.get(
        "auditor", f"/registers/overdue_ledger/steps?loan_no={LOAN}&after={after}&format=csv"
    )
    assert export.status_code == 200, export.text
    assert "参与人员" in export.text
    assert "陈静（RM001）" in export.text


def test_from_day_30_an_npl_plan_is_owed_until_a_disposal_plan_or_a_revised_plan(
    api: Api,
) -> None:
    """Row 003-29 (COL-58): the task stands from day 30 — not on day 29 — until a disposal plan
    is submitted (WOR-11); on another loan, until the collection plan is revised."""
    disburse(api, LOAN)
    position = overdue(api, 29, "2025-07-19")
    assert tasks(api, "2025-07-19", position, "npl_plan") == []
    position = overdue(api, 30, "2025-07-20")
    [task] = tasks(api, "2025-07-20", position, "npl_plan")
    assert (task["owner_role"], task["opens_on"], task["due_on"], task["rule"]) == (
        "account_manager",
        "2025-07-20",
        "2025-07-20",
        "collection.ladder[30 days] npl_plan",
    )
    assert tasks(api, "2025-07-25", position, "npl_plan")[0]["overdue"] is True

    plan = {
        "method": "collection",
        "submitted_on": "2025-07-22",
        "plan": "落实还款来源，督促借款人月底前归还逾期本息；同步追加保证人",
        "expected_recovery": "50000.00",
    }
    submitted = api.post("am", f"/loans/{LOAN}/disposal-plans", plan)
    assert submitted.status_code == 201, submitted.text
    assert tasks(api, "2025-07-25", submitted.json()["position"], "npl_plan") == []

    disburse(api, OTHER, principal="300000.00")
    position = overdue(api, 31, "2025-07-21", loan_no=OTHER)
    assert len(tasks(api, "2025-07-21", position, "npl_plan", OTHER)) == 1
    revised = step(
        api,
        "am",
        "plan_revised",
        "2025-07-21",
        31,
        loan_no=OTHER,
        participants=["PL001", "RM001"],
        cause="下游客户回款延迟",
        plan="continue",
    )
    assert revised.status_code == 201, revised.text
    assert tasks(api, "2025-07-21", revised.json()["position"], "npl_plan", OTHER) == []


def test_the_lead_unit_follows_the_grade_and_preservation_follows_the_lead(api: Api) -> None:
    """Row 004-11 (LOS-10, LOS-11): 客户部 leads while performing; downgraded to 次级 the loan is
    资产经营部's and its transfer to asset preservation is the risk manager's task; it cannot be
    handed back while non-performing; upgraded to 关注 it is handed back (退回客户部). A loan of
    an individual's business (个人经营), whose upgrade no share of other claims holds back."""
    disburse(
        api,
        LOAN,
        borrower_type="individual",
        borrower_id="330106198001010011",
        borrower_name="王志强",
        product="individual_production",
    )
    assert loan(api)["lead_unit"] == "客户部"
    downgrade(api, LOAN)  # 95 days overdue on 1 September 2025, 次级
    assert loan(api)["lead_unit"] == "资产经营部"
    position = api.counts()[0]  # the approval's
    [task] = tasks(api, "2025-09-05", position, "preservation_transfer")
    assert (task["owner_role"], task["opens_on"], task["subject"]) == (
        "risk_manager",
        "2025-09-01",
        "substandard",
    )
    assert "资产经营部" in task["rule"]

    transferred = api.post(
        "risk",
        f"/loans/{LOAN}/asset-preservation",
        {"transferred_on": "2025-09-10", "reason": "下调为次级，移交资产经营部清收"},
    )
    assert transferred.status_code == 201, transferred.text
    after = transferred.json()["position"]
    assert tasks(api, "2025-09-10", after, "preservation_transfer") == []
    before = api.counts()
    early = api.post(
        "risk",
        f"/loans/{LOAN}/asset-preservation/return",
        {"returned_on": "2025-09-11", "reason": "试图退回"},
    )
    assert early.status_code == 409, early.text
    assert "不良贷款" in early.json()["detail"]["zh"]
    assert api.counts() == before

    # The arrears repaid, two instalments on time, and the loan upgraded to 关注.
    cured = {
        "as_of": "2025-09-15",
        "days_overdue": 0,
        "overdue_principal": "0.00",
        "overdue_interest": "0.00",
    }
    assert api.post("officer", f"/loans/{LOAN}/overdue-status", cured).status_code == 201
    for paid_on in ("2025-09-20", "2025-10-20"):
        paid = {"paid_on": paid_on, "principal": "50000.00", "interest": "3000.00"}
        answer = api.post("officer", f"/loans/{LOAN}/repayments", paid)
        assert answer.status_code == 201, answer.text
    base = f"/loans/{LOAN}/classifications"
    grade = {"grade": "special_mention", "sub_grade": "special_mention_1", "reason": "已还清欠款"}
    proposed = api.post("am", base, {**grade, "as_of": "2025-10-21"})
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["ids"]["proposal_id"]
    for who, action, body in (
        ("reviewer", "determine", grade),
        ("risk2", "approve", {"reason": "同意上调"}),
    ):
        answer = api.post(who, f"{base}/{proposal}/{action}", body)
        assert answer.status_code == 201, answer.text
    after = answer.json()["position"]
    assert loan(api)["lead_unit"] == "客户部"
    [back] = tasks(api, "2025-10-22", after, "preservation_return")
    assert (back["owner_role"], back["opens_on"]) == ("risk_manager", "2025-10-21")

    returned = api.post(
        "risk",
        f"/loans/{LOAN}/asset-preservation/return",
        {"returned_on": "2025-10-23", "reason": "已上调为关注类，退回客户部管理"},
    )
    assert returned.status_code == 201, returned.text
    after = returned.json()["position"]
    assert tasks(api, "2025-10-23", after, "preservation_return") == []
    assert loan(api)["in_asset_preservation"] is False
    api.client.app.state.registers.wait(["loan_ledger"], after, 60)
    [row] = api.get("auditor", f"/registers/loan_ledger?loan_no={LOAN}&after={after}").json()[
        "data"
    ]
    assert (row["in_asset_preservation"], row["lead_unit"]) == (False, "客户部")


def test_extension_materials_are_prepared_ahead_and_cited_by_the_extension(api: Api) -> None:
    """Row 004-19 (LOS-12, WOR-02): from 30 days before maturity (2026-01-30) the account
    manager prepares the application materials, due 10 days before (2026-02-19); a loan with
    arrears gets no such task; the materials filed close it and the extension cites them."""
    disburse(api, LOAN)
    disburse(api, OTHER)
    position = overdue(api, 5, "2026-01-25", loan_no=OTHER)
    assert tasks(api, "2026-01-29", position, "extension_preparation") == []
    [task] = tasks(api, "2026-01-30", position, "extension_preparation")
    assert (task["owner_role"], task["opens_on"], task["due_on"], task["subject"]) == (
        "account_manager",
        "2026-01-30",
        "2026-02-19",
        "2026-03-01",
    )
    assert tasks(api, "2026-01-30", position, "extension_preparation", OTHER) == []

    materials = ("展期申请书及财务报表.pdf", pdf("extension application"), "application/pdf")
    filed = api.upload(
        "am",
        f"/loans/{LOAN}/dossier/documents",
        {"stage": "extension", "filed_on": "2026-02-10"},
        [("extension_application", materials)],
    )
    assert filed.status_code == 201, filed.text
    position = filed.json()["position"]
    assert len(tasks(api, "2026-02-09", position, "extension_preparation")) == 1
    assert tasks(api, "2026-02-10", position, "extension_preparation") == []
    dossier = api.get("auditor", f"/loans/{LOAN}/dossier").json()["documents"]
    [application] = [d["sha256"] for d in dossier if d["doc_type"] == "extension_application"]

    extended = api.post(
        "head",
        f"/loans/{LOAN}/extensions",
        {"approved_on": "2026-02-25", "new_maturity_date": "2027-03-01", "reason": "经营周转"},
    )
    assert extended.status_code == 201, extended.text
    events = api.get("auditor", f"/loans/{LOAN}/events").json()["data"]
    [extension] = [e["data"] for e in events if e["type"] == "Extended"]
    assert extension["applications"] == [application]


def test_every_loan_has_its_target_record_for_the_year_counted_per_unit(api: Api) -> None:
    """Row 004-09 (LOS-14): each loan on the books — a corporate customer's and an
    individual's — owes its target-responsibility record for the year, the branch head's task
    within 31 days of the year's start or the value date; the coverage by unit counts them and
    lists those still without one until signed."""
    disburse(api, LOAN)
    disburse(
        api,
        OTHER,
        borrower_type="individual",
        borrower_id="330106198001010011",
        borrower_name="王志强",
        product="individual_production",
        value_date="2025-04-15",
    )
    position = api.counts()[0]
    owed = {
        t["loan_no"]: t
        for t in api.get(
            "head", f"/tasks?on=2025-04-20&after={position}&kind=target_record"
        ).json()["data"]
    }
    assert {
        n: (t["owner_role"], t["opens_on"], t["due_on"], t["subject"]) for n, t in owed.items()
    } == {
        LOAN: ("branch_head", "2025-03-01", "2025-04-01", "2025"),
        OTHER: ("branch_head", "2025-04-15", "2025-05-16", "2025"),
    }
    assert owed[LOAN]["overdue"] is True

    def coverage(after: int, year: int = 2025) -> dict[str, Any]:
        answer = api.get("auditor", f"/target-coverage?year={year}&after={after}")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    before = coverage(position)
    assert (before["loans"], before["signed"]) == (2, 0)
    [unit] = before["data"]
    assert (unit["branch"], unit["coverage"], unit["missing"]) == (
        "城东支行",
        "0.00",
        [LOAN, OTHER],
    )

    body = {
        "year": 2025,
        "manager_no": "AM001",
        "risk_supervisor_no": "RM001",
        "collection_target": "600000.00",
        "business_target": "按期收回本息",
        "signed_on": "2025-04-20",
    }
    signed = api.post("head", f"/loans/{LOAN}/target-responsibility", body)
    assert signed.status_code == 201, signed.text
    after = signed.json()["position"]
    assert [t["loan_no"] for t in tasks_all(api, "2025-04-20", after, "target_record")] == [OTHER]
    [unit] = coverage(after)["data"]
    assert (unit["signed"], unit["coverage"], unit["missing"]) == (1, "50.00", [OTHER])
    # A new year asks again, of both.
    assert coverage(after, 2026)["signed"] == 0
    assert len(tasks_all(api, "2026-01-05", after, "target_record")) == 2


def tasks_all(api: Api, on: str, after: int, kind: str) -> list[dict[str, Any]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind={kind}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found
