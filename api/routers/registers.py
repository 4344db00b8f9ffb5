"""Registers (台账) over HTTP: one listing per route, with filters, sorting, paging, "as of",
read-your-writes and CSV / XLSX export."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from projections.projection import Projection

RESERVED = frozenset(
    {"as_of", "as_of_position", "after", "wait", "sort", "limit", "offset", "format"}
)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def plain(value: Any) -> Any:
    """A register value as JSON: money and ids as strings, dates in ISO form."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(projection: Projection, table: str) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "zh": c.info.get("zh"),
            "en": c.info.get("en"),
            "filter": bool(c.info.get("filter")),
        }
        for c in projection.specs()[table].columns
    ]


def _endpoint(name: str, listing: str) -> Callable[..., Response]:
    def read_listing(
        request: Request,
        service: RegistersDep,
        archive: ArchiveDep,
        ctx: ReadCtx,
        as_of: Annotated[
            str | None,
            Query(description="a date (end of that day, bank time) or an ISO timestamp"),
        ] = None,
        as_of_position: Annotated[
            int | None, Query(ge=0, description="the register as it stood at this log position")
        ] = None,
        after: Annotated[
            int | None,
            Query(ge=0, description="wait until the register has applied this position"),
        ] = None,
        wait: Annotated[float, Query(ge=0, le=30, description="seconds to wait for `after`")] = 5,
        sort: Annotated[
            str | None, Query(description="columns, comma-separated; -col for descending")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
        format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
        after_header: Annotated[int | None, Header(alias="X-Dossier-After", ge=0)] = None,
    ) -> Response:
        archive.authorize_read(ctx)
        selection = service.select(name, listing)
        filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
        point = service.as_of(as_of, as_of_position)
        awaited = max(after or 0, after_header or 0, as_of_position or 0)
        service.wait([name], awaited, wait)
        order = [s.strip() for s in (sort or "").split(",") if s.strip()]
        if format != "json":
            body = service.export(selection, format, as_of=point, filters=filters, order_by=order)
            filename = f"{name}-{selection.listing_name}.{format}"
            return Response(
                body,
                media_type=MEDIA[format],
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        page = service.page(
            selection, as_of=point, filters=filters, order_by=order, limit=limit, offset=offset
        )
        table = selection.listing.table
        return JSONResponse(
            {
                "register": name,
                "listing": selection.listing_name,
                "title_zh": selection.listing.title_zh,
                "title_en": selection.listing.title_en,
                "position": service.positions().get(name, 0),
                "as_of": {"at": as_of, "position": as_of_position},
                "total": page.total,
                "limit": limit,
                "offset": offset,
                "columns": _columns(selection.projection, table),
                "data": [{k: plain(v) for k, v in row.items()} for row in page.rows],
            }
        )

    return read_listing


def router_for(projections: Sequence[Projection]) -> APIRouter:
    """One GET route per register listing: ``/registers/{name}`` and ``/registers/{name}/{listing}``."""
    router = APIRouter(prefix="/registers", tags=["registers 台账"])

    @router.get("")
    def list_registers(service: RegistersDep, archive: ArchiveDep, ctx: ReadCtx) -> dict[str, Any]:
        """The registers, their listings and the log position each has applied."""
        archive.authorize_read(ctx)
        positions = service.positions()
        return {
            "data": [
                {**p.describe(), "position": positions.get(p.name, 0)}
                for p in service.projections.values()
            ]
        }

    for projection in projections:
        for index, (listing_name, listing) in enumerate(projection.listings.items()):
            path = f"/{projection.name}" if index == 0 else f"/{projection.name}/{listing_name}"
            filters = [
                c.name for c in projection.specs()[listing.table].columns if c.info.get("filter")
            ]
            router.add_api_route(
                path,
                _endpoint(projection.name, listing_name),
                methods=["GET"],
                name=f"{projection.name}.{listing_name}",
                summary=f"{listing.title_zh} / {listing.title_en}",
                description=(
                    f"Filters (exact match, as query parameters): {', '.join(filters) or 'none'}. "
                    "`format=csv|xlsx` exports the whole filtered listing with Chinese headers."
                ),
            )
    return router
