"""Refusals: each answered with its status and a bilingual error body, changing nothing.

After every refusal the number of stored events and of stored blobs is what it
was before — including refusals of commands that carried documents.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import DISBURSEMENT, Api, disburse, limited_archive, pdf

LOAN = "DK2025000201"
CJK = re.compile(r"[\u4e00-\u9fff]")


def refused(
    api: Api, answer: Any, before: tuple[int, int], status: int, error: str
) -> dict[str, Any]:
    """Assert the refusal's status, error code, bilingual detail — and that nothing changed."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error, body
    assert CJK.search(body["detail"]["zh"]), body
    assert re.search(r"[a-z]", body["detail"]["en"]), body
    assert api.counts() == before, "a refused command must record nothing and store nothing"
    return body


def overdue(api: Api, days: int, as_of: str = "2025-09-01") -> None:
    amount = "0.00" if days == 0 else "10000.00"
    answer = api.post(
        "officer",
        f"/loans/{LOAN}/overdue-status",
        {
            "as_of": as_of,
            "days_overdue": days,
            "overdue_principal": amount,
            "overdue_interest": "0.00",
        },
    )
    assert answer.status_code == 201, answer.text


def propose(api: Api, grade: str, who: str = "am") -> str:
    answer = api.post(
        who,
        f"/loans/{LOAN}/classifications",
        {"grade": grade, "reason": "按逾期天数分类", "as_of": "2025-09-01"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ids"]["proposal_id"])


def test_approving_a_grade_better_than_the_statutory_floor_is_refused_naming_the_floor(
    api: Api,
) -> None:
    disburse(api, LOAN)
    overdue(api, 35)
    proposal = propose(api, "special_mention")
    determined = api.post(
        "reviewer",
        f"/loans/{LOAN}/classifications/{proposal}/determine",
        {"grade": "special_mention", "reason": "认定为关注"},
    )
    assert determined.status_code == 201, determined.text
    # Past 90 days before the approval: the floor the approval meets is 次级.
    overdue(api, 95)
    before = api.counts()
    answer = api.upload(
        "risk",
        f"/loans/{LOAN}/classifications/{proposal}/approve",
        {"reason": "同意"},
        [("classification_form", ("五级分类认定表.pdf", pdf("form"), "application/pdf"))],
    )
    body = refused(api, answer, before, 409, "classification_floor")
    assert "次级" in body["detail"]["zh"]
    assert "substandard" in body["detail"]["en"]
    assert body["context"]["floor"] == "substandard"


def test_approving_ones_own_proposal_is_refused(api: Api) -> None:
    api.post(
        "admin", "/staff/AM001/roles", {"role": "risk_manager"}
    )  # refused below: 三员分立 holds
    disburse(api, LOAN)
    # A person who proposes as account manager cannot approve, even holding the risk role.
    grant = api.post("admin", "/staff/RM001/roles", {"role": "post_loan_officer"})
    assert grant.status_code == 201, grant.text
    proposal = propose(api, "special_mention", who="risk")  # acts as post-loan officer
    before = api.counts()
    answer = api.post(
        "risk",
        f"/loans/{LOAN}/classifications/{proposal}/approve",
        {"reason": "同意"},
        headers={"X-Dossier-Role": "risk_manager"},
    )
    refused(api, answer, before, 403, "segregation_of_duties")


def test_an_inspection_whose_reviewer_is_its_inspector_is_refused(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.upload(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "routine",
            "inspected_on": "2025-04-01",
            "reviewer_no": "AM001",
            "findings": "正常",
        },
        [("inspection_report", ("贷后检查报告.pdf", pdf("report"), "application/pdf"))],
    )
    body = refused(api, answer, before, 403, "segregation_of_duties")
    assert "reviewer" in body["detail"]["en"]


def test_an_inspection_dated_after_today_is_422_naming_the_field_and_stores_nothing(
    api: Api,
) -> None:
    disburse(api, LOAN)
    tomorrow = api.archive.today() + timedelta(days=1)
    before = api.counts()
    answer = api.upload(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "routine",
            "inspected_on": tomorrow.isoformat(),
            "reviewer_no": "RV001",
            "findings": "正常",
        },
        [("inspection_report", ("贷后检查报告.pdf", pdf("report"), "application/pdf"))],
    )
    body = refused(api, answer, before, 422, "date_in_future")
    assert body["context"]["field"] == "inspected_on"
    assert "inspected_on" in body["detail"]["en"]
    assert "检查日期（inspected_on）" in body["detail"]["zh"]


def test_a_step_dated_before_the_one_it_follows_is_422_date_out_of_order(api: Api) -> None:
    disburse(api, LOAN)
    raised = api.post(
        "officer",
        f"/loans/{LOAN}/warnings",
        {"colour": "yellow", "code": "FIN-03", "raised_on": "2025-05-10", "reason": "减产"},
    )
    assert raised.status_code == 201, raised.text
    signal_id = raised.json()["ids"]["signal_id"]
    before = api.counts()
    answer = api.post(
        "risk",
        f"/loans/{LOAN}/warnings/{signal_id}/handle",
        {"handled_on": "2025-05-09", "measures": "走访"},
    )
    body = refused(api, answer, before, 422, "date_out_of_order")
    assert body["context"] == {
        "field": "handled_on",
        "value": "2025-05-09",
        "since_field": "raised_on",
        "since": "2025-05-10",
    }


@pytest.mark.parametrize(
    ("parties", "status", "error", "says"),
    [
        ({"approver": "PL001"}, 403, "segregation_of_duties", "branch head or risk manager"),
        ({"approver": "AM001"}, 403, "segregation_of_duties", "other than its investigator"),
        (
            {"investigator": "AM002", "approver": "AM002"},
            403,
            "segregation_of_duties",
            "other than its investigator",
        ),
        (
            {"origination_reviewer": "RM001", "approver": "RM001"},
            403,
            "segregation_of_duties",
            "other than its origination reviewer",
        ),
        ({"origination_reviewer": "AM001"}, 403, "segregation_of_duties", "reviewer must be"),
        ({"approver": "BH999"}, 404, "not_found", "approver: staff member BH999"),
        ({"origination_reviewer": "RV999"}, 404, "not_found", "origination_reviewer"),
        ({"investigator": "AM999"}, 404, "not_found", "investigator"),
    ],
    ids=[
        "approver-without-approving-role",
        "approver-is-the-account-manager",
        "approver-is-the-named-investigator",
        "approver-is-the-reviewer",
        "reviewer-is-the-investigator",
        "unknown-approver",
        "unknown-reviewer",
        "unknown-investigator",
    ],
)
def test_a_disbursement_naming_a_bad_origination_party_is_refused(
    api: Api, parties: dict[str, str], status: int, error: str, says: str
) -> None:
    before = api.counts()
    answer = api.upload(
        "am",
        "/loans",
        {**DISBURSEMENT, "loan_no": LOAN, **parties},
        [
            ("loan_contract", ("借款合同.pdf", pdf("contract"), "application/pdf")),
            ("approval", ("审批书.pdf", pdf("approval"), "application/pdf")),
        ],
    )
    body = refused(api, answer, before, status, error)
    assert says in body["detail"]["en"]
    assert api.get("am", f"/loans/{LOAN}").status_code == 404


def test_a_role_not_allowed_for_the_command_is_refused(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.post(
        "auditor",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-04-01", "principal": "100.00", "interest": "0.00"},
    )
    body = refused(api, answer, before, 403, "role_not_permitted")
    assert "account_manager" in body["context"]["allowed"]


def test_an_administrator_cannot_record_business_actions(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.post(
        "admin",
        f"/loans/{LOAN}/overdue-status",
        {
            "as_of": "2025-09-01",
            "days_overdue": 3,
            "overdue_principal": "10.00",
            "overdue_interest": "0.00",
        },
    )
    refused(api, answer, before, 403, "administrator_business_action")
    refused(api, api.get("admin", f"/loans/{LOAN}"), before, 403, "administrator_business_action")


def test_business_users_cannot_grant_roles(api: Api) -> None:
    before = api.counts()
    answer = api.post("head", "/staff/AM001/roles", {"role": "risk_manager"})
    refused(api, answer, before, 403, "segregation_of_duties")


def test_an_administrator_cannot_also_hold_a_business_role(api: Api) -> None:
    api.post(
        "admin",
        "/staff",
        {"staff_no": "ADM02", "name": "管理员乙", "branch": "总行", "roles": ["administrator"]},
    )
    before = api.counts()
    answer = api.post("admin", "/staff/ADM02/roles", {"role": "risk_manager"})
    refused(api, answer, before, 403, "segregation_of_duties")


def test_an_unknown_loan_is_404(api: Api) -> None:
    before = api.counts()
    answer = api.upload(
        "am",
        "/loans/DK0000000000/inspections",
        {
            "kind": "routine",
            "inspected_on": "2025-04-01",
            "reviewer_no": "RV001",
            "findings": "正常",
        },
        [("inspection_report", ("贷后检查报告.pdf", pdf("report"), "application/pdf"))],
    )
    refused(api, answer, before, 404, "not_found")
    refused(api, api.get("am", "/loans/DK0000000000"), before, 404, "not_found")


@pytest.mark.parametrize("case", ["settle_twice", "inspect_settled", "clear_unraised"])
def test_an_invalid_transition_is_409(api: Api, case: str) -> None:
    disburse(api, LOAN)
    assert (
        api.post(
            "am",
            f"/loans/{LOAN}/repayments",
            {"paid_on": "2025-06-01", "principal": "1000000.00", "interest": "0.00"},
        ).status_code
        == 201
    )
    assert (
        api.post("am", f"/loans/{LOAN}/settlement", {"settled_on": "2025-06-01"}).status_code == 201
    )
    before = api.counts()
    if case == "settle_twice":
        answer = api.upload(
            "am",
            f"/loans/{LOAN}/settlement",
            {"settled_on": "2025-06-02"},
            [("settlement_certificate", ("结清证明.pdf", pdf("again"), "application/pdf"))],
        )
    elif case == "inspect_settled":
        answer = api.post(
            "am",
            f"/loans/{LOAN}/inspections",
            {
                "kind": "routine",
                "inspected_on": "2025-07-01",
                "reviewer_no": "RV001",
                "findings": "正常",
            },
        )
    else:
        answer = api.post(
            "risk",
            f"/loans/{LOAN}/warnings/00000000-0000-4000-8000-000000000000/clear",
            {"cleared_on": "2025-07-01", "reason": "无"},
        )
    refused(api, answer, before, 409, "invalid_transition")


def test_a_stale_version_is_409_with_the_current_version(api: Api) -> None:
    disburse(api, LOAN)
    overdue(api, 3)
    before = api.counts()
    answer = api.post(
        "am",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-09-02", "principal": "100.00", "interest": "0.00", "expected_version": 1},
    )
    body = refused(api, answer, before, 409, "stale_version")
    assert body["context"]["current_version"] == 2
    header = api.post(
        "am",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-09-02", "principal": "100.00", "interest": "0.00"},
        headers={"If-Match": '"1"'},
    )
    refused(api, header, before, 409, "stale_version")
    fresh = api.post(
        "am",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-09-02", "principal": "100.00", "interest": "0.00", "expected_version": 2},
    )
    assert fresh.status_code == 201
    assert fresh.json()["version"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"paid_on": "yesterday", "principal": "1.00", "interest": "0.00"}, "paid_on"),
        ({"paid_on": "2025-09-02", "principal": "1.001", "interest": "0.00"}, "principal"),
        ({"paid_on": "2025-09-02", "principal": "-5.00", "interest": "0.00"}, "principal"),
        ({"paid_on": "2025-09-02", "interest": "0.00"}, "principal"),
        (
            {"paid_on": "2025-09-02", "principal": "1.00", "interest": "0.00", "actor_id": "x"},
            "actor_id",
        ),
    ],
)
def test_a_malformed_body_is_422_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.post("am", f"/loans/{LOAN}/repayments", body)
    problem = refused(api, answer, before, 422, "invalid_input")
    assert field in {p["field"] for p in problem["context"]["problems"]}


def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.send("am", f"/loans/{LOAN}/repayments", b"{not json")
    refused(api, answer, before, 422, "invalid_input")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.pdf", b"", "empty"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "extension"),
        ("truncated.pdf", pdf("cut")[:300], "parsed"),
        ("../../etc/passwd.pdf", pdf("path"), "path"),
        ("notes.txt", b"plain text is not evidence", "allowed format"),
    ],
)
def test_a_refused_document_refuses_the_whole_command(
    api: Api, name: str, data: bytes, reason: str
) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.upload(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "routine",
            "inspected_on": "2025-04-01",
            "reviewer_no": "RV001",
            "findings": "正常",
        },
        [
            ("inspection_report", ("贷后检查报告.pdf", pdf("good one"), "application/pdf")),
            ("site_photo", (name, data, "application/octet-stream")),
        ],
    )
    body = refused(api, answer, before, 422, "document_rejected")
    assert reason in body["detail"]["en"]


def test_an_unknown_document_type_is_422(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.upload(
        "am",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-04-01", "principal": "1.00", "interest": "0.00"},
        [("love_letter", ("a.pdf", pdf("x"), "application/pdf"))],
    )
    refused(api, answer, before, 422, "invalid_input")


def test_no_token_or_a_forged_token_is_401(api: Api) -> None:
    before = api.counts()
    answer = api.client.get("/api/v1/loans")
    refused(api, answer, before, 401, "unauthenticated")
    assert answer.headers["www-authenticate"] == "Bearer"
    real = api.headers["am"]["Authorization"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    answer = api.client.get("/api/v1/loans", headers={"Authorization": forged})
    refused(api, answer, before, 401, "unauthenticated")


def test_a_revoked_role_no_longer_acts(api: Api) -> None:
    disburse(api, LOAN)
    revoke = api.post("admin", "/staff/AM001/roles/account_manager/revoke", {"reason": "调岗"})
    assert revoke.status_code == 201, revoke.text
    before = api.counts()
    answer = api.post(
        "am",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-04-01", "principal": "1.00", "interest": "0.00"},
    )
    refused(api, answer, before, 403, "role_not_permitted")


def test_errors_answer_in_the_callers_language(api: Api) -> None:
    answer = api.client.get(
        "/api/v1/loans/DK0000000000", headers={**api.headers["am"], "Accept-Language": "en-GB"}
    )
    assert answer.json()["message"] == answer.json()["detail"]["en"]
    answer = api.client.get("/api/v1/loans/DK0000000000", headers=api.headers["am"])
    assert answer.json()["message"] == answer.json()["detail"]["zh"]


def test_a_document_over_the_size_limit_is_413_and_changes_nothing(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    limit = 4000
    archive, token = limited_archive(store_env, tmp_path, limit)
    assert token is not None
    settings = Settings(data_dir=tmp_path, max_upload_bytes=limit)
    try:
        with TestClient(create_app(settings, archive)) as client:
            api = Api(client, archive, {"admin": {"Authorization": f"Bearer {token.token}"}})
            api.enrol("am")
            before = api.counts()
            big = pdf("large " * 50, pages=40)
            assert len(big) > limit
            answer = api.upload(
                "am",
                "/loans",
                {**DISBURSEMENT, "loan_no": "DK2025009999"},
                [("loan_contract", ("借款合同.pdf", big, "application/pdf"))],
            )
            refused(api, answer, before, 413, "document_too_large")
            huge = b"0" * (limit * 20 + 2 * 1024 * 1024)
            answer = client.post(
                "/api/v1/loans",
                content=huge,
                headers={**api.headers["am"], "Content-Type": "application/json"},
            )
            refused(api, answer, before, 413, "request_too_large")
    finally:
        archive.close()
