"""The post-loan assessment results as a reference for credit approval (贷后管理考核结果作为信贷
审批的重要参考).

Row 000-70 (信贷审批部根据贷后管理的检查、考核和评价结果，将支行贷后管理制度执行情况作为考察
支行管贷能力的重要依据，并作为信贷审批的重要参考). The assessment register gathers, per person and
per unit, what the archive records of their post-loan work: supervision checks scored on the
sheet (SUP-07) with the rectifications open, penalties in 元, evaluations of duties (履职评价)
and findings of responsibility (责任认定). ``GET /staff/{staff_no}/assessment`` and
``GET /units/{branch}/assessment`` read it on a business date (``on``); the register's
listings export it as CSV for the approval system. A person reads their own; others read it
with the accountability trail's permission, within their read scope.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.api.conftest import Api, disburse
from tests.api.procedures.test_supervision import check
from tests.api.test_scope_over_http import refused_out_of_scope

LOAN = "AS-001"


def ok(answer: Any) -> Any:
    assert answer.status_code == 201, answer.text
    return answer.json()


def assessment(api: Api, who: str, path: str, after: int, **params: str) -> Any:
    answer = api.get(who, path, params={"after": after, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_persons_and_a_units_assessment_on_a_day_read_and_exported_for_approval(
    api: Api,
) -> None:
    """Row 000-70: a check of AM001 below the pass score (78 of 80) with its notice open, a
    penalty of 300 元, an evaluation 基本称职 and a finding of secondary responsibility are read
    as AM001's assessment, on the day after each and before (nothing yet), with the unit's
    totals; the same rows export as CSV with Chinese headers and the person's name."""
    disburse(api, LOAN)
    made = ok(api.post("risk", "/supervision-checks", check()))
    check_id = made["ids"]["check_id"]
    ok(
        api.post(
            "risk",
            f"/supervision-checks/{check_id}/penalties",
            {
                "staff_no": "AM001",
                "amount": "300.00",
                "reason": "检查得分78分，低于80分",
                "decided_on": "2025-06-20",
            },
        )
    )
    ok(
        api.post(
            "head",
            "/staff/AM001/evaluations",
            {
                "occasion": "in_post",
                "period_from": "2025-01-01",
                "period_to": "2025-06-30",
                "evaluated_on": "2025-07-02",
                "conclusion": "basically_competent",
                "findings": "检查报告按时，两笔复核意见滞后",
                "loan_nos": [LOAN],
            },
        )
    )
    ok(
        api.post(
            "officer",
            f"/loans/{LOAN}/overdue-status",
            {
                "as_of": "2025-06-20",
                "days_overdue": 40,
                "overdue_principal": "50000.00",
                "overdue_interest": "1200.00",
            },
        )
    )
    last = ok(
        api.post(
            "auditor",
            f"/loans/{LOAN}/responsibility",
            {
                "person_no": "AM001",
                "stage": "collection",
                "finding": "secondary",
                "sanction": "通报批评",
                "reason": "逾期后未按期上门催收",
                "group_member_nos": ["AU001", "RM001"],
                "meeting_on": "2025-06-25",
                "attendee_nos": ["AU001", "RM001", "BH001"],
            },
        )
    )
    after = last["position"]

    read = assessment(api, "risk", "/staff/AM001/assessment", after)
    assert (read["name"], read["branch"], read["assessed"]) == ("张伟", "城东支行", True)
    person = read["person"]
    assert {
        k: person[k]
        for k in (
            "staff_id_name",
            "checks",
            "checks_below_pass",
            "last_score",
            "last_pass_score",
            "last_passed",
            "open_rectifications",
            "penalties",
            "penalty_total",
            "evaluations",
            "last_conclusion",
            "responsible",
            "responsible_full_or_main",
        )
    } == {
        "staff_id_name": "张伟（AM001）",
        "checks": 1,
        "checks_below_pass": 1,
        "last_score": 78,
        "last_pass_score": 80,
        "last_passed": False,
        "open_rectifications": 1,
        "penalties": 1,
        "penalty_total": "300.00",
        "evaluations": 1,
        "last_conclusion": "basically_competent",
        "responsible": 1,
        "responsible_full_or_main": 0,
    }
    assert read["unit"]["people_penalty_total"] == "300.00"
    assert read["unit"]["people_responsible"] == 1

    # On a day: before the check nothing was assessed; on the day of the penalty, no evaluation.
    before = assessment(api, "risk", "/staff/AM001/assessment", after, on="2025-06-01")
    assert (before["on"], before["assessed"], before["person"]) == ("2025-06-01", False, None)
    then = assessment(api, "risk", "/staff/AM001/assessment", after, on="2025-06-20")["person"]
    assert (then["checks"], then["penalty_total"], then["evaluations"]) == (1, "300.00", 0)

    unit = assessment(api, "auditor", "/units/城东支行/assessment", after)
    assert [p["staff_id_name"] for p in unit["people"]] == ["张伟（AM001）"]
    own = assessment(api, "am", "/staff/AM001/assessment", after)  # the person themselves
    assert own["person"]["penalty_total"] == "300.00"

    exported = api.get(
        "risk", "/registers/assessment_register", params={"after": after, "format": "csv"}
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["被考核人"], r["处罚金额（元）"], r["最近评价结论"]) for r in rows] == [
        ("张伟（AM001）", "300.00 元", "基本称职")
    ]


def test_an_assessment_is_read_by_role_and_within_the_read_scope(api: Api) -> None:
    """Row 000-70: another account manager may not read AM001's assessment (role), nor a unit's;
    a branch head of another unit is refused beyond their scope; an unknown person is 404."""
    made = ok(api.post("risk", "/supervision-checks", check()))
    after = made["position"]
    other = api.get("am2", "/staff/AM001/assessment", params={"after": after})
    assert other.status_code == 403, other.text
    assert other.json()["error"] == "role_not_permitted"
    unit = api.get("am", "/units/城东支行/assessment", params={"after": after})
    assert unit.status_code == 403, unit.text
    far = api.post(
        "admin",
        "/staff",
        {"staff_no": "YY001", "name": "周建国", "branch": "营业部", "roles": ["branch_head"]},
    )
    assert far.status_code == 201, far.text
    api.headers["yy_head"] = {"Authorization": f"Bearer {far.json()['token']}"}
    before = api.counts()
    refused_out_of_scope(api, api.get("yy_head", "/staff/AM001/assessment"), before)
    refused_out_of_scope(api, api.get("yy_head", "/units/城东支行/assessment"), before)
    missing = api.get("risk", "/staff/NOBODY/assessment")
    assert missing.status_code == 404, missing.text
