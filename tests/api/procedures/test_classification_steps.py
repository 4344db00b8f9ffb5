"""Five-level classification in three steps, 初分 → 认定 → 审批, by three different people.

A corporate loan of 城东支行 is 95 days overdue on 1 September 2025 (floor: 次级). The account
manager proposes (初分); the branch's credit management — a reviewer (复核人) or the branch
head — determines (认定), confirming the grade or setting another with the reason; a risk
manager approves (审批) the determined grade. Whoever proposed may not determine, whoever
determined may not approve, a determination above the statutory floor is refused, and while the
rules in force require 认定 (``[classification] determination_required``) an approval without it
is refused; under a rule set adopted before that key existed, the two steps of old still hold.
Every refusal records nothing. Through the HTTP API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from typing import Any

from domain.rules import RuleSet, shipped_rules
from tests.api.conftest import Api, disburse, pdf

LOAN = "DK2025000321"
CJK = re.compile(r"[\u4e00-\u9fff]")
BASE = f"/loans/{LOAN}/classifications"
FORM = [
    ("classification_form", ("五级分类认定表.pdf", pdf("classification form"), "application/pdf"))
]


def overdue(api: Api, days: int) -> None:
    answer = api.post(
        "officer",
        f"/loans/{LOAN}/overdue-status",
        {
            "as_of": "2025-09-01",
            "days_overdue": days,
            "overdue_principal": "10000.00",
            "overdue_interest": "0.00",
        },
    )
    assert answer.status_code == 201, answer.text


def propose(api: Api, grade: str = "substandard", sub_grade: str | None = "substandard_1") -> str:
    answer = api.post(
        "am",
        BASE,
        {"grade": grade, "sub_grade": sub_grade, "reason": "逾期95天", "as_of": "2025-09-01"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ids"]["proposal_id"])


def determine(api: Api, who: str, proposal: str, grade: str, sub_grade: str | None) -> Any:
    return api.post(
        who,
        f"{BASE}/{proposal}/determine",
        {"grade": grade, "sub_grade": sub_grade, "reason": "经营恶化，认定为次级二级"},
    )


def approve(api: Api, who: str, proposal: str) -> Any:
    return api.upload(who, f"{BASE}/{proposal}/approve", {"reason": "同意"}, FORM)


def refused(api: Api, answer: Any, before: tuple[int, int, int], status: int, error: str) -> Any:
    """The refusal's status and code, in Chinese and English, with nothing recorded."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error, body
    assert CJK.search(body["detail"]["zh"]), body
    assert re.search(r"[a-z]", body["detail"]["en"]), body
    assert api.counts() == before, "a refusal records nothing"
    return body


def proposal_row(api: Api) -> dict[str, Any]:
    """The loan's latest proposal in the classification register, read after the last command."""
    after = api.archive.recorder.max_notification_id()
    answer = api.get(
        "head",
        f"/registers/classification_register/proposals?after={after}&loan_no={LOAN}"
        "&sort=-proposed_at&limit=1",
    )
    assert answer.status_code == 200, answer.text
    row: dict[str, Any] = answer.json()["data"][0]
    return row


def test_three_people_propose_determine_and_approve_the_determined_grade(api: Api) -> None:
    """Rows 000-21, 000-65, 003-71, 002-107, and the rulebook's 初分→认定→审批 row: the account
    manager proposes 次级一级, the reviewer determines 次级二级 with the reason, a risk manager
    approves, and the loan takes the determined grade; the register shows each stage, the
    determiner and the determined grade, and the trail names all three people."""
    disburse(api, LOAN)
    overdue(api, 95)
    proposal = propose(api)
    assert proposal_row(api)["status"] == "awaiting_determination"  # 待认定

    determined = determine(api, "reviewer", proposal, "substandard", "substandard_2")
    assert determined.status_code == 201, determined.text
    row = proposal_row(api)
    assert row["status"] == "pending"  # 待审批
    assert (row["grade"], row["sub_grade"]) == ("substandard", "substandard_1")
    assert (row["determined_grade"], row["determined_sub_grade"]) == (
        "substandard",
        "substandard_2",
    )
    assert row["determiner_role"] == "reviewer"
    assert row["determination_reason"] == "经营恶化，认定为次级二级"

    approved = approve(api, "risk", proposal)
    assert approved.status_code == 201, approved.text
    loan = api.get("head", f"/loans/{LOAN}").json()
    assert (loan["grade"], loan["sub_grade"]) == ("substandard", "substandard_2")
    assert proposal_row(api)["status"] == "approved"  # 已批准

    events = api.get("head", f"/loans/{LOAN}/events").json()["data"]
    actors = {e["type"].rsplit(".", 1)[-1]: e["actor_id"] for e in events}
    three = [
        actors[n]
        for n in ("ClassificationProposed", "ClassificationDetermined", "ClassificationApproved")
    ]
    assert len(set(three)) == 3, three
    assert str(row["determined_by"]) == actors["ClassificationDetermined"]

    after = api.archive.recorder.max_notification_id()
    trail = api.get(
        "auditor", f"/registers/accountability_trail/loans/{LOAN}/responsibility?after={after}"
    )
    assert trail.status_code == 200, trail.text
    classified = trail.json()["classifications"]
    determined_entry = next(e for e in classified if e["event"] == "ClassificationDetermined")
    assert determined_entry["classification_determiner"]["name"] == "李娜"
    assert determined_entry["on"] == "2025-09-01"  # the proposal's base date
    approval = next(e for e in classified if e["event"] == "ClassificationApproved")
    assert approval["classification_determiner"]["staff_no"] == "RV001"
    assert approval["classification_approver"]["staff_no"] == "RM001"
    assert approval["proposer"]["staff_no"] == "AM001"


def test_the_proposer_may_not_determine_nor_the_determiner_approve(api: Api) -> None:
    """Rows 000-65, 003-71 and the rulebook's 初分→认定→审批 row: the proposer's determination
    and the determiner's approval are refused (403), nothing recorded."""
    grant = api.post("admin", "/staff/AM001/roles", {"role": "reviewer"})
    assert grant.status_code == 201, grant.text
    grant = api.post("admin", "/staff/RV001/roles", {"role": "risk_manager"})
    assert grant.status_code == 201, grant.text
    disburse(api, LOAN)
    overdue(api, 95)
    proposal = propose(api)

    before = api.counts()
    answer = api.post(
        "am",
        f"{BASE}/{proposal}/determine",
        {"grade": "substandard", "sub_grade": "substandard_1", "reason": "同意"},
        headers={"X-Dossier-Role": "reviewer"},
    )
    body = refused(api, answer, before, 403, "segregation_of_duties")
    assert "认定" in body["detail"]["zh"]

    assert determine(api, "reviewer", proposal, "substandard", "substandard_1").status_code == 201
    before = api.counts()
    answer = api.upload(
        "reviewer",
        f"{BASE}/{proposal}/approve",
        {"reason": "同意"},
        FORM,
        headers={"X-Dossier-Role": "risk_manager"},
    )
    body = refused(api, answer, before, 403, "segregation_of_duties")
    assert "认定人" in body["detail"]["zh"]
    # Nor may an account manager determine, nor a reviewer approve: the roles are apart.
    assert approve(api, "risk", proposal).status_code == 201


def test_a_determination_better_than_the_floor_is_refused(api: Api) -> None:
    """Rows 000-21 and the rulebook's 初分→认定→审批 row: 95 days overdue, the floor is 次级;
    a determination of 关注 is refused (409) naming the floor, nothing recorded."""
    disburse(api, LOAN)
    overdue(api, 95)
    proposal = propose(api)
    before = api.counts()
    answer = determine(api, "head", proposal, "special_mention", "special_mention_3")
    body = refused(api, answer, before, 409, "classification_floor")
    assert "次级" in body["detail"]["zh"]
    assert body["context"]["floor"] == "substandard"


def test_approval_without_determination_is_refused_under_the_rules_in_force(api: Api) -> None:
    """Row 000-65 and the rulebook's 初分→认定→审批 row: the shipped rules require 认定; an
    approval straight after the proposal is refused (409) naming the missing 认定, nothing
    recorded; a determination may also send the proposal back (reject)."""
    disburse(api, LOAN)
    overdue(api, 95)
    proposal = propose(api)
    before = api.counts()
    body = refused(
        api, approve(api, "risk", proposal), before, 409, "classification_not_determined"
    )
    assert "认定" in body["detail"]["zh"]
    assert "determin" in body["detail"]["en"]

    sent_back = api.post("reviewer", f"{BASE}/{proposal}/reject", {"reason": "依据不足，退回"})
    assert sent_back.status_code == 201, sent_back.text
    row = proposal_row(api)
    assert (row["status"], row["decided_role"]) == ("rejected", "reviewer")  # 已否决, 退回


def test_approval_without_determination_holds_under_earlier_rules(api: Api) -> None:
    """Rows 000-21, 000-65 and the rulebook's 初分→认定→审批 row: a rule set adopted before
    ``determination_required`` existed reads it as false — two steps, as before, until the new
    rules are adopted; then 认定 is required again."""
    source: dict[str, Any] = json.loads(json.dumps(dict(shipped_rules().source)))
    del source["classification"]["determination_required"]
    del source["tasks"]["owners"]["reclassification_awaiting_determination"]
    earlier = RuleSet.from_mapping(source)
    assert earlier.determination_required is False
    assert api.archive.adopt_rules(earlier, source="an earlier rule set")

    disburse(api, LOAN)
    overdue(api, 95)
    proposal = propose(api)
    assert proposal_row(api)["status"] == "pending"  # 待审批, no 认定
    approved = approve(api, "risk", proposal)
    assert approved.status_code == 201, approved.text
    assert api.get("head", f"/loans/{LOAN}").json()["grade"] == "substandard"

    assert api.archive.adopt_rules(shipped_rules(), source="archive/rules.toml")
    again = propose(api, "doubtful", "doubtful")
    before = api.counts()
    refused(api, approve(api, "risk", again), before, 409, "classification_not_determined")
