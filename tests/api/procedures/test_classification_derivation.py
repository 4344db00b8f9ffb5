"""How a proposed grade was reached: 系统初始定级＋风险因子调整＋人工调整.

The account manager proposes 次级 for a loan 95 days overdue and records with the proposal the
credit management system's initial grade (关注), the grade after the risk factors (关注) and
those factors, and why the proposed grade departs from it: the register of proposals shows all
four beside the proposed grade. A grade after risk factors without the initial grade it adjusts
is refused, naming the field, and records nothing.
"""

from __future__ import annotations

from tests.api.conftest import Api, disburse
from tests.api.procedures.test_classification_steps import (
    BASE,
    LOAN,
    overdue,
    proposal_row,
    refused,
)

DERIVATION = {
    "system_grade": "special_mention",
    "factor_grade": "special_mention",
    "risk_factors": "逾期天数 +1 档；行业景气度下行 0 档",
    "adjustment_reason": "实地检查发现已停产，人工下调为次级",
}


def test_a_proposal_records_the_system_grade_the_risk_factors_and_the_manual_adjustment(
    api: Api,
) -> None:
    """Row 003-85."""
    disburse(api, LOAN)
    overdue(api, 95)
    proposal = {"grade": "substandard", "reason": "逾期95天", "as_of": "2025-09-01"}

    before = api.counts()
    alone = api.post("am", BASE, {**proposal, "factor_grade": "special_mention"})
    assert refused(api, alone, before, 422, "invalid_input")["context"]["field"] == "system_grade"

    answer = api.post("am", BASE, {**proposal, **DERIVATION})
    assert answer.status_code == 201, answer.text
    row = proposal_row(api)
    assert {k: row[k] for k in (*DERIVATION, "grade")} == {**DERIVATION, "grade": "substandard"}
