"""Risk-warning signals (风险预警): 发布 → 处置 → 反馈 → 认定 → 消除, reported by colour;
the catalogue of signals (预警信号指标库)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ArchiveDep, ReadCtx
from api.routers import command_route
from archive.commands.warnings import (
    ClearWarning,
    DetermineWarning,
    GiveWarningFeedback,
    HandleWarning,
    RaiseWarning,
    RecordEmergencyProgress,
    ReportWarning,
    StartEmergencyPlan,
)

router = APIRouter(tags=["warnings"])
on_loan = APIRouter(prefix="/loans/{loan_no}/warnings")

command_route(on_loan, "", RaiseWarning, schema="WarningCreate")
command_route(on_loan, "/{signal_id}/handle", HandleWarning, schema="WarningHandling")
command_route(on_loan, "/{signal_id}/feedback", GiveWarningFeedback, schema="WarningFeedback")
command_route(on_loan, "/{signal_id}/determine", DetermineWarning, schema="WarningDetermination")
command_route(on_loan, "/{signal_id}/report", ReportWarning, schema="WarningReport")
command_route(on_loan, "/{signal_id}/clear", ClearWarning, schema="WarningClearance")
command_route(
    on_loan, "/{signal_id}/emergency-plan", StartEmergencyPlan, schema="EmergencyPlanStart"
)
command_route(
    on_loan,
    "/{signal_id}/emergency-plan/progress",
    RecordEmergencyProgress,
    schema="EmergencyPlanProgress",
)
router.include_router(on_loan)


class CatalogueSignalPublic(BaseModel):
    """One signal of the catalogue (预警信号)."""

    code: str = Field(description="FIN-nn, OPS-nn, GUA-nn, EXT-nn or BEH-nn")
    name: str = Field(description="its Chinese name")
    colour: Literal["red", "orange", "yellow"]
    colour_zh: str
    category: Literal["financial", "operational", "guarantee", "external", "behaviour"]
    category_zh: str


@router.get("/warning-catalogue", response_model=list[CatalogueSignalPublic])
def warning_catalogue(archive: ArchiveDep, ctx: ReadCtx) -> list[CatalogueSignalPublic]:
    """The catalogue of warning signals in force (预警信号指标库); empty under rules without one
    (free codes)."""
    return [
        CatalogueSignalPublic(
            code=s.code,
            name=s.name,
            colour=s.colour.value,
            colour_zh=s.colour.zh,
            category=s.category.value,
            category_zh=s.category.zh,
        )
        for s in archive.rule_set().warnings.catalogue.values()
    ]
