"""Account managers: the B岗 where the rules require one, and the evaluation of post-loan duties.

A corporate loan of 5,000,000 元 in 城东支行 needs a B岗 beside its A岗 (``managers.b_post_required``
of the shipped rules: corporate borrowers from 3,000,000 元): until the branch head assigns one,
the work queue holds a ``b_post_assignment`` task, and the loan's read and the loan ledger say
so. A handover leaves the handing account manager's post-loan duties to be evaluated within
``managers.evaluation_within_days``; three years in post (``managers.evaluation_every_years``)
open another such task; the evaluation — by a branch head or a risk manager whose scope holds
the person's unit, never by the person evaluated — closes it and is listed in the
accountability trail.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.schedules import add_months
from domain.values import Role
from tests.api.conftest import Api, disburse
from tests.api.test_scope_over_http import refused_out_of_scope

BIG, SMALL = "MD-BIG-001", "MD-SMALL-01"


def tasks(api: Api, who: str, kind: str, on: date | str, after: int) -> list[dict[str, Any]]:
    answer = api.get(who, "/tasks", params={"kind": kind, "on": str(on), "after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def evaluation(occasion: str = "handover", **overrides: Any) -> dict[str, Any]:
    return {
        "occasion": occasion,
        "period_from": "2025-03-01",
        "period_to": "2025-04-01",
        "evaluated_on": "2025-04-10",
        "conclusion": "basically_competent",
        "findings": "贷后检查按期开展，但检查报告对资金流向分析不足。",
        "loan_nos": [BIG],
        **overrides,
    }


def test_a_loan_the_rules_name_needs_a_b_post_until_the_branch_head_assigns_one(
    api: Api,
) -> None:
    """Rows 002-12, 002-77."""
    disburse(api, SMALL)
    position = disburse(api, BIG, principal="5000000.00")["position"]

    found = tasks(api, "head", "b_post_assignment", "2025-03-02", position)
    assert [(t["loan_no"], t["owner_role"], t["kind_zh"]) for t in found] == [
        (BIG, "branch_head", "配置B岗")
    ], "the small loan needs no B岗"
    assert (
        found[0]["rule"] == "managers.b_post_required: borrower_type in ['corporate'] and "
        "principal >= 3000000"
    )
    loan = api.get("am", f"/loans/{BIG}").json()
    assert (loan["b_post_required"], loan["b_manager_id"]) == (True, None)
    assert api.get("am", f"/loans/{SMALL}").json()["b_post_required"] is False
    ledger = api.get(
        "head", "/registers/loan_ledger", params={"loan_no": BIG, "after": position}
    ).json()["data"]
    assert [(r["b_post_required"], r["b_manager"]) for r in ledger] == [(True, None)]

    assigned = api.post(
        "head",
        f"/loans/{BIG}/account-managers",
        {
            "a_manager_no": "AM001",
            "b_manager_no": "AM002",
            "assigned_on": "2025-03-05",
            "reason": "双人管户",
        },
    )
    assert assigned.status_code == 201, assigned.text
    after = assigned.json()["position"]
    assert tasks(api, "head", "b_post_assignment", "2025-03-06", after) == []
    ledger = api.get(
        "head", "/registers/loan_ledger", params={"loan_no": BIG, "after": after}
    ).json()["data"]
    assert [(r["b_post_required"], r["b_manager"]) for r in ledger] == [(True, "王芳")]


def test_an_evaluation_is_refused_to_the_person_evaluated_to_other_roles_and_out_of_scope(
    api: Api,
) -> None:
    """Row 000-60: nobody evaluates themselves; only a branch head or a risk manager, within
    their scope; only an account manager's duties; each refusal records nothing."""
    granted = api.post("admin", "/staff/RM001/roles", {"role": "account_manager"})
    assert granted.status_code == 201, granted.text
    far = api.post(
        "admin",
        "/staff",
        {"staff_no": "YY001", "name": "周建国", "branch": "营业部", "roles": ["branch_head"]},
    )
    assert far.status_code == 201, far.text
    api.headers["yy_head"] = {"Authorization": f"Bearer {far.json()['token']}"}
    before = api.counts()

    own = api.post("risk", "/staff/RM001/evaluations", evaluation())
    assert own.status_code == 403, own.text
    assert own.json()["error"] == "segregation_of_duties"
    wrong = api.post("am2", "/staff/AM001/evaluations", evaluation())
    assert wrong.status_code == 403, wrong.text
    assert wrong.json()["error"] == "role_not_permitted"
    refused_out_of_scope(api, api.post("yy_head", "/staff/AM001/evaluations", evaluation()), before)
    never = api.post("head", "/staff/RV001/evaluations", evaluation())
    assert never.status_code == 422, never.text
    assert (
        never.json()["detail"]["field"] == "staff_no"
        if "field" in never.json()["detail"]
        else "未曾担任客户经理" in never.json()["detail"]["zh"]
    )
    backwards = api.post("head", "/staff/AM001/evaluations", evaluation(period_to="2025-02-01"))
    assert backwards.status_code == 422, backwards.text
    blank = api.post("head", "/staff/AM001/evaluations", evaluation(findings="  "))
    assert blank.status_code == 422, blank.text
    assert api.counts() == before, "a refused evaluation records nothing"
    assert api.get("auditor", "/staff/AM001/evaluations").json()["count"] == 0


def test_a_handover_opens_the_evaluation_of_the_handing_manager_which_the_evaluation_closes(
    api: Api,
) -> None:
    """Row 000-60 (客户经理岗位变动前评定其贷后管理履职)."""
    disburse(api, BIG, principal="5000000.00")
    handed = api.post(
        "head",
        f"/loans/{BIG}/handovers",
        {"handed_over_on": "2025-04-01", "receiving_no": "AM002", "reason": "岗位调整"},
    )
    assert handed.status_code == 201, handed.text

    found = tasks(api, "risk", "duty_evaluation", "2025-04-02", handed.json()["position"])
    assert [(t["staff_no"], t["staff_name"], t["subject"], t["due_on"]) for t in found] == [
        ("AM001", "张伟（AM001）", f"handover:{BIG}", "2025-05-01")
    ]
    assert (found[0]["owner_role"], found[0]["branch"], found[0]["overdue"]) == (
        "branch_head",
        "城东支行",
        False,
    )
    assert found[0]["rule"] == f"managers.evaluation_within_days = 30 after handing over {BIG}"
    late = tasks(api, "head", "duty_evaluation", "2025-05-02", handed.json()["position"])
    assert [t["overdue"] for t in late] == [True]

    done = api.post("head", "/staff/AM001/evaluations", evaluation())
    assert done.status_code == 201, done.text
    assert tasks(api, "head", "duty_evaluation", "2025-05-02", done.json()["position"]) == []

    listed = api.get("auditor", "/staff/AM001/evaluations")
    assert listed.status_code == 200, listed.text
    (made,) = listed.json()["data"]
    assert (made["occasion_zh"], made["conclusion_zh"], made["evaluator_name"]) == (
        "岗位变动（移交）",
        "基本称职",
        "赵刚（BH001）",
    )
    assert (made["evaluated_on"], made["loan_nos"], made["evaluator_role"]) == (
        "2025-04-10",
        [BIG],
        "branch_head",
    )
    assert api.get("am", "/staff/AM001/evaluations").json()["count"] == 1, "one's own"
    assert api.get("am2", "/staff/AM001/evaluations").status_code == 403
    trail = api.get(
        "auditor",
        "/registers/accountability_trail/evaluations",
        params={"staff_no": "AM001", "after": done.json()["position"]},
    ).json()["data"]
    assert [(r["conclusion"], r["occasion"], r["evaluated_on"]) for r in trail] == [
        ("basically_competent", "handover", "2025-04-10")
    ]


def test_three_years_in_post_open_an_evaluation_of_the_account_managers_duties(
    api: Api,
) -> None:
    """Row 000-60 (客户经理任职满3年时评定其贷后管理履职)."""
    # An account manager enrolled three years and ten days ago, by the archive's clock then.
    now = api.archive.clock
    api.archive.clock = lambda: now() - timedelta(days=3 * 365 + 10)
    granted = api.archive.today()
    # (from the server console, as the demo enrols its people: the administrator enrolled
    # over HTTP holds no role three years back)
    enrolled = api.archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(
            staff_no="AM009", name="老客户经理", branch="城东支行", roles=[Role.ACCOUNT_MANAGER]
        ),
    )
    api.archive.clock = now
    position = enrolled.result.position
    due = add_months(granted, 36)

    assert tasks(api, "head", "duty_evaluation", due - timedelta(days=1), position) == [], (
        "not before three years in post"
    )
    found = tasks(api, "head", "duty_evaluation", due, position)
    assert [(t["staff_no"], t["opens_on"], t["subject"]) for t in found] == [
        ("AM009", due.isoformat(), f"in_post:{granted.isoformat()}")
    ], "those enrolled today have years to go"
    assert found[0]["rule"] == f"managers.evaluation_every_years = 3 from {granted.isoformat()}"
    assert found[0]["due_on"] == (due + timedelta(days=30)).isoformat()

    done = api.post(
        "risk",
        "/staff/AM009/evaluations",
        evaluation(
            "in_post",
            period_from=granted.isoformat(),
            period_to=due.isoformat(),
            evaluated_on=due.isoformat(),
            conclusion="competent",
            loan_nos=[],
        ),
    )
    assert done.status_code == 201, done.text
    later = done.json()["position"]
    assert tasks(api, "head", "duty_evaluation", api.archive.today(), later) == [], (
        "the next is due three years after the evaluation"
    )
