"""Document search (全文检索): every filed document, found by any phrase, with no text in clear.

The text comes from the stored document itself — read through the ``text_source`` the
composition root wires to the archive (the PDF's text, extracted at filing and kept encrypted
under the dossier's data key beside it) — and never from an event. The register keeps none of it:
one versioned row per filed document (keyed by dossier and SHA-256) holds the loan, the borrower
and the document's metadata, and a **blind index** holds its terms.

The terms of a document are its distinct characters, pairs of characters and triples of
characters (Chinese has no spaces to split words on), after folding case and runs of white
space; each is stored only as a keyed hash (BLAKE2b with the search index key, a random key kept
wrapped under the master key in the key store, never in the register database), in postings
``(term, doc)`` where ``doc`` numbers the document (the log position of its first filing), and
each document's own hashes, packed in one row (``doc``, ``hashes``), so that its postings can be
found again to delete them — a second index of the postings by document would cost as much
again at every filing as the postings themselves. A
phrase is looked up by the hashes of its own terms — all its triples, or its pair or character
when it is shorter — and the documents holding all of them are the candidates of the page; only
those (at most a page of them) are read back through the text source, which decrypts them, to
confirm the phrase and cut a snippet around it (a phrase of one term needs no confirming: without
snippets, nothing is decrypted). Nothing of a
document's text, not even a character of it, is stored in the clear, on SQLite or PostgreSQL.

When a dossier is destroyed its documents' rows, postings and packed hashes are deleted; the
register database
(SQLite) overwrites freed pages (``secure_delete``) and its write-ahead log is checkpointed and
truncated after the batch, so nothing of the text — whose key is shredded at the same time —
stays readable in the files. A page may hold fewer hits than its size when a candidate does not
hold the phrase itself (its terms appear apart) or its text can no longer be read; the next page
starts where the candidates of this one ended.
"""

from __future__ import annotations

import hashlib
import operator
import struct
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa

from domain.dossier import Dossier
from domain.scope import RowScope
from projections.changes import Changes
from projections.errors import RegisterQueryError
from projections.projection import Listing, Projection, handlers
from projections.query import MAX_LIMIT, AsOf, visible
from projections.registers import TextSource
from projections.scoping import scope_clauses
from projections.store import RegisterStore
from projections.tables import TableSpec, col, loan_facts

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
DossierEvents: Any = Dossier

SNIPPET = 60  # characters of context shown around a match
MAX_PHRASE = 200
TRIGRAM = 3  # the longest terms indexed: a longer phrase is looked up by its triples
TERM_BYTES = 4  # a term's keyed hash, as a signed 32-bit integer (collisions only add candidates)
INDEX_KEY_BYTES = 32

DOSSIERS = TableSpec(
    "dossiers",
    [
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False),
        *loan_facts("loan_no", "borrower_name"),
    ],
    key=("dossier_id",),
    dated=False,  # who or what is who: read by every day's events alike
)

DOCUMENTS = TableSpec(
    "documents",
    [
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", filter=True, nullable=False),
        col("sha256", sa.String(64), "文件哈希(SHA-256)", "sha256", filter=True, nullable=False),
        *loan_facts("loan_no", "borrower_name"),
        col("doc_type", sa.String(64), "文件类型", "document type", filter=True),
        col("stage", sa.String(32), "归档阶段", "stage", filter=True),
        col("filename", sa.String(255), "文件名", "file name"),
        col("media_type", sa.String(100), "格式", "media type"),
        col("pages", sa.Integer, "页数", "pages"),
        col("position", sa.BigInteger, "归档日志位置", "filed at position"),
        # The document's number in the postings: the log position of its first filing.
        col("doc", sa.BigInteger, "索引编号", "index number", export=False),
        # How many terms the document gave the index (0: no text could be read).
        col("terms", sa.Integer, "索引词数", "index terms", export=False),
    ],
    key=("dossier_id", "sha256"),
    indexes=(("loan_no",), ("doc",)),
)


def normalized(text: str) -> str:
    """Text as it is indexed and matched: case folded, every run of white space one space."""
    return " ".join(text.casefold().split())


def grams(text: str) -> set[str]:
    """The distinct terms of normalized ``text``: its characters, pairs and triples (each pair
    and triple made by one concatenation, not sliced out of the text)."""
    pairs = list(map(operator.add, text, text[1:]))
    found = set(text)
    found.update(pairs)
    found.update(map(operator.add, pairs, text[2:]))
    return found


def phrase_grams(phrase: str) -> list[str]:
    """The terms a normalized phrase is looked up by: all its triples (overlapping, so their
    order is nearly pinned down), or the phrase itself when it is shorter than a triple."""
    if len(phrase) < TRIGRAM:
        return [phrase]
    return list(dict.fromkeys(phrase[i : i + TRIGRAM] for i in range(len(phrase) - 2)))


class BlindTerms:
    """Terms as keyed hashes: BLAKE2b in keyed mode (a MAC) under the search index key.

    The key is asked for once, when first needed, and kept in memory only, as a hash state
    that has taken it in: each term's hash starts from a copy of that state, so the key block
    is not hashed again for every term.
    """

    def __init__(self, key: Callable[[], bytes | None]) -> None:
        self._source = key
        self._keyed: Any = None

    def _known(self) -> Any:
        if self._keyed is None:
            key = self._source()
            if key is None:
                return None
            if len(key) != INDEX_KEY_BYTES:
                raise ValueError(f"the search index key is {INDEX_KEY_BYTES} bytes")
            self._keyed = hashlib.blake2b(key=key, digest_size=TERM_BYTES)
        return self._keyed

    def hashes(self, terms: set[str] | list[str]) -> list[int] | None:
        """The terms' hashes (sorted, distinct), or None when there is no key."""
        keyed = self._known()
        if keyed is None:
            return None
        start, number = keyed.copy, int.from_bytes
        found = set()
        for term in terms:
            state = start()
            state.update(term.encode())
            found.add(number(state.digest(), "big", signed=True))
        return sorted(found)


class DocumentSearch(Projection):
    """全文检索: every filed document, searchable by any phrase (Chinese included), through a
    blind index — no text of a document is stored in the register."""

    name = "document_search"
    version = 5  # 4: a blind index of keyed term hashes; no text stored. 5: postings found
    # again by each document's packed hashes, not by a second index of the postings
    title_zh = "文档全文检索"
    title_en = "Document search"
    tables = (DOSSIERS, DOCUMENTS)
    listings: ClassVar[dict[str, Listing]] = {
        "documents": Listing("documents", ("loan_no", "position"), "归档文件", "Filed documents")
    }

    def __init__(
        self,
        text_source: TextSource | None = None,
        *,
        index_key: Callable[[], bytes | None] | None = None,
    ) -> None:
        self.text_source = text_source
        self.terms = BlindTerms(index_key or (lambda: None))

    handle = handlers()

    @handle.register(DossierEvents.Opened)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "dossiers",
            (event.originator_id,),
            {
                "loan_id": event.loan_id,
                "loan_no": event.loan_no,
                "borrower_name": event.borrower_name,
            },
        )

    @handle.register(DossierEvents.DocumentFiled)
    def _(self, event: Any, changes: Changes) -> None:
        dossier_id: UUID = event.originator_id
        document = event.document
        dossier = changes.get("dossiers", dossier_id) or {}
        known = changes.get("documents", dossier_id, document.sha256)
        doc = known["doc"] if known and known.get("doc") is not None else changes.position
        terms = known.get("terms") if known else None
        if terms is None:
            terms = self._index(changes, doc, dossier_id, document.sha256, document.media_type)
        changes.put(
            "documents",
            (dossier_id, document.sha256),
            {
                "loan_no": dossier.get("loan_no"),
                "borrower_name": dossier.get("borrower_name"),
                "doc_type": document.doc_type,
                "stage": event.stage,
                "filename": document.filename,
                "media_type": document.media_type,
                "pages": document.pages,
                "position": changes.position,
                "doc": doc,
                "terms": terms,
            },
        )

    def _index(
        self, changes: Changes, doc: int, dossier_id: UUID, sha256: str, media_type: str
    ) -> int:
        """Write the document's postings (once: a repeated run writes the same rows); return
        how many terms it has."""
        if self.text_source is None:
            return 0
        text = self.text_source(dossier_id, sha256, media_type)
        if not text:
            return 0
        hashes = self.terms.hashes(grams(normalized(text.replace("\x00", ""))))
        if not hashes:
            return 0
        documents = changes.tables["documents"]
        changes.insert_later(postings_table(documents), [(h, doc) for h in hashes])
        changes.insert_later(held_table(documents), [(doc, pack(hashes))])
        return len(hashes)

    @handle.register(DossierEvents.Destroyed)
    def _(self, event: Any, changes: Changes) -> None:
        """A destroyed dossier leaves the index for good: every version of every row of its
        documents is deleted, and so are their postings."""
        changes.flush()  # the documents filed earlier in this batch, and their postings
        conn = changes.conn
        documents = changes.tables["documents"]
        postings, held = postings_table(documents), held_table(documents)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")
        docs = (
            sa.select(documents.c.doc)
            .where(documents.c.dossier_id == event.originator_id)
            .scalar_subquery()
        )
        for doc, packed in conn.execute(
            sa.select(held.c.doc, held.c.hashes).where(held.c.doc.in_(docs))
        ):
            conn.execute(
                postings.delete().where(
                    postings.c.term == sa.bindparam("t"), postings.c.doc == sa.bindparam("d")
                ),
                [{"t": term, "d": doc} for term in unpack(packed)],
            )
        conn.execute(held.delete().where(held.c.doc.in_(docs)))
        changes.purge("documents", dossier_id=event.originator_id)

    # -------------------------------------------------------------------- the index
    def on_created(self, conn: sa.Connection, tables: Mapping[str, sa.Table]) -> None:
        for table in self.extra_tables(tables):
            table.create(conn)

    def extra_tables(self, tables: Mapping[str, sa.Table]) -> list[sa.Table]:
        documents = tables["documents"]
        return [postings_table(documents), held_table(documents)]

    def on_dropped(self, conn: sa.Connection, tables: Mapping[str, sa.Table]) -> None:
        """Drop the postings and packed hashes of a generation (its documents table goes by
        itself)."""
        documents = tables["documents"]
        for table in self.extra_tables(tables):
            table.drop(conn, checkfirst=True)
            documents.metadata.remove(table)
        if conn.dialect.name == "sqlite":
            # The full-text index of the releases before the blind index, with its copy of
            # the text (its triggers go with the documents table).
            quote = conn.dialect.identifier_preparer.quote
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(documents.name + '_fts')}")


def postings_name(documents: str) -> str:
    return f"{documents}_terms"


def _beside(documents: sa.Table, name: str, *parts: Any, **options: Any) -> sa.Table:
    """The table ``name`` in the documents table's metadata, defined there once."""
    metadata = documents.metadata
    key = f"{metadata.schema}.{name}" if metadata.schema else name
    if key in metadata.tables:
        return metadata.tables[key]
    return sa.Table(name, metadata, *parts, **options)


def postings_table(documents: sa.Table) -> sa.Table:
    """The postings beside a generation's documents table: (term hash, document number)."""
    name = postings_name(documents.name)
    return _beside(
        documents,
        name,
        sa.Column("term", sa.Integer, nullable=False),
        sa.Column("doc", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("term", "doc", name=f"pk_{name}"),
        sqlite_with_rowid=False,
    )


def held_table(documents: sa.Table) -> sa.Table:
    """Beside the postings, each document's term hashes packed in one row (document number,
    :func:`pack`): what finds its postings again when its dossier is destroyed."""
    name = f"{documents.name}_held"
    return _beside(
        documents,
        name,
        sa.Column("doc", sa.BigInteger, nullable=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("doc", name=f"pk_{name}"),
    )


def pack(hashes: list[int]) -> bytes:
    """Term hashes as 4-byte big-endian signed integers, one after the other."""
    return struct.pack(f">{len(hashes)}i", *hashes)


def unpack(packed: bytes) -> tuple[int, ...]:
    return struct.unpack(f">{len(packed) // TERM_BYTES}i", packed)


# ----------------------------------------------------------------------------------- queries
def snippet(content: str | None, phrase: str, width: int = SNIPPET) -> str:
    """About ``width`` characters of ``content`` around the first match of ``phrase``."""
    if not content:
        return ""
    text = " ".join(content.split())
    at = text.casefold().find(phrase.casefold())
    if at < 0:
        at = 0
    side = max(0, (width - len(phrase)) // 2)
    start = max(0, at - side)
    end = min(len(text), at + len(phrase) + side)
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


def search(
    store: RegisterStore,
    projection: Projection,
    phrase: str,
    *,
    scope: RowScope,
    limit: int = 50,
    offset: int = 0,
    as_of: AsOf = AsOf(),
    snippets: bool = True,
) -> list[dict[str, Any]]:
    """The filed documents whose text contains ``phrase`` (current, or as of a past point), in
    the dossiers of the loans ``scope`` reaches: a search finds nothing beyond it.

    Each hit: ``dossier_id``, ``sha256``, ``loan_no``, ``borrower_name``, ``doc_type``,
    ``filename``, ``position`` and a ``snippet`` of the text around the match. The phrase is
    never part of the SQL: only the keyed hashes of its terms are bound. ``limit`` and
    ``offset`` count candidates (documents holding every term of the phrase); those that do not
    hold the phrase itself are left out of the page. Without ``snippets``, a phrase of at
    most three characters (one term: the postings answer it exactly) decrypts nothing.
    """
    phrase = " ".join(phrase.split())
    if not phrase:
        raise RegisterQueryError("检索词不能为空", "the search phrase must not be blank")
    if len(phrase) > MAX_PHRASE:
        raise RegisterQueryError(
            f"检索词不超过{MAX_PHRASE}字", f"the search phrase is longer than {MAX_PHRASE}"
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise RegisterQueryError(
            f"每页条数须在1到{MAX_LIMIT}之间", f"limit must be between 1 and {MAX_LIMIT}"
        )
    if offset < 0:
        raise RegisterQueryError("偏移量不能为负", "offset must not be negative")
    if not isinstance(projection, DocumentSearch):
        raise TypeError("search reads the document_search register")
    wanted = normalized(phrase)
    hashes = projection.terms.hashes(phrase_grams(wanted))
    if not hashes or projection.text_source is None:
        return []  # no key, or no way to read a text: nothing was indexed
    with store.reading() as conn:
        table = store.live_tables(conn, projection)["documents"]
        postings = postings_table(table)
        clauses = visible(table, DOCUMENTS, as_of)
        clauses += scope_clauses(conn, store, projection, DOCUMENTS.name, table, scope)
        if len(hashes) == 1:
            candidates = sa.select(postings.c.doc).where(postings.c.term == hashes[0])
            clauses.append(table.c.doc.in_(candidates.scalar_subquery()))
        else:
            # The documents holding every term, counted once (MATERIALIZED): planned as a
            # correlated subquery it would be counted again for each document row, which
            # PostgreSQL chooses when its statistics take the documents for a handful.
            holding = (
                sa.select(postings.c.doc)
                .where(postings.c.term.in_(hashes))
                .group_by(postings.c.doc)
                .having(sa.func.count() == len(hashes))
                .cte("holding")
                .prefix_with("MATERIALIZED")
            )
            clauses.append(table.c.doc.in_(sa.select(holding.c.doc)))
        names = ["dossier_id", "sha256", "loan_no", "borrower_name", "doc_type", "filename"]
        found = conn.execute(
            sa.select(*[table.c[n] for n in names], table.c.position, table.c.media_type)
            .where(*clauses)
            .order_by(table.c.position, table.c.dossier_id, table.c.sha256)
            .limit(limit)
            .offset(offset)
        ).all()
    hits = []
    for row in found:
        hit = dict(row._mapping)
        media_type = hit.pop("media_type")
        if not snippets and len(hashes) == 1:
            hits.append(hit)
            continue
        text = projection.text_source(hit["dossier_id"], hit["sha256"], media_type or "")
        if not text or wanted not in normalized(text):
            continue  # its terms appear apart, or its text is gone (destroyed meanwhile)
        hit["snippet"] = snippet(text, phrase)
        hits.append(hit)
    return hits
