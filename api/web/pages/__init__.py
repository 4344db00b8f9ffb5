"""The console's pages, one module per area of the left navigation."""

from __future__ import annotations

from fastapi import APIRouter

from api.web.pages import (
    admin,
    archive_room,
    audit,
    compliance,
    customers,
    desk,
    desk_labels,
    disposition,
    dossier,
    evaluations,
    information,
    loans,
    monitoring,
    portfolio,
    postloan,
    receiving,
    registers,
    responsibility,
    retention,
    risk_control,
    supervision,
    watch,
    workbench,
    zones,
)

ROUTERS: tuple[APIRouter, ...] = (
    workbench.router,
    loans.router,
    customers.router,
    dossier.router,
    postloan.router,
    information.router,
    watch.router,
    monitoring.router,
    zones.router,
    archive_room.router,
    disposition.router,
    receiving.router,
    retention.router,
    desk.router,
    desk_labels.router,
    audit.router,
    responsibility.router,
    evaluations.router,
    supervision.router,
    risk_control.router,
    compliance.router,
    portfolio.router,
    registers.router,
    admin.router,
)
