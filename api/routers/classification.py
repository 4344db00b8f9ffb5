"""Five-level classification (五级分类): proposals and their approval or rejection."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.deps import (
    ArchiveDep,
    CommandCtx,
    CommandInput,
    ReadCtx,
    command_input,
    command_openapi,
)
from api.responses import LoanNo, respond
from api.schemas import CommandPublic, Decision, ProposalCreate
from domain.values import Grade

router = APIRouter(prefix="/loans/{loan_no}/classifications", tags=["classifications"])


@router.post(
    "", status_code=201, response_model=CommandPublic, openapi_extra=command_openapi(ProposalCreate)
)
def propose(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[ProposalCreate], Depends(command_input(ProposalCreate))],
    response: Response,
) -> CommandPublic:
    """Propose a grade (初分); a risk manager other than the proposer decides."""
    b = cmd.body
    result = archive.propose_classification(
        cmd.context(ctx),
        loan_no,
        grade=b.grade,
        sub_grade=b.sub_grade,
        reason=b.reason,
        as_of=b.as_of,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{proposal_id}/approve",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(Decision),
)
def approve(
    loan_no: LoanNo,
    proposal_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[Decision], Depends(command_input(Decision))],
    response: Response,
) -> CommandPublic:
    """Approve (审批); refused above the statutory floor or by the proposer."""
    result = archive.approve_classification(
        cmd.context(ctx),
        loan_no,
        proposal_id=proposal_id,
        reason=cmd.body.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{proposal_id}/reject",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(Decision, documents=False),
)
def reject(
    loan_no: LoanNo,
    proposal_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[Decision], Depends(command_input(Decision, documents=False))],
    response: Response,
) -> CommandPublic:
    result = archive.reject_classification(
        cmd.context(ctx), loan_no, proposal_id=proposal_id, reason=cmd.body.reason
    )
    return respond(result, response)


class FloorPublic(BaseModel):
    grade: Grade
    floor: Grade
    reasons_zh: list[str]
    reasons_en: list[str]


@router.get("/floor", response_model=FloorPublic)
def floor(
    loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx, as_of: Annotated[date, Query()]
) -> FloorPublic:
    """The statutory floor grade of the loan as of a date, and why."""
    grade, found = archive.floor_of(ctx, loan_no, as_of)
    return FloorPublic(
        grade=grade,
        floor=found.grade,
        reasons_zh=[zh for zh, _ in found.reasons],
        reasons_en=[en for _, en in found.reasons],
    )
