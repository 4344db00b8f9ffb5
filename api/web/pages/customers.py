"""客户档案 — the archive by customer (按户建档) at the console.

``/customers`` lists the customers the viewer reaches grouped by unit (分区管理), with their type,
manager, managing bank, dossiers and 失联 flag, beside the partitions by unit, customer type and
loan category and the contact-data quality by unit; ``/loans/{loan_no}/customer`` shows the
file of the loan's borrower: its loans and dossiers, manager, managing bank, rhythm, contacts,
and each loan's zone, guarantees, warnings, classifications, inspections and collection — the
same as ``GET /api/v1/customers/{borrower_id}``, the ID number masked as the loan search masks
it. Nothing is recorded here: the commands are the API's (``/api/v1/customers/…``).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from api.responses import LoanNo
from api.routers.customers import add_completeness
from api.web.pages.common import listed, page_router, registers_of
from api.web.pages.loans import masked
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import Action
from domain.values import BorrowerType, Product

router = page_router()
REGISTER = "customer_file"
TYPES = {t.value: t for t in BorrowerType}
PRODUCTS = {p.value: p for p in Product}


@router.get("/customers")
def customers(
    request: Request, viewer: ViewerDep, branch: str = "", borrower_type: str = ""
) -> Response:
    def rows_of(listing: str, order_by: list[str], filters: dict[str, str]) -> list[dict[str, Any]]:
        service = registers_of(request)
        selection = service.select(REGISTER, listing)
        _actor, scope = archive_of(request).reading_scope(
            viewer.ctx, selection.projection.read_action
        )
        asked = {k: v for k, v in filters.items() if v}
        return listed(
            request, viewer, REGISTER, listing, order_by=order_by, limit=500, scope=scope, **asked
        )

    both = {"branch": branch, "borrower_type": borrower_type}
    rows = rows_of("customers", ["branch", "borrower_type", "borrower_name"], both)
    for row in rows:
        row["masked_id"] = masked(row.get("borrower_id"))
    units = [(unit, list(members)) for unit, members in groupby(rows, key=lambda r: r["branch"])]
    partitions = rows_of("partitions", ["branch", "borrower_type", "product"], both)
    quality = rows_of("contact_quality", ["branch"], {"branch": branch})
    return render(
        request,
        "customers.html",
        viewer,
        area="loans",
        units=units,
        partitions=partitions,
        quality=quality,
        branch=branch,
        borrower_type=borrower_type,
        types=TYPES,
        products=PRODUCTS,
    )


@router.get("/loans/{loan_no}/customer")
def customer_file(loan_no: LoanNo, request: Request, viewer: ViewerDep) -> Response:
    archive = archive_of(request)
    loan = archive.get_loan(viewer.ctx, loan_no)
    found: dict[str, Any] = archive.customer_file(viewer.ctx, loan.borrower_id)
    _actor, scope = archive.reading_scope(viewer.ctx, Action.READ_BUSINESS)
    add_completeness(registers_of(request), scope, found)
    found["masked_id"] = masked(found["borrower_id"])
    return render(request, "customer.html", viewer, area="loans", file=found, loan_no=loan_no)
