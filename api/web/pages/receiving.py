"""接收与编目 — the archive office receives transfers (移交) item by item and catalogues the
dossier (编目: 档号 and shelf).

The transfers awaiting receipt are listed from the archive catalogue register; a transfer's page
shows its list as the account manager handed it over — each item's title and pages — and the
archivist marks each item present, missing or damaged with the pages counted (``ReceiveTransfer``);
a dossier received and not yet catalogued gets its shelf location (``Catalogue``), which gives
it its reference code (档号). Same typed commands as the API; refusals on the form."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Path, Request
from fastapi.responses import Response

from api.web.forms import FIRST, Shown, submit
from api.web.pages.common import enter, listed, page_router
from api.web.pages.retention import LoanNoPath
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands.custody import Catalogue, ReceiveTransfer
from domain.authorization import Action
from domain.errors import NotFoundError
from domain.values import ItemCondition, TransferKind

router = page_router()
CATALOGUE = "archive_catalogue"
AWAITING_AT_MOST = 500


@router.get("/archive/transfers")
def awaiting(request: Request, viewer: ViewerDep) -> Response:
    """Transfers listed and not yet received, oldest first, with who listed them and when due."""
    enter(request, viewer, "archive")
    every = listed(
        request, viewer, CATALOGUE, "transfers", order_by=["listed_on"], limit=AWAITING_AT_MOST
    )
    rows = [r for r in every if not r["received_on"]]
    return render(
        request,
        "transfers.html",
        viewer,
        area="archive",
        rows=rows,
        kinds={k.value: k for k in TransferKind},
        may_receive=viewer.can(Action.RECEIVE_TRANSFER),
    )


def _transfer_page(
    request: Request, viewer: Viewer, loan_no: str, transfer_id: UUID, shown: Shown = FIRST
) -> Response:
    enter(request, viewer, "archive")
    archive = archive_of(request)
    dossier = archive.get_dossier(viewer.ctx, loan_no)
    transfer = dossier.transfers.get(transfer_id)
    if transfer is None:
        raise NotFoundError("没有该移交清单", "there is no such transfer list", loan_no=loan_no)
    return render(
        request,
        "transfer.html",
        viewer,
        area="archive",
        **shown.context(),
        loan_no=loan_no,
        dossier=dossier,
        transfer=transfer,
        listed_by=archive.form_name(transfer.listed_by),
        received_by=archive.form_name(transfer.received_by) if transfer.received_by else "",
        conditions=list(ItemCondition),
        today=archive.today(),
        may_receive=viewer.can(Action.RECEIVE_TRANSFER),
        may_catalogue=viewer.can(Action.CATALOGUE),
    )


@router.get("/archive/transfers/{loan_no}/{transfer_id}")
def transfer(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNoPath,
    transfer_id: Annotated[UUID, Path()],
) -> Response:
    """The transfer list, item by item, with the receipt form (or what was found)."""
    return _transfer_page(request, viewer, loan_no, transfer_id)


@router.post("/archive/transfers/{loan_no}/{transfer_id}/receipt")
async def receive(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNoPath,
    transfer_id: Annotated[UUID, Path()],
) -> Response:
    """Receive the transfer: each item's condition and pages counted, and the day."""
    archive_of(request).actor(viewer.ctx, Action.RECEIVE_TRANSFER)  # the role before the form
    data = await request.form()
    dossier = archive_of(request).get_dossier(viewer.ctx, loan_no)
    listed = dossier.transfers.get(transfer_id)
    items = listed.items if listed is not None else []
    checks: list[dict[str, Any]] = []
    entered: dict[str, Any] = {"received_on": str(data.get("received_on") or "")[:10]}
    for item in items:
        condition = str(data.get(f"condition-{item.item_no}") or "")[:16]
        counted = str(data.get(f"pages-{item.item_no}") or "").strip()[:6]
        note = str(data.get(f"note-{item.item_no}") or "")[:500]
        entered[f"condition-{item.item_no}"] = condition
        entered[f"pages-{item.item_no}"] = counted
        entered[f"note-{item.item_no}"] = note
        checks.append(
            {
                "item_no": item.item_no,
                "condition": condition or None,
                "pages_counted": int(counted) if counted.isdigit() else counted or 0,
                "note": note.strip(),
            }
        )
    return submit(
        request,
        viewer,
        lambda: ReceiveTransfer.model_validate(
            {
                "loan_no": loan_no,
                "transfer_id": transfer_id,
                "checks": checks,
                "received_on": entered["received_on"] or None,
            }
        ),
        lambda shown: _transfer_page(request, viewer, loan_no, transfer_id, shown),
        "receive",
        entered,
        f"/archive/transfers/{loan_no}/{transfer_id}",
    )


@router.post("/archive/transfers/{loan_no}/{transfer_id}/catalogue")
def catalogue(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNoPath,
    transfer_id: Annotated[UUID, Path()],
    shelf_location: Annotated[str, Form(max_length=64)] = "",
    catalogued_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Catalogue the dossier received: its shelf (库房-排-柜-格) and the day; the 档号 follows."""
    entered = {"shelf_location": shelf_location, "catalogued_on": catalogued_on}
    return submit(
        request,
        viewer,
        lambda: Catalogue.model_validate(
            {
                "loan_no": loan_no,
                "shelf_location": shelf_location.strip(),
                "catalogued_on": catalogued_on.strip() or None,
            }
        ),
        lambda shown: _transfer_page(request, viewer, loan_no, transfer_id, shown),
        "catalogue",
        entered,
        f"/archive/transfers/{loan_no}/{transfer_id}",
    )
