"""The emergency plan a red signal starts at once (一旦发现风险迹象立即启动应急预案).

Row 002-31. Under the shipped rules a red signal (``[warnings] emergency_plan_colours``) starts
an emergency plan for the loan within ``emergency_plan_days`` (0: the same day): a task is the
risk manager's until the plan is started; the risk manager or the branch head starts it with
its measures, who carries them out and by when; its progress is recorded until the signal is
cleared, and the signal is not cleared before the plan was started. The warning ledger shows
the plan beside the signal's loop. Orange signals start one where the rules add the colour.
"""

from __future__ import annotations

import json
from typing import Any

from domain.rules import RuleSet
from tests.api.conftest import Api, disburse

LOAN = "EP-001"
BASE = f"/loans/{LOAN}/warnings"


def ok(answer: Any) -> Any:
    assert answer.status_code == 201, answer.text
    return answer.json()


def refused(api: Api, answer: Any, before: Any, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    text = json.dumps(answer.json(), ensure_ascii=False)
    for word in words:
        assert word in text, text
    assert api.counts() == before


def raise_signal(api: Api, code: str, on: str) -> str:
    body = {"code": code, "raised_on": on, "reason": "贷后检查发现"}
    signal: str = ok(api.post("officer", BASE, body))["ids"]["signal_id"]
    return signal


def start(api: Api, signal: str, on: str, who: str = "risk") -> Any:
    body = {
        "started_on": on,
        "measures": "冻结授信额度，追加抵押，约见实际控制人",
        "owner_no": "AM001",
        "due_on": "2025-04-30",
    }
    return api.post(who, f"{BASE}/{signal}/emergency-plan", body)


def progress(api: Api, signal: str, on: str, text: str, who: str = "am") -> Any:
    body = {"progress_on": on, "progress": text}
    return api.post(who, f"{BASE}/{signal}/emergency-plan/progress", body)


def plan_tasks(api: Api, on: str, after: int) -> list[dict[str, Any]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind=emergency_plan")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def ledger(api: Api, after: int) -> dict[str, dict[str, Any]]:
    answer = api.get("auditor", f"/registers/warning_ledger?loan_no={LOAN}&after={after}")
    assert answer.status_code == 200, answer.text
    return {r["code"]: r for r in answer.json()["data"]}


def test_a_red_signal_starts_its_emergency_plan_the_same_day_and_records_its_progress(
    api: Api,
) -> None:
    """Row 002-31: a red signal is a task of the risk manager due the day it is raised (late
    the day after), a yellow one none; an account manager may not start the plan; started by
    the risk manager the task is gone, the ledger names its owner, measures and deadline, and
    each progress recorded; progress before the plan, or dated before its start, is refused."""
    disburse(api, LOAN)
    raise_signal(api, "EXT-04", "2025-04-01")  # yellow
    red = raise_signal(api, "OPS-02", "2025-04-03")
    after = api.counts()[0]
    [task] = plan_tasks(api, "2025-04-03", after)
    assert (task["owner_role"], task["opens_on"], task["due_on"], task["overdue"]) == (
        "risk_manager",
        "2025-04-03",
        "2025-04-03",
        False,
    )
    assert task["subject"] == red
    assert [t["overdue"] for t in plan_tasks(api, "2025-04-04", after)] == [True]

    before = api.counts()
    refused(api, progress(api, red, "2025-04-03", "已约见"), before, 409, "应急预案")
    refused(api, start(api, red, "2025-04-03", who="am"), before, 403, "start_emergency_plan")
    refused(api, start(api, red, "2025-04-02"), before, 422, "started_on")
    started = ok(start(api, red, "2025-04-03"))
    assert started["events"] == ["EmergencyPlanStarted"]
    assert plan_tasks(api, "2025-04-04", started["position"]) == []
    refused(api, start(api, red, "2025-04-04"), api.counts(), 409, "已于 2025-04-03 启动")
    refused(api, progress(api, red, "2025-04-02", "已约见"), api.counts(), 422, "progress_on")

    ok(progress(api, red, "2025-04-08", "已冻结授信额度"))
    last = ok(progress(api, red, "2025-04-15", "已追加抵押", who="risk"))
    row = ledger(api, last["position"])["OPS-02"]
    assert {
        k: row[k]
        for k in (
            "plan_required",
            "plan_start_due",
            "plan_started_on",
            "plan_started_late",
            "plan_started_by_name",
            "plan_owner_name",
            "plan_due",
            "plan_progress_count",
            "plan_progress_on",
            "plan_progress",
        )
    } == {
        "plan_required": True,
        "plan_start_due": "2025-04-03",
        "plan_started_on": "2025-04-03",
        "plan_started_late": False,
        "plan_started_by_name": "陈静（RM001）",
        "plan_owner_name": "张伟（AM001）",
        "plan_due": "2025-04-30",
        "plan_progress_count": 2,
        "plan_progress_on": "2025-04-15",
        "plan_progress": "已追加抵押",
    }
    yellow = ledger(api, last["position"])["EXT-04"]
    assert (yellow["plan_required"], yellow["plan_started_on"]) == (False, None)


def test_a_red_signal_is_not_cleared_before_its_plan_and_orange_starts_one_as_data(
    api: Api,
) -> None:
    """Row 002-31: a red signal through its loop is refused clearing until its plan is
    started (started late, the ledger says so); once cleared no more progress is recorded.
    Rules that add orange to ``emergency_plan_colours`` make an orange signal start one."""
    disburse(api, LOAN)
    red = raise_signal(api, "GUA-04", "2025-04-01")
    ok(api.post("risk", f"{BASE}/{red}/handle", {"handled_on": "2025-04-02", "measures": "约谈"}))
    ok(
        api.post(
            "officer", f"{BASE}/{red}/feedback", {"feedback_on": "2025-04-05", "result": "落实"}
        )
    )
    determined = {"determined_on": "2025-04-06", "confirmed": True, "opinion": "风险属实"}
    ok(api.post("reviewer", f"{BASE}/{red}/determine", determined))
    clearing = {"cleared_on": "2025-04-07", "reason": "风险已化解"}
    before = api.counts()
    refused(api, api.post("head", f"{BASE}/{red}/clear", clearing), before, 409, "应急预案")
    started = ok(start(api, red, "2025-04-03", who="head"))
    assert ledger(api, started["position"])["GUA-04"]["plan_started_late"] is True
    ok(api.post("head", f"{BASE}/{red}/clear", clearing))
    refused(api, progress(api, red, "2025-04-08", "已追加抵押"), api.counts(), 409, "已解除")

    orange = raise_signal(api, "BEH-05", "2025-04-10")
    assert plan_tasks(api, "2025-04-10", api.counts()[0]) == []
    source: dict[str, Any] = json.loads(json.dumps(dict(api.archive.rule_set().source)))
    source["warnings"]["emergency_plan_colours"] = ["red", "orange"]
    assert api.archive.adopt_rules(RuleSet.from_mapping(source), source="orange too")
    again = raise_signal(api, "OPS-01", "2025-04-11")  # orange, raised under the new rules
    found = plan_tasks(api, "2025-04-11", api.counts()[0])
    assert [t["subject"] for t in found] == [again]  # not the one raised before
    assert orange not in [t["subject"] for t in found]
