"""贷款档案 — loan dossiers: search by loan number or borrower (a loan's own page is
:mod:`api.web.pages.dossier`).

The search reads the loan ledger (贷后管理台账), as ``GET /api/v1/registers/loan_ledger``
does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from api.fields import Count, Line
from api.web.pages.common import PAGE_SIZE, enter, page_router, people_named, registers_of
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from projections.query import AsOf, Search

router = page_router()

LEDGER = "loan_ledger"
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


@router.get("/loans")
def loans(
    request: Request,
    viewer: ViewerDep,
    q: Annotated[Line, Query(max_length=100)] = "",
    offset: Annotated[Count, Query()] = 0,
) -> Response:
    enter(request, viewer, "loans")
    service = registers_of(request)
    selection = service.select(LEDGER)
    _actor, scope = archive_of(request).reading_scope(viewer.ctx, selection.projection.read_action)
    text = q.strip()
    page = service.page(
        selection,
        as_of=AsOf(),
        scope=scope,
        filters={},
        order_by=["loan_no"],
        limit=PAGE_SIZE,
        offset=offset,
        search=Search(("loan_no", "borrower_name"), text) if text else None,
    )
    spec = selection.projection.specs()[selection.listing.table]
    columns = [c for name in SHOWN for c in spec.columns if c.name == name]
    return render(
        request,
        "loans.html",
        viewer,
        area="loans",
        q=text,
        page=page,
        rows=people_named(service, columns, page.rows),
        columns=columns,
        limit=PAGE_SIZE,
        offset=offset,
    )
