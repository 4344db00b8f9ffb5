"""The work queue over HTTP: my tasks, everyone's tasks, and who may read which.

A corporate loan disbursed on Saturday 1 March 2025 (quarterly instalments from 1 June) owes
its first follow-up by 16 March and its contract originals by Wednesday 5 March: on 20 March
both are the account manager's overdue tasks, with the rule and the rules' version. The phone
visit three days before the June instalment closes its reminder. The branch head and the
auditor list everyone's overdue tasks, filtered by owner, kind and branch; an account manager
may not (403), and an unknown kind is refused naming it (422).
"""

from __future__ import annotations

from typing import Any

from domain.rules import RuleSet
from projections.rules_state import shipped_rules
from tests.api.conftest import Api, disburse, disburse_elsewhere

LOAN = "TQ-001"
VERSION: str = shipped_rules().version


def mine(api: Api, who: str, query: str, after: int = 0) -> dict[str, Any]:
    answer = api.get(who, f"/tasks/mine?after={after}&{query}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_my_tasks_are_mine_with_their_rule_and_the_phone_visit_closes_the_reminder(
    api: Api,
) -> None:
    position = disburse(api, LOAN)["position"]

    body = mine(api, "am", "on=2025-03-20&overdue=true", position)
    assert (body["on"], body["rules_version"], body["count"]) == ("2025-03-20", VERSION, 2)
    originals, first = body["data"]  # earliest due first
    assert originals["kind"] == "originals_transfer"
    assert (originals["due_on"], originals["rule"]) == (
        "2025-03-05",
        "transfers.originals_working_days = 3",
    )
    assert {k: v for k, v in first.items() if k != "owner_id"} == {
        "kind": "first_inspection",
        "kind_zh": "首次跟踪检查",
        "subject": "",
        "loan_no": LOAN,
        "borrow_no": None,
        "borrowing_id": None,
        "dossier_id": None,
        "staff_no": None,
        "staff_name": None,
        "customer": None,
        "partner_code": None,
        "branch": "城东支行",
        "owner_role": "account_manager",
        "owner_role_zh": "客户经理",
        "owner_no": "AM001",
        "owner_name": "张伟（AM001）",
        "opens_on": "2025-03-01",
        "due_on": "2025-03-16",
        "overdue": True,
        "rule": "inspections.first_follow_up_days_business = 15",
        "rules_version": VERSION,
    }
    # Others have none of the account manager's tasks; a kind narrows the list.
    assert mine(api, "officer", "on=2025-03-20")["data"] == []
    only = mine(api, "am", "on=2025-03-20&kind=first_inspection")["data"]
    assert [t["kind"] for t in only] == ["first_inspection"]
    # Without `on`, the archive's today judges.
    assert mine(api, "am", "")["on"] == api.archive.today().isoformat()

    # Three days before the first instalment (1 June) the reminder opens; a phone visit closes it.
    reminders = mine(api, "am", "on=2025-05-29&kind=repayment_reminder")["data"]
    assert [(t["subject"], t["due_on"], t["rule"]) for t in reminders] == [
        ("2025-06-01", "2025-05-29", "reminders.lead_days = 3")
    ]
    visited = api.post(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "phone_visit",
            "inspected_on": "2025-05-29",
            "reviewer_no": "RV001",
            "findings": "电话提示借款人按期还款，借款人表示资金已备足",
        },
    )
    assert visited.status_code == 201, visited.text
    after = visited.json()["position"]
    assert mine(api, "am", "on=2025-05-29&kind=repayment_reminder", after)["data"] == []


def test_everyones_overdue_tasks_for_those_who_supervise_and_not_for_an_account_manager(
    api: Api,
) -> None:
    disburse(api, LOAN)
    position = disburse_elsewhere(api, "TQ-002", "城西支行")["position"]

    for who in ("head", "auditor", "risk", "archhead"):
        answer = api.get(who, f"/tasks?overdue=true&on=2025-03-20&after={position}")
        assert answer.status_code == 200, (who, answer.text)
    body = answer.json()
    assert {(t["loan_no"], t["kind"], t["owner_no"]) for t in body["data"]} == {
        (loan, kind, "AM001")
        for loan in (LOAN, "TQ-002")
        for kind in ("first_inspection", "originals_transfer")
    }
    assert all(t["overdue"] for t in body["data"])

    east = api.get("head", "/tasks?overdue=true&on=2025-03-20&branch=城东支行").json()
    assert {t["loan_no"] for t in east["data"]} == {LOAN}
    # A risk manager reaches both branches; the branch head, his own.
    by_owner = api.get("risk", "/tasks?on=2025-03-20&owner=AM001&kind=originals_transfer")
    assert [t["loan_no"] for t in by_owner.json()["data"]] == [LOAN, "TQ-002"]
    assert api.get("head", "/tasks?on=2025-03-20&owner=AM002").json()["count"] == 0
    # Before anything fell due, nothing is overdue.
    assert api.get("head", "/tasks?overdue=true&on=2025-03-02").json()["data"] == []

    refused = api.get("am", "/tasks?overdue=true")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "role_not_permitted"
    assert "read_all_tasks" in refused.json()["detail"]["en"]
    assert api.get("admin", "/tasks/mine").status_code == 403  # 三员分立: no business reads

    bad = api.get("head", "/tasks?kind=lunch")
    assert bad.status_code == 422, bad.text
    assert bad.json()["context"]["field"] == "kind"


def test_the_tasks_follow_the_rules_in_force(api: Api) -> None:
    """New rules recorded in the log: the reminder comes five days ahead, naming them."""
    disburse(api, LOAN)
    lead_5 = RuleSet.from_mapping({**shipped_rules().source, "reminders": {"lead_days": 5}})
    assert api.archive.adopt_rules(lead_5, source="test")
    position = api.archive.recorder.max_notification_id()
    body = mine(api, "am", "on=2025-05-27&kind=repayment_reminder", position)
    assert body["rules_version"] == lead_5.version
    assert [(t["due_on"], t["rule"], t["rules_version"]) for t in body["data"]] == [
        ("2025-05-27", "reminders.lead_days = 5", lead_5.version)
    ]
