"""Risk-warning signals (风险预警): raised → handled → cleared."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.warnings import ClearWarning, HandleWarning, RaiseWarning

router = APIRouter(prefix="/loans/{loan_no}/warnings", tags=["warnings"])

command_route(router, "", RaiseWarning, schema="WarningCreate")
command_route(router, "/{signal_id}/handle", HandleWarning, schema="WarningHandling")
command_route(router, "/{signal_id}/clear", ClearWarning, schema="WarningClearance")
