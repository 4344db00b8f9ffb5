"""The web console (网页控制台): server-rendered pages for people, beside the HTTP API.

Jinja2 templates and htmx, no JavaScript build step; every asset — htmx, the style sheet,
Swagger UI and ReDoc — is served from ``static/`` by the app itself, so no request leaves the
server's origin (bank networks are closed). Pages call the same application methods as the API
routes, in the person's session instead of a bearer token; a refusal is a message in the page,
never a stack trace.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web import docs, login, pages
from api.web.i18n import Translator, language_of
from api.web.render import render
from api.web.session import (
    CsrfRefused,
    LoginRequired,
    PasswordChangeRequired,
    Viewer,
    login_url,
    viewer,
)
from domain.errors import DomainError

log = structlog.get_logger("dossier.console")

STATIC = Path(__file__).parent / "static"
NOT_CONSOLE = ("/api/", "/static/", "/docs", "/redoc", "/openapi.json", "/metrics")
"""Paths whose errors are not pages: the API answers JSON, the rest are files."""

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_console(request: Request) -> bool:
    return not request.url.path.startswith(NOT_CONSOLE)


def install(app: FastAPI) -> None:
    """Mount the console's routes and files, and answer its errors with pages."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(docs.router)
    app.include_router(login.router)
    for router in pages.ROUTERS:
        app.include_router(router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PasswordChangeRequired, _password_change_required)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    api_handlers: dict[type[Exception], Handler] = {
        cls: app.exception_handlers[cls]  # type: ignore[misc]
        for cls in (DomainError, RequestValidationError, StarletteHTTPException)
    }
    for cls, api_handler in api_handlers.items():
        app.add_exception_handler(cls, _either(api_handler))
    app.add_exception_handler(Exception, _server_error)


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if request.headers.get("HX-Request"):
        # htmx follows no redirect for a partial: it reloads the whole page on sign-in.
        return Response(status_code=204, headers={"HX-Redirect": login_url(exc.next_path)})
    return RedirectResponse(login_url(exc.next_path, expired=exc.expired), status_code=303)


async def _password_change_required(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/password", status_code=303)


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    t = Translator(language_of(request))
    log.warning("console_csrf_refused", path=request.url.path)
    return render(
        request,
        "error.html",
        _viewer_or_none(request),
        status=403,
        title=t("Request refused"),
        message=t(
            "This form has expired or did not come from this site. Reload the page and try again."
        ),
        back=None,
    )


def _either(api_handler: Handler) -> Handler:
    """The API's JSON answer for API paths; a page for the console's."""

    async def handle(request: Request, exc: Exception) -> Response:
        if not is_console(request):
            return await api_handler(request, exc)
        return _error_page(request, exc)

    return handle


def _error_page(request: Request, exc: Exception) -> Response:
    from api.errors import status_of

    t = Translator(language_of(request))
    if isinstance(exc, DomainError):
        status = status_of(exc)
        title = t("Refused") if status in (401, 403) else t("Cannot be done")
        message = t.pick(exc.zh, exc.en)
    elif isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        title = t("Page not found") if status == 404 else t("Cannot be done")
        message = (
            t("There is no such page.")
            if status == 404
            else t("The request cannot be served (%(status)s).", status=status)
        )
    else:
        status = 422
        title = t("Cannot be done")
        message = t("Some of what was sent is not valid; check the form and try again.")
    return render(
        request,
        "error.html",
        _viewer_or_none(request),
        status=status,
        title=title,
        message=message,
        back=None,
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path)
    if not is_console(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    t = Translator(language_of(request))
    return render(
        request,
        "error.html",
        None,
        status=500,
        title=t("System error"),
        message=t("Something went wrong on the server. It has been logged; please try again."),
        back=None,
    )


def _viewer_or_none(request: Request) -> Viewer | None:
    try:
        return viewer(request)
    except Exception:
        return None
