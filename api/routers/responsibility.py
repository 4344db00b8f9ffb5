"""Responsibility determination (不良贷款责任认定), appeals and objections."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.responsibility import (
    AppealResponsibility,
    DecideAppeal,
    DetermineResponsibility,
    RecordDeterminationStep,
    RecordObjection,
)

router = APIRouter(prefix="/loans/{loan_no}", tags=["responsibility"])

ONE = "/responsibility/{determination_id}"
command_route(
    router,
    "/responsibility",
    DetermineResponsibility,
    schema="DeterminationCreate",
    name="determine",
)
command_route(router, f"{ONE}/appeal", AppealResponsibility, schema="AppealCreate", name="appeal")
command_route(router, f"{ONE}/decision", DecideAppeal, schema="AppealDecision", name="decide")
command_route(
    router, f"{ONE}/steps", RecordDeterminationStep, schema="DeterminationStep", name="step"
)
command_route(router, "/objections", RecordObjection, schema="ObjectionCreate", name="object_to")
