"""The borrower's authorisations (授权文件) prepared for post-loan management: a document type of
their own (``borrower_authorisation``, 借款人授权书 — credit enquiry, information disclosure,
account debit), filed with the disbursement beside the contract and kept with the loan's other
contract documents for 30 years (D30)."""

from __future__ import annotations

from tests.api.conftest import DISBURSEMENT, Api, pdf

LOAN = "AUTH-0001"


def test_the_borrowers_authorisation_is_filed_as_a_type_of_its_own(api: Api) -> None:
    """Row 003-57."""
    types = {t["code"]: t for t in api.get("am", "/document-types").json()}
    authorisation = types["borrower_authorisation"]
    assert (authorisation["zh"], authorisation["stage"]) == ("借款人授权书", "disbursement")
    assert api.archive.rule_set().document_type("borrower_authorisation").retention.value == "D30"
    files = [
        (doc_type, (f"{doc_type}.pdf", pdf(f"{doc_type} {LOAN}"), "application/pdf"))
        for doc_type in ("loan_contract", "drawdown_receipt", "borrower_authorisation")
    ]
    booked = api.upload("am", "/loans", {**DISBURSEMENT, "loan_no": LOAN}, files)
    assert booked.status_code == 201, booked.text
    dossier = api.get("am", f"/loans/{LOAN}/dossier").json()
    assert sorted(d["doc_type"] for d in dossier["documents"]) == [
        "borrower_authorisation",
        "drawdown_receipt",
        "loan_contract",
    ]
