"""Risk-warning signals (风险预警): raised → handled → cleared."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import ArchiveDep, CommandCtx, CommandInput, command_input, command_openapi
from api.responses import LoanNo, respond
from api.schemas import CommandPublic, WarningClearance, WarningCreate, WarningHandling

router = APIRouter(prefix="/loans/{loan_no}/warnings", tags=["warnings"])


@router.post(
    "", status_code=201, response_model=CommandPublic, openapi_extra=command_openapi(WarningCreate)
)
def raise_warning(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[WarningCreate], Depends(command_input(WarningCreate))],
    response: Response,
) -> CommandPublic:
    b = cmd.body
    result = archive.raise_warning(
        cmd.context(ctx),
        loan_no,
        colour=b.colour,
        code=b.code,
        raised_on=b.raised_on,
        reason=b.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{signal_id}/handle",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(WarningHandling),
)
def handle_warning(
    loan_no: LoanNo,
    signal_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[WarningHandling], Depends(command_input(WarningHandling))],
    response: Response,
) -> CommandPublic:
    result = archive.handle_warning(
        cmd.context(ctx),
        loan_no,
        signal_id=signal_id,
        handled_on=cmd.body.handled_on,
        measures=cmd.body.measures,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{signal_id}/clear",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(WarningClearance),
)
def clear_warning(
    loan_no: LoanNo,
    signal_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[WarningClearance], Depends(command_input(WarningClearance))],
    response: Response,
) -> CommandPublic:
    result = archive.clear_warning(
        cmd.context(ctx),
        loan_no,
        signal_id=signal_id,
        cleared_on=cmd.body.cleared_on,
        reason=cmd.body.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)
