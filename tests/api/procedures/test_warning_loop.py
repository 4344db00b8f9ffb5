"""Risk-warning signals from the catalogue, through the closed loop (发布→处置→反馈→认定→消除).

A corporate loan disbursed on 1 March 2025. Under the shipped rules a signal is raised by its
catalogue code (预警信号指标库, ``[warnings] catalogue``) and takes its colour from it; it is
reported on its colour's route (red to the branch head within 1 day, orange to the risk manager
within 3, yellow to the reviewer within 5; late, escalated); the risk manager handles it, the
result of the measures is reported (反馈), someone who neither handled it nor gave feedback
determines it (认定: the risk confirmed or dismissed), and only then may it be cleared (消除),
not by its handler. A red signal opens the special inspection and the re-classification. Under
a rule set adopted before the catalogue, free codes and two steps hold as before.
"""

from __future__ import annotations

import json
from typing import Any

from domain.rules import RuleSet, shipped_rules
from tests.api.conftest import Api, disburse

LOAN = "WL-001"
BASE = f"/loans/{LOAN}/warnings"


def raise_signal(api: Api, code: str, on: str = "2025-04-01", **extra: Any) -> Any:
    return api.post(
        "officer", BASE, {"code": code, "raised_on": on, "reason": "贷后检查发现", **extra}
    )


def step(api: Api, who: str, signal: str, verb: str, body: dict[str, Any]) -> Any:
    return api.post(who, f"{BASE}/{signal}/{verb}", body)


def handle(api: Api, signal: str, on: str = "2025-04-02", who: str = "risk") -> Any:
    return step(api, who, signal, "handle", {"handled_on": on, "measures": "约谈实际控制人"})


def feedback(api: Api, signal: str, on: str = "2025-04-10", who: str = "officer") -> Any:
    return step(api, who, signal, "feedback", {"feedback_on": on, "result": "措施已落实"})


def determine(
    api: Api, signal: str, on: str = "2025-04-12", who: str = "reviewer", confirmed: bool = True
) -> Any:
    body = {"determined_on": on, "confirmed": confirmed, "opinion": "经核实，风险属实"}
    return step(api, who, signal, "determine", body)


def clear(api: Api, signal: str, on: str = "2025-04-15", who: str = "head") -> Any:
    return step(api, who, signal, "clear", {"cleared_on": on, "reason": "风险已化解"})


def ok(answer: Any) -> Any:
    assert answer.status_code == 201, answer.text
    return answer.json()


def refused(api: Api, answer: Any, before: Any, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    text = json.dumps(answer.json(), ensure_ascii=False)
    for word in words:
        assert word in text, text
    assert api.counts() == before


def ledger_row(api: Api, code: str, after: int) -> dict[str, Any]:
    """The warning ledger's row of the signal ``code`` on the loan."""
    answer = api.get("auditor", f"/registers/warning_ledger?loan_no={LOAN}&after={after}")
    assert answer.status_code == 200, answer.text
    rows = {r["code"]: r for r in answer.json()["data"]}
    found: dict[str, Any] = rows[code]
    return found


def tasks(api: Api, on: str, after: int, kind: str) -> list[dict[str, Any]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind={kind}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def test_the_catalogue_lists_the_signals_and_raising_takes_their_colour(api: Api) -> None:
    """Row 003-91 (预警信号指标库): the catalogue is data, listed over the API; a signal is
    raised by its code and takes its colour and name from it; an unknown code or a colour that
    differs is refused naming the field, in Chinese and English, nothing recorded."""
    listed = api.get("officer", "/warning-catalogue")
    assert listed.status_code == 200, listed.text
    catalogue = {s["code"]: s for s in listed.json()}
    assert 25 <= len(catalogue) <= 40
    assert catalogue["BEH-05"] == {
        "code": "BEH-05",
        "name": "贷款资金未按约定用途使用（挪用）",
        "colour": "orange",
        "colour_zh": "橙色",
        "category": "behaviour",
        "category_zh": "行为类",
    }
    assert (catalogue["GUA-03"]["colour"], catalogue["GUA-03"]["category"]) == (
        "orange",
        "guarantee",
    )
    assert {s["colour"] for s in catalogue.values()} == {"red", "orange", "yellow"}
    assert {s["category"] for s in catalogue.values()} == {
        "financial",
        "operational",
        "guarantee",
        "external",
        "behaviour",
    }

    disburse(api, LOAN)
    before = api.counts()
    refused(api, raise_signal(api, "Y01", colour="yellow"), before, 422, "code", "指标库")
    refused(api, raise_signal(api, "BEH-05", colour="red"), before, 422, "colour", "橙色")

    raised = ok(raise_signal(api, "BEH-05"))  # the colour may be left out
    same = ok(raise_signal(api, "GUA-03", colour="orange"))  # or given as the catalogue says
    assert raised["ids"]["signal_id"]
    row = ledger_row(api, "BEH-05", same["position"])
    assert {
        k: row[k] for k in ("code", "signal_name", "category", "colour", "closed_loop", "status")
    } == {
        "code": "BEH-05",
        "signal_name": "贷款资金未按约定用途使用（挪用）",
        "category": "behaviour",
        "colour": "orange",
        "closed_loop": True,
        "status": "raised",
    }


def test_a_signal_goes_through_the_closed_loop_each_step_by_its_own_person(api: Api) -> None:
    """Rows 002-92, 003-75, 000-55 (发布→处置→反馈→认定→消除): the risk manager handles, the
    officer reports the result (反馈), the reviewer — neither handler nor feedback giver —
    determines (认定), the branch head clears (消除); clearing before 认定, 认定 before
    feedback, and 认定 or 消除 by the handler are refused, nothing recorded. The ledger names who
    did each step and shows the stage."""
    disburse(api, LOAN)
    signal = ok(raise_signal(api, "GUA-03"))["ids"]["signal_id"]
    ok(handle(api, signal))

    before = api.counts()
    refused(api, clear(api, signal), before, 409, "认定")
    refused(api, determine(api, signal), before, 409, "反馈")
    fed = ok(feedback(api, signal))
    assert fed["events"] == ["WarningFeedbackGiven"]
    assert ledger_row(api, "GUA-03", fed["position"])["status"] == "fed_back"

    before = api.counts()
    refused(api, determine(api, signal, who="risk"), before, 403, "处置人")
    refused(api, determine(api, signal, who="am"), before, 403, "determine_warning")
    determined = ok(determine(api, signal, confirmed=False))
    assert determined["events"] == ["WarningDetermined"]

    before = api.counts()
    refused(api, clear(api, signal, who="risk"), before, 403, "处置人")
    cleared = ok(clear(api, signal))

    row = ledger_row(api, "GUA-03", cleared["position"])
    names = {
        step: row[f"{step}_name"]
        for step in ("raised_by", "handled_by", "feedback_by", "determined_by", "cleared_by")
    }
    assert (row["status"], row["confirmed"]) == ("cleared", False)
    assert names == {
        "raised_by": "刘洋（PL001）",
        "handled_by": "陈静（RM001）",
        "feedback_by": "刘洋（PL001）",
        "determined_by": "李娜（RV001）",
        "cleared_by": "赵刚（BH001）",
    }


def test_reporting_routes_by_colour_with_escalation_when_late(api: Api) -> None:
    """Rows 003-75, 004-26 (重大风险预警及时上报; 报送主管行长、行长): a red signal is the branch
    head's to receive within a day, an orange one the risk manager's within three, a yellow
    one the reviewer's within five; a report not received in time is escalated (orange to the
    branch head); only the route's roles acknowledge it."""
    disburse(api, LOAN)
    red = ok(raise_signal(api, "GUA-04"))
    orange = ok(raise_signal(api, "BEH-05"))
    yellow = ok(raise_signal(api, "EXT-04"))
    after = yellow["position"]

    due = tasks(api, "2025-04-01", after, "warning_report")
    assert sorted((t["owner_role"], t["due_on"], t["overdue"]) for t in due) == [
        ("branch_head", "2025-04-02", False),
        ("reviewer", "2025-04-06", False),
        ("risk_manager", "2025-04-04", False),
    ]
    late = tasks(api, "2025-04-05", after, "warning_report")
    assert sorted((t["owner_role"], t["overdue"]) for t in late) == [
        ("branch_head", True),  # red: stays with the branch head, late
        ("branch_head", True),  # orange: escalated from the risk manager
        ("reviewer", False),
    ]
    assert any("escalated to branch_head" in t["rule"] for t in late)

    before = api.counts()
    wrong = step(api, "reviewer", red["ids"]["signal_id"], "report", {"reported_on": "2025-04-01"})
    refused(api, wrong, before, 403, "行长")
    reported = ok(
        step(api, "head", red["ids"]["signal_id"], "report", {"reported_on": "2025-04-01"})
    )
    row = ledger_row(api, "GUA-04", reported["position"])
    assert (row["report_to"], row["report_due"], row["reported_on"], row["reported_by_name"]) == (
        "branch_head",
        "2025-04-02",
        "2025-04-01",
        "赵刚（BH001）",
    )
    ok(step(api, "head", orange["ids"]["signal_id"], "report", {"reported_on": "2025-04-05"}))
    last = ok(
        step(api, "reviewer", yellow["ids"]["signal_id"], "report", {"reported_on": "2025-04-03"})
    )
    assert tasks(api, "2025-04-05", last["position"], "warning_report") == []


def test_a_red_signal_opens_the_special_inspection_and_the_reclassification(api: Api) -> None:
    """Rows 002-31, 003-75 (预警机制；立即启动应急预案): a red signal opens the special
    inspection (``[special] warning_colours``) and the re-classification
    (``warnings.reclassify_colours``) within ten days; a yellow one opens neither."""
    disburse(api, LOAN)
    yellow = ok(raise_signal(api, "EXT-04"))
    assert tasks(api, "2025-04-02", yellow["position"], "special_inspection") == []
    assert tasks(api, "2025-04-02", yellow["position"], "reclassification") == []
    red = ok(raise_signal(api, "OPS-02", on="2025-04-03"))
    special = tasks(api, "2025-04-04", red["position"], "special_inspection")
    assert [t["opens_on"] for t in special] == ["2025-04-03"]
    reclassify = tasks(api, "2025-04-04", red["position"], "reclassification")
    assert [(t["subject"], t["due_on"], t["owner_role"]) for t in reclassify] == [
        ("warning", "2025-04-13", "account_manager")
    ]
    proposed = api.post(
        "am",
        f"/loans/{LOAN}/classifications",
        {"grade": "special_mention", "reason": "实际控制人失联", "as_of": "2025-04-05"},
    )
    assert proposed.status_code == 201, proposed.text
    after = proposed.json()["position"]
    assert [t["subject"] for t in tasks(api, "2025-04-06", after, "reclassification")] == []


def test_free_codes_and_two_steps_hold_under_a_rule_set_before_the_catalogue(api: Api) -> None:
    """Row 003-91 and the rulebook's WRN-50/WRN-51 rows: a rule set adopted before the catalogue
    reads no catalogue, no closed loop, no routes — free codes with their colour, raise →
    handle → clear by the same risk manager, as before; back under the shipped rules the
    catalogue and the loop apply to new signals."""
    source: dict[str, Any] = json.loads(json.dumps(dict(shipped_rules().source)))
    for key in ("catalogue", "closed_loop", "reporting", "reclassify_colours"):
        del source["warnings"][key]
    del source["warnings"]["reclassify_within_days"]
    earlier = RuleSet.from_mapping(source)
    assert (earlier.warnings.catalogue, earlier.warnings.closed_loop) == ({}, False)
    assert api.archive.adopt_rules(earlier, source="an earlier rule set")

    disburse(api, LOAN)
    before = api.counts()
    refused(api, raise_signal(api, "Y01"), before, 422, "colour")
    signal = ok(raise_signal(api, "Y01", colour="yellow"))["ids"]["signal_id"]
    ok(handle(api, signal))
    cleared = ok(clear(api, signal, on="2025-04-05", who="risk"))  # two steps, the handler
    row = ledger_row(api, "Y01", cleared["position"])
    assert (row["code"], row["signal_name"], row["closed_loop"], row["status"]) == (
        "Y01",
        None,
        False,
        "cleared",
    )
    assert tasks(api, "2025-04-10", cleared["position"], "warning_report") == []

    assert api.archive.adopt_rules(shipped_rules(), source="archive/rules.toml")
    before = api.counts()
    refused(api, raise_signal(api, "Y02", colour="yellow"), before, 422, "code")
    new = ok(raise_signal(api, "FIN-03"))["ids"]["signal_id"]
    ok(handle(api, new))
    before = api.counts()
    refused(api, clear(api, new, who="head"), before, 409, "认定")
