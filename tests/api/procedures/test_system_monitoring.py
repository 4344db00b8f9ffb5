"""System monitoring (系统监测): an off-site inspection names the systems it queried.

The account manager checks the borrower off-site through the credit management system
(信贷管理系统) and the PBoC credit registry (人行征信): the off-site inspection records both
systems and the findings, and the loan read shows them. A system named twice, or systems on an
on-site inspection, are refused naming the field and record nothing.
"""

from __future__ import annotations

from tests.api.conftest import Api, disburse, free_text_inspections

LOAN = "SM-001"
CHECK = {
    "kind": "off_site",
    "inspected_on": "2025-04-10",
    "reviewer_no": "RV001",
    "findings": "信贷管理系统无新增风险提示；人行征信显示他行新增贷款 200 万元，无逾期",
    "systems_queried": ["credit_management", "pboc_credit"],
}


def test_an_off_site_inspection_records_the_systems_it_queried(api: Api) -> None:
    """Row 004-21."""
    free_text_inspections(api.archive)
    disburse(api, LOAN)

    before = api.counts()
    for wrong in (
        {"systems_queried": ["pboc_credit", "pboc_credit"]},
        {"kind": "on_site"},
    ):
        answer = api.post("am", f"/loans/{LOAN}/inspections", {**CHECK, **wrong})
        assert answer.status_code == 422, answer.text
        assert answer.json()["context"]["field"] == "systems_queried"
    assert api.counts() == before, "a refusal records nothing"

    checked = api.post("am", f"/loans/{LOAN}/inspections", CHECK)
    assert checked.status_code == 201, checked.text
    (record,) = api.get("am", f"/loans/{LOAN}").json()["inspection_records"]
    assert (record["kind"], record["systems_queried"], record["findings"]) == (
        "off_site",
        ["credit_management", "pboc_credit"],
        CHECK["findings"],
    )
