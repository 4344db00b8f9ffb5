"""Document search (全文检索): the full text of every filed document, Chinese included.

The text comes from the stored document itself — read through the ``text_source`` the
composition root wires to the archive (the PDF's extracted text) — and never from an event:
events cite documents by hash, they do not carry their content. One versioned row per filed
document (keyed by dossier and SHA-256) holds the loan, the borrower, the document's metadata
and its text.

The index is per backend: on SQLite an FTS5 table with the ``trigram`` tokenizer over the
documents table (external content, kept in step by triggers), so any phrase of three or more
characters — Chinese has no spaces to split words on — is found through the index; on
PostgreSQL a ``pg_trgm`` GIN index that serves ``ILIKE '%phrase%'``. Shorter phrases fall back
to a scan with ``LIKE``.
"""

from __future__ import annotations

from collections.abc import Mapping
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
TRIGRAM = 3  # the shortest phrase the trigram indexes can serve
PG_TRGM_LOCK = 0x646F_7373_7472_676D  # serialises CREATE EXTENSION between sessions

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
        col("content", sa.Text, "全文", "full text", export=False),
    ],
    key=("dossier_id", "sha256"),
    indexes=(("loan_no",),),
)


class DocumentSearch(Projection):
    """全文检索: every filed document's text, searchable by any phrase (Chinese included)."""

    name = "document_search"
    version = 3  # 3: rows dated by business date (业务日期), read on a day (on=)
    title_zh = "文档全文检索"
    title_en = "Document search"
    tables = (DOSSIERS, DOCUMENTS)
    listings: ClassVar[dict[str, Listing]] = {
        "documents": Listing("documents", ("loan_no", "position"), "归档文件", "Filed documents")
    }

    def __init__(self, text_source: TextSource | None = None) -> None:
        self.text_source = text_source

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
        text = None
        if self.text_source is not None:
            text = self.text_source(dossier_id, document.sha256, document.media_type)
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
                # NUL cannot be stored in PostgreSQL text; it carries nothing searchable.
                "content": text.replace("\x00", "") if text is not None else None,
            },
        )

    @handle.register(DossierEvents.Destroyed)
    def _(self, event: Any, changes: Changes) -> None:
        """A destroyed dossier's text leaves the index for good: every version of every row of
        its documents is deleted, so neither the current index nor its history keeps it."""
        changes.purge("documents", dossier_id=event.originator_id)

    # -------------------------------------------------------------------- the index
    @staticmethod
    def _fts_name(documents: str) -> str:
        return f"{documents}_fts"

    @staticmethod
    def _trgm_index(documents: str) -> str:
        return f"ix_{documents}_trgm"

    def on_created(self, conn: sa.Connection, tables: Mapping[str, sa.Table]) -> None:
        documents = tables["documents"]
        quote = conn.dialect.identifier_preparer.quote
        if conn.dialect.name == "sqlite":
            fts, docs = quote(self._fts_name(documents.name)), quote(documents.name)
            content = quote("content")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {fts}")
            conn.exec_driver_sql(
                f"CREATE VIRTUAL TABLE {fts} USING fts5({content}, tokenize='trigram', "
                f"content='{documents.name}', content_rowid='rowid')"
            )
            # The standard external-content recipe: the index follows every row change.
            # Only generated identifiers are interpolated: nothing here comes from a user.
            delete = f"INSERT INTO {fts}({fts}, rowid, {content}) VALUES ('delete', old.rowid, old.{content});"  # noqa: S608
            insert = f"INSERT INTO {fts}(rowid, {content}) VALUES (new.rowid, new.{content});"  # noqa: S608
            for suffix, when, body in (
                ("ai", "AFTER INSERT", insert),
                ("ad", "AFTER DELETE", delete),
                ("au", f"AFTER UPDATE OF {content}", delete + " " + insert),
            ):
                trigger = quote(f"{documents.name}_{suffix}")
                conn.exec_driver_sql(f"CREATE TRIGGER {trigger} {when} ON {docs} BEGIN {body} END")
        elif conn.dialect.name == "postgresql":
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            ).first()
            if exists is None:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_TRGM_LOCK})
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            qualified = conn.dialect.identifier_preparer.format_table(documents)
            conn.exec_driver_sql(
                f"CREATE INDEX {quote(self._trgm_index(documents.name))} ON {qualified} "
                f"USING gin ({quote('content')} gin_trgm_ops)"
            )

    def on_dropped(self, conn: sa.Connection, generation: int) -> None:
        """Drop the SQLite index table; its triggers, and PostgreSQL's trigram index, go with
        the documents table itself (the pg_trgm extension stays: other schemas may use it)."""
        if conn.dialect.name == "sqlite":
            fts = self._fts_name(DOCUMENTS.physical_name(self.name, generation))
            quoted = conn.dialect.identifier_preparer.quote(fts)
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quoted}")


# ----------------------------------------------------------------------------------- queries
def _escape_like(phrase: str) -> str:
    return phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(phrase: str) -> str:
    """The phrase as one FTS5 string: quoted, its own double quotes doubled."""
    return '"' + phrase.replace('"', '""') + '"'


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
) -> list[dict[str, Any]]:
    """The filed documents whose text contains ``phrase`` (current, or as of a past point), in
    the dossiers of the loans ``scope`` reaches: a search finds nothing beyond it.

    Each hit: ``dossier_id``, ``sha256``, ``loan_no``, ``borrower_name``, ``doc_type``,
    ``filename``, ``position`` and a ``snippet`` of the text around the match. The phrase is
    always a bound parameter, never part of the SQL.
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
    with store.reading() as conn:
        table = store.live_tables(conn, projection)["documents"]
        clauses = visible(table, DOCUMENTS, as_of)
        clauses += scope_clauses(conn, store, projection, DOCUMENTS.name, table, scope)
        content = table.c.content
        if conn.dialect.name == "sqlite" and len(phrase) >= TRIGRAM:
            fts = sa.table(DocumentSearch._fts_name(table.name))
            matching: sa.Select[Any] = (
                sa.select(sa.literal_column("rowid"))
                .select_from(fts)
                .where(
                    sa.literal_column(conn.dialect.identifier_preparer.quote(fts.name)).op("MATCH")(
                        sa.bindparam("phrase", _fts_phrase(phrase))
                    )
                )
            )
            clauses.append(sa.literal_column("rowid").in_(matching))
        elif conn.dialect.name == "postgresql":
            clauses.append(content.ilike(f"%{_escape_like(phrase)}%", escape="\\"))
        else:
            clauses.append(content.like(f"%{_escape_like(phrase)}%", escape="\\"))
        names = ["dossier_id", "sha256", "loan_no", "borrower_name", "doc_type", "filename"]
        found = conn.execute(
            sa.select(*[table.c[n] for n in names], table.c.position, content)
            .where(*clauses)
            .order_by(table.c.position, table.c.dossier_id, table.c.sha256)
            .limit(limit)
            .offset(offset)
        )
        hits = []
        for row in found:
            hit = dict(row._mapping)
            hit["snippet"] = snippet(hit.pop("content"), phrase)
            hits.append(hit)
        return hits
