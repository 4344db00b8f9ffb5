"""Document search (全文检索): query latency, p50/p95/p99, at a corpus of many documents.

Run ``.venv/bin/python bench/search.py [--backend sqlite|postgres|both] [--documents N]``.

The corpus: N filed PDFs' text (default 5,000 documents of about 1,500 Chinese characters each,
drawn from loan-file clauses with random amounts, dates, names and a contract number of its
own), in N/5 dossiers. Each text is stored as the archive stores extracted text: encrypted under
its dossier's data key (``EncryptingBlobStore`` over a ``LocalBlobStore``, keys in an
``SQLiteKeyStore``), and the register reads it through a text source that decrypts it, as the
archive's ``document_text`` does. The register ``document_search`` is fed the dossiers'
``Opened`` and ``DocumentFiled`` events through its own handlers and ``Changes`` (500 events a
transaction, as the follower batches them) — the events themselves are not stored, so indexing
time is the register's alone.

Then ``search`` (as the API and the console call it — no snippets —, scope: everything, 50 a
page) is timed for
each kind of phrase, ``--queries`` times each (default 200), after 20 warm-up queries:

* **common** — a phrase in nearly every document (``借款人``): the first page of many hits;
* **rare** — one document's contract number (``合同编号HT2025…``, different at each query): one
  hit among many documents holding the same digits and the same prefix;
* **two-char** — a two-character phrase (``抵押``), in about a third of the documents;
* **absent** — a phrase found nowhere (``不存在的短语``).

PostgreSQL (``--postgres-url``, default ``postgresql://postgres@127.0.0.1:5432/test``) gets a
fresh schema for the registers, dropped afterwards.
"""

from __future__ import annotations

import argparse
import inspect
import io
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from measure import percentile, postgres_reachable, postgres_schema
from rich.console import Console
from rich.table import Table

from projections.changes import Changes, RowCache
from projections.registers.filing.search import DocumentSearch, search
from projections.store import RegisterStore, sqlite_url
from storage.blobs import LocalBlobStore
from storage.crypto import MasterKey
from storage.envelope import EncryptingBlobStore, Envelope
from storage.keystore import SQLiteKeyStore

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 500
console = Console()

CLAUSES = [
    "借款人承诺按期归还本息，不得挪用贷款资金。",
    "本合同项下借款金额为人民币{amount}元，借款期限{months}个月。",
    "借款人{name}以其名下房产提供抵押担保，抵押物评估价值{amount}元。",
    "保证人{name}对本合同项下全部债务承担连带责任保证。",
    "贷款用途为补充流动资金，用于采购原材料及支付货款。",
    "现场核实经营正常，存货充足，应收账款回收情况良好。",
    "借款人于{day}提交了年度财务报表，资产负债率为{rate}%。",
    "首次跟踪检查发现资金按约定用途使用，未发现异常。",
    "贷后检查人员{name}于{day}实地走访借款人经营场所。",
    "借款人在本行开立结算账户，日均存款余额{amount}元。",
    "年利率{rate}%，按季付息，到期一次还本。",
    "如借款人发生违约，贷款人有权宣布贷款提前到期。",
    "担保方式为保证加抵押，抵押登记已于{day}办理完毕。",
    "借款人经营范围包括批发零售、进出口贸易及仓储服务。",
    "风险分类为正常类，借款人还款能力和还款意愿良好。",
    "本行审查意见：同意发放，金额{amount}元，期限{months}个月。",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def document_text(rng: random.Random, number: int) -> str:
    """About 1,500 characters of a loan file: clauses with random figures, and its number."""
    parts = [f"合同编号HT2025{number:08d}。"]
    while sum(len(p) for p in parts) < 1500:
        clause = rng.choice(CLAUSES)
        parts.append(
            clause.format(
                amount=rng.randrange(10_000, 50_000_000),
                months=rng.choice((6, 12, 24, 36, 60)),
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                day=(date(2020, 1, 1) + timedelta(days=rng.randrange(2000))).isoformat(),
                rate=f"{rng.uniform(2, 9):.2f}",
            )
        )
    return "\n".join(parts)


class Corpus:
    """The documents' text, stored encrypted as the archive stores extracted text."""

    def __init__(self, root: Path, documents: int, seed: int = 7) -> None:
        self.keys = SQLiteKeyStore(root / "keys.sqlite")
        self.envelope = Envelope(self.keys, MasterKey.generate())
        self.blobs = EncryptingBlobStore(LocalBlobStore(root / "blobs"), self.envelope)
        rng = random.Random(seed)
        self.dossiers = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(max(1, documents // 5))]
        self.documents: list[tuple[uuid.UUID, str, int]] = []  # dossier, sha256, number
        for number in range(documents):
            dossier = self.dossiers[number % len(self.dossiers)]
            sha = f"{number:064x}"
            text = document_text(rng, number)
            self.blobs.put(f"{dossier}/{sha}.text", io.BytesIO(text.encode()))
            self.documents.append((dossier, sha, number))

    def text(self, dossier_id: uuid.UUID, sha256: str, media_type: str) -> str | None:
        with self.blobs.open(f"{dossier_id}/{sha256}.text") as stream:
            return stream.read().decode()

    def close(self) -> None:
        self.keys.close()


def register(corpus: Corpus) -> DocumentSearch:
    """The register as the composition root builds it (the index key where it takes one)."""
    parameters = inspect.signature(DocumentSearch).parameters
    if "index_key" in parameters:
        key = corpus.envelope.search_index_key()
        return DocumentSearch(corpus.text, index_key=lambda: key)  # type: ignore[call-arg]
    return DocumentSearch(corpus.text)


def events(corpus: Corpus) -> Iterator[tuple[str, Any]]:
    for n, dossier in enumerate(corpus.dossiers):
        yield (
            "Opened",
            SimpleNamespace(
                originator_id=dossier,
                loan_id=uuid.uuid4(),
                loan_no=f"JJ2025{n:08d}",
                borrower_name=f"示例贸易有限公司{n}",
            ),
        )
    for dossier, sha, number in corpus.documents:
        document = SimpleNamespace(
            sha256=sha,
            doc_type="loan_contract",
            filename=f"借款合同{number}.pdf",
            media_type="application/pdf",
            pages=2,
        )
        yield "DocumentFiled", SimpleNamespace(originator_id=dossier, document=document, stage="x")


def index(store: RegisterStore, projection: DocumentSearch, corpus: Corpus) -> float:
    """Feed the register every event; return the seconds it took."""
    generation = store.start_generation(projection, live=True)
    topics = {t.rsplit(".", 1)[-1]: t for t in projection._table()}
    cache = RowCache()
    started = time.perf_counter()
    stream = list(events(corpus))
    at = datetime(2025, 1, 10, 2, 0, tzinfo=UTC).replace(tzinfo=None)
    for first in range(0, len(stream), BATCH):
        with store.transaction() as conn:
            tables = store.tables(projection, generation.generation)
            changes = Changes(conn, projection.specs(), tables, cache)
            for offset, (kind, event) in enumerate(stream[first : first + BATCH]):
                position = first + offset + 1
                changes.at_event(position, at + timedelta(seconds=position))
                changes.run(partial(projection.apply, topics[kind], event, changes))
            changes.flush()
            store.set_position(conn, generation, first + BATCH)
    return time.perf_counter() - started


def time_queries(
    call: Callable[[str], list[dict[str, Any]]], phrases: Callable[[int], str], n: int
) -> tuple[list[float], int]:
    for i in range(20):
        call(phrases(i))
    times, hits = [], 0
    for i in range(n):
        phrase = phrases(i)
        started = time.perf_counter()
        found = call(phrase)
        times.append((time.perf_counter() - started) * 1000)
        hits += len(found)
    return times, hits


@contextmanager
def register_store(backend: str, root: Path, url: str) -> Iterator[RegisterStore]:
    if backend == "sqlite":
        store = RegisterStore(sqlite_url(root))
        try:
            yield store
        finally:
            store.close()
        return
    with postgres_schema(url) as schema:
        store = RegisterStore(url.replace("postgresql://", "postgresql+psycopg://"), schema=schema)
        try:
            yield store
        finally:
            store.close()


def run(backend: str, args: argparse.Namespace) -> list[list[str]]:
    from domain.scope import RowScope

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = Corpus(root, args.documents)
        try:
            projection = register(corpus)
            with register_store(backend, root, args.postgres_url) as store:
                seconds = index(store, projection, corpus)
                console.print(
                    f"{backend}: {args.documents} documents indexed in {seconds:.1f} s "
                    f"({args.documents / seconds:.0f} documents/s)"
                )
                rng = random.Random(11)
                numbers = [rng.randrange(args.documents) for _ in range(args.queries + 20)]
                kinds: dict[str, Callable[[int], str]] = {
                    "common": lambda i: "借款人",
                    "rare": lambda i: f"合同编号HT2025{numbers[i]:08d}",
                    "two-char": lambda i: "抵押",
                    "absent": lambda i: "不存在的短语",
                }
                # As the API and the console call it: no snippets (where the search has them).
                quiet = (
                    {"snippets": False}
                    if "snippets" in inspect.signature(search).parameters
                    else {}
                )
                for kind, phrases in kinds.items():
                    times, hits = time_queries(
                        lambda p: search(
                            store, projection, p, scope=RowScope.everything(), **quiet
                        ),
                        phrases,
                        args.queries,
                    )
                    rows.append(
                        [
                            backend,
                            kind,
                            f"{args.documents:,}",
                            f"{hits / args.queries:.1f}",
                            f"{percentile(times, 50):.1f}",
                            f"{percentile(times, 95):.1f}",
                            f"{percentile(times, 99):.1f}",
                        ]
                    )
        finally:
            corpus.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not postgres_reachable(args.postgres_url):
        console.print(f"PostgreSQL not reachable at {args.postgres_url}: SQLite only.")
        backends = ["sqlite"]
    table = Table(title="search latency (ms), 50 a page, scope: everything")
    for column in ("backend", "phrase", "documents", "hits/query", "p50", "p95", "p99"):
        table.add_column(column)
    for backend in backends:
        for row in run(backend, args):
            table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
