"""Collection (催收): the steps of the ladder taken on a loan in arrears."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.deps import ArchiveDep, CommandCtx, CommandInput, command_input, command_openapi
from api.responses import LoanNo, respond
from api.schemas import CollectionStepCreate, CommandPublic

# One tag with the workout's routes: the API's documentation shows them together, as before.
router = APIRouter(prefix="/loans/{loan_no}", tags=["collection and workout"])


@router.post(
    "/collection-steps",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(CollectionStepCreate),
)
def take_collection_step(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[CollectionStepCreate], Depends(command_input(CollectionStepCreate))
    ],
    response: Response,
) -> CommandPublic:
    """Record a step of the collection ladder (催收) with its outcome."""
    b = cmd.body
    result = archive.take_collection_step(
        cmd.context(ctx),
        loan_no,
        kind=b.kind,
        taken_on=b.taken_on,
        days_overdue=b.days_overdue,
        outcome=b.outcome,
        promised_date=b.promised_date,
        uploads=cmd.uploads,
    )
    return respond(result, response)
