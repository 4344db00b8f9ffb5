"""Feedback from the operating branches (经办行反馈问题), handled in time to its closing.

Row 000-45 (公司业务部负责及时处理经办行、其他部门在贷后管理中发现的问题和反馈的信息). An account
manager of 城东支行 raises a problem about one of its loans to the post-loan and risk department
(numbered 反馈〔2025〕第0001号, due in 5 working days, ``[feedback]``); a risk manager assigns it to
a post-loan officer, who answers with the measures taken; the account manager sends it back,
then closes it on the second answer. Each step is a task of whose turn it is in the work queue;
the feedback register lists it with its export. Unanswered past its deadline, the raiser
escalates it to the branch head, who assigns it again. Each step by the wrong person is
refused, nothing recorded.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tests.api.conftest import Api, disburse

LOAN = "FB-001"


def ok(answer: Any) -> Any:
    assert answer.status_code == 201, answer.text
    return answer.json()


def refused(api: Api, answer: Any, status: int, *words: str) -> None:
    before = api.counts()
    assert answer.status_code == status, answer.text
    text = json.dumps(answer.json(), ensure_ascii=False)
    for word in words:
        assert word in text, text
    assert api.counts() == before


def raise_feedback(api: Api, **overrides: Any) -> Any:
    body = {
        "topic": "loan",
        "loan_no": LOAN,
        "description": "借款人申请变更还款账户，系统无法登记新账户，影响扣款",
        "raised_on": "2025-06-02",
        **overrides,
    }
    return api.post("am", "/feedback", body)


def tasks(
    api: Api, who: str, on: str, after: int, kind: str, path: str = "/tasks/mine"
) -> list[dict[str, Any]]:
    """The tasks of ``kind`` open on ``on``: the person's own, or (``path="/tasks"``) all those
    within their scope — a task of a role, not yet of anyone."""
    answer = api.get(who, path, params={"kind": kind, "on": on, "after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def step(api: Api, who: str, feedback_id: str, verb: str, body: dict[str, Any]) -> Any:
    return api.post(who, f"/feedback/{feedback_id}/{verb}", body)


def test_a_branch_raises_feedback_answered_with_measures_sent_back_then_closed(
    api: Api,
) -> None:
    """Row 000-45: raised, assigned, answered, sent back, answered again, closed — each step a
    task of whose turn it is, each by its own person; the register shows every step."""
    disburse(api, LOAN)
    refused(api, raise_feedback(api, loan_no=None), 422, "loan_no")
    made = ok(raise_feedback(api))
    feedback_id, feedback_no = made["ids"]["feedback_id"], made["ids"]["feedback_no"]
    assert feedback_no == "反馈〔2025〕第0001号"
    read = api.get("am", f"/feedback/{feedback_id}").json()
    assert (read["branch"], read["raised_by"], read["answer_due"], read["state"]) == (
        "城东支行",
        "张伟（AM001）",
        "2025-06-09",  # 5 working days
        "raised",
    )
    [assign] = tasks(api, "risk", "2025-06-02", made["position"], "feedback_assignment", "/tasks")
    assert (assign["subject"], assign["due_on"], assign["owner_role"]) == (
        feedback_no,
        "2025-06-03",
        "risk_manager",
    )

    refused(
        api,
        step(
            api,
            "head",
            feedback_id,
            "assignment",
            {"handler_no": "PL001", "assigned_on": "2025-06-03"},
        ),
        403,
        "风险管理部门分派",
    )
    refused(
        api,
        step(
            api,
            "risk",
            feedback_id,
            "assignment",
            {"handler_no": "AM001", "assigned_on": "2025-06-03"},
        ),
        403,
        "反馈人本人",
    )
    assigned = ok(
        step(
            api,
            "risk",
            feedback_id,
            "assignment",
            {"handler_no": "PL001", "assigned_on": "2025-06-03"},
        )
    )
    [answer] = tasks(api, "officer", "2025-06-03", assigned["position"], "feedback_answer")
    assert (answer["due_on"], answer["owner_name"]) == ("2025-06-09", "刘洋（PL001）")

    reply = {
        "answered_on": "2025-06-05",
        "answer": "已在信贷系统开通账户变更功能",
        "measures": "补录新还款账户并发起扣款测试",
    }
    refused(api, step(api, "risk", feedback_id, "answer", reply), 403, "被分派的处理人")
    answered = ok(step(api, "officer", feedback_id, "answer", reply))
    [close] = tasks(api, "am", "2025-06-05", answered["position"], "feedback_closure")
    assert (close["due_on"], close["owner_name"]) == ("2025-06-12", "张伟（AM001）")

    back = {"concluded_on": "2025-06-06", "accepted": False, "opinion": "扣款测试仍失败"}
    refused(api, step(api, "officer", feedback_id, "conclusion", back), 403)
    returned = ok(step(api, "am", feedback_id, "conclusion", back))
    [again] = tasks(api, "officer", "2025-06-06", returned["position"], "feedback_answer")
    assert again["due_on"] == "2025-06-13"  # 5 working days after it was sent back
    ok(step(api, "officer", feedback_id, "answer", {**reply, "answered_on": "2025-06-09"}))
    closed = ok(
        step(
            api,
            "am",
            feedback_id,
            "conclusion",
            {"concluded_on": "2025-06-10", "opinion": "扣款已成功，问题解决"},
        )
    )
    assert tasks(api, "am", "2025-06-20", closed["position"], "feedback_closure") == []
    refused(api, step(api, "officer", feedback_id, "answer", reply), 409, "已办结")

    listing = api.get(
        "auditor", "/registers/feedback_register", params={"after": closed["position"]}
    )
    assert listing.status_code == 200, listing.text
    [row] = listing.json()["data"]
    assert {
        k: row[k]
        for k in (
            "feedback_no",
            "branch",
            "staff_id_name",
            "topic",
            "about_loan_no",
            "handler_id_name",
            "answered_on",
            "answered_late",
            "measures",
            "returned",
            "closed_on",
            "state",
        )
    } == {
        "feedback_no": feedback_no,
        "branch": "城东支行",
        "staff_id_name": "张伟（AM001）",
        "topic": "loan",
        "about_loan_no": LOAN,
        "handler_id_name": "刘洋（PL001）",
        "answered_on": "2025-06-09",
        "answered_late": False,
        "measures": "补录新还款账户并发起扣款测试",
        "returned": 1,
        "closed_on": "2025-06-10",
        "state": "closed",
    }
    exported = api.get(
        "auditor",
        "/registers/feedback_register",
        params={"after": closed["position"], "format": "csv"},
    )
    assert exported.status_code == 200, exported.text
    [line] = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert (line["反馈编号"], line["处理人"], line["状态"]) == (
        feedback_no,
        "刘洋（PL001）",
        "已办结",
    )


def test_feedback_unanswered_past_its_deadline_is_escalated_and_assigned_again(
    api: Api,
) -> None:
    """Row 000-45: feedback about a rule, not answered by its deadline, is escalated by its
    raiser (not before the deadline, not by another) to the branch head, whose task it is to
    assign it again; reassigned, it is due 5 working days later."""
    made = ok(
        raise_feedback(
            api, topic="rule", loan_no=None, reference="INS-11", description="专项检查时限过短"
        )
    )
    feedback_id = made["ids"]["feedback_id"]
    ok(
        step(
            api,
            "risk",
            feedback_id,
            "assignment",
            {"handler_no": "RM002", "assigned_on": "2025-06-02"},
        )
    )
    early = {"escalated_on": "2025-06-09", "reason": "逾期未答复"}
    refused(api, step(api, "am", feedback_id, "escalation", early), 409, "答复期限")
    late = {"escalated_on": "2025-06-10", "reason": "逾期未答复"}
    refused(api, step(api, "officer", feedback_id, "escalation", late), 403)
    escalated = ok(step(api, "am", feedback_id, "escalation", late))
    [assign] = tasks(
        api, "head", "2025-06-10", escalated["position"], "feedback_assignment", "/tasks"
    )
    assert (assign["owner_role"], assign["due_on"]) == ("branch_head", "2025-06-11")
    reassigned = ok(
        step(
            api,
            "head",
            feedback_id,
            "assignment",
            {"handler_no": "RM001", "assigned_on": "2025-06-11"},
        )
    )
    read = api.get("risk", f"/feedback/{feedback_id}").json()
    assert (read["handler"], read["answer_due"], read["escalated_to"]) == (
        "陈静（RM001）",
        "2025-06-18",
        "branch_head",
    )
    [answer] = tasks(api, "risk", "2025-06-11", reassigned["position"], "feedback_answer")
    assert answer["due_on"] == "2025-06-18"
