"""Integrity verification over HTTP (完整性校验): run ``dossier verify``, read a recorded run.

``POST /integrity/verifications`` runs the whole verification synchronously, in the request's
worker thread, and answers when it is done: seconds for tens of thousands of events, longer
when every document is read back (``{"documents": false}`` checks the log and checkpoints
only). On a large archive prefer the console, ``dossier verify``, which shows its progress; both
record the run as an ``IntegrityVerification`` event, clean or not. Each POST is a new run: no
Idempotency-Key is taken, since a repeated request is a repeated verification.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field

from api.deps import (
    ArchiveDep,
    CommandInput,
    IntegrityDep,
    ReadCtx,
    command_input,
    command_openapi,
)
from api.schemas import read_fields
from domain.integrity import IntegrityVerification

router = APIRouter(prefix="/integrity", tags=["integrity"])


class VerificationCreate(BaseModel):
    """What to verify."""

    documents: bool = Field(
        default=True,
        description="also read back, decrypt and hash every document (false: log and "
        "checkpoints only)",
    )


class DocumentNamed(BaseModel):
    dossier_id: UUID
    sha256: str | None


class FindingPublic(BaseModel):
    """One discrepancy or notice: its check, where it is, and what is wrong (en / zh)."""

    check: str = Field(description="stable name of the check, e.g. event_altered")
    area: str = Field(description="log, checkpoints or documents")
    position: int | None = Field(description="notification id (the first of a range)")
    through: int | None = Field(description="last notification id of a range")
    count: int = Field(description="events or leaves the finding covers")
    tree_size: int | None = Field(description="the checkpoint concerned, by tree size")
    document: DocumentNamed | None
    detail: str
    detail_zh: str


class UnsealedTailPublic(BaseModel):
    count: int
    first: int
    last: int


class VerificationReportPublic(BaseModel):
    """What one run found (the JSON of ``dossier verify --json``)."""

    intact: bool
    started_at: datetime
    finished_at: datetime
    events_checked: int
    head: int = Field(description="notification id of the last event read")
    sealed_leaves: int
    tree_size: int = Field(description="tree size of the latest checkpoint verified against")
    root_hash: str = Field(description="its root, base64")
    checkpoints_checked: int
    witnessed_checkpoints: int | None
    anchor: str = Field(
        default="",
        description=(
            "what the checkpoints were checked against: 'configured keys' (the bank's "
            "published keys), 'local key' (development: the archive's own) or 'unanchored'"
        ),
    )
    documents: bool
    documents_checked: int
    documents_destroyed: int
    discrepancy_count: int
    discrepancies: list[FindingPublic]
    unsealed_tail: UnsealedTailPublic | None = Field(
        description="events after the last checkpoint: a notice, not a failure"
    )
    notices: list[FindingPublic]


class VerificationRunPublic(BaseModel):
    """A run just made: its record's id and log position, and its report."""

    run_id: UUID
    position: int
    report: VerificationReportPublic


class RecordedDiscrepancy(BaseModel):
    check: str | None
    position: str | None
    document: str | None
    detail: str | None


class RecordedVerificationPublic(BaseModel):
    """A run as recorded (at most the first 200 discrepancies are kept in the event)."""

    run_id: UUID
    intact: bool
    started_at: datetime
    finished_at: datetime
    events_checked: int
    documents_checked: int
    checkpoints_checked: int
    tree_size: int
    root_hash: str
    discrepancy_count: int
    discrepancies: list[RecordedDiscrepancy]
    verified_by: UUID
    role: str

    @classmethod
    def of(cls, run: IntegrityVerification) -> RecordedVerificationPublic:
        return cls(
            **read_fields(
                cls,
                run,
                run_id=run.id,
                discrepancies=[RecordedDiscrepancy(**d) for d in run.discrepancies],
                role=run.role.value,
            )
        )


@router.post(
    "/verifications",
    status_code=201,
    response_model=VerificationRunPublic,
    openapi_extra=command_openapi(VerificationCreate, documents=False, required=False),
)
def run_verification(
    archive: ArchiveDep,
    ctx: ReadCtx,
    integrity: IntegrityDep,
    response: Response,
    cmd: Annotated[
        CommandInput[VerificationCreate],
        Depends(command_input(VerificationCreate, documents=False)),
    ],
) -> VerificationRunPublic:
    """Verify the whole record now (synchronously) and record the run; 201 with its report.

    A run that finds discrepancies is still 201: the verification was made and recorded;
    ``report.intact`` says what it found.
    """
    wanted = cmd.body
    run = integrity.verify(archive, ctx, documents=wanted.documents)
    response.headers["Location"] = f"/api/v1/integrity/verifications/{run.run_id}"
    report: dict[str, Any] = run.report.to_json()
    return VerificationRunPublic(
        run_id=run.run_id,
        position=run.recorded.position,
        report=VerificationReportPublic.model_validate(report),
    )


@router.get("/verifications/{run_id}", response_model=RecordedVerificationPublic)
def get_verification(
    archive: ArchiveDep,
    ctx: ReadCtx,
    run_id: Annotated[UUID, Path(description="the run's id, as POST answered it")],
) -> RecordedVerificationPublic:
    """A recorded verification run."""
    return RecordedVerificationPublic.of(archive.integrity_verification(ctx, run_id))
