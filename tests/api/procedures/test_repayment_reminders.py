"""The repayment reminder given (还款提醒) and the overdue contingency plan (逾期应急预案).

Three days before the first instalment (1 June 2025) the account manager's reminder task opens;
the reminder went out by SMS (the bank's messaging platform sends it) to the borrower's finance
manager: recorded as the phone visit with its channel and whom it reached, it closes the task and
the loan read shows how and to whom. The loan then falls 5 days overdue and the post-loan officer
starts the overdue contingency plan on the collection ladder (启动逾期应急预案), listed among the
collection steps. A channel on anything but a phone visit is refused and records nothing.
"""

from __future__ import annotations

from tests.api.conftest import Api, disburse, free_text_inspections
from tests.api.procedures.test_collection_rungs import step
from tests.api.test_tasks_over_http import mine

LOAN = "RR-001"
VISIT = {
    "kind": "phone_visit",
    "inspected_on": "2025-05-29",
    "reviewer_no": "RV001",
    "findings": "短信提示借款人 6 月 1 日应还本息，借款人回复已备足资金",
    "counterpart": "借款人财务经理王芳",
    "reminder_channel": "sms",
}


def test_the_reminder_records_its_channel_and_a_contingency_plan_starts_on_the_ladder(
    api: Api,
) -> None:
    """Rows 003-36, 003-52."""
    free_text_inspections(api.archive)
    position = disburse(api, LOAN)["position"]
    reminders = mine(api, "am", "on=2025-05-29&kind=repayment_reminder", position)["data"]
    assert [(t["loan_no"], t["subject"]) for t in reminders] == [(LOAN, "2025-06-01")]

    before = api.counts()
    wrong = api.post("am", f"/loans/{LOAN}/inspections", {**VISIT, "kind": "routine"})
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["context"]["field"] == "reminder_channel"
    assert api.counts() == before, "a refusal records nothing"

    visited = api.post("am", f"/loans/{LOAN}/inspections", VISIT)
    assert visited.status_code == 201, visited.text
    after = visited.json()["position"]
    assert mine(api, "am", "on=2025-05-29&kind=repayment_reminder", after)["data"] == []
    (record,) = api.get("am", f"/loans/{LOAN}").json()["inspection_records"]
    assert (record["reminder_channel"], record["counterpart"], record["inspected_on"]) == (
        "sms",
        "借款人财务经理王芳",
        "2025-05-29",
    )

    overdue = api.post(
        "officer",
        f"/loans/{LOAN}/overdue-status",
        {
            "as_of": "2025-06-06",
            "days_overdue": 5,
            "overdue_principal": "83333.33",
            "overdue_interest": "0.00",
        },
    )
    assert overdue.status_code == 201, overdue.text
    plan = step(api, "officer", "contingency_plan", "2025-06-06", 5, loan_no=LOAN)
    assert plan.status_code == 201, plan.text
    steps = api.get(
        "auditor",
        f"/registers/overdue_ledger/steps?loan_no={LOAN}&after={plan.json()['position']}",
    ).json()["data"]
    assert [(s["kind"], s["taken_on"]) for s in steps] == [("contingency_plan", "2025-06-06")]
