"""The compliance report over HTTP: JSON, PDF and XLSX, for those who supervise and check.

Two corporate loans are disbursed on Saturday 1 March 2025 with their contract and drawdown
receipt only, one in 城东支行 and one in 城西支行. On 20 March the report counts the documents
their rules required by then (the application, investigation, approval… are missing) exactly as
the completeness register lists them, and the account manager's overdue first inspections and
contract originals. A branch narrows it; ``as_of`` before the second loan was recorded leaves it
out. The PDF and the workbook download; an account manager and the system administrator are
refused (403), a bad product, date or format is refused naming it (422), and nothing is
recorded by reading. Issuing a report (POST) records its file's SHA-256; the same report read
again from the same position is the same bytes; a retry records nothing more; a refused issue
records nothing.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from archive.reports import compliance
from archive.reports.compliance import RENDERER
from domain.compliance import IssuedReport
from domain.values import Role
from tests.api.conftest import Api, disburse, disburse_elsewhere

EAST, WEST = "TQ-101", "TQ-102"


def report(api: Api, who: str, query: str) -> dict[str, Any]:
    answer = api.get(who, f"/reports/compliance?{query}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def requirements(api: Api, position: int) -> list[dict[str, Any]]:
    listed = api.get("auditor", f"/registers/completeness/requirements?limit=1000&after={position}")
    assert listed.status_code == 200, listed.text
    rows: list[dict[str, Any]] = listed.json()["data"]
    return rows


def test_the_report_counts_what_the_registers_list_for_each_scope_and_downloads(
    api: Api,
) -> None:
    first = disburse(api, EAST)["position"]
    position = disburse_elsewhere(api, WEST, "城西支行")["position"]

    # Read by a risk manager, who reaches the whole bank (a branch head reads his own branch).
    body = report(api, "risk", f"on=2025-03-20&as_of_position={position}")
    rows = requirements(api, position)
    due = [r for r in rows if r["due_on"] < "2025-03-20"]
    missing = [r for r in due if r["status"] == "missing"]
    assert missing, "the disbursements lack documents their rules require"
    assert body["summary"] | {} == {
        **body["summary"],
        "loans": 2,
        "required": len(due),
        "filed": len(due) - len(missing),
        "missing": len(missing),
        "dossiers_complete": 0,
        "overdue_tasks": 4,
    }
    assert (body["on"], body["position"]) == ("2025-03-20", position)
    by_type = {(g["stage"], g["doc_type"]): g["count"] for g in body["gaps_by_type"]}
    assert by_type == {
        (stage, doc): sum(1 for r in missing if (r["stage"], r["doc_type"]) == (stage, doc))
        for stage, doc in {(r["stage"], r["doc_type"]) for r in missing}
    }
    owners = {(g["owner"], g["kind"], g["count"]) for g in body["overdue_by_owner"]}
    assert {(kind, count) for owner, kind, count in owners if owner.endswith("（AM001）")} == {
        ("first_inspection", 2),
        ("originals_transfer", 2),
    }

    east = report(api, "auditor", "on=2025-03-20&branch=城东支行")
    assert (east["summary"]["loans"], east["scope"]["branch"]) == (1, "城东支行")
    assert {t["loan_no"] for t in east["overdue_tasks"]} == {EAST}
    before_west = report(api, "risk", f"on=2025-03-20&as_of_position={first}")
    assert before_west["summary"]["loans"] == 1

    pdf = api.get("head", "/reports/compliance?on=2025-03-20&format=pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="compliance-report-2025-03-20.pdf"' in pdf.headers["content-disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "贷后档案合规检查报告" in text.replace(" ", "")
    assert EAST in text
    xlsx = api.get("risk", "/reports/compliance?on=2025-03-20&format=xlsx&branch=城西支行")
    assert xlsx.status_code == 200, xlsx.text
    book = load_workbook(io.BytesIO(xlsx.content))
    summary = {r[0]: r[1] for r in book["概要"].iter_rows(min_row=3, values_only=True)}
    assert summary["贷款户数 / loans"] == 1


def test_only_those_who_check_the_work_read_it_and_bad_input_is_named(api: Api) -> None:
    position = disburse(api, EAST)["position"]
    head = api.archive.recorder.max_notification_id()

    for who, code in (("am", "role_not_permitted"), ("admin", "administrator_business_action")):
        refused = api.get(who, "/reports/compliance")
        assert refused.status_code == 403, (who, refused.text)
        assert refused.json()["error"] == code
    assert "read_compliance_report" in api.get("am", "/reports/compliance").json()["detail"]["en"]
    assert api.client.get("/api/v1/reports/compliance").status_code == 401

    bad = api.get("head", f"/reports/compliance?product=mortgage_loan&after={position}")
    assert bad.status_code == 422, bad.text
    detail = bad.json()["detail"]
    assert "product" in detail["en"]
    assert "product" in detail["zh"]
    for query, field in (("on=2025-13-01", "on"), ("format=docx", "format")):
        answer = api.get("head", f"/reports/compliance?{query}")
        assert answer.status_code == 422, answer.text
        assert field in answer.json()["detail"]["en"]
        assert field in answer.json()["detail"]["zh"]
    as_of = api.get("head", "/reports/compliance?as_of=yesterday")
    assert as_of.status_code == 422, as_of.text
    assert "as_of" in as_of.json()["detail"]["en"]
    assert api.archive.recorder.max_notification_id() == head, "reading records nothing"


def test_issuing_records_the_files_hash_and_the_same_report_is_the_same_bytes(api: Api) -> None:
    position = disburse(api, EAST)["position"]
    query = {"on": "2025-03-20", "as_of_position": position, "purpose": "监管现场检查调阅"}

    issued = api.post("auditor", "/reports/compliance", query)
    assert issued.status_code == 201, issued.text
    assert issued.headers["content-type"] == "application/pdf"
    digest = hashlib.sha256(issued.content).hexdigest()
    assert issued.headers["x-dossier-report-sha256"] == digest
    report_id = UUID(issued.headers["x-dossier-report-id"])
    record: Any = api.archive.repository.get(report_id)
    assert isinstance(record, IssuedReport)
    assert (record.sha256, record.size, record.position, record.on) == (
        digest,
        len(issued.content),
        position,
        date(2025, 3, 20),
    )
    assert (record.purpose, record.format, record.role) == (
        "监管现场检查调阅",
        "pdf",
        Role.AUDITOR,
    )
    # Built again from the same point, the report is the same file: the hash proves it (read
    # by a risk manager, who reaches the whole bank as the auditor who issued it).
    again = api.get(
        "risk", f"/reports/compliance?on=2025-03-20&as_of_position={position}&format=pdf"
    )
    assert hashlib.sha256(again.content).hexdigest() == digest
    # The record names the renderer that drew the file, and drawn again from the record the
    # report is the file handed out.
    assert record.renderer == RENDERER
    rebuilt = api.get("risk", f"/reports/compliance/issued/{report_id}")
    assert rebuilt.status_code == 200, rebuilt.text
    assert rebuilt.headers["x-dossier-report-renderer"] == str(RENDERER)
    assert rebuilt.headers["x-dossier-report-sha256"] == digest
    assert hashlib.sha256(rebuilt.content).hexdigest() == digest
    assert api.get("am", f"/reports/compliance/issued/{report_id}").status_code == 403
    # A branch head reaches his branch only: a report of the whole bank is beyond his scope.
    beyond = api.get("head", f"/reports/compliance/issued/{report_id}")
    assert beyond.status_code == 403, beyond.text
    assert beyond.json()["error"] == "out_of_scope"
    assert api.get("head", f"/reports/compliance/issued/{uuid4()}").status_code == 404
    # A workbook too; and a retry with the same key records nothing more.
    key = {"Idempotency-Key": "report-2025-03-20-xlsx"}
    first = api.post("auditor", "/reports/compliance", {**query, "format": "xlsx"}, headers=key)
    events = api.archive.recorder.max_notification_id()
    retried = api.post("auditor", "/reports/compliance", {**query, "format": "xlsx"}, headers=key)
    assert first.status_code == retried.status_code == 201, retried.text
    assert retried.headers["x-dossier-report-id"] == first.headers["x-dossier-report-id"]
    assert retried.content == first.content
    assert api.archive.recorder.max_notification_id() == events


def test_a_report_issued_before_the_font_was_embedded_is_drawn_again_as_issued(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report issued by the previous release (renderer 2: the CID font, not embedded; that
    it draws the previous release's very bytes is tests/archive/test_printing.py's) is drawn
    again from its record with renderer 2, to the SHA-256 recorded then — not with today's
    renderer, whose PDF/A file is another."""
    position = disburse(api, EAST)["position"]
    query = {"on": "2025-03-20", "as_of_position": position, "purpose": "监管现场检查调阅"}
    with monkeypatch.context() as earlier:  # this release's code, issuing as the previous one
        earlier.setattr(compliance, "RENDERER", 2)
        defaults = {**(compliance.render.__kwdefaults__ or {}), "renderer": 2}
        earlier.setattr(compliance.render, "__kwdefaults__", defaults)
        issued = api.post("auditor", "/reports/compliance", query)
    assert issued.status_code == 201, issued.text
    digest = hashlib.sha256(issued.content).hexdigest()
    report_id = UUID(issued.headers["x-dossier-report-id"])
    record: Any = api.archive.repository.get(report_id)
    assert (record.renderer, record.sha256) == (2, digest)
    assert b"STSong-Light" in issued.content
    assert b"pdfaid" not in issued.content

    rebuilt = api.get("risk", f"/reports/compliance/issued/{report_id}")
    assert rebuilt.status_code == 200, rebuilt.text
    assert rebuilt.headers["x-dossier-report-renderer"] == "2"
    assert rebuilt.headers["x-dossier-report-rebuilt-sha256"] == digest
    assert hashlib.sha256(rebuilt.content).hexdigest() == digest
    today = api.get(
        "risk", f"/reports/compliance?on=2025-03-20&as_of_position={position}&format=pdf"
    )
    assert today.headers["x-dossier-report-renderer"] == str(RENDERER) == "3"
    assert hashlib.sha256(today.content).hexdigest() != digest
    assert b"pdfaid" in today.content


def test_an_issue_refused_records_nothing(api: Api) -> None:
    disburse(api, EAST)
    before = api.counts()
    for who, body, status, field in (
        ("auditor", {"on": "2025-03-20"}, 422, "purpose"),
        ("auditor", {"purpose": " "}, 422, "purpose"),
        ("auditor", {"purpose": "x", "format": "docx"}, 422, "format"),
        ("auditor", {"purpose": "x", "product": "mortgage_loan"}, 422, "product"),
        ("am", {"purpose": "x"}, 403, "issue_compliance_report"),
    ):
        answer = api.post(who, "/reports/compliance", body)
        assert answer.status_code == status, (body, answer.text)
        assert field in answer.text, (field, answer.text)
    assert api.counts() == before
