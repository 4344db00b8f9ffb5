"""The FastAPI application under ``/api/v1``."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import SecretStr

from api import errors, web
from api.composition import build_archive, build_integrity, build_registers
from api.deps import MAX_FILES
from api.feed_jobs import FeedJobs
from api.logs import configure_logging
from api.metrics import STATE, Served, exposition
from api.middleware import BodyLimit, RequestLog
from api.openapi import document
from api.routers import (
    assessment,
    borrowing,
    bundles,
    checkpoints,
    classification,
    collateral,
    collection,
    compliance,
    custody,
    customers,
    disposition,
    dossiers,
    feed,
    feedback,
    guanhu,
    guarantees,
    information,
    inspections,
    integrity,
    lifecycle,
    meta,
    monitoring,
    papers,
    partners,
    portfolio,
    registers,
    responsibility,
    risk_control,
    scope,
    staff,
    supervision,
    tasks,
    verification,
    warnings,
    watch,
    workout,
    zones,
)
from api.settings import Settings
from archive.application import DossierArchive
from projections.registers import all_registers
from storage.sessions import session_store_beside

log = structlog.get_logger("dossier.api")

PREFIX = "/api/v1"
ROUTERS = (
    lifecycle,
    inspections,
    classification,
    warnings,
    collection,
    guarantees,
    workout,
    watch,
    guanhu,
    customers,
    zones,
    responsibility,
    information,
    collateral,
    borrowing,
    custody,
    disposition,
    dossiers,
    integrity,
    checkpoints,
    bundles,
    verification,
    tasks,
    compliance,
    portfolio,
    staff,
    supervision,
    risk_control,
    feedback,
    feed,
    assessment,
    papers,
    monitoring,
    partners,
    scope,
    meta,
)


def create_app(settings: Settings | None = None, archive: DossierArchive | None = None) -> FastAPI:
    """The HTTP API over ``archive`` (or one built from ``settings``).

    What the app serves is read from ``app.state`` when its lifespan starts (see
    :func:`serve_with`), so one app, whose routes FastAPI has built once, can serve one store
    after another.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        serving: Settings = app.state.settings
        supplied: DossierArchive | None = app.state.supplied_archive
        owned = supplied is None
        app.state.archive = supplied if supplied is not None else build_archive(serving)
        try:
            built = build_registers(serving, app.state.archive)
        except BaseException:
            if owned:
                app.state.archive.close()
            raise
        app.state.registers = built.service
        app.state.follower = built.follower
        try:
            sealing = build_integrity(serving, app.state.archive)
        except BaseException:
            built.close()
            if owned:
                app.state.archive.close()
            raise
        app.state.integrity = sealing
        try:
            app.state.sessions = session_store_beside(app.state.archive.env, serving.data_dir)
        except BaseException:
            sealing.close()
            built.close()
            if owned:
                app.state.archive.close()
            raise
        app.state.feed_jobs = FeedJobs(
            app.state.archive,
            serving.data_dir / "feed",
            keep=serving.feed_jobs_kept,
            saved=built.follower.wake,
        )
        if sealing.generated:
            # Where, never what: the key itself stays in its file.
            log.warning("signing_key_generated", file=sealing.key_source, development_only=True)
        ends = app.state.archive.rule_set().calendar.coverage_warning(app.state.archive.today())
        if ends is not None:
            # The working calendar runs out: later deadlines count weekends only.
            log.warning("rules_calendar_ends", message=ends[1], message_zh=ends[0])
        if serving.in_process_follower:
            built.follower.start()
        if serving.in_process_sealer:
            sealing.sealer.start()
        served = Served(
            app.state.archive,
            built.service,
            sealing.store,
            app.state.feed_jobs,
            max_lag_seconds=serving.ready_max_lag_seconds,
            max_seal_lag_seconds=serving.ready_max_seal_lag_seconds,
        )
        STATE.attach(served)
        try:
            yield
        finally:
            STATE.detach(served)
            app.state.feed_jobs.close()  # stops an import at the end of its chunk
            app.state.sessions.close()
            sealing.close()  # stops the sealer after a last catch-up and seal
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
        # Served by api.web from the app's own files, not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.limits = _limits(settings)
    serve_with(app, settings, archive)
    errors.install(app)
    configure_logging(settings.log_level, json=settings.log_json)
    # Every document may be up to the limit; a command carries at most MAX_FILES of them.
    app.add_middleware(
        BodyLimit,
        json_bytes=settings.max_json_bytes,
        multipart_bytes=settings.max_upload_bytes * MAX_FILES + settings.max_json_bytes,
        # A batch upload is counted by its route, against DOSSIER_FEED_MAX_BYTES.
        own_limit=(f"{PREFIX}/feed/batches",),
    )
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
        # … and the in-process sealer, after a command that succeeded.
        sealing = getattr(app.state, "integrity", None)
        if (
            request.method == "POST"
            and response.status_code < 400
            and sealing is not None
            and app.state.settings.in_process_sealer
        ):
            sealing.sealer.wake()
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        # A scraper's credential of its own (DOSSIER_METRICS_TOKEN), compared in constant time;
        # no staff token is asked for: the metrics carry no business data.
        token: SecretStr | None = app.state.settings.metrics_token
        if token is not None:
            offered = request.headers.get("authorization", "")
            expected = f"Bearer {token.get_secret_value()}"
            if not hmac.compare_digest(offered.encode(), expected.encode()):
                return JSONResponse(
                    errors.error_body(
                        request,
                        "metrics_token_required",
                        "读取指标须提供 DOSSIER_METRICS_TOKEN 所设的令牌",
                        "/metrics needs the token DOSSIER_METRICS_TOKEN sets "
                        "(Authorization: Bearer …)",
                    ),
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        body, media_type = exposition()
        return Response(body, media_type=media_type)

    web.install(app)

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _limits(settings: Settings) -> tuple[int, int]:
    """What the app's body limit was built with."""
    return settings.max_json_bytes, settings.max_upload_bytes


def serve_with(app: FastAPI, settings: Settings, archive: DossierArchive | None = None) -> FastAPI:
    """Have ``app`` serve ``archive`` (or one built from ``settings``) from its next start.

    Building an app's routes costs FastAPI most of a second; an app that is not running can be
    pointed at another store and settings instead. Its body limits were fixed when it was
    built, so settings with other limits are refused.
    """
    if _limits(settings) != app.state.limits:
        raise ValueError("the app's body limits were fixed when it was built")
    app.state.settings = settings
    app.state.supplied_archive = archive
    if archive is not None:
        app.state.archive = archive
    return app
