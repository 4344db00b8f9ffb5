"""The rungs of the collection ladder (催收阶梯) between the first call and the notice.

A guaranteed working-capital loan of 杭州示例机械制造有限公司 (value date 1 March 2025) misses
its instalment of 20 June 2025. Under the shipped ladder: the account manager calls on day 1,
the post-loan officer on day 3; on day 5 the account manager visits, writes a situation report
(逾期情况说明) and informs the bank's legal adviser, whose name the step records (法律顾问介入);
on day 9 collection changes hands (换手催收): someone who took none of the earlier steps takes
it over; on day 30 the collection notice is served and — the loan having a guarantor — the
guarantor is notified (通知保证人). A rule set adopted before these rungs keeps its ladder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.rules import RuleSet
from tests.api.conftest import Api, disburse, pdf

LOAN = "CR-001"
ADVISER = "浙江示例律师事务所 周明律师"
GUARANTEE = {
    "guarantor_name": "王建国",
    "kind": "person",
    "id_no": "330106197503120011",
    "amount": "400000.00",
    "contract_no": "BZ-2025-010",
    "registered_on": "2025-03-01",
}
EARLIER_LADDER = [
    {"days": 1, "step": "phone_call", "owner": "account_manager"},
    {"days": 3, "step": "phone_call", "owner": "post_loan_officer"},
    {"days": 7, "step": "visit", "owner": "account_manager"},
    {"days": 9, "step": "joint_visit", "owner": "account_manager"},
    {"days": 15, "step": "plan_revised", "owner": "account_manager"},
    {"days": 30, "step": "notice_served", "owner": "account_manager", "responsibility": True},
    {"days": 60, "step": "on_site_investigation", "owner": "post_loan_officer"},
    {"days": 90, "step": "lawyers_letter", "owner": "post_loan_officer"},
    {"days": 180, "step": "enforcement", "owner": "risk_manager"},
]
"""The ladder rules.toml shipped before the day-5, hand-over and guarantor rungs."""


def overdue(api: Api, days: int, as_of: str, loan_no: str = LOAN) -> int:
    answer = api.post(
        "officer",
        f"/loans/{loan_no}/overdue-status",
        {
            "as_of": as_of,
            "days_overdue": days,
            "overdue_principal": "50000.00",
            "overdue_interest": "1200.00",
        },
    )
    assert answer.status_code == 201, answer.text
    position: int = answer.json()["position"]
    return position


def step(
    api: Api,
    who: str,
    kind: str,
    on: str,
    days: int,
    files: Sequence[tuple[str, str]] = (),
    loan_no: str = LOAN,
    **extra: Any,
) -> Any:
    body = {"kind": kind, "taken_on": on, "days_overdue": days, "outcome": "已催收", **extra}
    path = f"/loans/{loan_no}/collection-steps"
    if not files:
        return api.post(who, path, body)
    uploads = [(t, (f"{name}.pdf", pdf(name), "application/pdf")) for t, name in files]
    return api.upload(who, path, body, uploads)


def collection_tasks(api: Api, on: str, after: int, loan_no: str = LOAN) -> list[tuple[str, str]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind=collection_step")
    assert answer.status_code == 200, answer.text
    return [
        (t["subject"], t["owner_role"]) for t in answer.json()["data"] if t["loan_no"] == loan_no
    ]


def enrol_second_officer(api: Api) -> None:
    answer = api.post(
        "admin",
        "/staff",
        {"staff_no": "PL002", "name": "赵敏", "branch": "城东支行", "roles": ["post_loan_officer"]},
    )
    assert answer.status_code == 201, answer.text
    api.headers["officer2"] = {"Authorization": f"Bearer {answer.json()['token']}"}


def first_days(api: Api) -> int:
    """The loan guaranteed by 王建国, called on days 1 (account manager) and 3 (officer)."""
    disburse(api, LOAN)
    guaranteed = api.post("am", f"/loans/{LOAN}/guarantees", GUARANTEE)
    assert guaranteed.status_code == 201, guaranteed.text
    overdue(api, 1, "2025-06-21")
    called = step(api, "am", "phone_call", "2025-06-21", 1, participants=["RM001"])
    assert called.status_code == 201, called.text
    overdue(api, 3, "2025-06-23")
    called = step(api, "officer", "phone_call", "2025-06-23", 3)
    assert called.status_code == 201, called.text
    position: int = called.json()["position"]
    return position


def test_the_day_5_visit_names_the_legal_adviser_and_files_a_situation_report(api: Api) -> None:
    """Rows 003-25, 003-30: on day 5 the visit is due (the account manager's task); it is
    refused without the legal adviser informed, and recorded with the name, which the overdue
    ledger's steps show; the completeness register asks for the situation report."""
    after = first_days(api)
    assert collection_tasks(api, "2025-06-23", after) == []  # day 3's call taken
    position = overdue(api, 6, "2025-06-26")
    assert collection_tasks(api, "2025-06-26", position) == [("visit", "account_manager")]

    before = api.counts()
    silent = step(api, "am", "visit", "2025-06-26", 6)
    assert silent.status_code == 422, silent.text
    assert silent.json()["context"]["field"] == "legal_adviser"
    assert "法律顾问" in silent.json()["detail"]["zh"]
    assert "legal adviser" in silent.json()["detail"]["en"]
    assert api.counts() == before

    visited = step(
        api,
        "am",
        "visit",
        "2025-06-26",
        6,
        [("situation_report", "逾期情况说明")],
        legal_adviser=ADVISER,
    )
    assert visited.status_code == 201, visited.text
    after = visited.json()["position"]
    assert collection_tasks(api, "2025-06-26", after) == []
    rows = api.get(
        "auditor", f"/registers/overdue_ledger/steps?loan_no={LOAN}&after={after}"
    ).json()["data"]
    assert [(r["kind"], r["legal_adviser"]) for r in rows] == [
        ("phone_call", None),
        ("phone_call", None),
        ("visit", ADVISER),
    ]
    gaps = api.get(
        "auditor",
        f"/registers/completeness/requirements?loan_no={LOAN}"
        f"&rule_id=collection.situation_report&after={after}",
    ).json()["data"]
    assert [g["status"] for g in gaps] == ["filed"]


def test_collection_changes_hands_on_day_9(api: Api) -> None:
    """Row 003-27 (换手催收): on day 9 the hand-over step is due (the post-loan officer's
    task); neither the account manager nor the officer who took the earlier steps may take it —
    refused in Chinese and English, nothing recorded — a second officer does."""
    first_days(api)
    overdue(api, 5, "2025-06-25")
    visit = step(api, "am", "visit", "2025-06-25", 5, legal_adviser=ADVISER)
    assert visit.status_code == 201, visit.text
    enrol_second_officer(api)
    position = overdue(api, 9, "2025-06-29")
    assert collection_tasks(api, "2025-06-29", position) == [("handover", "post_loan_officer")]

    before = api.counts()
    for who in ("am", "officer"):
        refused = step(api, who, "handover", "2025-06-29", 9)
        assert refused.status_code == 403, refused.text
        assert "换手催收" in refused.json()["detail"]["zh"]
        assert "someone other than" in refused.json()["detail"]["en"]
    assert api.counts() == before

    taken = step(api, "officer2", "handover", "2025-06-29", 9, outcome="接手催收，约见借款人")
    assert taken.status_code == 201, taken.text
    assert collection_tasks(api, "2025-06-29", taken.json()["position"]) == []


def test_the_guarantor_is_notified_on_day_30_only_where_the_loan_has_one(api: Api) -> None:
    """Row 003-29: on day 30 the notice is served and, on a loan with a guarantee
    registered, the guarantor is notified (两项任务); the notice to the guarantor
    (保证人履行担保责任通知书), generated from the guarantees when none is uploaded, is filed
    with the step. A loan with neither a guarantee nor a
    guaranteed grant has no such task, and notifying a guarantor it does not have is refused."""
    first_days(api)
    position = overdue(api, 30, "2025-07-20")
    assert collection_tasks(api, "2025-07-20", position) == [
        ("guarantor_notified", "account_manager"),
        ("notice_served", "account_manager"),
    ]
    notified = step(api, "am", "guarantor_notified", "2025-07-20", 30)
    assert notified.status_code == 201, notified.text
    # No notice uploaded: the one generated from the guarantees registered is filed.
    dossier = api.get("auditor", f"/loans/{LOAN}/dossier").json()["documents"]
    [notice] = [d for d in dossier if d["doc_type"] == "guarantor_notice"]
    assert notice["filename"] == f"guarantor-notice-{LOAN}-2025-07-20.pdf"
    assert notice["media_type"] == "application/pdf"
    assert collection_tasks(api, "2025-07-20", notified.json()["position"]) == [
        ("notice_served", "account_manager")
    ]

    plain = "CR-002"
    disburse(api, plain, guarantee_type="mortgage")
    position = overdue(api, 30, "2025-07-20", plain)
    assert collection_tasks(api, "2025-07-20", position, plain) == [
        ("notice_served", "account_manager")
    ]
    before = api.counts()
    refused = step(api, "am", "guarantor_notified", "2025-07-20", 30, loan_no=plain)
    assert refused.status_code == 409, refused.text
    assert "没有保证人" in refused.json()["detail"]["zh"]
    assert api.counts() == before


def test_a_rule_set_adopted_before_keeps_its_ladder(api: Api) -> None:
    """Rows 003-25, 003-27: under a rule set adopted before the new rungs (its own ladder, no
    [guarantors]), the visit needs no adviser, nobody's hands change and no guarantor falls due
    for re-assessment — as before."""
    source = {k: v for k, v in api.archive.rule_set().source.items() if k != "guarantors"}
    earlier = RuleSet.from_mapping(
        {**source, "collection": {**source["collection"], "ladder": EARLIER_LADDER}}
    )
    assert earlier.guarantor_reassess_months == {}
    assert api.archive.adopt_rules(earlier, source="before the new rungs")
    first_days(api)
    overdue(api, 7, "2025-06-27")
    assert step(api, "am", "visit", "2025-06-27", 7).status_code == 201
    position = overdue(api, 9, "2025-06-29")
    assert collection_tasks(api, "2025-06-29", position) == [("joint_visit", "account_manager")]
    again = step(api, "am", "joint_visit", "2025-06-29", 9)
    assert again.status_code == 201, again.text
    queue = api.get("head", f"/tasks?on=2026-01-01&after={again.json()['position']}")
    assert "guarantor_reassessment" not in {t["kind"] for t in queue.json()["data"]}


VARIANT_LADDER = [
    {"days": 3, "step": "phone_call", "owner": "account_manager"},
    {"days": 6, "step": "phone_call", "owner": "post_loan_officer"},
    {"days": 9, "step": "handover", "owner": "post_loan_officer", "handover": True},
    {"days": 15, "step": "plan_revised", "owner": "account_manager"},
    {"days": 30, "step": "notice_served", "owner": "account_manager", "responsibility": True},
    {"days": 60, "step": "on_site_investigation", "owner": "post_loan_officer"},
    {"days": 90, "step": "lawyers_letter", "owner": "post_loan_officer"},
    {"days": 180, "step": "enforcement", "owner": "risk_manager"},
]
"""The procedures' other ladder (逾期3天第一次电话、逾期6天二次电话、逾期9天换手催收…), as a bank
that follows it writes its ``[collection] ladder``."""


def test_a_bank_following_the_3_6_9_ladder_calls_on_days_3_and_6(api: Api) -> None:
    """Row 003-24: the ladder is the bank's data; under the 3/6/9 variant nothing is due on
    day 1, the first call falls due on day 3 (account manager), the second on day 6 (post-loan
    officer), hand-over on day 9."""
    source = dict(api.archive.rule_set().source)
    variant = RuleSet.from_mapping(
        {**source, "collection": {**source["collection"], "ladder": VARIANT_LADDER}}
    )
    assert api.archive.adopt_rules(variant, source="3/6/9 ladder")
    disburse(api, LOAN)
    assert collection_tasks(api, "2025-06-21", overdue(api, 1, "2025-06-21")) == []
    position = overdue(api, 3, "2025-06-23")
    assert collection_tasks(api, "2025-06-23", position) == [("phone_call", "account_manager")]
    assert step(api, "am", "phone_call", "2025-06-23", 3).status_code == 201
    position = overdue(api, 6, "2025-06-26")
    assert collection_tasks(api, "2025-06-26", position) == [("phone_call", "post_loan_officer")]
    called = step(api, "officer", "phone_call", "2025-06-26", 6)
    assert called.status_code == 201, called.text
    position = overdue(api, 9, "2025-06-29")
    assert collection_tasks(api, "2025-06-29", position) == [("handover", "post_loan_officer")]
