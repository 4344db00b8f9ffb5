"""台账 — the registers: each register the person may read, one page per listing with its
filters, two times to read it at — a business date (业务日期, ``on``) and a recording time
(记录时点, ``as_of``) — paging, and CSV / XLSX export stating both — the register query of
``GET /api/v1/registers/{name}[/{listing}]``, read without waiting."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Path, Query, Request
from fastapi.responses import Response

from api.fields import Count, Line, refuse_controls
from api.routers.registers import MEDIA, export_name, point_headers
from api.web.nav import AREA
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
from projections.query import AsOf, Page
from projections.service import RegisterService, Selection
from projections.tables import sub_grade_labels

router = page_router()

RESERVED = frozenset({"listing", "on", "as_of", "offset", "sort", "format"})
RegisterName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]
ListingQuery = Annotated[Line | None, Query(max_length=64)]
AsOfQuery = Annotated[Line | None, Query(max_length=64)]


def point_of(service: RegisterService, on: str | None, as_of: str | None) -> AsOf:
    """The two times a page is read at, from the picker's text; RegisterQueryError names a
    date that is not one."""
    day: date | None = None
    if on and on.strip():
        try:
            day = date.fromisoformat(on.strip())
        except ValueError:
            raise RegisterQueryError(
                f"业务日期须为日期（2025-06-30）：{on}",
                f"the business date must be a date (2025-06-30), not {on!r}",
                field="on",
            ) from None
    return service.as_of(as_of or None, None, day)


def _then_query(on: str | None, as_of: str | None) -> str:
    """The two times, for a link to a loan's page: it opens on the same day."""
    chosen = {k: v.strip() for k, v in (("on", on), ("as_of", as_of)) if v and v.strip()}
    return "?" + urlencode(chosen) if chosen else ""


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
    service = registers_of(request)
    selection = service.select(name, listing)
    # The register's own permission decides, not the area's: the integration identity reads
    # the register of feed batches though it has no Registers area (it reads no business).
    _actor, scope = archive_of(request).reading_scope(viewer.ctx, selection.projection.read_action)
    service.applied([name], None)  # a register stopped at an event is refused, not shown
    return service, selection, scope


@router.get("/registers/{name}")
def register(
    request: Request,
    viewer: ViewerDep,
    name: RegisterName,
    listing: ListingQuery = None,
    on: AsOfQuery = None,
    as_of: AsOfQuery = None,
    offset: Annotated[Count, Query()] = 0,
) -> Response:
    service, selection, scope = _read(request, viewer, name, listing)
    filters = _filters(request)
    error: str | None = None
    page = Page([], 0)
    try:
        point = point_of(service, on, as_of)
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
        on=on or "",
        as_of=as_of or "",
        then_query=_then_query(on, as_of),
        error=error,
        page=page,
        rows=people_named(service, columns, page.rows),
        labels=column_labels(request, columns),
        scope=scope,
        limit=PAGE_SIZE,
        offset=offset,
        position=service.positions().get(name, 0),
        all_registers=AREA["registers"].shown_to(viewer.allowed),
    )


@router.get("/registers/{name}/export")
def export(
    request: Request,
    viewer: ViewerDep,
    name: RegisterName,
    listing: ListingQuery = None,
    on: AsOfQuery = None,
    as_of: AsOfQuery = None,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """The whole filtered listing as CSV or XLSX, with Chinese headers; its name, headers and
    (XLSX) 查询条件 sheet state the business date and recording time it is of."""
    service, selection, scope = _read(request, viewer, name, listing)
    point = point_of(service, on, as_of)
    body = service.export(
        selection,
        format,
        as_of=point,
        scope=scope,
        filters=_filters(request),
        order_by=[],
        coded=sub_grade_labels(archive_of(request).rule_set().sub_grades.sub_grades),
    )
    return Response(
        body,
        media_type=MEDIA[format],
        headers={
            "Content-Disposition": f'attachment; filename="{export_name(selection, point, format)}"',
            **point_headers(point),
        },
    )
