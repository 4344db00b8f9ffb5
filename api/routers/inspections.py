"""Inspections (贷后检查) of a loan and their corrections."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import ArchiveDep, CommandCtx, CommandInput, command_input, command_openapi
from api.responses import LoanNo, respond
from api.schemas import CommandPublic, InspectionCorrection, InspectionCreate

router = APIRouter(prefix="/loans/{loan_no}/inspections", tags=["inspections"])


@router.post(
    "",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(InspectionCreate),
)
def record_inspection(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[InspectionCreate], Depends(command_input(InspectionCreate))],
    response: Response,
) -> CommandPublic:
    """Record an inspection by the caller, countersigned by a different reviewer."""
    b = cmd.body
    result = archive.record_inspection(
        cmd.context(ctx),
        loan_no,
        kind=b.kind,
        inspected_on=b.inspected_on,
        reviewer_no=b.reviewer_no,
        findings=b.findings,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{inspection_id}/corrections",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(InspectionCorrection),
)
def correct_inspection(
    loan_no: LoanNo,
    inspection_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[InspectionCorrection], Depends(command_input(InspectionCorrection))
    ],
    response: Response,
) -> CommandPublic:
    """Correct an inspection by a new event that points at it."""
    result = archive.correct_inspection(
        cmd.context(ctx),
        loan_no,
        inspection_id=inspection_id,
        findings=cmd.body.findings,
        reason=cmd.body.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)
