"""Inspections (贷后检查) of a loan and their corrections, and the checklist they answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ArchiveDep, ReadCtx
from api.responses import LoanNo
from api.routers import command_route
from api.schemas import ChecklistPublic
from archive.commands.inspections import CorrectInspection, RecordInspection
from domain.values import InspectionKind

router = APIRouter(prefix="/loans/{loan_no}", tags=["inspections"])

command_route(router, "/inspections", RecordInspection, schema="InspectionCreate")
command_route(
    router,
    "/inspections/{inspection_id}/corrections",
    CorrectInspection,
    schema="InspectionCorrection",
)


@router.get("/inspection-checklist", response_model=ChecklistPublic)
def inspection_checklist(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: ReadCtx,
    kind: Annotated[InspectionKind, Query(description="the kind of inspection")],
) -> ChecklistPublic:
    """The checklist an inspection of ``kind`` of this loan answers, by the rules in force
    (``applies`` false: none does, the inspection is free text)."""
    loan = archive.get_loan(ctx, loan_no)
    rules = archive.rule_set()
    found = rules.checklists.for_inspection(kind.value, loan.checklist_facts())
    return ChecklistPublic.of(found, rules.checklists, kind, rules.short_version)
