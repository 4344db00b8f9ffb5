"""Registers (台账) over HTTP: one listing per route, with filters, sorting, paging, "as of",
read-your-writes and CSV / XLSX export."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.fields import Count, Line, refuse_controls
from api.responses import LoanNo, StaffNo
from archive.application import DossierArchive
from archive.core import CommandContext
from domain.authorization import Action
from domain.display import BANK_ZONE, moment_iso
from domain.scope import RowScope
from domain.values import Actor, loan_id_for, staff_id_for
from projections.projection import Projection
from projections.query import AsOf
from projections.registers.filing.search import search
from projections.registers.responsibility import loan_trail, person_trail, responsibility_view
from projections.service import RegisterService, Selection
from projections.tables import sub_grade_labels

RESERVED = frozenset(
    {"on", "as_of", "as_of_position", "after", "wait", "sort", "limit", "offset", "format"}
)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def plain(value: Any, zone: str | ZoneInfo = BANK_ZONE) -> Any:
    """A register value as JSON: money and ids as strings, dates in ISO form, times in ISO
    form in the bank's zone with the offset (registers keep them as naive UTC)."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime):
        return moment_iso(value, zone)
    if isinstance(value, date):
        return value.isoformat()
    return value


NAMED = "_name"
"""The suffix of the field that names the person a column holds by id: ``requested_by_name``."""


def _columns(projection: Projection, table: str) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "zh": c.info.get("zh"),
            "en": c.info.get("en"),
            "filter": bool(c.info.get("filter")),
            **(
                {"shows": c.info["shows"], "name_field": c.name + NAMED}
                if c.info.get("shows")
                else {}
            ),
        }
        for c in projection.specs()[table].exported()
    ]


def _json_rows(
    service: RegisterService, columns: Sequence[Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows as JSON: every exported column, and beside each that holds a person's id the
    person as people read them (``requested_by_name``: 姓名（工号）; null for a record that is
    not a person)."""
    display = service.display(columns, rows)
    people = [c for c in columns if c.info.get("shows")]
    out = []
    for row in rows:
        item = {c.name: plain(row[c.name], service.zone) for c in columns}
        for c in people:
            shown = display.person(c, row[c.name])
            item[c.name + NAMED] = None if shown == row[c.name] else shown
        out.append(item)
    return out


def _endpoint(name: str, listing: str) -> Callable[..., Awaitable[Response]]:
    async def read_listing(
        request: Request,
        service: RegistersDep,
        archive: ArchiveDep,
        ctx: ReadCtx,
        point: PointDep,
        sort: Annotated[
            Line | None,
            Query(max_length=500, description="columns, comma-separated; -col for descending"),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[Count, Query()] = 0,
        format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
    ) -> Response:
        selection = service.select(name, listing)
        filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
        refuse_controls("query", filters)
        read = await ready(service, archive, ctx, [name], point)
        order = [s.strip() for s in (sort or "").split(",") if s.strip()]
        asked = {
            "on": read.as_of.on.isoformat() if read.as_of.on else None,
            "at": request.query_params.get("as_of"),
            "position": read.as_of.position,
        }
        return await run_in_threadpool(
            _listing,
            service,
            selection,
            read.as_of,
            read.scope,
            asked,
            filters,
            order,
            limit,
            offset,
            format,
            sub_grade_labels(archive.rule_set().sub_grades.sub_grades) if format != "json" else {},
        )

    return read_listing


def scope_headers(scope: RowScope) -> dict[str, str]:
    """``X-Dossier-Filtered``: whether the answer leaves out loans beyond the reader's scope."""
    return {"X-Dossier-Filtered": "true" if scope.filtered else "false"}


def export_name(selection: Selection, point: AsOf, fmt: str = "") -> str:
    """An export's file name, saying which business date and recording point it is of."""
    name = f"{selection.projection.name}-{selection.listing_name}"
    if point.on is not None:
        name += f"-on-{point.on.isoformat()}"
    if point.position is not None:
        name += f"-as-of-position-{point.position}"
    elif point.at is not None:
        name += f"-as-of-{point.at.strftime('%Y%m%dT%H%M%SZ')}"
    return f"{name}.{fmt}" if fmt else name


def point_headers(point: AsOf) -> dict[str, str]:
    """``X-Dossier-On`` (业务日期) and ``X-Dossier-As-Of`` (记录时点): which two times an
    answer is of; ``latest`` and ``now`` when not asked."""
    if point.position is not None:
        recorded = f"position {point.position}"
    elif point.at is not None:
        recorded = point.at.isoformat() + "Z"
    else:
        recorded = "now"
    return {
        "X-Dossier-On": point.on.isoformat() if point.on else "latest",
        "X-Dossier-As-Of": recorded,
    }


def _listing(
    service: RegisterService,
    selection: Selection,
    point: AsOf,
    scope: RowScope,
    asked: dict[str, Any],
    filters: dict[str, str],
    order: list[str],
    limit: int,
    offset: int,
    format: str,
    coded: dict[str, dict[str, str]],
) -> Response:
    """One page of the listing as JSON, or the whole filtered listing as CSV / XLSX: the rows
    of the loans the reader reaches (``scope``), saying when some were left out; an export
    shows the bank's own codes (``coded``: the sub-grades) by their Chinese labels."""
    name = selection.projection.name
    if format != "json":
        body = service.export(
            selection,
            format,
            scope=scope,
            as_of=point,
            filters=filters,
            order_by=order,
            coded=coded,
        )
        return Response(
            body,
            media_type=MEDIA[format],
            headers={
                "Content-Disposition": f'attachment; filename="{export_name(selection, point, format)}"',
                **point_headers(point),
                **scope_headers(scope),
            },
        )
    page = service.page(
        selection,
        scope=scope,
        as_of=point,
        filters=filters,
        order_by=order,
        limit=limit,
        offset=offset,
    )
    table = selection.listing.table
    shown = selection.projection.specs()[table].exported()
    return JSONResponse(
        {
            "register": name,
            "listing": selection.listing_name,
            "title_zh": selection.listing.title_zh,
            "title_en": selection.listing.title_en,
            "position": service.positions().get(name, 0),
            "as_of": asked,
            "total": page.total,
            "limit": limit,
            "offset": offset,
            "filtered": scope.filtered,
            "scope": {"zh": scope.zh, "en": scope.en},
            "columns": _columns(selection.projection, table),
            "data": _json_rows(service, shown, page.rows),
        },
        headers={**point_headers(point), **scope_headers(scope)},
    )


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

    special_routes(router, {p.name for p in projections})
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


@dataclass(frozen=True)
class ReadPoint:
    """When to read: as of which point, after which position."""

    as_of: AsOf
    awaited: int


def read_point(
    service: RegistersDep,
    on: Annotated[
        date | None,
        Query(
            description="业务日期: the state at the end of this business date (YYYY-MM-DD), "
            "from the facts dated up to it; combines with as_of / as_of_position"
        ),
    ] = None,
    as_of: Annotated[
        Line | None,
        Query(
            max_length=64,
            description="记录时点: as the archive had recorded it by this date (end of that day, "
            "bank time) or ISO timestamp",
        ),
    ] = None,
    as_of_position: Annotated[
        Count | None, Query(description="the register as it stood at this log position")
    ] = None,
    after: Annotated[
        Count | None,
        Query(
            description="wait until the register has applied this position (a position "
            "beyond the log's head is refused at once: 409 position_beyond_head)",
        ),
    ] = None,
    wait: Annotated[float, Query(ge=0, le=30, description="seconds to wait for `after`")] = 5,
    after_header: Annotated[Count | None, Header(alias="X-Dossier-After")] = None,
) -> tuple[ReadPoint, float]:
    point = service.as_of(as_of, as_of_position, on)
    return ReadPoint(point, max(after or 0, after_header or 0, as_of_position or 0)), wait


PointDep = Annotated[tuple[ReadPoint, float], Depends(read_point)]


def log_head(archive: DossierArchive) -> Callable[[], int]:
    """The newest position recorded in the event log, asked when it is called."""
    return lambda: archive.recorder.max_notification_id() or 0


@dataclass(frozen=True)
class Ready:
    """A read the caller may make, as of which point, of the loans they reach."""

    actor: Actor
    as_of: AsOf
    scope: RowScope


async def ready(
    service: RegisterService,
    archive: DossierArchive,
    ctx: CommandContext,
    names: Sequence[str],
    point: tuple[ReadPoint, float],
    action: Action | None = None,
) -> Ready:
    """Once the caller may read (``action``, by default the first register's read permission)
    and the registers — and the register of branches and account managers, by which rows are
    kept within the caller's data scope — have applied the awaited position.

    The wait runs on the event loop: however many readers wait, none holds one of the worker
    threads that serve every other request. A position beyond the log's head is refused (409).
    """
    allowed = action or service.select(names[0]).projection.read_action
    actor = await run_in_threadpool(archive.actor, ctx, allowed)
    scope = await run_in_threadpool(archive.row_scope, actor, allowed)
    read, wait = point
    if scope.filtered and SCOPE in service.projections and SCOPE not in names:
        names = [*names, SCOPE]
    await service.wait_async(names, read.awaited, wait, head=log_head(archive))
    return Ready(actor, read.as_of, scope)


def _plain_rows(rows: list[dict[str, Any]], zone: ZoneInfo) -> list[dict[str, Any]]:
    return [{k: plain(v, zone) for k, v in row.items()} for row in rows]


def _plain_tree(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, dict):
        return {k: _plain_tree(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_tree(v, zone) for v in value]
    return plain(value, zone)


def special_routes(router: APIRouter, names: set[str]) -> None:
    """Routes beyond the listings: full-text search and the accountability trail's views."""
    if "document_search" in names:

        @router.get("/document_search/search", summary="文档全文检索 / full-text search")
        async def search_documents(
            service: RegistersDep,
            archive: ArchiveDep,
            ctx: ReadCtx,
            point: PointDep,
            response: Response,
            q: Annotated[Line, Query(min_length=1, max_length=200, description="a phrase")],
            limit: Annotated[int, Query(ge=1, le=200)] = 50,
            offset: Annotated[Count, Query()] = 0,
        ) -> dict[str, Any]:
            """Filed documents whose text holds the phrase (Chinese included): the dossier and
            the document, never their content — read that through the audited document path."""
            read = await ready(service, archive, ctx, ["document_search"], point)
            projection = service.select("document_search").projection
            hits = await run_in_threadpool(
                partial(
                    search,
                    scope=read.scope,
                    limit=limit,
                    offset=offset,
                    as_of=read.as_of,
                    snippets=False,
                ),
                service.store,
                projection,
                q,
            )
            response.headers.update(scope_headers(read.scope))
            return {
                "query": q,
                "filtered": read.scope.filtered,
                "scope": {"zh": read.scope.zh, "en": read.scope.en},
                "data": _plain_rows(
                    [{k: v for k, v in h.items() if k != "snippet"} for h in hits], service.zone
                ),
            }

    if "accountability_trail" in names:

        @router.get(
            "/accountability_trail/people/{staff_no}",
            summary="个人责任追溯 / a person's trail",
        )
        async def trail_of_person(
            staff_no: StaffNo,
            response: Response,
            service: RegistersDep,
            archive: ArchiveDep,
            ctx: ReadCtx,
            point: PointDep,
        ) -> dict[str, Any]:
            """Every action the person took, with the role held at that moment, in log order."""
            read = await ready(service, archive, ctx, [TRAIL], point)
            rows = await run_in_threadpool(
                partial(person_trail, scope=read.scope),
                service.store,
                _trail(service),
                staff_id_for(staff_no),
                read.as_of,
            )
            response.headers.update(scope_headers(read.scope))
            return {
                "staff_no": staff_no,
                "filtered": read.scope.filtered,
                "scope": {"zh": read.scope.zh, "en": read.scope.en},
                "data": _plain_rows(rows, service.zone),
                "count": len(rows),
            }

        @router.get(
            "/accountability_trail/loans/{loan_no}",
            summary="贷款责任追溯 / a loan's trail",
        )
        async def trail_of_loan(
            loan_no: LoanNo,
            service: RegistersDep,
            archive: ArchiveDep,
            ctx: ReadCtx,
            point: PointDep,
        ) -> dict[str, Any]:
            """Every action on the loan, its dossier and its collateral, in log order."""
            read = await ready(service, archive, ctx, [TRAIL], point)
            await run_in_threadpool(archive.check_reach, read.actor, Action.READ_TRAIL, loan_no)
            rows = await run_in_threadpool(
                loan_trail, service.store, _trail(service), loan_id_for(loan_no), read.as_of
            )
            return {"loan_no": loan_no, "data": _plain_rows(rows, service.zone), "count": len(rows)}

        @router.get(
            "/accountability_trail/loans/{loan_no}/responsibility",
            summary="不良贷款责任认定视图 / responsibility view",
        )
        async def responsibility(
            loan_no: LoanNo,
            service: RegistersDep,
            archive: ArchiveDep,
            ctx: ReadCtx,
            point: PointDep,
        ) -> dict[str, Any]:
            """Who investigated, reviewed, approved, managed, inspected, classified, warned,
            collected and objected, each entry with the position of its event."""
            read = await ready(service, archive, ctx, [TRAIL], point)
            await run_in_threadpool(archive.check_reach, read.actor, Action.READ_TRAIL, loan_no)
            view = await run_in_threadpool(
                responsibility_view,
                service.store,
                _trail(service),
                loan_id_for(loan_no),
                read.as_of,
            )
            return {"loan_no": loan_no, **_plain_tree(view, service.zone)}


TRAIL = "accountability_trail"
SCOPE = "scope_register"


def _trail(service: RegisterService) -> Projection:
    return service.select(TRAIL).projection
