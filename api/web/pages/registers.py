"""台账 — the registers: each register the person may read, one page per listing with its
filters, "as of" a date, paging, and CSV / XLSX export — the register query of
``GET /api/v1/registers/{name}[/{listing}]``, read without waiting."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request
from fastapi.responses import Response

from api.fields import Count, Line, refuse_controls
from api.routers.registers import MEDIA
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
from domain.scope import RowScope
from projections.errors import RegisterQueryError
from projections.query import Page
from projections.service import RegisterService, Selection

router = page_router()

RESERVED = frozenset({"listing", "as_of", "offset", "sort", "format"})
RegisterName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]
ListingQuery = Annotated[Line | None, Query(max_length=64)]
AsOfQuery = Annotated[Line | None, Query(max_length=64)]


def _filters(request: Request) -> dict[str, str]:
    chosen = {
        k: v.strip() for k, v in request.query_params.items() if k not in RESERVED and v.strip()
    }
    refuse_controls("query", chosen)
    return chosen


def _filter_columns(selection: Selection) -> list[Any]:
    """The columns a person can filter on by typing: not the internal ids."""
    spec = selection.projection.specs()[selection.listing.table]
    return [
        c
        for c in spec.columns
        if c.info.get("filter") and c.info.get("export") and not c.name.endswith("_id")
    ]


@router.get("/registers")
def registers(request: Request, viewer: ViewerDep) -> Response:
    enter(request, viewer, "registers")
    service = registers_of(request)
    positions = service.positions()
    shown = [
        (p, positions.get(p.name, 0))
        for p in service.projections.values()
        if viewer.can(p.read_action)
    ]
    return render(request, "registers.html", viewer, area="registers", shown=shown)


def _read(
    request: Request,
    viewer: ViewerDep,
    name: str,
    listing: str | None,
) -> tuple[RegisterService, Selection, RowScope]:
    enter(request, viewer, "registers")
    service = registers_of(request)
    selection = service.select(name, listing)
    _actor, scope = archive_of(request).reading_scope(viewer.ctx, selection.projection.read_action)
    service.applied([name], None)  # a register stopped at an event is refused, not shown
    return service, selection, scope


@router.get("/registers/{name}")
def register(
    request: Request,
    viewer: ViewerDep,
    name: RegisterName,
    listing: ListingQuery = None,
    as_of: AsOfQuery = None,
    offset: Annotated[Count, Query()] = 0,
) -> Response:
    service, selection, scope = _read(request, viewer, name, listing)
    filters = _filters(request)
    error: str | None = None
    page = Page([], 0)
    try:
        point = service.as_of(as_of or None, None)
        page = service.page(
            selection,
            as_of=point,
            scope=scope,
            filters=filters,
            order_by=[],
            limit=PAGE_SIZE,
            offset=offset,
        )
    except RegisterQueryError as refused:
        error = viewer.t.pick(refused.zh, refused.en)
    spec = selection.projection.specs()[selection.listing.table]
    columns = spec.exported()
    return render(
        request,
        "register.html",
        viewer,
        area="registers",
        status=422 if error else 200,
        selection=selection,
        columns=columns,
        filter_columns=_filter_columns(selection),
        filters=filters,
        as_of=as_of or "",
        error=error,
        page=page,
        rows=people_named(service, columns, page.rows),
        labels=column_labels(request, columns),
        scope=scope,
        limit=PAGE_SIZE,
        offset=offset,
        position=service.positions().get(name, 0),
    )


@router.get("/registers/{name}/export")
def export(
    request: Request,
    viewer: ViewerDep,
    name: RegisterName,
    listing: ListingQuery = None,
    as_of: AsOfQuery = None,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """The whole filtered listing as CSV or XLSX, with Chinese headers."""
    service, selection, scope = _read(request, viewer, name, listing)
    body = service.export(
        selection,
        format,
        as_of=service.as_of(as_of or None, None),
        scope=scope,
        filters=_filters(request),
        order_by=[],
    )
    filename = f"{name}-{selection.listing_name}.{format}"
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
