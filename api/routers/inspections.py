"""Inspections (贷后检查) of a loan and their corrections."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.inspections import (
    CorrectInspection,
    CountersignInspection,
    RecordInspection,
)

router = APIRouter(prefix="/loans/{loan_no}/inspections", tags=["inspections"])

command_route(router, "", RecordInspection, schema="InspectionCreate")
command_route(
    router, "/{inspection_id}/corrections", CorrectInspection, schema="InspectionCorrection"
)
command_route(
    router,
    "/{inspection_id}/countersign",
    CountersignInspection,
    schema="InspectionCountersign",
)
