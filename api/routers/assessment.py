"""Post-loan assessment results (贷后管理考核结果) as the credit approval reads them: a person's
and a unit's supervision scores, penalties, evaluations of duties and findings of responsibility
on a business date (``on``), from the assessment register (``assessment_register``).

A person reads their own; the branch heads, risk managers (信贷审批 takes them as a reference),
compliance and auditors read anyone's within their read scope. The register's own listings
(``/registers/assessment_register`` and ``…/units``) are the export the approval system reads,
as CSV or XLSX, with the same ``on``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.fields import Line
from api.responses import StaffNo
from api.routers.registers import PointDep, _json_rows, point_headers, ready, scope_headers
from domain.authorization import Action
from domain.scope import RowScope
from projections.query import AsOf
from projections.service import RegisterService

REGISTER = "assessment_register"
router = APIRouter(tags=["assessment 考核"])


def _rows(
    service: RegisterService, listing: str, scope: RowScope, point: AsOf, **filters: str
) -> list[dict[str, Any]]:
    selection = service.select(REGISTER, listing)
    page = service.page(
        selection,
        scope=scope,
        as_of=point,
        filters=filters,
        order_by=[],
        limit=1000,
        offset=0,
    )
    shown = selection.projection.specs()[selection.listing.table].exported()
    return _json_rows(service, shown, page.rows)


def _answer(body: dict[str, Any], point: AsOf, scope: RowScope) -> JSONResponse:
    return JSONResponse(
        {"on": point.on.isoformat() if point.on else None, **body},
        headers={**point_headers(point), **scope_headers(scope)},
    )


@router.get(
    "/staff/{staff_no}/assessment",
    summary="贷后管理考核结果（人员）/ a person's post-loan assessment",
)
async def staff_assessment(
    staff_no: StaffNo,
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    point: PointDep,
) -> JSONResponse:
    """The person's assessment on ``on`` (default: the latest) — checks of their work and the
    last score against the pass score, rectifications open, penalties in 元, evaluations of
    their duties and the last conclusion, findings of responsibility — and their unit's. For
    themselves, and for those who read the accountability trail within their read scope."""
    staff = await run_in_threadpool(archive.staff, staff_no)
    own = ctx.staff_id == staff.id
    action = Action.READ_BUSINESS if own else Action.READ_TRAIL
    read = await ready(service, archive, ctx, [REGISTER], point, action)
    if not own:
        await run_in_threadpool(
            archive.check_branches, read.actor, action, {"branch": staff.branch}
        )
    scope = RowScope.everything() if own else read.scope
    people = await run_in_threadpool(
        _rows, service, "people", scope, read.as_of, staff_no=staff.staff_no
    )
    units = await run_in_threadpool(_rows, service, "units", scope, read.as_of, branch=staff.branch)
    body = {
        "staff_no": staff.staff_no,
        "name": staff.name,
        "branch": staff.branch,
        "assessed": bool(people),
        "person": people[0] if people else None,
        "unit": units[0] if units else None,
    }
    return _answer(body, read.as_of, scope)


@router.get(
    "/units/{branch}/assessment",
    summary="贷后管理考核结果（机构）/ a unit's post-loan assessment",
)
async def unit_assessment(
    branch: Line,
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    point: PointDep,
) -> JSONResponse:
    """The unit's assessment on ``on`` (default: the latest) — its own checks, rectifications
    and penalties, and the totals of its people — with each of its people assessed, for those
    who read the accountability trail and whose read scope holds the unit."""
    read = await ready(service, archive, ctx, [REGISTER], point, Action.READ_TRAIL)
    await run_in_threadpool(
        archive.check_branches, read.actor, Action.READ_TRAIL, {"branch": branch}
    )
    units = await run_in_threadpool(_rows, service, "units", read.scope, read.as_of, branch=branch)
    people = await run_in_threadpool(
        _rows, service, "people", read.scope, read.as_of, branch=branch
    )
    body = {
        "branch": branch,
        "unit": units[0] if units else None,
        "people": people,
    }
    return _answer(body, read.as_of, read.scope)
