"""Key customers and their monitoring (重点客户监测).

Four corporate customers of 城东支行 borrow on 1 March 2025: 云溪重工 350,000,000 元 (3亿元以上),
云溪纺织 80,000,000, 云溪建材 60,000,000 (a member of 云溪集团, recorded with its 管户) and
云溪食品 5,000,000. Under rules naming the top 2 (``[monitoring] top_customers``, 50 in the
shipped rules) the key-customer list is computed on any date from the balances that day: in
April 重工 and 纺织 are the top two, 建材 a group customer; once 纺织 repays 30,000,000 on 15
April, in May 建材 takes its rank and 纺织 drops off. The top customers are inspected on site
every quarter (their account manager's task); the group and 3亿 customers every half-year by
a team led by the head office (总行牵头: the lead unit and its team leader recorded on the
inspection, the task the lead unit's). The branch head designates the online monitor
(专职信贷在线监测员), who monitors every key customer off site each month (非现场监测); a flag
(关注/预警) is verified by the customer's account manager and confirmed or dismissed by a risk
manager — three different people (三层过滤) — a confirmed flag raising its catalogue signal on
the loan. The central monitoring register lists every record and outcome bank-wide, exported
with Chinese headers.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.rules import RuleSet
from projections.rules_state import shipped_rules
from tests.api.conftest import Api, answered, disburse

CUSTOMERS = {
    "K-001": ("91330100MONBIG001", "云溪重工有限公司", "350000000.00"),
    "K-002": ("91330100MONMID002", "云溪纺织有限公司", "80000000.00"),
    "K-003": ("91330100MONGRP003", "云溪建材有限公司", "60000000.00"),
    "K-004": ("91330100MONSML004", "云溪食品有限公司", "5000000.00"),
}
FIGURES = [
    {"name": "贷款余额", "value": "3.5亿元"},
    {"name": "资产负债率", "value": "78%（上月65%）"},
    {"name": "经营性现金流", "value": "-1200万元"},
]


def adopt_top_two(api: Api) -> None:
    """The shipped rules with the top 2 (not 50) and no 管户 amount tiers (so none of the
    managing levels by tier)."""
    source = dict(shipped_rules().source)
    source["monitoring"] = {**source["monitoring"], "top_customers": 2}
    source["guanhu"] = {**source["guanhu"], "tiers": []}
    source["customers"] = {**source["customers"], "managing_levels": {}}  # no tiers to name
    assert api.archive.adopt_rules(RuleSet.from_mapping(source), source="test: top 2")


def book(api: Api) -> int:
    adopt_top_two(api)
    for loan_no, (borrower_id, name, principal) in CUSTOMERS.items():
        disburse(api, loan_no, borrower_id=borrower_id, borrower_name=name, principal=principal)
    grouped = api.post(
        "head",
        "/staff/AM001/customers",
        {
            "borrower_id": CUSTOMERS["K-003"][0],
            "borrower_name": CUSTOMERS["K-003"][1],
            "borrower_type": "corporate",
            "group": "云溪集团",
            "amount": "60000000.00",
            "assigned_on": "2025-03-01",
            "reason": "集团成员企业，由张伟管户",
        },
    )
    assert grouped.status_code == 201, grouped.text
    repaid = api.post(
        "am",
        "/loans/K-002/repayments",
        {"paid_on": "2025-04-15", "principal": "30000000.00", "interest": "0.00"},
    )
    assert repaid.status_code == 201, repaid.text
    position: int = repaid.json()["position"]
    return position


def key_list(api: Api, who: str, on: str, after: int) -> list[dict[str, Any]]:
    answer = api.get(who, "/monitoring/key-customers", params={"on": on, "after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def tasks(api: Api, who: str, on: str, after: int, kind: str, mine: bool = True) -> list[Any]:
    path = "/tasks/mine" if mine else "/tasks"
    answer = api.get(who, path, params={"kind": kind, "on": on, "after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def inspect(api: Api, loan_no: str, on: str, kind: str, **extra: Any) -> Any:
    checklist = api.get("am", f"/loans/{loan_no}/inspection-checklist?kind={kind}").json()
    answers = answered(checklist["code"]) if checklist["applies"] else {}
    body = {
        "kind": kind,
        "inspected_on": on,
        "reviewer_no": "RV001",
        "assistant_no": "AM002",  # a key customer's loan is large enough to need its B岗 (INS-29)
        "findings": "生产经营正常，销售回款稳定",
        **answers,
        **extra,
    }
    return api.post("am", f"/loans/{loan_no}/inspections", body)


def enrol_head_office_leader(api: Api) -> None:
    made = api.post(
        "admin",
        "/staff",
        {"staff_no": "HQ001", "name": "郑毅", "branch": "总行", "roles": ["branch_head"]},
    )
    assert made.status_code == 201, made.text


def test_key_customers_are_computed_on_any_date_and_inspected_on_site_on_their_schedule(
    api: Api,
) -> None:
    """Rows 000-44, 000-54: the top N by balance of the whole bank, group customers and those
    of 3亿元 or more are the key customers on any date, computed from the balances that day;
    the top ones are inspected on site every quarter by their account manager, the group and
    3亿 ones every half-year by a team led by the head office — the lead unit and its leader
    recorded on the inspection, the task the lead unit's (its head's)."""
    after = book(api)

    april = key_list(api, "risk", "2025-04-10", after)
    assert [(c["rank"], c["borrower_name"], c["bases"], c["lead_unit"]) for c in april] == [
        (1, "云溪重工有限公司", ["top", "large"], "总行"),
        (2, "云溪纺织有限公司", ["top"], None),
        (3, "云溪建材有限公司", ["group"], "总行"),
    ]
    assert april[0]["balance"] == "350000000.00"
    assert april[2]["group"] == "云溪集团"
    assert april[0]["account_manager"] == "张伟（AM001）", "people by name, not id"
    may = key_list(api, "risk", "2025-05-01", after)
    assert [(c["rank"], c["borrower_name"], c["bases"]) for c in may] == [
        (1, "云溪重工有限公司", ["top", "large"]),
        (2, "云溪建材有限公司", ["top", "group"]),
    ], "纺织 repaid 3000万 on 15 April: 50,000,000 left, below 建材; 食品 never key"
    assert key_list(api, "risk", "2025-02-28", after) == [], "nothing on the books yet"

    top = tasks(api, "am", "2025-04-10", after, "top_customer_on_site")
    assert sorted((t["customer"], t["due_on"], t["owner_name"]) for t in top) == [
        ("云溪纺织有限公司（91330100MONMID002）", "2025-06-01", "张伟（AM001）"),
        ("云溪重工有限公司（91330100MONBIG001）", "2025-06-01", "张伟（AM001）"),
    ]
    led = tasks(api, "risk", "2025-04-10", after, "lead_on_site", mine=False)
    assert sorted((t["customer"], t["branch"], t["owner_role"], t["due_on"]) for t in led) == [
        ("云溪建材有限公司（91330100MONGRP003）", "总行", "branch_head", "2025-09-01"),
        ("云溪重工有限公司（91330100MONBIG001）", "总行", "branch_head", "2025-09-01"),
    ]

    enrol_head_office_leader(api)
    before = api.counts()
    for extra, field in (
        ({"lead_unit": "城东支行", "led_by_no": "HQ001"}, "lead_unit"),  # not a lead level
        ({"lead_unit": "总行", "led_by_no": "BH001"}, "led_by_no"),  # leader not of 总行
        ({"lead_unit": "总行"}, "lead_unit"),  # no leader named
    ):
        refused = inspect(api, "K-001", "2025-05-20", "on_site", **extra)
        assert refused.status_code == 422, refused.text
        assert refused.json()["context"]["field"] == field
    refused = inspect(api, "K-001", "2025-05-20", "off_site", lead_unit="总行", led_by_no="HQ001")
    assert refused.status_code == 422, refused.text
    assert api.counts() == before, "a refused inspection records nothing"

    done = inspect(api, "K-001", "2025-05-20", "on_site", lead_unit="总行", led_by_no="HQ001")
    assert done.status_code == 201, done.text
    after = done.json()["position"]
    led = tasks(api, "risk", "2025-05-21", after, "lead_on_site", mine=False)
    assert [(t["customer"], t["due_on"]) for t in led] == [
        ("云溪建材有限公司（91330100MONGRP003）", "2025-09-01"),
        ("云溪重工有限公司（91330100MONBIG001）", "2025-11-20"),
    ], "the led inspection moves 重工's half-year on"
    top = tasks(api, "am", "2025-05-21", after, "top_customer_on_site")
    assert [(t["customer"], t["due_on"]) for t in top] == [
        ("云溪建材有限公司（91330100MONGRP003）", "2025-06-01"),
        ("云溪重工有限公司（91330100MONBIG001）", "2025-08-20"),
    ], "纺织 left the top 2; any on-site inspection counts for the quarter"
    plain = inspect(api, "K-003", "2025-05-22", "on_site")
    assert plain.status_code == 201, plain.text
    led = tasks(api, "risk", "2025-05-23", plain.json()["position"], "lead_on_site", mine=False)
    assert [t["due_on"] for t in led] == ["2025-09-01", "2025-11-20"], (
        "an inspection led by nobody does not answer the led one"
    )
    row = key_list(api, "risk", "2025-05-23", plain.json()["position"])[0]
    assert (row["last_on_site_on"], row["last_led_on_site_on"]) == ("2025-05-20", "2025-05-20")


def test_the_online_monitor_monitors_key_customers_monthly_and_flags_are_filtered_three_times(
    api: Api,
) -> None:
    """Rows 004-17, 004-23, 003-88, 002-53, 002-87: the branch head designates the online
    monitor, whose task each month is every key customer's off-site monitoring; a record judged
    预警 with a catalogue signal is verified by the account manager and confirmed by a risk
    manager — the signal then raised on the loan — another judged 关注 is dismissed; each layer
    is a different person; the central register lists records and outcomes, exported."""
    after = book(api)

    wrong = api.post(
        "head",
        "/staff/AM001/online-monitor",
        {"since": "2025-04-01", "reason": "指定在线监测员"},
    )
    assert wrong.status_code == 422, "an account manager is in the lending line"
    assert wrong.json()["context"]["field"] == "staff_no"
    for who in ("am", "risk"):
        assert (
            api.post(
                who, "/staff/PL001/online-monitor", {"since": "2025-04-01", "reason": "x"}
            ).status_code
            == 403
        ), "only the branch head designates"
    made = api.post(
        "head",
        "/staff/PL001/online-monitor",
        {"since": "2025-04-01", "reason": "专职信贷在线监测员，负责重点客户非现场监测"},
    )
    assert made.status_code == 201, made.text
    again = api.post(
        "head", "/staff/PL001/online-monitor", {"since": "2025-04-20", "reason": "重复"}
    )
    assert again.status_code == 409, again.text
    after = made.json()["position"]

    due = tasks(api, "officer", "2025-04-10", after, "monthly_monitoring")
    assert sorted((t["customer"], t["due_on"], t["owner_name"]) for t in due) == [
        ("云溪建材有限公司（91330100MONGRP003）", "2025-04-30", "刘洋（PL001）"),
        ("云溪纺织有限公司（91330100MONMID002）", "2025-04-30", "刘洋（PL001）"),
        ("云溪重工有限公司（91330100MONBIG001）", "2025-04-30", "刘洋（PL001）"),
    ]

    body = {
        "loan_no": "K-001",
        "monitored_on": "2025-04-10",
        "figures": FIGURES,
        "findings": "资产负债率较上月上升13个百分点，经营性现金流转负",
        "judgment": "warning",
        "signal_code": "FIN-01",
    }
    not_designated = api.post("risk", "/monitoring/records", body)
    assert not_designated.status_code == 403, "a risk manager not designated records nothing"
    bad = api.post("officer", "/monitoring/records", {**body, "signal_code": "NOPE-9"})
    assert bad.status_code == 422, bad.text
    assert bad.json()["context"]["field"] == "signal_code"
    flagged = api.post("officer", "/monitoring/records", body)
    assert flagged.status_code == 201, flagged.text
    record_id = flagged.json()["ids"]["record_id"]
    assert flagged.json()["ids"]["state"] == "raised"
    twice = api.post("officer", "/monitoring/records", {**body, "monitored_on": "2025-04-12"})
    assert twice.status_code == 409, "one record per customer and month"
    normal = api.post(
        "officer",
        "/monitoring/records",
        {
            "loan_no": "K-002",
            "monitored_on": "2025-04-11",
            "figures": [{"name": "贷款余额", "value": "8000万元"}],
            "findings": "各项指标平稳",
            "judgment": "normal",
        },
    )
    assert normal.status_code == 201, normal.text
    after = normal.json()["position"]
    left = tasks(api, "officer", "2025-04-12", after, "monthly_monitoring")
    assert [t["customer"] for t in left] == ["云溪建材有限公司（91330100MONGRP003）"]

    verify = tasks(api, "am", "2025-04-12", after, "flag_verification")
    assert [(t["customer"], t["due_on"]) for t in verify] == [
        ("云溪重工有限公司（91330100MONBIG001）", "2025-04-15")
    ]
    verification = {"verified_on": "2025-04-14", "substantiated": True, "opinion": "实地核实属实"}
    path = f"/monitoring/records/{record_id}"
    assert api.post("am2", f"{path}/verification", verification).status_code == 403, (
        "only the customer's account manager verifies"
    )
    assert (
        api.post(
            "risk",
            f"{path}/decision",
            {"decided_on": "2025-04-14", "confirmed": True, "reason": "x"},
        ).status_code
        == 409
    ), "decided once verified"
    verified = api.post("am", f"{path}/verification", verification)
    assert verified.status_code == 201, verified.text
    after = verified.json()["position"]
    decide = tasks(api, "risk", "2025-04-15", after, "flag_decision", mine=False)
    assert [(t["customer"], t["owner_role"], t["due_on"]) for t in decide] == [
        ("云溪重工有限公司（91330100MONBIG001）", "risk_manager", "2025-04-19")
    ]
    confirmed = api.post(
        "risk",
        f"{path}/decision",
        {"decided_on": "2025-04-15", "confirmed": True, "reason": "财务指标显著恶化，确认预警"},
    )
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["ids"]["signal_id"]
    after = confirmed.json()["position"]
    ledger = api.get(
        "auditor", "/registers/warning_ledger", params={"loan_no": "K-001", "after": after}
    )
    assert ledger.status_code == 200, ledger.text
    assert [(w["code"], w["colour"], w["raised_on"]) for w in ledger.json()["data"]] == [
        ("FIN-01", "orange", "2025-04-15")
    ], "the confirmed flag raised its catalogue signal on the loan"
    assert tasks(api, "risk", "2025-04-16", after, "flag_decision", mine=False) == []

    # A risk manager designated monitor flags 建材 in May; the same risk manager cannot decide.
    rm2 = api.post("head", "/staff/RM002/online-monitor", {"since": "2025-05-01", "reason": "增设"})
    assert rm2.status_code == 201, rm2.text
    watch = api.post(
        "risk2",
        "/monitoring/records",
        {
            "loan_no": "K-003",
            "monitored_on": "2025-05-06",
            "figures": [{"name": "集团关联担保", "value": "新增对外担保2亿元"}],
            "findings": "集团内关联担保增加",
            "judgment": "watch",
        },
    )
    assert watch.status_code == 201, watch.text
    second = f"/monitoring/records/{watch.json()['ids']['record_id']}"
    assert (
        api.post(
            "am",
            f"{second}/verification",
            {"verified_on": "2025-05-07", "substantiated": False, "opinion": "担保已于上月解除"},
        ).status_code
        == 201
    )
    assert (
        api.post(
            "risk2",
            f"{second}/decision",
            {"decided_on": "2025-05-08", "confirmed": False, "reason": "自行排除"},
        ).status_code
        == 403
    ), "the monitor who raised the flag does not decide it"
    dismissed = api.post(
        "risk",
        f"{second}/decision",
        {"decided_on": "2025-05-08", "confirmed": False, "reason": "经核实担保已解除，排除疑点"},
    )
    assert dismissed.status_code == 201, dismissed.text
    assert "signal_id" not in dismissed.json()["ids"]

    ended = api.post(
        "head", "/staff/PL001/online-monitor/end", {"ended_on": "2025-05-31", "reason": "轮岗"}
    )
    assert ended.status_code == 201, ended.text
    late = api.post(
        "officer",
        "/monitoring/records",
        {**body, "monitored_on": "2025-06-03", "judgment": "normal", "signal_code": None},
    )
    assert late.status_code == 403, "no longer the online monitor"
    after = ended.json()["position"]
    june = tasks(api, "risk2", "2025-06-02", after, "monthly_monitoring")
    assert sorted(t["customer"] for t in june) == [
        "云溪建材有限公司（91330100MONGRP003）",
        "云溪重工有限公司（91330100MONBIG001）",
    ], "June's monitoring falls to the monitor still designated"

    listed = api.get("auditor", "/registers/monitoring_register", params={"after": after})
    assert listed.status_code == 200, listed.text
    rows = {r["month"] + r["borrower_name"]: r for r in listed.json()["data"]}
    first = rows["2025-04云溪重工有限公司"]
    assert (first["judgment"], first["state"], first["signal_code"]) == (
        "warning",
        "confirmed",
        "FIN-01",
    )
    assert (first["monitor_id_name"], first["verifier_id_name"], first["decider_id_name"]) == (
        "刘洋（PL001）",
        "张伟（AM001）",
        "陈静（RM001）",
    ), "three different people, named"
    assert rows["2025-05云溪建材有限公司"]["state"] == "dismissed"
    assert rows["2025-04云溪纺织有限公司"]["state"] == "none"
    exported = api.get(
        "auditor", "/registers/monitoring_register", params={"after": after, "format": "csv"}
    )
    assert exported.status_code == 200, exported.text
    text = exported.content.decode("utf-8-sig")
    for words in (
        "监测月份",
        "疑点状态",
        "风险经理确认",
        "风险经理排除",
        "刘洋（PL001）",
        "陈静（RM001）",
    ):
        assert words in text, words


@pytest.mark.parametrize("drop", ["monitoring"])
def test_rules_adopted_before_monitoring_name_no_key_customer(api: Api, drop: str) -> None:
    """Rows 000-44, 004-23: a rule set adopted before ``[monitoring]`` computes no key customer
    and asks for no monitoring."""
    source = {k: v for k, v in shipped_rules().source.items() if k != drop}
    assert api.archive.adopt_rules(RuleSet.from_mapping(source), source="an earlier release")
    done = disburse(api, "K-001", principal="350000000.00")
    after = done["position"]
    assert key_list(api, "risk", "2025-04-10", after) == []
    assert tasks(api, "am", "2025-04-10", after, "top_customer_on_site") == []
