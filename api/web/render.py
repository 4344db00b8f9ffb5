"""Rendering the console's pages: one Jinja2 environment, the layout's context, the formats.

Dates read ``YYYY-MM-DD``, times are the bank's (``DOSSIER_TIMEZONE``), amounts are in 元 with
thousands separators, people are "name（staff number）" — never an id where a person reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.web.i18n import Translator, language_of
from api.web.nav import visible
from api.web.session import Viewer, settings_of
from domain import display
from domain.values import Role

TEMPLATES = Path(__file__).parent / "templates"

SECURITY_HEADERS = {
    # Everything from this origin only, no inline script: what the browser enforces is what
    # the bank's closed network needs, and an injected <script> would not run.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    """The templates' environment, made once on first use."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = day
    env.filters["yuan"] = yuan
    env.filters["number"] = number
    return env


def day(value: date | datetime | str | None) -> str:
    """A business date as YYYY-MM-DD (blank for none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value[:10]
    return value.strftime("%Y-%m-%d")


def yuan(value: Decimal | int | float | str | None) -> str:
    """An amount in 元: 1,234,567.89."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)):,.2f}"


def number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def numeric(column: sa.Column[Any]) -> bool:
    """Whether a register column holds amounts or counts (shown right-aligned)."""
    return isinstance(column.type, sa.Numeric | sa.Integer)


def moment(value: datetime | None, zone: str) -> str:
    """A time in the bank's zone with its offset, as every output shows it (a naive value is
    a record time, kept in UTC)."""
    if value is None:
        return ""
    return display.moment(value, zone)


def cell(value: Any, labels: Mapping[str, str], t: Translator, zone: str) -> str:
    """A register value as a person reads it: the Chinese label of a coded value in Chinese,
    times in the bank's zone, amounts in 元, yes/no in words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return t("Yes") if value else t("No")
    if isinstance(value, Decimal):
        return display.yuan(value)
    if isinstance(value, datetime):
        return moment(value, zone)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, UUID):
        return str(value)
    if labels and t.language == "zh" and str(value) in labels:
        return labels[str(value)]
    return str(value)


def url_with(request: Request, **changes: Any) -> str:
    """This page's address with some query parameters changed (None: removed)."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = str(value)
    return str(request.url.replace(query=urlencode(params))).removeprefix(
        f"{request.url.scheme}://{request.url.netloc}"
    )


def role_name(role: Role | str | None, t: Translator) -> str:
    """A role as people call it: 客户经理 / account manager."""
    if role is None:
        return ""
    found = role if isinstance(role, Role) else next((r for r in Role if r.value == role), None)
    if found is None:
        return str(role)
    return t.pick(found.zh, found.value.replace("_", " ").capitalize())


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    *,
    status: int = 200,
    area: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` in the viewer's language, inside the layout."""
    t = viewer.t if viewer is not None else Translator(language_of(request))
    zone = settings_of(request).timezone
    csrf = viewer.session.csrf_token if viewer is not None else context.pop("csrf", "")
    page = (
        environment()
        .get_template(template)
        .render(
            request=request,
            viewer=viewer,
            t=t,
            _=t,
            lang=t.language,
            area=area,
            nav=visible(viewer.allowed) if viewer is not None else [],
            csrf_token=csrf,
            path=request.url.path,
            query=request.url.query,
            moment=lambda value: moment(value, zone),
            cell=lambda value, labels=None: cell(value, labels or {}, t, zone),
            url_with=lambda **changes: url_with(request, **changes),
            numeric=numeric,
            role_name=lambda role: role_name(role, t),
            **context,
        )
    )
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)
