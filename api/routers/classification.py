"""Five-level classification (五级分类): proposals (初分), their determination
(认定) and their approval (审批) or rejection."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ArchiveDep, ReadCtx
from api.responses import LoanNo
from api.routers import command_route
from archive.commands.classification import (
    ApproveClassification,
    DetermineClassification,
    ProposeClassification,
    RejectClassification,
)
from domain.values import Grade

router = APIRouter(prefix="/loans/{loan_no}/classifications", tags=["classifications"])

command_route(router, "", ProposeClassification, schema="ProposalCreate", name="propose")
ONE = "/{proposal_id}"
command_route(
    router, f"{ONE}/determine", DetermineClassification, schema="Determination", name="determine"
)
command_route(router, f"{ONE}/approve", ApproveClassification, schema="Decision", name="approve")
command_route(router, f"{ONE}/reject", RejectClassification, schema="Decision", name="reject")


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
