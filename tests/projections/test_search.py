"""Document search (全文检索): the text of the stored documents, found by any phrase.

A real PDF drawn in the CID font STSong-Light is filed with a disbursement; the register reads
its text from the stored document (the event only cites it by hash) and finds it by a Chinese
phrase, long or short, while a phrase full of SQL wildcards and quotes is just a phrase.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from archive.core import CommandContext
from domain.scope import RowScope
from domain.values import InspectionKind, dossier_id_for, loan_id_for
from projections.errors import RegisterQueryError
from projections.export import to_csv
from projections.follower import Follower
from projections.query import AsOf
from projections.registers.filing.search import DOCUMENTS, DocumentSearch, postings_table, search
from projections.store import RegisterStore, sqlite_url
from storage.envelope import EncryptingBlobStore
from tests import steps
from tests.factories import make_disbursement, make_pdf, make_upload
from tests.projections.conftest import Registers

LOAN_NO = "JJ2025011000101"
PROMISE = "借款人承诺按期归还本息"
ODD = "年利率 3.45% 按_季 付息，\"引号\"与'单引号' 100%_测试"
VISIT = "现场核实经营正常，存货充足"


def _search(registers: Registers, phrase: str, **kw: Any) -> list[dict[str, Any]]:
    return search(
        registers.store,
        registers.register("document_search"),
        phrase,
        scope=RowScope.everything(),
        **kw,
    )


@pytest.fixture
def filed(registers: Registers, staff: dict[str, CommandContext]) -> dict[str, Any]:
    """A disbursement with the contract (the promise) and a receipt full of odd characters."""
    contract, receipt = make_pdf(PROMISE, pages=2), make_pdf(ODD)
    result = registers.app.execute(
        staff["account_manager"],
        make_disbursement(LOAN_NO, borrower_name="上海示例贸易有限公司"),
        [
            make_upload("loan_contract", filename="借款合同.pdf", data=contract),
            make_upload("drawdown_receipt", filename="借据.pdf", data=receipt),
        ],
    )
    registers.catch_up()
    return {
        "result": result,
        "dossier_id": dossier_id_for(loan_id_for(LOAN_NO)),
        "contract": hashlib.sha256(contract).hexdigest(),
        "receipt": hashlib.sha256(receipt).hexdigest(),
    }


def test_a_chinese_phrase_finds_the_filed_document_and_only_it(
    registers: Registers, filed: dict[str, Any]
) -> None:
    [hit] = _search(registers, "按期归还")
    assert {k: v for k, v in hit.items() if k not in ("snippet", "position")} == {
        "dossier_id": filed["dossier_id"],
        "sha256": filed["contract"],
        "loan_no": LOAN_NO,
        "borrower_name": "上海示例贸易有限公司",
        "doc_type": "loan_contract",
        "filename": "借款合同.pdf",
    }
    assert "借款人承诺按期归还本息" in hit["snippet"]
    assert len(hit["snippet"]) <= 62
    assert _search(registers, "不存在的短语") == []

    # Two characters, or one, are terms of the index too.
    assert [h["sha256"] for h in _search(registers, "本息")] == [filed["contract"]]
    assert [h["sha256"] for h in _search(registers, "季")] == [filed["receipt"]]
    # Both documents, in the order they were filed; paging walks through them.
    both = _search(registers, "page 1")
    assert [h["sha256"] for h in both] == [filed["contract"], filed["receipt"]]
    assert _search(registers, "page 1", limit=1, offset=1) == both[1:]
    assert _search(registers, "PAGE 1") == both  # Latin letters ignore case


@pytest.mark.parametrize(
    ("phrase", "found"),
    [
        ("%", "receipt"),
        ("_", "receipt"),
        ("%_", "receipt"),
        ("100%_测试", "receipt"),
        ("3.45%", "receipt"),
        ('"引号"', "receipt"),
        ('"', "receipt"),
        ("'单引号'", "receipt"),
        ("'", "receipt"),
        ("按_季", "receipt"),
        ("按%季", None),
        ("%%%", None),
        ("___", None),
        ('" OR "', None),
        ("承诺 OR 测试", None),
        ("NEAR(承诺 测试)", None),
        ("'); DROP TABLE x; --", None),
        ("\\", None),
        ("*", None),
    ],
)
def test_wildcards_quotes_and_query_syntax_are_just_characters(
    registers: Registers, filed: dict[str, Any], phrase: str, found: str | None
) -> None:
    hits = _search(registers, phrase)
    assert [h["sha256"] for h in hits] == ([filed[found]] if found else [])


def test_the_text_comes_from_the_stored_document_never_from_the_event(
    registers: Registers, filed: dict[str, Any], tmp_path: Path
) -> None:
    rows = {r["sha256"]: r for r in registers.rows("document_search", "documents")}
    contract = rows[filed["contract"]]
    assert "content" not in contract  # the register keeps no text: hashed terms only
    assert contract["terms"] > len(PROMISE)
    assert (contract["pages"], contract["media_type"], contract["stage"]) == (
        2,
        "application/pdf",
        "disbursement",
    )
    [filing] = [
        note.id
        for note in registers.app.recorder.select_notifications(start=None, limit=10_000)
        if note.topic.endswith("Dossier.DocumentFiled")
        and registers.app.mapper.to_domain_event(note).document.sha256 == filed["contract"]
    ]
    assert contract["position"] == filing

    # No event carries the text: not the filing, not any other.
    for note in registers.app.recorder.select_notifications(start=None, limit=10_000):
        assert PROMISE.encode() not in note.state
        event = registers.app.mapper.to_domain_event(note)
        assert PROMISE not in repr(vars(event))

    # Fed the same events without access to the stored documents, the register has no text.
    (tmp_path / "blind").mkdir()
    blind_store = RegisterStore(sqlite_url(tmp_path / "blind"))
    try:
        blind = DocumentSearch(text_source=None)
        follower = Follower(
            blind_store, registers.app.recorder, registers.app.mapper, [blind], interval=0.01
        )
        follower.prepare()
        follower.catch_up()
        assert search(blind_store, blind, "按期归还", scope=RowScope.everything()) == []
        with blind_store.reading() as conn:
            table = blind_store.live_tables(conn, blind)["documents"]
            terms = list(conn.execute(sa.select(table.c.terms)).scalars())
            postings = postings_table(table)
            indexed = conn.execute(sa.select(sa.func.count()).select_from(postings)).scalar()
        assert (terms, indexed) == ([0, 0], 0)
    finally:
        blind_store.close()


def test_search_as_of_a_past_position_and_after_a_rebuild(
    registers: Registers, filed: dict[str, Any], staff: dict[str, CommandContext]
) -> None:
    inspected = steps.inspect(
        registers.app,
        staff["account_manager"],
        LOAN_NO,
        InspectionKind.FIRST_FOLLOW_UP,
        date(2025, 1, 20),
        "资金按约定用途使用",
        uploads=[make_upload("first_inspection_report", VISIT)],
    )
    registers.catch_up()
    # The uploaded report (the form generated from the checklist is filed beside it).
    [report] = [d for d in inspected.documents if d.filename == "first_inspection_report.pdf"]
    assert [h["sha256"] for h in _search(registers, "存货充足")] == [report.sha256]
    before = AsOf(position=filed["result"].position)
    assert _search(registers, "存货充足", as_of=before) == []
    assert [h["sha256"] for h in _search(registers, "按期归还", as_of=before)] == [
        filed["contract"]
    ]

    # A rebuilt generation gets its own postings and packed hashes, and the old one's go with
    # its tables.
    registers.follower.rebuild(["document_search"])
    assert [h["sha256"] for h in _search(registers, "存货充足")] == [report.sha256]
    assert [h["sha256"] for h in _search(registers, "本息")] == [filed["contract"]]
    with registers.store.reading() as conn:
        names = sa.inspect(conn).get_table_names(schema=registers.store.schema)
    assert sorted(n for n in names if n.startswith("r_document_search_documents_")) == [
        "r_document_search_documents_2",
        "r_document_search_documents_2_held",
        "r_document_search_documents_2_terms",
    ]


def test_a_blank_or_oversized_query_is_refused(registers: Registers, filed: dict[str, Any]) -> None:
    for phrase in ("", "   "):
        with pytest.raises(RegisterQueryError):
            _search(registers, phrase)
    with pytest.raises(RegisterQueryError):
        _search(registers, "长" * 201)
    with pytest.raises(RegisterQueryError):
        _search(registers, "本息", limit=0)
    with pytest.raises(RegisterQueryError):
        _search(registers, "本息", offset=-1)


def test_the_documents_export_has_chinese_headers_and_no_full_text(
    registers: Registers, filed: dict[str, Any]
) -> None:
    rows = registers.rows("document_search", "documents")
    body = to_csv(DOCUMENTS.exported(), rows).decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(body)))
    assert header == [
        "档案ID",
        "文件哈希(SHA-256)",
        "借据号",
        "借款人",
        "文件类型",
        "归档阶段",
        "文件名",
        "格式",
        "页数",
        "归档日志位置",
    ]
    assert len(lines) == 2
    assert not any(PROMISE in cell for line in lines for cell in line)


def test_a_document_whose_data_key_was_destroyed_has_no_text_and_the_rebuild_goes_on(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    app.execute(
        staff["account_manager"],
        make_disbursement("DESTROYED-1"),
        [
            make_upload(
                "loan_contract", filename="借款合同.pdf", data=make_pdf("借款合同 销毁测试短语")
            )
        ],
    )
    registers.catch_up()
    assert search(
        registers.store,
        registers.register("document_search"),
        "销毁测试短语",
        scope=RowScope.everything(),
    )
    dossier_id = dossier_id_for(loan_id_for("DESTROYED-1"))
    blobs = app.blobs
    assert isinstance(blobs, EncryptingBlobStore)
    blobs.envelope.keys.delete(dossier_id)  # crypto-shredding, as a destruction will do

    registers.follower.rebuild(["document_search"])

    projection = registers.register("document_search")
    assert search(registers.store, projection, "销毁测试短语", scope=RowScope.everything()) == []
    (row,) = [
        r for r in registers.rows("document_search", "documents") if r["loan_no"] == "DESTROYED-1"
    ]
    assert row["terms"] == 0


def test_a_rebuilt_search_register_is_analysed_on_postgresql_and_still_finds_phrases(
    registers: Registers, filed: dict[str, Any]
) -> None:
    """A generation swapped in by a rebuild is analysed, its postings too: without statistics
    PostgreSQL may plan a search over millions of postings as if over one row."""
    registers.follower.rebuild(["document_search"])
    projection = registers.register("document_search")
    if not registers.store.is_sqlite:  # planner statistics are PostgreSQL's
        with registers.store.reading() as conn:
            tables = registers.store.live_tables(conn, projection)
            extra = projection.extra_tables(tables)
            assert postings_table(tables["documents"]) in extra
            names = [t.name for t in [*tables.values(), *extra]]
            analysed = conn.execute(
                sa.text(
                    "SELECT relname FROM pg_stat_user_tables "
                    "WHERE relname = ANY(:names) AND last_analyze IS NOT NULL"
                ),
                {"names": names},
            ).scalars()
            assert sorted(analysed) == sorted(names)
    # A phrase of several terms is found through the candidates counted once.
    assert [h["sha256"] for h in _search(registers, "按期归还")] == [filed["contract"]]
