"""The FastAPI application under ``/api/v1``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse

from api import errors
from api.composition import build_archive, build_registers
from api.deps import COMMAND_MODELS, MAX_FILES
from api.middleware import BodyLimit, RequestLog, configure_logging
from api.routers import (
    archive_office,
    borrowings,
    classifications,
    collateral,
    destruction,
    dossiers,
    inspections,
    integrity,
    loans,
    meta,
    registers,
    responsibility,
    staff,
    warnings,
    workout,
)
from api.settings import Settings
from archive.application import DossierArchive
from projections.registers import all_registers

PREFIX = "/api/v1"
ROUTERS = (
    loans,
    inspections,
    classifications,
    warnings,
    workout,
    responsibility,
    collateral,
    borrowings,
    archive_office,
    destruction,
    dossiers,
    integrity,
    staff,
    meta,
)


def create_app(settings: Settings | None = None, archive: DossierArchive | None = None) -> FastAPI:
    """The HTTP API over ``archive`` (or one built from ``settings``)."""
    settings = settings or Settings()
    owned = archive is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.archive = archive if archive is not None else build_archive(settings)
        try:
            built = build_registers(settings, app.state.archive)
        except BaseException:
            if owned:
                app.state.archive.close()
            raise
        app.state.registers = built.service
        app.state.follower = built.follower
        if settings.in_process_follower:
            built.follower.start()
        try:
            yield
        finally:
            built.close()
            if owned:
                app.state.archive.close()

    app = FastAPI(
        title="Dossier 贷后档案",
        version="0.1.0",
        description=(
            "Post-loan archive: every action on a loan after disbursement is an immutable "
            "event with the documents that prove it. 贷后管理档案：放款后的每一项操作都是"
            "不可篡改的事件，证明文件随事件归档。Authenticate with `Authorization: Bearer <token>`."
        ),
        lifespan=lifespan,
    )
    if archive is not None:
        app.state.archive = archive
    app.state.settings = settings
    errors.install(app)
    configure_logging(settings.log_level, json=settings.environment == "production")
    # Every document may be up to the limit; a command carries at most MAX_FILES of them.
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes * MAX_FILES + 1024 * 1024)
    app.add_middleware(RequestLog)
    for module in ROUTERS:
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(registers.router_for(all_registers()), prefix=PREFIX)

    @app.middleware("http")
    async def wake_follower(request: Request, call_next: Any) -> Any:
        # A command just saved events: let the follower look now rather than at its next poll.
        response = await call_next(request)
        follower = getattr(app.state, "follower", None)
        if request.method == "POST" and follower is not None:
            follower.wake()
        return response

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model in COMMAND_MODELS.items():
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for def_name, definition in model_schema.pop("$defs", {}).items():
                components.setdefault(def_name, definition)
            components[name] = model_schema
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
