"""Workout: restructuring, extension, handover, asset preservation, write-off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.deps import ArchiveDep, CommandCtx, CommandInput, command_input, command_openapi
from api.responses import LoanNo, respond
from api.schemas import (
    CommandPublic,
    ExtensionCreate,
    HandoverCreate,
    PreservationTransfer,
    RestructuringCreate,
    WriteOffCreate,
)

router = APIRouter(prefix="/loans/{loan_no}", tags=["collection and workout"])


@router.post(
    "/restructurings",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(RestructuringCreate),
)
def restructure(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[RestructuringCreate], Depends(command_input(RestructuringCreate))],
    response: Response,
) -> CommandPublic:
    """Record an approved restructuring (重组); starts the observation period."""
    b = cmd.body
    result = archive.restructure(
        cmd.context(ctx),
        loan_no,
        restructured_on=b.restructured_on,
        new_maturity_date=b.new_maturity_date,
        new_interest_rate=b.new_interest_rate,
        terms=b.terms,
        reason=b.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/extensions",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(ExtensionCreate),
)
def extend(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[ExtensionCreate], Depends(command_input(ExtensionCreate))],
    response: Response,
) -> CommandPublic:
    """Record an approved extension (展期)."""
    b = cmd.body
    result = archive.extend(
        cmd.context(ctx),
        loan_no,
        approved_on=b.approved_on,
        new_maturity_date=b.new_maturity_date,
        reason=b.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/handovers",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(HandoverCreate),
)
def hand_over(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[HandoverCreate], Depends(command_input(HandoverCreate))],
    response: Response,
) -> CommandPublic:
    """Hand the loan to another account manager, the caller supervising (监交人)."""
    b = cmd.body
    result = archive.hand_over(
        cmd.context(ctx),
        loan_no,
        handed_over_on=b.handed_over_on,
        receiving_no=b.receiving_no,
        reason=b.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/asset-preservation",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(PreservationTransfer),
)
def transfer_to_asset_preservation(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[PreservationTransfer], Depends(command_input(PreservationTransfer))
    ],
    response: Response,
) -> CommandPublic:
    """Transfer a non-performing loan to asset preservation (资产保全)."""
    result = archive.transfer_to_asset_preservation(
        cmd.context(ctx),
        loan_no,
        transferred_on=cmd.body.transferred_on,
        reason=cmd.body.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/write-off",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(WriteOffCreate),
)
def write_off(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[WriteOffCreate], Depends(command_input(WriteOffCreate))],
    response: Response,
) -> CommandPublic:
    """Write the loan off (核销) with the evidence for its criterion."""
    b = cmd.body
    result = archive.write_off(
        cmd.context(ctx),
        loan_no,
        written_off_on=b.written_off_on,
        criterion=b.criterion,
        reason=b.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)
