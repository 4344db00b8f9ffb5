"""The demo document renderer: every document type is a valid, deterministic, searchable PDF."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdf
import pytest

from demo.pdfs.figures import rmb_upper
from demo.pdfs.render import render_document, render_padded
from demo.pdfs.titles import DOCUMENT_TITLES

BORROWER = "青禾县恒盛机械制造有限公司"
LOAN_NO = "JJ202403150001"
FIELDS = {"borrower": BORROWER, "loan_no": LOAN_NO, "amount": "1,200,000.00"}


def _first_page_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    return reader.pages[0].extract_text()


def test_titles_cover_the_dossier() -> None:
    assert len(DOCUMENT_TITLES) == 45
    for code, (cn, en) in DOCUMENT_TITLES.items():
        assert code.islower()
        assert " " not in code
        assert cn
        assert en


@pytest.mark.parametrize("doc_type", sorted(DOCUMENT_TITLES))
def test_every_type_renders_a_deterministic_searchable_pdf(doc_type: str) -> None:
    pdf = render_document(doc_type, FIELDS, seed=5)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert render_document(doc_type, FIELDS, seed=5) == pdf

    text = _first_page_text(pdf)
    assert BORROWER in text
    assert LOAN_NO in text
    assert DOCUMENT_TITLES[doc_type][0] in text
    assert "壹佰贰拾万元整" in text


def test_defaults_depend_on_the_seed_only() -> None:
    a = render_document("loan_contract", {}, seed=1)
    assert render_document("loan_contract", {}, seed=1) == a
    assert render_document("loan_contract", {}, seed=2) != a
    assert _first_page_text(a).strip()


def test_same_seed_gives_the_same_borrower_in_every_document() -> None:
    texts = [
        _first_page_text(render_document(t, {}, seed=9))
        for t in ("loan_application", "collection_notice", "judgment")
    ]
    contract = pypdf.PdfReader(io.BytesIO(render_document("loan_contract", {}, seed=9)))
    borrower = contract.pages[0].extract_text().split("借款人：")[-1].split()[0]
    assert borrower
    assert all(borrower in t for t in texts)


def test_an_individual_borrower_and_given_facts_are_used() -> None:
    fields = {
        "borrower": "张建国",
        "loan_no": "JJ202101050099",
        "start_date": "2021-01-05",
        "term_months": "24",
        "account_manager": "李丽华",
    }
    text = _first_page_text(render_document("drawdown_receipt", fields))
    assert "张建国" in text
    assert "2021年1月5日至2023年1月5日" in text
    assert "李丽华" in text
    assert "身份证号码" in text or "身份证号码" in _first_page_text(
        render_document("settlement_certificate", fields)
    )


@pytest.mark.parametrize("doc_type", ["loan_contract", "approval", "site_photo"])
def test_padded_reaches_the_size_and_stays_valid(doc_type: str) -> None:
    size = 64 * 1024
    pdf = render_padded(doc_type, FIELDS, size=size, seed=3)
    assert len(pdf) >= size
    assert len(pdf) < size + 16 * 1024
    assert render_padded(doc_type, FIELDS, size=size, seed=3) == pdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert BORROWER in reader.pages[0].extract_text()
    assert LOAN_NO in reader.pages[-1].extract_text()


def test_padded_below_the_plain_size_is_just_the_document() -> None:
    pdf = render_padded("collection_notice", FIELDS, size=100)
    assert len(pdf) >= 100
    assert BORROWER in _first_page_text(pdf)


def test_unknown_type_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no_such_doc") as err:
        render_document("no_such_doc", FIELDS)
    assert "loan_contract" in str(err.value)
    with pytest.raises(ValueError, match="no_such_doc"):
        render_padded("no_such_doc", FIELDS, size=1000)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("10", "壹拾元整"),
        ("1010", "壹仟零壹拾元整"),
        ("100500.30", "壹拾万零伍佰元叁角"),
        ("1500000", "壹佰伍拾万元整"),
        ("100000001.01", "壹亿零壹元零壹分"),
        ("20000000", "贰仟万元整"),
    ],
)
def test_capital_amounts(amount: str, words: str) -> None:
    assert rmb_upper(Decimal(amount)) == words
