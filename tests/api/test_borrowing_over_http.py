"""Lending (借阅) over HTTP: a borrowing's whole life, one returned a page short and escalated,
a watermarked electronic copy, overdue notices — and each refusal and segregation-of-duties
rule with its status and bilingual error body, changing nothing.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from tests.api.conftest import Api, disburse

LOAN = "JY2025000301"
BORROWINGS = f"/loans/{LOAN}/dossier/borrowings"
DAY = "2025-06-02"
CJK = re.compile(r"[\u4e00-\u9fff]")
REQUEST = {
    "purpose": "audit",
    "form": "original",
    "reason": "年度审计抽查原件",
    "requested_on": DAY,
}


def created(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def refused(api: Api, answer: Any, before: tuple[int, int, int], status: int, error: str) -> Any:
    """Assert the refusal's status, error code, bilingual detail — and that nothing changed."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error, body
    assert CJK.search(body["detail"]["zh"]), body
    assert re.search(r"[a-z]", body["detail"]["en"]), body
    assert api.counts() == before, "a refused command must record nothing and store nothing"
    return body


@pytest.fixture
def pages(api: Api) -> dict[str, int]:
    """A disbursed loan; the page count of each document in its dossier."""
    disburse(api, LOAN)
    dossier = api.client.get(f"/api/v1/loans/{LOAN}/dossier", headers=api.headers["auditor"])
    assert dossier.status_code == 200, dossier.text
    return {d["sha256"]: d["pages"] for d in dossier.json()["documents"]}


def ask(api: Api, who: str = "auditor", **overrides: Any) -> str:
    return str(created(api.post(who, BORROWINGS, {**REQUEST, **overrides}))["aggregate_id"])


def get(api: Api, borrowing_id: str) -> dict[str, Any]:
    answer = api.client.get(f"/api/v1/borrowings/{borrowing_id}", headers=api.headers["auditor"])
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_borrowing_returned_one_page_short_is_recorded_and_escalated(
    api: Api, pages: dict[str, int]
) -> None:
    borrowing_id = ask(api, due_on="2025-06-04")
    base = f"/borrowings/{borrowing_id}"
    created(api.post("archhead", f"{base}/approve", {"archivist_no": "AR001"}))
    out = created(api.post("archivist", f"{base}/check-out", {"on": DAY, "pages": pages}))
    assert out["events"] == ["CheckedOut"]
    sha = next(iter(pages))
    short = {**pages, sha: pages[sha] - 1}
    back = created(api.post("archivist2", f"{base}/return", {"on": "2025-06-03", "pages": short}))
    assert back["events"] == ["Returned", "PageCountMismatched"]
    borrowing = get(api, borrowing_id)
    assert borrowing["escalated"] is True
    assert borrowing["mismatches"] == {sha: [pages[sha], pages[sha] - 1]}
    assert [e["type"] for e in borrowing["events"]][-2:] == ["Returned", "PageCountMismatched"]
    assert borrowing["events"][-1]["data"]["escalated_to"] == "archive_head"

    before = api.counts()
    closing = {"closed_on": "2025-06-03", "reason": "已核对"}
    refused(
        api, api.post("archivist", f"{base}/close", closing), before, 409, "page_discrepancy_open"
    )
    closing["reason"] = "缺页已追回并重新装订"
    created(api.post("archhead", f"{base}/close", closing))
    listed = api.client.get(f"/api/v1{BORROWINGS}", headers=api.headers["archhead"]).json()
    assert listed["count"] == 1
    assert listed["data"][0]["status"] == "closed"


def test_each_refusal_and_duty_rule_has_its_status_and_changes_nothing(
    api: Api, pages: dict[str, int]
) -> None:
    own = ask(api, "archhead")
    other = ask(api)
    before = api.counts()
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("archhead", f"/borrowings/{own}/approve", {}, 403, "borrower_approves_own_borrowing"),
        (
            "archhead",
            f"/borrowings/{own}/reject",
            {"reason": "否"},
            403,
            "borrower_approves_own_borrowing",
        ),
        (
            "archhead",
            f"/borrowings/{other}/approve",
            {"archivist_no": "AH001"},
            403,
            "approver_hands_out",
        ),
        ("head", f"/borrowings/{other}/approve", {}, 403, "approval_role_not_required"),
        ("archivist", f"/borrowings/{other}/approve", {}, 403, "role_not_permitted"),
        (
            "archivist",
            f"/borrowings/{other}/check-out",
            {"on": DAY, "pages": pages},
            409,
            "borrowing_not_approved",
        ),
        (
            "archivist",
            "/borrowings/00000000-0000-0000-0000-000000000000/close",
            {"closed_on": DAY},
            404,
            "not_found",
        ),
        ("archivist", "/borrowings/overdue-notices", {"on": DAY}, 403, "role_not_permitted"),
        ("admin", BORROWINGS, REQUEST, 403, "administrator_business_action"),
        ("auditor", BORROWINGS, {**REQUEST, "due_on": "2025-06-01"}, 422, "date_out_of_order"),
    ]
    for who, path, body, status, error in cases:
        refused(api, api.post(who, path, body), before, status, error)

    created(api.post("archhead", f"/borrowings/{other}/approve", {"archivist_no": "AR001"}))
    before = api.counts()
    refused(
        api,
        api.post("archivist2", f"/borrowings/{other}/check-out", {"on": DAY, "pages": pages}),
        before,
        403,
        "segregation_of_duties",
    )
    refused(
        api,
        api.post("archivist", f"/borrowings/{other}/check-out", {"on": DAY, "pages": {}}),
        before,
        422,
        "invalid_input",
    )
    created(api.post("archivist", f"/borrowings/{other}/check-out", {"on": DAY, "pages": pages}))
    second = ask(api)
    created(api.post("archhead", f"/borrowings/{second}/approve", {}))
    before = api.counts()
    refused(
        api,
        api.post("archivist", f"/borrowings/{second}/check-out", {"on": DAY, "pages": pages}),
        before,
        409,
        "dossier_on_loan",
    )


def test_the_electronic_copy_is_a_readable_pdf_watermarked_with_the_borrowers_name(
    api: Api, pages: dict[str, int]
) -> None:
    borrowing_id = ask(api, form="electronic_copy", due_on="2025-06-09")
    created(api.post("archhead", f"/borrowings/{borrowing_id}/approve", {}))
    before = api.counts()
    refused(
        api,
        api.post("archivist", f"/borrowings/{borrowing_id}/check-out", {"on": DAY, "pages": pages}),
        before,
        409,
        "invalid_transition",
    )
    answer = api.post(
        "archivist", f"/borrowings/{borrowing_id}/electronic-copy", {"issued_on": DAY}
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) == sum(pages.values())
    text = "".join(page.extract_text() or "" for page in reader.pages)
    subject = reader.metadata.subject if reader.metadata else ""
    assert "黄敏" in (subject or "")
    assert "黄敏" in text
    borrowing = get(api, borrowing_id)
    assert borrowing["status"] == "copy_issued"
    assert borrowing["copy_sha256"] == answer.headers["X-Content-SHA256"]
    assert borrowing["copy_expires_on"] == "2025-06-09"


def test_overdue_borrowings_are_noted_once_a_day_over_http(api: Api, pages: dict[str, int]) -> None:
    borrowing_id = ask(api)
    created(api.post("archhead", f"/borrowings/{borrowing_id}/approve", {}))
    created(
        api.post("archivist", f"/borrowings/{borrowing_id}/check-out", {"on": DAY, "pages": pages})
    )
    first = api.post("officer", "/borrowings/overdue-notices", {"on": "2025-06-05"})
    assert first.status_code == 200, first.text
    assert first.json()["borrowing_ids"] == [borrowing_id]
    before = api.counts()
    again = api.post("archhead", "/borrowings/overdue-notices", {"on": "2025-06-05"})
    assert again.json()["count"] == 0
    assert api.counts() == before
    assert get(api, borrowing_id)["overdue_days"] == 3
