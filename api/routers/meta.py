"""Health and reference data.

``/health/live`` says the process answers (``/health`` is its alias); ``/health/ready`` says
whether the service may take traffic, each check named in its answer: the event store, the blob
store and the key store answer; the registers may be read (none has stopped at an event, none
has left an event waiting longer than ``DOSSIER_READY_MAX_LAG_SECONDS``); the in-process
follower runs; no event has waited for a signed checkpoint longer than
``DOSSIER_READY_MAX_SEAL_LAG_SECONDS``. Neither needs a token, so neither shows more than
positions, times and the class names of events and errors.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import ArchiveDep, IntegrityDep, ReadCtx, RegistersDep
from api.schemas import DocumentTypePublic
from api.settings import Settings
from projections.follower import Follower
from projections.health import Readiness as RegistersReadiness
from projections.health import SealingHealth, readiness, sealing
from storage.envelope import EncryptingBlobStore

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


CheckName = Literal["event_store", "blob_store", "key_store", "registers", "follower", "sealer"]


class CheckPublic(BaseModel):
    """One check of readiness."""

    name: CheckName
    ok: bool
    error_type: str | None = Field(
        default=None, description="the class of the error that made the check fail, if any"
    )


class SealerPublic(BaseModel):
    """How far the signed checkpoints trail the log."""

    in_process: bool = Field(description="this process seals (else `dossier seal --follow`)")
    sealed_position: int = Field(description="the last event the latest checkpoint covers")
    unsealed_events: int = Field(description="log positions after it")
    lag_seconds: float | None = Field(
        description="how long the first of them has waited for a checkpoint"
    )
    max_lag_seconds: float
    checkpoint_tree_size: int
    checkpoint_age_seconds: float | None = Field(
        description="how long ago the latest checkpoint was signed (null before the first)"
    )


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: list[CheckPublic] = Field(description="every check, named; ready when all are ok")
    head: int | None = Field(
        description="the position of the newest event in the log (null: the store is unreachable)"
    )
    max_lag_seconds: float
    registers: list[RegisterReadiness]
    follower: FollowerPublic
    sealer: SealerPublic | None = Field(description="null when it could not be read")


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
            "description": "a check failed: a store is unreachable, a register stopped at an "
            "event or lags past the limit, or events wait too long for a checkpoint",
        }
    },
)
def ready(
    request: Request, archive: ArchiveDep, registers: RegistersDep, integrity: IntegrityDep
) -> JSONResponse:
    """Readiness: the stores answer, every register's position against the log's head, the
    follower's state and the sealer's lag; each check named in ``checks``.

    503 when a store cannot be reached, a register has stopped at an event it cannot apply or
    has left an event unapplied longer than ``DOSSIER_READY_MAX_LAG_SECONDS``, the in-process
    follower is not running, or an event has waited for a signed checkpoint longer than
    ``DOSSIER_READY_MAX_SEAL_LAG_SECONDS``.
    """
    settings: Settings = request.app.state.settings
    checks: list[CheckPublic] = []

    def check(name: CheckName, probe: Any) -> Any:
        try:
            found = probe()
        except Exception as error:
            log.warning("readiness_check_failed", check=name, error_type=_class(error))
            checks.append(CheckPublic(name=name, ok=False, error_type=_class(error)))
            return None
        checks.append(CheckPublic(name=name, ok=True))
        return found

    head = check("event_store", lambda: archive.recorder.max_notification_id() or 0)
    check("blob_store", archive.blobs.check)
    check("key_store", _key_store_check(archive))
    found: RegistersReadiness | None = None
    if head is not None:
        found = check(
            "registers",
            lambda: readiness(
                registers.store,
                archive.recorder,
                archive.mapper,
                list(registers.projections),
                max_lag_seconds=settings.ready_max_lag_seconds,
            ),
        )
    if found is not None and not found.ready:
        checks[-1].ok = False
    state = _follower(request, settings)
    checks.append(
        CheckPublic(name="follower", ok=state.running or not settings.in_process_follower)
    )
    seal: SealingHealth | None = None
    if head is not None:
        seal = check(
            "sealer",
            lambda: sealing(
                integrity.store,
                archive.recorder,
                archive.mapper,
                max_lag_seconds=settings.ready_max_seal_lag_seconds,
            ),
        )
    if seal is not None and not seal.ready:
        checks[-1].ok = False
    unread: tuple[CheckName, ...] = ("registers", "sealer")  # not read: no event store
    checks += [CheckPublic(name=n, ok=False) for n in unread if all(c.name != n for c in checks)]
    ok = all(c.ok for c in checks)
    body = Readiness(
        status="ready" if ok else "not_ready",
        checks=checks,
        head=head,
        max_lag_seconds=settings.ready_max_lag_seconds,
        registers=_registers(found) if found is not None else [],
        follower=state,
        sealer=_sealer(seal, settings) if seal is not None else None,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ok else 503)


def _class(error: BaseException) -> str:
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}"


def _key_store_check(archive: Any) -> Any:
    """The key store's check; nothing to check when documents are not encrypted."""
    blobs = archive.blobs
    if isinstance(blobs, EncryptingBlobStore):
        return blobs.envelope.keys.check
    return lambda: None


def _follower(request: Request, settings: Settings) -> FollowerPublic:
    follower: Follower | None = getattr(request.app.state, "follower", None)
    error = follower.last_error if follower is not None else None
    worker = follower.worker.state if follower is not None else None  # one consistent look
    return FollowerPublic(
        in_process=settings.in_process_follower,
        running=worker is not None and worker.running,
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


def _registers(found: RegistersReadiness) -> list[RegisterReadiness]:
    return [
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
    ]


def _sealer(seal: SealingHealth, settings: Settings) -> SealerPublic:
    return SealerPublic(
        in_process=settings.in_process_sealer,
        sealed_position=seal.sealed_position,
        unsealed_events=seal.unsealed,
        lag_seconds=seal.lag_seconds,
        max_lag_seconds=seal.max_lag_seconds,
        checkpoint_tree_size=seal.tree_size,
        checkpoint_age_seconds=seal.checkpoint_age(datetime.now(UTC)),
    )


@router.get("/document-types", response_model=list[DocumentTypePublic])
def document_types(archive: ArchiveDep, ctx: ReadCtx) -> list[DocumentTypePublic]:
    """The catalogue of document types (文档类型目录)."""
    return [
        DocumentTypePublic(code=t.code, zh=t.zh, en=t.en, stage=t.stage)
        for t in archive.rule_set().document_types.values()
    ]
