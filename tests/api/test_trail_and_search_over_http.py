"""The accountability trail and document search over HTTP: who may read them, and what they show."""

from __future__ import annotations

import hashlib
import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from tests.api.conftest import DISBURSEMENT, Api, pdf

PHRASE = "借款人承诺按期归还本息"


def chinese_pdf(text: str) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    page.setFont("STSong-Light", 14)
    page.drawString(72, 760, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _disburse_with_contract(api: Api, loan_no: str) -> tuple[int, str]:
    contract = chinese_pdf(f"借款合同 {loan_no}：{PHRASE}。")
    answer = api.upload(
        "am",
        "/loans",
        {**DISBURSEMENT, "loan_no": loan_no},
        [
            ("loan_contract", ("借款合同.pdf", contract, "application/pdf")),
            ("drawdown_receipt", ("借据.pdf", pdf("receipt"), "application/pdf")),
        ],
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["position"]), hashlib.sha256(contract).hexdigest()


def test_search_finds_a_chinese_phrase_and_returns_where_not_what(api: Api) -> None:
    position, sha256 = _disburse_with_contract(api, "TS-001")

    found = api.get("officer", f"/registers/document_search/search?q=按期归还&after={position}")

    assert found.status_code == 200, found.text
    (hit,) = found.json()["data"]
    assert (hit["loan_no"], hit["sha256"], hit["doc_type"]) == ("TS-001", sha256, "loan_contract")
    assert PHRASE not in found.text, "content is read through the audited document path only"
    assert (
        api.get("officer", "/registers/document_search/search?q=不存在的短语").json()["data"] == []
    )
    listing = api.get("officer", "/registers/document_search")
    assert listing.status_code == 200
    assert PHRASE not in listing.text
    assert "content" not in {c["name"] for c in listing.json()["columns"]}


def test_the_trail_is_for_auditors_and_names_the_role_held_and_the_documents(api: Api) -> None:
    position, sha256 = _disburse_with_contract(api, "TS-002")

    refused = api.get("am", f"/registers/accountability_trail/people/AM001?after={position}")
    assert refused.status_code == 403
    assert refused.json()["detail"]["en"]

    trail = api.get("auditor", f"/registers/accountability_trail/people/AM001?after={position}")
    assert trail.status_code == 200, trail.text
    disbursed = [r for r in trail.json()["data"] if r["event"] == "Disbursed"]
    assert len(disbursed) == 1
    assert disbursed[0]["role"] == "account_manager"
    assert disbursed[0]["loan_no"] == "TS-002"
    assert sha256 in disbursed[0]["documents"]

    loan = api.get("auditor", f"/registers/accountability_trail/loans/TS-002?after={position}")
    assert {r["event"] for r in loan.json()["data"]} >= {"Disbursed", "Opened", "DocumentFiled"}

    view = api.get(
        "auditor", f"/registers/accountability_trail/loans/TS-002/responsibility?after={position}"
    )
    assert view.status_code == 200, view.text
    assert view.json()["origination"]["investigator"]["staff_no"] == "AM001"
