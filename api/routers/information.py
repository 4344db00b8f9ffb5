"""Borrower information maintenance (贷款信息维护) and the use of the funds (贷款用途监控)."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.information import ChangeBorrowerInformation, RecordFundsUse

router = APIRouter(prefix="/loans/{loan_no}", tags=["information"])

command_route(
    router, "/information-changes", ChangeBorrowerInformation, schema="InformationChangeCreate"
)
command_route(router, "/funds-uses", RecordFundsUse, schema="FundsUseCreate")
