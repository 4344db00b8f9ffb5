"""管户: customers assigned to account managers, and loans' target-responsibility records.

``POST /staff/{staff_no}/customers`` assigns a customer to a manager (管户分配) within the cap
and amount tiers of ``[guanhu]``; ``POST /staff/{staff_no}/customers/release`` takes one off
(移交); ``POST /loans/{loan_no}/target-responsibility`` records the loan's signed
target-responsibility record for a year (贷后管理及目标责任书), its paper filed in the dossier.
The 管户台账 is the ``customer_register`` register (``/registers/customer_register/…``).
``GET /target-coverage?year=YYYY`` gives, per unit, how many loans on the books have their
target record for the year and which do not (逐笔经营责任认定); the ``target_record`` task asks
for each missing one.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.fields import Line
from api.routers import command_route
from api.routers.registers import PointDep, ready
from archive.commands.guanhu import AssignCustomer, ReleaseCustomer, SignTargetResponsibility
from domain.authorization import Action
from domain.scope import RowScope
from projections.query import AsOf
from projections.service import RegisterService
from projections.tasks import target_coverage

REGISTER = "work_queue"

router = APIRouter(tags=["管户 customer assignment"])

command_route(router, "/staff/{staff_no}/customers", AssignCustomer, schema="CustomerAssignment")
command_route(
    router, "/staff/{staff_no}/customers/release", ReleaseCustomer, schema="CustomerRelease"
)
command_route(
    router,
    "/loans/{loan_no}/target-responsibility",
    SignTargetResponsibility,
    schema="TargetResponsibilitySigning",
)


class TargetCoverageUnit(BaseModel):
    """One unit's coverage of target-responsibility records for the year (逐笔经营责任认定)."""

    branch: str
    loans: int = Field(description="loans on the books in the year")
    signed: int = Field(description="of them, with their target record for the year")
    coverage: Decimal = Field(description="signed in per cent of the loans (覆盖率)")
    missing: list[str] = Field(description="the loans still without one (借据号)")


class TargetCoveragePublic(BaseModel):
    """Per unit, how many loans have their target record for ``year`` and which do not."""

    year: int
    position: int
    filtered: bool
    scope_zh: str
    scope_en: str
    data: list[TargetCoverageUnit]
    loans: int
    signed: int


def covered(
    service: RegisterService, *, year: int, as_of: AsOf, scope: RowScope, branch: str | None
) -> TargetCoveragePublic:
    """The year's coverage as the work queue holds it."""
    service.applied([REGISTER], None)
    rows = target_coverage(
        service.store,
        service.select(REGISTER).projection,
        year,
        scope=scope,
        as_of=as_of,
        branch=branch,
    )
    data = [TargetCoverageUnit(**r) for r in rows]
    return TargetCoveragePublic(
        year=year,
        position=service.positions().get(REGISTER, 0),
        filtered=scope.filtered,
        scope_zh=scope.zh,
        scope_en=scope.en,
        data=data,
        loans=sum(u.loans for u in data),
        signed=sum(u.signed for u in data),
    )


@router.get(
    "/target-coverage",
    response_model=TargetCoveragePublic,
    summary="逐笔经营责任认定覆盖率 / target-record coverage by unit",
)
async def target_coverage_of_year(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    point: PointDep,
    year: Annotated[int, Query(ge=2000, le=2100, description="the year (年度)")],
    branch: Annotated[Line | None, Query(max_length=100, description="one branch (机构)")] = None,
) -> TargetCoveragePublic:
    """Per unit, the loans on the books in ``year`` the reader reaches, how many have their
    target-responsibility record (目标责任书) for the year, and those still without one."""
    read = await ready(service, archive, ctx, [REGISTER], point, Action.READ_BUSINESS)
    if branch:
        await run_in_threadpool(
            archive.check_branches, read.actor, Action.READ_BUSINESS, {"branch": branch}
        )
    asked = partial(covered, year=year, as_of=read.as_of, scope=read.scope, branch=branch)
    return await run_in_threadpool(asked, service)
