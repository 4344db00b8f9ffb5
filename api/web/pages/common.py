"""What the pages share: their router's settings, the services, the gate of an area."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request

from api.web.nav import AREA
from api.web.session import Viewer, archive_of, check_csrf
from domain.authorization import PERMISSIONS, Action
from domain.scope import RowScope
from projections.query import AsOf
from projections.service import RegisterService
from projections.tables import SUB_GRADE_COLUMNS

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
        # The refusal names the roles of the widest permission that opens the area (those
        # who may read the feed, not only those who may send it).
        widest: Action = max(needs, key=lambda a: (len(PERMISSIONS[a]), a.value))
        archive_of(request).actor(viewer.ctx, widest)  # raises the refusal, in both languages


def sub_grade_labels(request: Request) -> dict[str, str]:
    """Each sub-grade code of the rules in force and its Chinese label (正常一级…): the bank's
    own refinement of the five grades, not a fixed enumeration."""
    scheme = archive_of(request).rule_set().sub_grades.sub_grades
    return {code: zh for code, (_grade, zh) in scheme.items()}


def column_labels(request: Request, columns: Sequence[Any]) -> dict[str, Mapping[str, str]]:
    """For each column, the Chinese label of each coded value it holds: an enumeration's, or
    the sub-grades of the rules in force for a sub-grade column."""
    found: dict[str, Mapping[str, str]] = {}
    for c in columns:
        found[c.name] = c.info.get("labels") or {}
        if c.name in SUB_GRADE_COLUMNS:
            found[c.name] = sub_grade_labels(request)
    return found


def people_named(
    service: RegisterService, columns: Sequence[Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows with every person a column holds by id named as 姓名（工号）, from the staff
    directory — as the register's exports show them."""
    shown = service.display(columns, rows)
    people = [c for c in columns if c.info.get("shows")]
    return [{**row, **{c.name: shown.person(c, row[c.name]) for c in people}} for row in rows]


def listed(
    request: Request,
    viewer: Viewer,
    register: str,
    listing: str,
    *,
    order_by: Sequence[str] = (),
    limit: int = PAGE_SIZE,
    scope: RowScope | None = None,
    **filters: str,
) -> list[dict[str, Any]]:
    """The first ``limit`` rows of a register's listing as they stand now, filtered and sorted,
    people named: within the viewer's data scope for that register (or ``scope`` when the page
    has already decided it — a person reading what concerns themselves)."""
    service = registers_of(request)
    selection = service.select(register, listing)
    if scope is None:
        read = selection.projection.read_action
        _actor, scope = archive_of(request).reading_scope(viewer.ctx, read)
    page = service.page(
        selection,
        scope=scope,
        as_of=AsOf(),
        filters=filters,
        order_by=list(order_by),
        limit=limit,
        offset=0,
    )
    columns = selection.projection.specs()[selection.listing.table].exported()
    return people_named(service, columns, list(page.rows))
