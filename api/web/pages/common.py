"""What the pages share: their router's settings, the services, the gate of an area."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request

from api.web.nav import AREA
from api.web.session import Viewer, archive_of, check_csrf
from domain.authorization import Action
from projections.service import RegisterService

PAGE_SIZE = 50


def page_router() -> APIRouter:
    """A router of console pages: not in the OpenAPI, every unsafe request CSRF-checked."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def registers_of(request: Request) -> RegisterService:
    service: RegisterService = request.app.state.registers
    return service


def enter(request: Request, viewer: Viewer, area: str) -> None:
    """Let the viewer into ``area``, or raise the application's own refusal (a page saying
    which roles may, never a stack trace)."""
    needs = AREA[area].needs
    if needs and not needs & viewer.allowed:
        first: Action = sorted(needs, key=lambda a: a.value)[0]
        archive_of(request).actor(viewer.ctx, first)  # raises the refusal, in both languages


def people_named(
    service: RegisterService, columns: Sequence[Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows with every person a column holds by id named as 姓名（工号）, from the staff
    directory — as the register's exports show them."""
    shown = service.display(columns, rows)
    people = [c for c in columns if c.info.get("shows")]
    return [{**row, **{c.name: shown.person(c, row[c.name]) for c in people}} for row in rows]
