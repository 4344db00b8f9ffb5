"""Health and reference data.

``/health/live`` says the process answers (``/health`` is its alias); ``/health/ready`` says
whether the registers may be read: none has stopped at an event, none has left an event
waiting longer than ``DOSSIER_READY_MAX_LAG_SECONDS``. Neither needs a token, so neither
shows more than positions, times and the class names of events and errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.schemas import DocumentTypePublic
from api.settings import Settings
from projections.follower import Follower
from projections.health import readiness

log = structlog.get_logger("dossier.health")

router = APIRouter(tags=["meta"])


class Live(BaseModel):
    """The process answers."""

    status: Literal["ok"] = "ok"
    position: int | None = Field(
        description="the newest stored event's position; null when the event store is unreachable"
    )


class FailurePublic(BaseModel):
    """The event a register stopped at (it has applied everything before it)."""

    position: int = Field(description="the position of the event it cannot apply")
    event_type: str = Field(description="the event's class, e.g. AuditBundle.Issued")
    error_type: str = Field(description="the error's class; its message is in the logs")
    failed_at: datetime = Field(description="when it stopped (UTC)")


class RegisterReadiness(BaseModel):
    name: str
    position: int = Field(description="the log position the register has applied")
    behind: int = Field(description="events between its position and the log's head")
    lag_seconds: float | None = Field(
        description="how long the oldest event it has not applied has been waiting"
    )
    ready: bool
    failure: FailurePublic | None


class FollowerErrorPublic(BaseModel):
    error_type: str
    at: datetime
    register_name: str | None = Field(description="the register that stopped, if it was one")
    position: int | None


class FollowerPublic(BaseModel):
    in_process: bool = Field(description="this process feeds the registers (else `dossier follow`)")
    running: bool
    failing: bool = Field(description="its latest batch failed and is being retried")
    last_error: FollowerErrorPublic | None = Field(description="the last error it met, if any")


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    head: int = Field(description="the position of the newest event in the log")
    max_lag_seconds: float
    registers: list[RegisterReadiness]
    follower: FollowerPublic


def live(archive: ArchiveDep) -> Live:
    """Liveness: the process answers; with the position of the newest stored event."""
    try:
        position: int | None = archive.recorder.max_notification_id() or 0
    except Exception as error:  # alive all the same; readiness says the rest
        log.warning("event_store_unreachable", error_type=type(error).__name__)
        position = None
    return Live(position=position)


router.add_api_route(
    "/health/live",
    live,
    methods=["GET"],
    response_model=Live,
    summary="存活检查 / liveness",
)
router.add_api_route(
    "/health",
    live,
    methods=["GET"],
    response_model=Live,
    summary="存活检查（/health/live 的别名）/ liveness, alias of /health/live",
)


@router.get(
    "/health/ready",
    response_model=Readiness,
    summary="就绪检查 / readiness",
    responses={
        503: {
            "model": Readiness,
            "description": "a register stopped at an event, or has lagged past the limit",
        }
    },
)
def ready(request: Request, archive: ArchiveDep, registers: RegistersDep) -> JSONResponse:
    """Readiness: every register's position against the log's head, and the follower's state.

    503 when a register has stopped at an event it cannot apply, or has left an event
    unapplied longer than ``DOSSIER_READY_MAX_LAG_SECONDS``, or the in-process follower is
    not running.
    """
    settings: Settings = request.app.state.settings
    follower: Follower | None = getattr(request.app.state, "follower", None)
    found = readiness(
        registers.store,
        archive.recorder,
        archive.mapper,
        list(registers.projections),
        max_lag_seconds=settings.ready_max_lag_seconds,
    )
    error = follower.last_error if follower is not None else None
    worker = follower.worker.state if follower is not None else None  # one consistent look
    running = worker is not None and worker.running
    state = FollowerPublic(
        in_process=settings.in_process_follower,
        running=running,
        failing=worker is not None and worker.failing,
        last_error=(
            FollowerErrorPublic(
                error_type=error.error_type,
                at=error.at,
                register_name=error.register,
                position=error.position,
            )
            if error is not None
            else None
        ),
    )
    ok = found.ready and (running or not settings.in_process_follower)
    body = Readiness(
        status="ready" if ok else "not_ready",
        head=found.head,
        max_lag_seconds=found.max_lag_seconds,
        registers=[
            RegisterReadiness(
                name=r.name,
                position=r.position,
                behind=r.behind,
                lag_seconds=r.lag_seconds,
                ready=r.ready,
                failure=(
                    FailurePublic(
                        position=r.failure.position,
                        event_type=r.failure.event_type,
                        error_type=r.failure.error_type,
                        failed_at=r.failure.failed_at,
                    )
                    if r.failure is not None
                    else None
                ),
            )
            for r in found.registers
        ],
        follower=state,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ok else 503)


@router.get("/document-types", response_model=list[DocumentTypePublic])
def document_types(archive: ArchiveDep, ctx: ReadCtx) -> list[DocumentTypePublic]:
    """The catalogue of document types (文档类型目录)."""
    return [
        DocumentTypePublic(code=t.code, zh=t.zh, en=t.en, stage=t.stage)
        for t in archive.config.document_types.values()
    ]
