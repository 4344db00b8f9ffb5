"""The bank's calendar (工作日历) in working-day deadlines, over the API on both stores.

A corporate loan signed on Tuesday 30 September 2025, the eve of 国庆节/中秋节 (1–8 October off,
Sunday 28 September and Saturday 11 October worked, ``[calendar.2025]`` of the shipped rules):
its contract originals are due three working days later (``transfers.originals_working_days``)
— Thursday 9, Friday 10 and Saturday 11 October, not Friday 3 October as counting weekends only
would have it — in the work queue and on the transfer list alike; an inspection made that day
is countersigned within five working days (``inspections.countersign_days``): by Tuesday
14 October, so a countersign that day is on time.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse
from tests.factories import answered

LOAN = "WC-001"
ITEMS = [{"doc_type": "loan_contract", "title": "借款合同", "pages": 6}]


def tasks(api: Api, who: str, kind: str, on: str, after: int) -> list[dict[str, Any]]:
    answer = api.get(who, "/tasks", params={"kind": kind, "on": on, "after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def test_working_day_deadlines_skip_the_national_day_holiday_and_count_its_make_up_saturday(
    api: Api,
) -> None:
    """Docs/rules.md CUS-02, INS-24, TSK-07 (the holiday calendar of the rules in force)."""
    position = disburse(api, LOAN, value_date="2025-09-30", maturity_date="2026-09-30")["position"]
    queued = tasks(api, "head", "originals_transfer", "2025-10-10", position)
    assert [(t["due_on"], t["overdue"]) for t in queued] == [("2025-10-11", False)]
    assert queued[0]["rule"] == "transfers.originals_working_days = 3"

    listed = api.post(
        "am",
        f"/loans/{LOAN}/dossier/transfers",
        {"kind": "originals", "items": ITEMS, "listed_on": "2025-10-11"},
    )
    assert listed.status_code == 201, listed.text
    assert listed.json()["ids"]["due_on"] == "2025-10-11"  # listed on the make-up Saturday
    assert tasks(api, "head", "originals_transfer", "2025-10-11", listed.json()["position"]) == []

    checklist = api.get("am", f"/loans/{LOAN}/inspection-checklist?kind=first_follow_up").json()
    recorded = api.post(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "first_follow_up",
            "inspected_on": "2025-09-30",
            "reviewer_no": "RV001",
            "findings": "企业经营正常，节前备货充足",
            **(answered(checklist["code"]) if checklist["applies"] else {}),
        },
    )
    assert recorded.status_code == 201, recorded.text
    waiting = tasks(api, "head", "countersign", "2025-10-09", recorded.json()["position"])
    assert [t["due_on"] for t in waiting] == ["2025-10-14"]
    inspection_id = recorded.json()["ids"]["inspection_id"]
    signed = api.post(
        "reviewer",
        f"/loans/{LOAN}/inspections/{inspection_id}/countersign",
        {"opinion": "同意检查结论", "countersigned_on": "2025-10-14"},
    )
    assert signed.status_code == 201, signed.text
    [read] = api.get("am", f"/loans/{LOAN}").json()["inspection_records"]
    # On time: weekends only, the deadline would have been Tuesday 7 October, in the holiday.
    assert (read["countersign_due_on"], read["countersign_late"]) == ("2025-10-14", False)
