"""Importing core-banking batches sent over HTTP: the upload, and the jobs that apply them.

A batch sent to ``POST /feed/batches`` (or the console's form) is written to a file of the
service's own and applied by one worker thread of the process, one batch at a time, through the
same application method as ``dossier import feed`` (:meth:`DossierArchive.import_feed`); the
application's ledger keeps batches in order across processes. A job is what the caller follows:
its status, its progress, what the batch did, the problems of a refused batch (or the lines left
out with ``partial``). Jobs are kept in memory, the latest ``feed_jobs_kept`` of them; what a
batch recorded is on record in its :class:`domain.feed.FeedBatch` whatever becomes of its job.

A service stopping while a batch is applied stops it at the end of the chunk under way: the
batch resumes from there when it is sent again.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from uuid import UUID, uuid4

import structlog
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import Message

from api.errors import RequestTooLargeError
from archive.application import DossierArchive
from archive.core import CommandContext
from archive.feed.batch import BatchSource, Problems, read_control
from archive.feed.importing import CHUNK_LINES, Progress
from archive.feed.problems import BatchRefused, FeedProblem
from domain.errors import ConflictError, DomainError, InvalidInputError, NotFoundError

log = structlog.get_logger("dossier.feed")

Status = Literal["queued", "running", "applied", "refused", "failed"]
FINISHED: frozenset[str] = frozenset({"applied", "refused", "failed"})
TRUE = frozenset({"true", "1", "on", "yes"})
FALSE = frozenset({"false", "0", "off", "no", ""})


class _Stopped(Exception):
    """Raised in the worker when the service stops while a batch is applied."""


@dataclass
class FeedJob:
    """One batch sent to be imported, and what became of it."""

    id: UUID
    filename: str
    partial: bool
    submitted_by: UUID
    submitted_at: datetime
    status: Status = "queued"
    business_date: date | None = None
    file: str | None = None
    lines_done: int = 0
    lines_total: int = 0
    events: int = 0
    outcomes: list[dict[str, object]] = field(default_factory=list)
    problems: list[FeedProblem] = field(default_factory=list)
    more: int = 0
    """Problems beyond those listed."""
    failure: tuple[str, str, str] | None = None
    """Why the job failed: code, Chinese, English."""
    finished_at: datetime | None = None
    path: Path | None = field(default=None, repr=False)
    ctx: CommandContext | None = field(default=None, repr=False)
    logged: dict[str, object] = field(default_factory=dict, repr=False)
    """What the submitting request bound to its log lines (its request id): the worker's lines
    about this job carry it too."""

    @property
    def problems_count(self) -> int:
        return len(self.problems) + self.more

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def report_filename(self, extension: str) -> str:
        """The name its report downloads under: the batch's business date, as the bank names
        its batches (``feed-report-20261120.csv``), when the control file could be read."""
        if self.business_date is None:
            return f"feed-report.{extension}"
        return f"feed-report-{self.business_date:%Y%m%d}.{extension}"


class FeedJobs:
    """The jobs of this process and the worker thread that applies them, one at a time."""

    def __init__(
        self,
        archive: DossierArchive,
        folder: Path,
        *,
        keep: int,
        saved: Callable[[], None] | None = None,
        chunk_lines: int = CHUNK_LINES,
    ) -> None:
        self.archive = archive
        self.chunk_lines = chunk_lines
        self.saved = saved
        """Told after each chunk is saved (the registers' follower, to look now)."""
        folder.mkdir(parents=True, exist_ok=True)
        # A folder of this process's own: another process of the service may share the data
        # directory, and its uploads are not ours to clear.
        self.folder = Path(tempfile.mkdtemp(prefix="uploads-", dir=folder))
        self.keep = keep
        self._jobs: OrderedDict[UUID, FeedJob] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[UUID | None] = queue.Queue()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None

    # ----------------------------------------------------------------- the callers
    def new_file(self) -> Path:
        """A file to write an upload to, in this process's folder."""
        handle, name = tempfile.mkstemp(suffix=".zip", dir=self.folder)
        os.close(handle)
        return Path(name)

    def submit(self, ctx: CommandContext, path: Path, filename: str, *, partial: bool) -> FeedJob:
        """Queue the batch at ``path`` (the job's own file from now on) to be imported."""
        job = FeedJob(
            id=uuid4(),
            filename=filename[:200],
            partial=partial,
            submitted_by=ctx.staff_id,
            submitted_at=self.archive.clock(),
            path=path,
            ctx=ctx,
            logged=structlog.contextvars.get_contextvars(),
        )
        with self._lock:
            waiting = sum(1 for j in self._jobs.values() if not j.finished)
            if waiting >= self.keep or self._stopping.is_set():
                path.unlink(missing_ok=True)
                raise ConflictError(
                    "待导入的批次过多或服务正在停止，请稍后再提交",
                    "too many batches are waiting to be imported, or the service is stopping: "
                    "send it again later",
                )
            self._jobs[job.id] = job
            self._forget_old()
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="feed-import", daemon=True)
                self._worker.start()
        self._queue.put(job.id)
        return self.get(job.id)

    def get(self, job_id: UUID) -> FeedJob:
        """A copy of the job as it stands."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFoundError(
                    "导入作业不存在（或已不在保留的作业之列）",
                    "no such import job (or no longer among the jobs kept)",
                    job_id=str(job_id),
                )
            return _copy(job)

    def listed(self) -> list[FeedJob]:
        """Every job kept, the latest first."""
        with self._lock:
            return [_copy(j) for j in reversed(self._jobs.values())]

    def close(self) -> None:
        """Stop: the batch under way at the end of its chunk, the queued ones not started."""
        self._stopping.set()
        self._queue.put(None)
        worker = self._worker
        if worker is not None:
            worker.join()
        with self._lock:
            for job in self._jobs.values():
                if not job.finished:
                    self._fail(
                        job, "service_stopped", "服务已停止，批次未导入", "the service stopped"
                    )
        shutil.rmtree(self.folder, ignore_errors=True)

    # ----------------------------------------------------------------- the worker
    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None or self._stopping.is_set():
                return
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None:
                    continue
                job.status = "running"
            try:
                with structlog.contextvars.bound_contextvars(**job.logged, job_id=str(job.id)):
                    self._run(job)
            finally:
                if job.path is not None:
                    job.path.unlink(missing_ok=True)

    def _run(self, job: FeedJob) -> None:
        assert job.path is not None
        assert job.ctx is not None
        self._read_total(job)
        try:
            outcomes = self.archive.import_feed(
                job.ctx,
                [job.path],
                partial=job.partial,
                progress=self._progress_of(job),
                chunk_lines=self.chunk_lines,
            )
        except BatchRefused as refused:
            with self._lock:
                job.problems = list(refused.problems)
                job.more = refused.more
                job.status = "refused"
                job.finished_at = self.archive.clock()
            return
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            # A zip whose directory reads but whose members do not (damaged, or compressed by a
            # method zipfile lacks): the sender's to fix, like any refusal.
            with self._lock:
                job.problems = [
                    FeedProblem(
                        job.filename,
                        None,
                        None,
                        "zip_unreadable",
                        "zip 文件已损坏或使用了不支持的压缩方式，无法读取",
                        "the zip file is damaged or compressed by a method not supported: "
                        "it cannot be read",
                    )
                ]
                job.status = "refused"
                job.finished_at = self.archive.clock()
            return
        except _Stopped:
            with self._lock:
                self._fail(
                    job,
                    "service_stopped",
                    "服务停止时批次导入到一半：再次提交该批次即从中断处续传",
                    "the service stopped part-way through the batch: send it again to resume it",
                )
            return
        except DomainError as error:
            with self._lock:
                self._fail(job, error.code, error.zh, error.en)
            return
        except Exception:
            log.exception("feed_import_failed", job=str(job.id))
            with self._lock:
                self._fail(
                    job,
                    "import_failed",
                    "导入时发生系统错误，已记入日志；可再次提交该批次续传",
                    "the import failed on a system error, logged; send the batch again to resume",
                )
            return
        with self._lock:
            job.outcomes = [o.as_dict() for o in outcomes]
            for outcome in outcomes:
                job.problems += outcome.refused
                job.more += outcome.refused_more
                job.lines_done = max(job.lines_done, outcome.lines)
                job.events = max(job.events, outcome.events)
            job.status = "applied"
            job.finished_at = self.archive.clock()

    def _read_total(self, job: FeedJob) -> None:
        """The batch's date and line count, from its control file, for the progress bar (a
        control file that cannot be read is the import's to refuse)."""
        assert job.path is not None
        try:
            source = BatchSource(job.path)
        except Exception:
            return
        try:
            control = read_control(source, Problems())
        except Exception:
            control = None
        finally:
            source.close()
        if control is not None:
            with self._lock:
                job.business_date = control.business_date
                job.lines_total = sum(entry.records for entry in control.files.values())

    def _progress_of(self, job: FeedJob) -> Callable[[Progress], None]:
        def progress(p: Progress) -> None:
            with self._lock:
                job.business_date = p.business_date
                job.file = p.file
                job.lines_done = p.lines_done
                job.lines_total = p.lines_total
                job.events = p.events
            if self.saved is not None:
                self.saved()
            # Called after each chunk is saved: stopping here leaves the batch resumable.
            if self._stopping.is_set():
                raise _Stopped()

        return progress

    def _fail(self, job: FeedJob, code: str, zh: str, en: str) -> None:
        job.status = "failed"
        job.failure = (code, zh, en)
        job.finished_at = self.archive.clock()
        if job.path is not None:
            job.path.unlink(missing_ok=True)

    def _forget_old(self) -> None:
        """Forget the oldest finished jobs beyond those kept."""
        extra = len(self._jobs) - self.keep
        for job_id in [j.id for j in self._jobs.values() if j.finished][: max(0, extra)]:
            del self._jobs[job_id]


def _copy(job: FeedJob) -> FeedJob:
    return replace(job, outcomes=list(job.outcomes), problems=list(job.problems))


# --------------------------------------------------------------------- the upload
@dataclass(frozen=True)
class Received:
    """A batch received: its file, its name as sent, and the ``partial`` form field."""

    path: Path
    filename: str
    partial: bool | None


async def receive_batch(request: Request, jobs: FeedJobs, limit: int) -> Received:
    """Write the batch zip of ``request`` to a file of ``jobs``: the ``file`` part of a
    multipart body, or the whole body sent as ``application/zip``. Refused (nothing kept):
    a body past ``limit`` bytes (413), no file, a file that is not a zip (422)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(limit)
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise RequestTooLargeError(limit)
        return message

    # A form the console's CSRF check has read already is not read again.
    counting = request if request._form is not None else Request(request.scope, counted)
    content_type = request.headers.get("content-type", "").lower()
    path = jobs.new_file()
    try:
        if content_type.startswith("multipart/form-data"):
            filename, partial = await _multipart(counting, path)
        elif content_type.startswith(("application/zip", "application/octet-stream")):
            with path.open("wb") as out:
                async for chunk in counting.stream():
                    out.write(chunk)
            filename, partial = "batch.zip", None
        else:
            raise InvalidInputError(
                "请以 multipart/form-data 上传批次 zip 文件（字段 file），或以 application/zip 发送",
                "send the batch zip as multipart/form-data (field file), or as application/zip",
                field="file",
            )
        if not zipfile.is_zipfile(path):
            raise InvalidInputError(
                "上传的文件不是 zip 文件：请上传批次目录打包的 zip",
                "the file sent is not a zip file: send the batch folder zipped",
                field="file",
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(path, filename, partial)


async def _multipart(request: Request, path: Path) -> tuple[str, bool | None]:
    try:
        form = await request.form(max_files=1, max_fields=10)
    except RequestTooLargeError:
        raise
    except StarletteHTTPException as exc:
        if exc.status_code != 400:
            raise
        raise InvalidInputError(
            "multipart 请求体格式有误", "the multipart body is malformed", field="file"
        ) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInputError(
                "缺少批次 zip 文件（表单字段 file）",
                "the batch zip is missing (form field file)",
                field="file",
            )
        with path.open("wb") as out:
            while chunk := await upload.read(1024 * 1024):
                out.write(chunk)
        raw = form.get("partial")
        partial = parse_partial(raw) if isinstance(raw, str) else None
        return upload.filename or "batch.zip", partial
    finally:
        await form.close()


def parse_partial(value: str) -> bool:
    """The ``partial`` field as a form or a query sends it."""
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise InvalidInputError(
        "partial 须为 true 或 false", "partial must be true or false", field="partial"
    )
