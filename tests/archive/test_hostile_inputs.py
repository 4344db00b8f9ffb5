"""Hostile uploads are refused before anything is recorded or stored (四性检测: security, usability).

Every kind of the corpus in ``tests/archive/hostile.py`` is filed with a real command — as the
report of a routine inspection, and some as a disbursement's drawdown receipt — on each event
store. Each must be refused with a bilingual error naming the reason, and leave the event log
and the blob store exactly as they were. Benign controls (a PDF with web links, a multi-page
PDF, hand-made images) must go through, so the checks are known not to refuse everything.
"""

from __future__ import annotations

import io
import random
import re
import time
from dataclasses import replace
from datetime import date
from typing import BinaryIO, cast

import pytest

from archive.application import DossierArchive
from archive.config import ArchiveConfig
from archive.core import CommandContext
from archive.documents import pdfsafety
from archive.documents.ingest import Upload, check_filename, stage
from archive.documents.pdfsafety import PdfFacts, PdfLimits, extract_text, inspect_pdf
from archive.errors import DocumentRejectedError, DocumentTooLargeError
from domain.errors import NotFoundError
from domain.rules import shipped_rules
from domain.values import InspectionKind
from storage.envelope import EncryptingBlobStore
from tests import steps
from tests.archive.hostile import (
    BENIGN,
    KINDS,
    UPLOAD_LIMIT,
    Hostile,
    one_page,
    raw_pdf,
    stream,
)
from tests.factories import make_disbursement, make_pdf, make_upload

LOAN_NO = "JJ2025011000077"
CJK = re.compile(r"[\u4e00-\u9fff]")
ON_DISBURSEMENT = [
    "truncated",
    "concatenated",
    "encrypted",
    "js_open_action",
    "launch_action",
    "embedded_executable",
    "nested_array_bomb",
    "huge_page_count",
    "polyglot_zip_appended",
    "path_traversal",
    "oversized",
]

Snapshot = tuple[int, tuple[str, ...], tuple[str, ...]]


def snapshot(app: DossierArchive) -> Snapshot:
    """What a refused command must leave unchanged: the last event's position and the stored
    blobs. Extend the tuple when more state appears (e.g. the key store's wrapped keys)."""
    blobs = app.blobs
    keys = (
        tuple(sorted(str(k.dossier_id) for k in blobs.envelope.keys.all()))
        if isinstance(blobs, EncryptingBlobStore)
        else ()
    )
    return (app.recorder.max_notification_id() or 0, tuple(sorted(blobs.keys())), keys)


@pytest.fixture
def limited(app: DossierArchive, monkeypatch: pytest.MonkeyPatch) -> DossierArchive:
    """The application with the corpus's small upload limit, so ``oversized`` is over it."""
    monkeypatch.setattr(app, "config", replace(app.config, max_upload_bytes=UPLOAD_LIMIT))
    return app


@pytest.fixture
def loan_no(limited: DossierArchive, staff: dict[str, CommandContext]) -> str:
    steps.disburse(limited, staff["account_manager"], LOAN_NO, "loan_contract", "drawdown_receipt")
    return LOAN_NO


def upload(doc_type: str, hostile: Hostile) -> Upload:
    return Upload(doc_type, hostile.filename, io.BytesIO(hostile.data), hostile.media_type)


def inspect(app: DossierArchive, ctx: CommandContext, report: Upload) -> None:
    steps.inspect(
        app, ctx, LOAN_NO, InspectionKind.ROUTINE, date(2025, 4, 1), "经营正常", uploads=[report]
    )


def assert_names_the_reason(refusal: DocumentRejectedError, hostile: Hostile) -> None:
    expected = DocumentTooLargeError if hostile.reason == "larger than the limit" else None
    assert expected is None or isinstance(refusal, expected)
    assert hostile.reason in refusal.en, refusal.en
    assert CJK.search(refusal.zh), refusal.zh


def test_the_corpus_has_every_kind_the_ingest_must_refuse() -> None:
    assert len(KINDS) >= 22
    for name, generator in KINDS.items():
        assert generator().reason, name


# ---------------------------------------------------------------- through the commands
@pytest.mark.parametrize("kind", KINDS)
def test_a_hostile_inspection_report_is_refused_and_changes_nothing(
    limited: DossierArchive, staff: dict[str, CommandContext], loan_no: str, kind: str
) -> None:
    hostile = KINDS[kind]()
    before = snapshot(limited)

    with pytest.raises(DocumentRejectedError) as refused:
        inspect(limited, staff["account_manager"], upload("inspection_report", hostile))

    assert_names_the_reason(refused.value, hostile)
    assert snapshot(limited) == before
    assert limited.get_loan(staff["account_manager"], loan_no).version == 1


@pytest.mark.parametrize("kind", ON_DISBURSEMENT)
def test_a_hostile_drawdown_receipt_refuses_the_whole_disbursement(
    limited: DossierArchive, staff: dict[str, CommandContext], kind: str
) -> None:
    hostile = KINDS[kind]()
    before = snapshot(limited)

    with pytest.raises(DocumentRejectedError) as refused:
        limited.execute(
            staff["account_manager"],
            make_disbursement("JJ-HOSTILE"),
            [make_upload("loan_contract", "正常的借款合同"), upload("drawdown_receipt", hostile)],
        )

    assert_names_the_reason(refused.value, hostile)
    assert snapshot(limited) == before
    with pytest.raises(NotFoundError):
        limited.get_loan(staff["account_manager"], "JJ-HOSTILE")


@pytest.mark.parametrize("kind", BENIGN)
def test_a_benign_document_is_accepted(
    limited: DossierArchive, staff: dict[str, CommandContext], loan_no: str, kind: str
) -> None:
    document = BENIGN[kind]()
    paged = document.filename.endswith((".pdf", ".ofd"))
    doc_type = "inspection_report" if paged else "site_photo"
    _events, blobs, _keys = snapshot(limited)

    result = steps.inspect(
        limited,
        staff["account_manager"],
        loan_no,
        InspectionKind.ROUTINE,
        date(2025, 4, 1),
        "经营正常",
        uploads=[upload(doc_type, document)],
    )

    # The upload, filed beside the form generated from the inspection's checklist.
    (ref,) = [d for d in result.documents if d.filename == document.filename]
    assert ref.doc_type == doc_type
    assert (ref.pages is not None) == paged
    assert len(result.documents) == 2
    assert len(snapshot(limited)[1]) == len(blobs) + 2


# ------------------------------------------------------------------- the checks alone
def _refusal(hostile: Hostile) -> str:
    """The English reason ``stage`` gives for a corpus document, or "" if it accepts it."""
    config = ArchiveConfig(max_upload_bytes=UPLOAD_LIMIT)
    try:
        stage(upload("inspection_report", hostile), config, shipped_rules()).close()
    except DocumentRejectedError as refusal:
        return refusal.en
    return ""


def test_the_object_walk_alone_refuses_active_content(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two layers look for active content: a scan of the raw bytes, and the walk of the objects
    # pypdf parses. With the raw scan blind, the walk must still refuse every kind but one.
    monkeypatch.setattr(pdfsafety, "ACTIVE_NAME", re.compile(rb"(?!)"))
    for name, generator in KINDS.items():
        hostile = generator()
        if name == "js_in_damaged_catalog":
            assert _refusal(hostile) == "", "pypdf recovers the catalog without the script"
        else:
            assert hostile.reason in _refusal(hostile), name


def test_the_raw_scan_does_not_depend_on_where_its_chunks_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus = [generator() for generator in [*KINDS.values(), *BENIGN.values()]]
    expected = [_refusal(hostile) for hostile in corpus]
    for size in (33, 40, 97, 1000):
        monkeypatch.setattr(pdfsafety, "SCAN_CHUNK", size)
        assert [_refusal(hostile) for hostile in corpus] == expected, size


def test_more_objects_than_the_budget_are_refused() -> None:
    filler = [b"<< /N %d >>" % n for n in range(2_000)]
    data = one_page(extra=tuple(filler))
    assert inspect_pdf(io.BytesIO(data), "ok.pdf").pages == 1
    with pytest.raises(DocumentRejectedError, match="too large"):
        inspect_pdf(io.BytesIO(data), "many.pdf", limits=PdfLimits(max_objects=1_000))


def test_a_long_chain_of_references_is_not_mistaken_for_deep_nesting() -> None:
    # Outline items and the like chain objects one to the next: depth counts nesting within
    # one object, so a chain longer than the depth limit is still acceptable.
    chain = [b"<< /Next %d 0 R >>" % (n + 1) for n in range(6, 306)] + [b"<< >>"]
    data = one_page(catalog=b"/Chain 6 0 R", extra=tuple(chain))
    assert inspect_pdf(io.BytesIO(data), "chain.pdf").pages == 1


def test_the_page_count_is_that_of_the_page_tree() -> None:
    kids = b" ".join(b"%d 0 R" % n for n in range(6, 11))
    pages = [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R >>" for _ in range(5)
    ]
    data = one_page(pages=b"/Kids [3 0 R %s] /Count 6" % kids, extra=tuple(pages))
    assert inspect_pdf(io.BytesIO(data), "six.pdf").pages == 6
    assert inspect_pdf(io.BytesIO(make_pdf("十页", pages=10)), "ten.pdf").pages == 10


def test_a_document_without_pages_is_refused() -> None:
    data = raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    with pytest.raises(DocumentRejectedError, match="no pages"):
        inspect_pdf(io.BytesIO(data), "empty.pdf")


def test_plain_web_and_mail_links_are_allowed_and_a_relative_one_is_not() -> None:
    for uri in (b"https://www.pbc.gov.cn/", b"HTTP://example.com", b"mailto:audit@bank.example"):
        link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (%s) >> >>"
        data = one_page(page=b"/Annots [6 0 R]", extra=(link % uri,))
        assert inspect_pdf(io.BytesIO(data), "links.pdf").pages == 1
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (share/x.exe) >> >>"
    data = one_page(page=b"/Annots [6 0 R]", extra=(link,))
    with pytest.raises(DocumentRejectedError, match=r"disallowed scheme \(none\)"):
        inspect_pdf(io.BytesIO(data), "relative.pdf")


def _mutants(seed: int, count: int) -> list[bytes]:
    """Damaged copies of real and hostile PDFs: truncated, bytes flipped, bytes removed."""
    rng = random.Random(seed)
    sources = [
        make_pdf("借款合同", pages=3),
        KINDS["js_names_tree"]().data,
        KINDS["embedded_executable"]().data,
        KINDS["encrypted"]().data,
        KINDS["cyclic_page_tree"]().data,
    ]
    mutants = []
    for _ in range(count):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[at] = rng.randrange(256)
            else:
                del data[at : at + rng.randint(1, 64)]
        mutants.append(bytes(data))
    return mutants


@pytest.mark.parametrize("seed", range(4))
def test_nothing_but_a_refusal_ever_leaves_the_inspection(seed: int) -> None:
    for data in _mutants(seed, 60):
        outcome: PdfFacts | DocumentRejectedError
        try:
            outcome = inspect_pdf(io.BytesIO(data), "mutant.pdf")
        except DocumentRejectedError as refusal:
            outcome = refusal
        if isinstance(outcome, DocumentRejectedError):
            assert CJK.search(outcome.zh)
        else:
            assert outcome.pages >= 1
        assert isinstance(extract_text(io.BytesIO(data)), str)


def test_text_extraction_is_bounded_and_never_fails() -> None:
    ten = make_pdf("贷后检查报告 经营正常 还款正常", pages=10)
    text = extract_text(io.BytesIO(ten))
    assert text.count("贷后检查报告") == 10
    assert text.count("\f") == 9
    assert len(extract_text(io.BytesIO(ten), max_chars=25)) == 25
    assert extract_text(io.BytesIO(b"%PDF-1.7\nnot really")) == ""
    assert extract_text(io.BytesIO(KINDS["encrypted"]().data)) == ""


def test_a_staged_document_gives_its_text_on_request() -> None:
    config = ArchiveConfig()
    pdf = stage(make_upload("inspection_report", "现场检查 库存充足"), config, shipped_rules())
    photo = stage(
        Upload("site_photo", "现场照片.png", io.BytesIO(BENIGN["png"]().data), "image/png"),
        config,
        shipped_rules(),
    )
    try:
        assert "库存充足" in pdf.extract_text()
        assert photo.extract_text() == ""
        assert pdf.ref.pages == 1
    finally:
        pdf.close()
        photo.close()


class Endless:
    """A stream of zeros that never ends, counting the bytes read from it."""

    def __init__(self) -> None:
        self.served = 0

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "an endless stream must be read in bounded chunks"
        self.served += size
        return b"\x00" * size


def test_an_upload_is_read_no_further_than_one_byte_past_the_limit() -> None:
    endless = Endless()
    config = ArchiveConfig(max_upload_bytes=300_000)
    with pytest.raises(DocumentTooLargeError):
        stage(
            Upload("inspection_report", "big.pdf", cast(BinaryIO, endless)), config, shipped_rules()
        )
    assert endless.served == 300_001


@pytest.mark.parametrize(
    "name",
    [
        "借款合同 (2025) 第1号.pdf",
        "Müller GmbH Vertrag.pdf",
        "Informação.pdf",
        "console-log.pdf",
        "nul合同.pdf",
        "CONTRACT.pdf",
        "a.pdf",
    ],
)
def test_ordinary_names_are_kept(name: str) -> None:
    assert check_filename(name) == name


@pytest.mark.parametrize(
    "bomb",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b"[/A " * 5_000 + b"]" * 5_000,
        b"<< /Kid " * 5_000 + b">>" * 5_000,
        b"[ << /A [ " * 2_000 + b"] >> ]" * 2_000,
    ],
    ids=["arrays", "arrays-with-names", "dictionaries", "mixed"],
)
def test_a_nesting_bomb_is_refused_from_the_raw_bytes_before_pypdf_parses_it(
    bomb: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pypdf parses nested containers recursively: a thousand levels exhaust the stack, and
    # objects finalised that deep cannot even report their errors. It must never see them.
    def no_parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the bomb reached pypdf")

    monkeypatch.setattr(pdfsafety, "PdfReader", no_parse)
    data = one_page(catalog=b"/Bomb 6 0 R", extra=(bomb,))
    with pytest.raises(DocumentRejectedError, match="too deep"):
        inspect_pdf(io.BytesIO(data), "bomb.pdf")


def test_brackets_inside_stream_data_and_shallow_nesting_are_not_a_bomb() -> None:
    deep_enough = b"[" * 64 + b"]" * 64  # the depth limit itself is allowed
    data = one_page(
        catalog=b"/Shallow 6 0 R",
        extra=(deep_enough, stream(b"[" * 10_000 + b"<<" * 10_000)),
    )
    assert inspect_pdf(io.BytesIO(data), "ok.pdf").pages == 1


def test_the_inspection_of_a_bomb_is_quick() -> None:
    started = time.perf_counter()
    with pytest.raises(DocumentRejectedError):
        inspect_pdf(io.BytesIO(KINDS["nested_array_bomb"]().data), "bomb.pdf")
    with pytest.raises(DocumentRejectedError):
        inspect_pdf(io.BytesIO(KINDS["huge_page_count"]().data), "count.pdf")
    assert time.perf_counter() - started < 2.0
