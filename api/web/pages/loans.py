"""贷款档案 — loan dossiers: search by loan number, borrower, ID-number ending, 档号 or a phrase
in the documents (a loan's own page is :mod:`api.web.pages.dossier`).

The search reads the loan ledger (贷后管理台账), as ``GET /api/v1/registers/loan_ledger``
does, the archive catalogue and the document search register, all within the reader's scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import Response

from api.fields import Count, Line
from api.web.i18n import N_
from api.web.pages.common import (
    PAGE_SIZE,
    column_labels,
    enter,
    page_router,
    people_named,
    registers_of,
)
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import Action
from domain.scope import RowScope
from projections.query import AsOf, Page, Search
from projections.registers.filing.search import TRIGRAM
from projections.registers.filing.search import search as search_documents

router = page_router()

LEDGER = "loan_ledger"
CATALOGUE = ("archive_catalogue", "dossiers")
DOCUMENTS = "document_search"
SHOWN = (
    "loan_no",
    "borrower_name",
    "product",
    "branch",
    "balance",
    "grade",
    "status",
    "days_overdue",
    "account_manager",
    "next_inspection_due",
)
Kind = Literal["all", "loan_no", "borrower", "id_suffix", "reference", "document"]
KINDS: tuple[tuple[str, str], ...] = (
    ("all", N_("All")),
    ("loan_no", N_("Loan number")),
    ("borrower", N_("Borrower name")),
    ("id_suffix", N_("ID number, last digits")),
    ("reference", N_("Reference code")),
    ("document", N_("Phrase in a filed document")),
)
SUFFIX = re.compile(r"^[0-9A-Za-z]{4,18}$")
"""The end of a 统一社会信用代码 (18) or 身份证号 (18): at least 4 characters, letters or digits."""
KEPT_VISIBLE = 4  # an ID number shows its last 4 characters, or up to 6 the person typed
KEPT_AT_MOST = 6
PHRASE_AT_LEAST = TRIGRAM
"""The shortest phrase the search of all kinds also looks for in documents (shorter ones are in
too many documents to tell anything); the document kind alone takes any phrase."""
REFERENCES_AT_MOST = 200


def masked(borrower_id: str | None, typed: int = 0) -> str:
    """An ID number as the list shows it: all but its last characters masked (``*``) — the last
    4, or as many as the person typed (at most 6); never more than half of it."""
    if not borrower_id:
        return ""
    kept = min(max(KEPT_VISIBLE, typed), KEPT_AT_MOST, len(borrower_id) // 2)
    return "*" * (len(borrower_id) - kept) + borrower_id[len(borrower_id) - kept :]


@dataclass(frozen=True)
class Found:
    """A loan of the ledger as the search lists it: its row, what matched, its ID number masked."""

    row: dict[str, Any]
    matched: list[str]
    borrower_id: str


@dataclass(frozen=True)
class DocumentHit:
    """A filed document whose text holds the phrase: where it is, never what it says."""

    loan_no: str
    borrower_name: str
    title: str
    filename: str


def _references(
    request: Request, viewer: ViewerDep, text: str, kind: str
) -> tuple[dict[str, str], RowScope | None]:
    """Loan number → reference code (档号) of the catalogued dossiers whose code holds ``text``,
    in the reader's scope of the archive catalogue (none when the role does not read it)."""
    if kind not in ("all", "reference") or not text:
        return {}, None
    service = registers_of(request)
    selection = service.select(*CATALOGUE)
    if not viewer.can(selection.projection.read_action):
        return {}, None
    _actor, scope = archive_of(request).reading_scope(viewer.ctx, selection.projection.read_action)
    page = service.page(
        selection,
        as_of=AsOf(),
        scope=scope,
        filters={},
        order_by=["reference_code"],
        limit=REFERENCES_AT_MOST,
        offset=0,
        search=Search(("reference_code",), text),
    )
    return {r["loan_no"]: r["reference_code"] for r in page.rows if r["reference_code"]}, scope


def _documents(
    request: Request, viewer: ViewerDep, text: str, kind: str
) -> tuple[list[DocumentHit] | None, RowScope | None]:
    """The filed documents holding the phrase ``text``, in the reader's scope (None: not
    searched — another kind asked, a phrase too short, or a role that reads no documents)."""
    wanted = kind == "document" or (kind == "all" and len(text) >= PHRASE_AT_LEAST)
    if not wanted or not text or not viewer.can(Action.READ_DOCUMENT):
        return None, None
    service = registers_of(request)
    archive = archive_of(request)
    _actor, scope = archive.reading_scope(viewer.ctx, Action.READ_DOCUMENT)
    hits = search_documents(
        service.store,
        service.select(DOCUMENTS).projection,
        text,
        scope=scope,
        limit=PAGE_SIZE,
        snippets=False,
    )
    types = archive.rule_set().document_types
    found = []
    for hit in hits:
        known = types.get(hit["doc_type"] or "")
        title = viewer.t.pick(known.zh, known.en) if known else str(hit["doc_type"] or "")
        found.append(
            DocumentHit(hit["loan_no"] or "", hit["borrower_name"] or "", title, hit["filename"])
        )
    return found, scope


@router.get("/loans")
def loans(
    request: Request,
    viewer: ViewerDep,
    q: Annotated[Line, Query(max_length=100)] = "",
    kind: Kind = "all",
    offset: Annotated[Count, Query()] = 0,
) -> Response:
    """贷款档案: one search box that finds a loan by its number, its borrower's name, the last
    digits of the borrower's ID number, its dossier's reference code (档号), or a phrase in one
    of its filed documents — all at once, or one kind — within the reader's data scope."""
    enter(request, viewer, "loans")
    service = registers_of(request)
    selection = service.select(LEDGER)
    _actor, scope = archive_of(request).reading_scope(viewer.ctx, selection.projection.read_action)
    text = " ".join(q.split())
    error: str | None = None
    if text and kind == "id_suffix" and not SUFFIX.match(text):
        error = viewer.t(
            "Type at least the last 4 characters of the ID number (letters or digits)."
        )
    suffix = bool(text) and kind in ("all", "id_suffix") and SUFFIX.match(text) is not None
    references, _catalogue_scope = _references(request, viewer, text, kind)
    documents, document_scope = _documents(request, viewer, text, kind)
    search = None
    if text:
        search = Search(
            tuple(
                name
                for name, kinds in (
                    ("loan_no", ("all", "loan_no")),
                    ("borrower_name", ("all", "borrower")),
                )
                if kind in kinds
            ),
            text,
            endings=("borrower_id",) if suffix else (),
            among=(("loan_no", tuple(sorted(references))),),
        )
    page = Page([], 0)
    if not error and kind != "document":
        page = service.page(
            selection,
            as_of=AsOf(),
            scope=scope,
            filters={},
            order_by=["loan_no"],
            limit=PAGE_SIZE,
            offset=offset,
            search=search,
        )
    spec = selection.projection.specs()[selection.listing.table]
    columns = [c for name in SHOWN for c in spec.columns if c.name == name]
    found = [
        _found(row, text, kind, suffix, references, viewer)
        for row in people_named(service, columns, page.rows)
    ]
    return render(
        request,
        "loans.html",
        viewer,
        area="loans",
        status=422 if error else 200,
        q=text,
        kind=kind,
        kinds=KINDS,
        error=error,
        page=page,
        found=found,
        documents=documents,
        labels=column_labels(request, columns),
        columns=columns,
        scope=scope if scope.filtered else document_scope,
        limit=PAGE_SIZE,
        offset=offset,
    )


def _found(
    row: dict[str, Any],
    text: str,
    kind: str,
    suffix: bool,
    references: dict[str, str],
    viewer: ViewerDep,
) -> Found:
    """What matched ``text`` in a loan found (none when the list is not a search)."""
    t = viewer.t
    needle = text.casefold()
    borrower_id = str(row.get("borrower_id") or "")
    matched = []
    if text and kind in ("all", "loan_no") and needle in str(row["loan_no"]).casefold():
        matched.append(t("Loan number"))
    if text and kind in ("all", "borrower") and needle in str(row["borrower_name"]).casefold():
        matched.append(t("Borrower name"))
    by_suffix = suffix and borrower_id.casefold().endswith(needle)
    if by_suffix:
        matched.append(t("ID number, last digits"))
    if row["loan_no"] in references:
        matched.append(t("Reference code %(code)s", code=references[row["loan_no"]]))
    return Found(
        {k: v for k, v in row.items() if k != "borrower_id"},
        matched,
        masked(borrower_id, len(text) if by_suffix else 0),
    )
