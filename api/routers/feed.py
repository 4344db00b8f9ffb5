"""The core-banking feed over HTTP (核心系统日终文件导入): send a batch, follow its job, read
the batches applied with their reconciliation (对账).

``POST /feed/batches`` takes a batch zip (multipart, field ``file``; or the body itself as
``application/zip``), for the integration role only, and answers 202 with the job that imports
it in the background; ``partial=true`` applies the valid lines and reports the others.
``GET /feed/jobs/{id}`` follows the job (status, progress, what the batch did);
``GET /feed/jobs/{id}/report.json`` and ``.csv`` are the report of the problems of a refused
batch (or of the lines left out). ``GET /feed/batches`` lists the batches on record, each with
its 对账 per file, read from the batches themselves (no register lag: a job's batch is there
when the job is); the register of batches (``/registers/feed_batches``) lists them too, with
filters and export. The batch format is docs/core-feed.md's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import ArchiveDep, CommandCtx, ReadCtx
from api.feed_jobs import FeedJob, FeedJobs, receive_batch
from api.settings import Settings
from archive.core import CommandContext
from archive.feed.problems import report_csv, report_json
from domain.authorization import Action
from domain.feed import FeedBatch

router = APIRouter(prefix="/feed", tags=["feed 核心系统日终文件"])
PREFIX = "/api/v1"


def feed_jobs(request: Request) -> FeedJobs:
    jobs: FeedJobs = request.app.state.feed_jobs
    return jobs


JobsDep = Annotated[FeedJobs, Depends(feed_jobs)]


class ProgressPublic(BaseModel):
    """How far the import is: the file and the lines applied of the batch's lines."""

    file: str | None
    lines_done: int
    lines_total: int
    events: int = Field(description="events recorded so far")


class OutcomePublic(BaseModel):
    """What importing the batch did: ``applied``, ``already_applied`` (nothing recorded) or
    ``resumed``; its 对账 per file (control vs archive records and amounts)."""

    batch: str = Field(description="SHA-256 of the control file")
    business_date: date
    status: str
    events: int
    lines: int
    refused: int = Field(description="lines left out (partial)")
    reconciliation: dict[str, dict[str, str]] | None
    balanced: bool | None = Field(description="平 (true) / 不平 (false)")


class FailurePublic(BaseModel):
    code: str
    zh: str
    en: str


class FeedJobPublic(BaseModel):
    """An import job: queued, running, then applied, refused (nothing recorded; the report
    says why) or failed."""

    id: UUID
    status: Literal["queued", "running", "applied", "refused", "failed"]
    filename: str
    partial: bool
    submitted_at: datetime
    finished_at: datetime | None
    business_date: date | None
    progress: ProgressPublic
    outcomes: list[OutcomePublic]
    problems_count: int = Field(description="problems in the report")
    failure: FailurePublic | None
    links: dict[str, str] = Field(description="self, report.json, report.csv")

    @classmethod
    def of(cls, job: FeedJob) -> FeedJobPublic:
        base = f"{PREFIX}/feed/jobs/{job.id}"
        return cls(
            id=job.id,
            status=job.status,
            filename=job.filename,
            partial=job.partial,
            submitted_at=job.submitted_at,
            finished_at=job.finished_at,
            business_date=job.business_date,
            progress=ProgressPublic(
                file=job.file,
                lines_done=job.lines_done,
                lines_total=job.lines_total,
                events=job.events,
            ),
            outcomes=[OutcomePublic.model_validate(o) for o in job.outcomes],
            problems_count=job.problems_count,
            failure=FailurePublic(code=job.failure[0], zh=job.failure[1], en=job.failure[2])
            if job.failure
            else None,
            links={
                "self": base,
                "report.json": f"{base}/report.json",
                "report.csv": f"{base}/report.csv",
            },
        )


class FeedJobsPublic(BaseModel):
    data: list[FeedJobPublic]
    count: int


class FeedBatchPublic(BaseModel):
    """A batch on record: how far its import went and, once applied, its 对账."""

    batch: str = Field(description="SHA-256 of the control file")
    bank: str
    business_date: date
    correction: bool
    partial: bool
    lines_done: int
    events_recorded: int
    refused: int
    applied: bool
    balanced: bool | None
    reconciliation: dict[str, dict[str, str]] | None

    @classmethod
    def of(cls, batch: FeedBatch) -> FeedBatchPublic:
        return cls.model_validate(batch.summary())


class FeedBatchesPublic(BaseModel):
    data: list[FeedBatchPublic]
    count: int


UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the batch folder zipped / 批次目录的 zip",
                        },
                        "partial": {
                            "type": "string",
                            "enum": ["true", "false"],
                            "description": "apply the valid lines, report the others",
                        },
                    },
                }
            },
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def importer(archive: ArchiveDep, ctx: CommandCtx) -> CommandContext:
    """The caller, if they may import batches (checked before a byte of the body is read)."""
    archive.actor(ctx, Action.IMPORT_FEED)
    return ctx


@router.post(
    "/batches",
    status_code=202,
    response_model=FeedJobPublic,
    openapi_extra=UPLOAD,
    responses={202: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
async def import_batch(
    request: Request,
    response: Response,
    jobs: JobsDep,
    ctx: Annotated[CommandContext, Depends(importer)],
    partial: Annotated[
        bool | None, Query(description="true: apply the valid lines, report the others")
    ] = None,
) -> FeedJobPublic:
    """Send a core-banking batch (zip) to be imported; answers the job that imports it."""
    settings: Settings = request.app.state.settings
    received = await receive_batch(request, jobs, settings.feed_max_bytes)
    job = jobs.submit(
        ctx,
        received.path,
        received.filename,
        partial=bool(partial if partial is not None else received.partial),
    )
    public = FeedJobPublic.of(job)
    response.headers["Location"] = public.links["self"]
    return public


@router.get("/jobs", response_model=FeedJobsPublic)
def list_jobs(archive: ArchiveDep, ctx: ReadCtx, jobs: JobsDep) -> FeedJobsPublic:
    """The import jobs this service remembers, the latest first."""
    archive.actor(ctx, Action.READ_FEED)
    found = [FeedJobPublic.of(j) for j in jobs.listed()]
    return FeedJobsPublic(data=found, count=len(found))


@router.get("/jobs/{job_id}", response_model=FeedJobPublic)
def get_job(job_id: UUID, archive: ArchiveDep, ctx: ReadCtx, jobs: JobsDep) -> FeedJobPublic:
    """An import job: its status, progress and what the batch did."""
    archive.actor(ctx, Action.READ_FEED)
    return FeedJobPublic.of(jobs.get(job_id))


@router.get(
    "/jobs/{job_id}/report.json",
    responses={200: {"content": {"application/json": {}}}},
    response_class=Response,
)
def job_report_json(job_id: UUID, archive: ArchiveDep, ctx: ReadCtx, jobs: JobsDep) -> Response:
    """The problems of the batch (file, line, column, reason in Chinese and English)."""
    archive.actor(ctx, Action.READ_FEED)
    job = jobs.get(job_id)
    return Response(report_json(job.problems, more=job.more), media_type="application/json")


@router.get(
    "/jobs/{job_id}/report.csv",
    responses={200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def job_report_csv(job_id: UUID, archive: ArchiveDep, ctx: ReadCtx, jobs: JobsDep) -> Response:
    """The problems of the batch as CSV (UTF-8 with BOM, bilingual header)."""
    archive.actor(ctx, Action.READ_FEED)
    job = jobs.get(job_id)
    return Response(
        report_csv(job.problems),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{job.report_filename("csv")}"'},
    )


@router.get("/batches", response_model=FeedBatchesPublic)
def list_batches(
    archive: ArchiveDep,
    ctx: ReadCtx,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> FeedBatchesPublic:
    """The batches on record, the latest applied first, each with its 对账."""
    found = [FeedBatchPublic.of(b) for b in archive.feed_batches(ctx, limit=limit)]
    return FeedBatchesPublic(data=found, count=len(found))
