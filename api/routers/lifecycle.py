"""Loans (贷款): disbursement, reads, repayments, arrears, settlement."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.deps import (
    ArchiveDep,
    CommandCtx,
    CommandInput,
    ReadCtx,
    RegistersDep,
    command_input,
    command_openapi,
)
from api.fields import Count, Line
from api.responses import LoanNo, respond
from api.schemas import (
    ORIGINATION_PARTIES,
    CommandPublic,
    DisbursementCreate,
    EventPublic,
    EventsPublic,
    LoanPublic,
    LoansPublic,
    OverdueCreate,
    RepaymentCreate,
    SettlementCreate,
)
from archive.commands.lifecycle import Disbursement
from domain.authorization import Action

router = APIRouter(prefix="/loans", tags=["loans"])
C = 201


@router.post(
    "",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(DisbursementCreate),
)
def disburse(
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[DisbursementCreate], Depends(command_input(DisbursementCreate))],
    response: Response,
) -> CommandPublic:
    """Record a disbursement (放款) with its documents; opens the dossier."""
    body = cmd.body
    facts = Disbursement(**body.model_dump(exclude={"expected_version", *ORIGINATION_PARTIES}))
    result = archive.disburse(
        cmd.context(ctx),
        facts,
        cmd.uploads,
        investigator_no=body.investigator,
        origination_reviewer_no=body.origination_reviewer,
        approver_no=body.approver,
    )
    return respond(result, response)


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
    as_of: Annotated[
        Line | None,
        Query(
            max_length=64,
            description="the loan as it stood at the end of this date (bank time) or timestamp",
        ),
    ] = None,
    as_of_position: Annotated[
        Count | None, Query(description="the loan as it stood at this log position")
    ] = None,
) -> LoanPublic:
    """The loan's full state now, or as of a past date or log position."""
    point = registers.as_of(as_of, as_of_position)
    at = point.at.replace(tzinfo=UTC) if point.at is not None else None
    loan = archive.get_loan(ctx, loan_no, at=at, position=point.position)
    if at is None and point.position is None:
        response.headers["ETag"] = f'"{loan.version}"'
    return LoanPublic.of(loan)


@router.get("/{loan_no}/events", response_model=EventsPublic)
def loan_events(loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx) -> EventsPublic:
    """Every event of the loan in order: who, in which role, when, with which documents."""
    events = [EventPublic.of(e) for e in archive.loan_events(ctx, loan_no)]
    return EventsPublic(data=events, count=len(events))


@router.post(
    "/{loan_no}/repayments",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(RepaymentCreate),
)
def record_repayment(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[RepaymentCreate], Depends(command_input(RepaymentCreate))],
    response: Response,
) -> CommandPublic:
    b = cmd.body
    result = archive.record_repayment(
        cmd.context(ctx),
        loan_no,
        paid_on=b.paid_on,
        principal=b.principal,
        interest=b.interest,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{loan_no}/overdue-status",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(OverdueCreate, documents=False),
)
def record_overdue(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[OverdueCreate], Depends(command_input(OverdueCreate, documents=False))
    ],
    response: Response,
) -> CommandPublic:
    b = cmd.body
    result = archive.record_overdue(
        cmd.context(ctx),
        loan_no,
        as_of=b.as_of,
        days_overdue=b.days_overdue,
        overdue_principal=b.overdue_principal,
        overdue_interest=b.overdue_interest,
    )
    return respond(result, response)


@router.post(
    "/{loan_no}/settlement",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(SettlementCreate),
)
def settle(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[SettlementCreate], Depends(command_input(SettlementCreate))],
    response: Response,
) -> CommandPublic:
    result = archive.settle(
        cmd.context(ctx), loan_no, settled_on=cmd.body.settled_on, uploads=cmd.uploads
    )
    return respond(result, response)
