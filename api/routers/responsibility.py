"""Responsibility determination (不良贷款责任认定), appeals and objections."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import ArchiveDep, CommandCtx, CommandInput, command_input, command_openapi
from api.responses import LoanNo, respond
from api.schemas import (
    AppealCreate,
    AppealDecision,
    CommandPublic,
    DeterminationCreate,
    ObjectionCreate,
)

router = APIRouter(prefix="/loans/{loan_no}", tags=["responsibility"])


@router.post(
    "/responsibility",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(DeterminationCreate),
)
def determine(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[DeterminationCreate], Depends(command_input(DeterminationCreate))],
    response: Response,
) -> CommandPublic:
    """Record a finding for one person and one stage."""
    b = cmd.body
    result = archive.determine_responsibility(
        cmd.context(ctx),
        loan_no,
        person_no=b.person_no,
        stage=b.stage,
        finding=b.finding,
        sanction=b.sanction,
        reason=b.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/responsibility/{determination_id}/appeal",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(AppealCreate),
)
def appeal(
    loan_no: LoanNo,
    determination_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[AppealCreate], Depends(command_input(AppealCreate))],
    response: Response,
) -> CommandPublic:
    """Appeal (复议) a finding about oneself, once."""
    result = archive.appeal_responsibility(
        cmd.context(ctx),
        loan_no,
        determination_id=determination_id,
        reason=cmd.body.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/responsibility/{determination_id}/decision",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(AppealDecision),
)
def decide(
    loan_no: LoanNo,
    determination_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[AppealDecision], Depends(command_input(AppealDecision))],
    response: Response,
) -> CommandPublic:
    """Record the committee's decision on an appeal."""
    b = cmd.body
    result = archive.decide_appeal(
        cmd.context(ctx),
        loan_no,
        determination_id=determination_id,
        outcome=b.outcome,
        finding=b.finding,
        reason=b.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/objections",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(ObjectionCreate),
)
def object_to(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[ObjectionCreate], Depends(command_input(ObjectionCreate))],
    response: Response,
) -> CommandPublic:
    """Record a written objection (书面异议)."""
    result = archive.record_objection(
        cmd.context(ctx),
        loan_no,
        subject=cmd.body.subject,
        text=cmd.body.text,
        uploads=cmd.uploads,
    )
    return respond(result, response)
