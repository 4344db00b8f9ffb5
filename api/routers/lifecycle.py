"""Loans (贷款): disbursement, reads, repayments, arrears, settlement."""

from __future__ import annotations

from datetime import UTC, date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.fields import Count, Line
from api.responses import LoanNo
from api.routers import command_route
from api.routers.registers import point_headers
from api.schemas import EventPublic, EventsPublic, LoanPublic, LoansPublic
from archive.commands.lifecycle import (
    Disburse,
    FileOriginationRecord,
    RecordOverdue,
    RecordRepayment,
    Settle,
)
from domain.authorization import Action

router = APIRouter(prefix="/loans", tags=["loans"])

FED_BY_CORE = {
    409: {
        "description": "与当前状态冲突：状态、版本（If-Match）、幂等键；或已启用核心系统日终文件导入"
        "（DOSSIER_FEED_ENABLED），此项只能由核心系统报送（fed_by_core）/ conflict with the "
        "current state: the record's state, its version (If-Match), an Idempotency-Key used for "
        "another request; or the core-banking feed is enabled (DOSSIER_FEED_ENABLED) and only "
        "the core system reports this (fed_by_core)"
    }
}
"""The 409 of the routes for what the core system owns once its feed is enabled."""

command_route(router, "", Disburse, schema="DisbursementCreate", responses=FED_BY_CORE)


@router.get("", response_model=LoansPublic)
def list_loans(
    archive: ArchiveDep,
    ctx: ReadCtx,
    offset: Annotated[Count, Query()] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> LoansPublic:
    """The loans the caller reaches (their data scope), in disbursement order."""
    loans = archive.list_loans(ctx, offset=offset, limit=limit)
    _actor, scope = archive.reading_scope(ctx, Action.READ_BUSINESS)
    return LoansPublic(
        data=[LoanPublic.of(x) for x in loans],
        count=archive.count_loans(ctx),
        filtered=scope.filtered,
        scope_zh=scope.zh,
        scope_en=scope.en,
    )


@router.get("/{loan_no}", response_model=LoanPublic)
def get_loan(
    loan_no: LoanNo,
    archive: ArchiveDep,
    registers: RegistersDep,
    ctx: ReadCtx,
    response: Response,
    on: Annotated[
        date | None,
        Query(
            description="业务日期: the loan at the end of this business date (YYYY-MM-DD), from "
            "the facts dated up to it; combines with as_of / as_of_position"
        ),
    ] = None,
    as_of: Annotated[
        Line | None,
        Query(
            max_length=64,
            description="记录时点: the loan as the archive had recorded it by the end of this "
            "date (bank time) or timestamp",
        ),
    ] = None,
    as_of_position: Annotated[
        Count | None, Query(description="the loan as recorded up to this log position")
    ] = None,
) -> LoanPublic:
    """The loan's full state now, on a past business date, or as recorded by a past date or
    log position — or both: what was known then of that day."""
    point = registers.as_of(as_of, as_of_position, on)
    at = point.at.replace(tzinfo=UTC) if point.at is not None else None
    loan = archive.get_loan(ctx, loan_no, at=at, position=point.position, on=on)
    if at is None and point.position is None and on is None:
        response.headers["ETag"] = f'"{loan.version}"'
    response.headers.update(point_headers(point))
    required = archive.rule_set().managers.b_post_rule(
        borrower_type=loan.borrower_type.value, product=loan.product.value, principal=loan.principal
    )
    suspended = (
        [
            f"{s.suspension_no} {s.subject_name}（{s.subject.zh}）"
            for s in archive.suspensions_of_loan(loan)
        ]
        if at is None and point.position is None and on is None
        else []
    )
    return LoanPublic.of(loan).model_copy(
        update={
            "b_post_required": required is not None,
            "b_post_rule": required and required.describe(),
            "suspensions": suspended,
            "lead_unit": archive.rule_set().accountability.lead_unit(loan.grade),
        }
    )


@router.get("/{loan_no}/events", response_model=EventsPublic)
def loan_events(loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx) -> EventsPublic:
    """Every event of the loan in order: who, in which role, when, with which documents."""
    events = [EventPublic.of(e) for e in archive.loan_events(ctx, loan_no)]
    return EventsPublic(data=events, count=len(events))


command_route(
    router,
    "/{loan_no}/repayments",
    RecordRepayment,
    schema="RepaymentCreate",
    responses=FED_BY_CORE,
)
command_route(
    router,
    "/{loan_no}/overdue-status",
    RecordOverdue,
    schema="OverdueCreate",
    responses=FED_BY_CORE,
)
command_route(
    router, "/{loan_no}/settlement", Settle, schema="SettlementCreate", responses=FED_BY_CORE
)
command_route(
    router,
    "/{loan_no}/origination-record",
    FileOriginationRecord,
    schema="OriginationRecordCreate",
)
