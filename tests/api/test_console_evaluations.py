"""Evaluations of account managers' post-loan duties through the console (row 000-60): the
branch head sees the evaluations due on the workbench, records one on the evaluations page —
a form left incomplete shows the field's message and records nothing — and the account manager
reads the evaluation of their own duties, with no form to record one."""

from __future__ import annotations

from domain.values import Role
from tests.api.console_harness import PEOPLE, Console

FINDINGS = "贷后检查按期开展，检查报告要素齐全，评定为称职。"


def test_the_branch_head_records_an_evaluation_and_the_account_manager_reads_it(
    console: Console,
) -> None:
    manager_no, manager = PEOPLE[Role.ACCOUNT_MANAGER]
    console.registers.wait(
        ["accountability_trail", "work_queue"],
        console.archive.recorder.max_notification_id() or 0,
        30,
    )
    console.as_role(Role.BRANCH_HEAD)
    bench = console.get("/")
    assert bench.status_code == 200
    assert 'data-testid="evaluations-due"' in bench.text
    page = console.get("/evaluations")
    assert page.status_code == 200
    assert 'data-testid="evaluate"' in page.text
    assert f"{manager}（{manager_no}）" in page.text
    token = console.csrf("/evaluations")
    before = console.archive.recorder.max_notification_id()
    incomplete = console.post(
        "/evaluations",
        {"csrf_token": token, "staff_no": manager_no, "occasion": "in_post", "findings": "x"},
    )
    assert incomplete.status_code == 422
    assert 'id="period_from-error"' in incomplete.text
    assert console.archive.recorder.max_notification_id() == before
    today = console.archive.today().isoformat()
    recorded = console.post(
        "/evaluations",
        {
            "csrf_token": token,
            "staff_no": manager_no,
            "occasion": "in_post",
            "period_from": today,
            "period_to": today,
            "evaluated_on": today,
            "conclusion": "competent",
            "findings": FINDINGS,
            "loan_nos": "",
        },
    )
    assert recorded.status_code == 303, recorded.text
    position = console.archive.recorder.max_notification_id() or 0
    assert position == (before or 0) + 1
    (made,) = console.archive.staff(manager_no).evaluations
    assert (made.conclusion.value, made.findings) == ("competent", FINDINGS)
    console.registers.wait(["accountability_trail"], position, 30)
    assert FINDINGS in console.get("/evaluations").text

    console.as_role(Role.ACCOUNT_MANAGER)
    own = console.get("/evaluations")
    assert own.status_code == 200
    assert FINDINGS in own.text
    assert 'data-testid="evaluate"' not in own.text
