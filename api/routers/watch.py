"""Closer watch (重点监测) and maturity notices (到期提示).

``POST /loans/{loan_no}/key-customer`` (and ``…/key-customer/removal``) puts a borrower on the
key-customer list or takes it off; ``POST /loans/{loan_no}/third-party-service`` names a loan's
third-party servicer; ``POST /loans/{loan_no}/maturity-notices`` records the maturity notice
and files the letter generated for it. ``GET /maturities?month=YYYY-MM`` lists the loans
maturing in a month with whether each notice went out (到期贷款清单), within the reader's scope.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.fields import Line
from api.routers import command_route
from api.routers.registers import PointDep, ready
from archive.application import DossierArchive
from archive.commands.watch import (
    AssignThirdPartyService,
    DesignateKeyCustomer,
    IssueMaturityNotice,
    RemoveKeyCustomer,
)
from domain.authorization import Action
from domain.display import UNKNOWN_PERSON, person
from domain.errors import NotFoundError
from domain.scope import RowScope
from domain.watch import month_of
from projections.query import AsOf
from projections.service import RegisterService
from projections.tasks import maturities

REGISTER = "work_queue"

router = APIRouter(tags=["closer watch 重点监测"])

LOAN = "/loans/{loan_no}"
command_route(router, f"{LOAN}/key-customer", DesignateKeyCustomer, schema="KeyCustomerDesignation")
command_route(
    router, f"{LOAN}/key-customer/removal", RemoveKeyCustomer, schema="KeyCustomerRemoval"
)
command_route(
    router,
    f"{LOAN}/third-party-service",
    AssignThirdPartyService,
    schema="ThirdPartyServiceAssignment",
)
command_route(
    router, f"{LOAN}/maturity-notices", IssueMaturityNotice, schema="MaturityNoticeCreate"
)


class MaturityPublic(BaseModel):
    """A loan maturing in the month, and whether its maturity notice was recorded."""

    loan_no: str
    borrower_name: str | None
    branch: str | None
    product: str | None
    principal: Decimal | None
    maturity_date: date
    account_manager_id: UUID | None
    account_manager_name: str | None = Field(None, description="姓名（工号）")
    notice_issued: bool
    key_customer: bool
    third_party: str | None = Field(None, description="服务机构（联系人）, if third-party serviced")


class MaturitiesPublic(BaseModel):
    """The loans on the books maturing in ``month`` (到期贷款清单), earliest first."""

    month: str
    position: int
    filtered: bool
    scope_zh: str
    scope_en: str
    data: list[MaturityPublic]
    count: int
    notices_issued: int


def listed(
    service: RegisterService,
    archive: DossierArchive,
    *,
    month: str,
    as_of: AsOf,
    scope: RowScope,
    branch: str | None,
) -> MaturitiesPublic:
    """The month's maturities as the work queue holds them, people named."""
    first = month_of(month)
    service.applied([REGISTER], None)
    rows = maturities(
        service.store,
        service.select(REGISTER).projection,
        first,
        scope=scope,
        as_of=as_of,
        branch=branch,
    )
    names: dict[UUID, str] = {}

    def name(staff_id: UUID | None) -> str | None:
        if staff_id is None:
            return None
        if staff_id not in names:
            try:
                staff = archive.staff_by_id(staff_id)
                names[staff_id] = person(staff.name, staff.staff_no)
            except NotFoundError:
                names[staff_id] = UNKNOWN_PERSON
        return names[staff_id]

    data = [MaturityPublic(**r, account_manager_name=name(r["account_manager_id"])) for r in rows]
    return MaturitiesPublic(
        month=first.strftime("%Y-%m"),
        position=service.positions().get(REGISTER, 0),
        filtered=scope.filtered,
        scope_zh=scope.zh,
        scope_en=scope.en,
        data=data,
        count=len(data),
        notices_issued=sum(1 for m in data if m.notice_issued),
    )


@router.get("/maturities", response_model=MaturitiesPublic, summary="到期贷款清单 / loans maturing")
async def maturities_of_month(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    point: PointDep,
    month: Annotated[Line, Query(max_length=7, description="the month, YYYY-MM")],
    branch: Annotated[Line | None, Query(max_length=100, description="one branch (机构)")] = None,
) -> MaturitiesPublic:
    """The loans maturing in ``month`` on the loans the reader reaches, each with whether its
    maturity notice (贷款到期通知书) was recorded."""
    read = await ready(service, archive, ctx, [REGISTER], point, Action.READ_BUSINESS)
    if branch:
        await run_in_threadpool(
            archive.check_branches, read.actor, Action.READ_BUSINESS, {"branch": branch}
        )
    asked = partial(listed, month=month, as_of=read.as_of, scope=read.scope, branch=branch)
    return await run_in_threadpool(asked, service, archive)
