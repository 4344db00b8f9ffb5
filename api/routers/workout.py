"""Workout: restructuring, extension, handover, asset preservation, write-off."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.workout import (
    Extend,
    HandOver,
    Restructure,
    TransferToAssetPreservation,
    WriteOff,
)

router = APIRouter(prefix="/loans/{loan_no}", tags=["collection and workout"])

command_route(router, "/restructurings", Restructure, schema="RestructuringCreate")
command_route(router, "/extensions", Extend, schema="ExtensionCreate")
command_route(router, "/handovers", HandOver, schema="HandoverCreate")
command_route(
    router, "/asset-preservation", TransferToAssetPreservation, schema="PreservationTransfer"
)
command_route(router, "/write-off", WriteOff, schema="WriteOffCreate")
