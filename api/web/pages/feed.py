"""核心系统日终文件 — the core-banking feed in the console: sending a batch and following its
import, the refusal report, and the batches applied with their reconciliation (对账).

The integration role sends a batch zip through the form; the job runs in the service's worker
(api/feed_jobs.py), as one sent to ``POST /api/v1/feed/batches`` does, and its row polls itself
every second while it runs (htmx), a progress bar filling. A refused batch shows its report as a
table, with the CSV and JSON to download. Those who read the feed (integration, risk, audit,
compliance) see the batches on record, per file the control file's records and amounts beside
the archive's, 平 or 不平.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.errors import RequestTooLargeError
from api.feed_jobs import FeedJob, FeedJobs, receive_batch
from api.web.pages.common import enter, page_router, registers_of
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of, settings_of
from archive.feed.problems import report_csv, report_json
from domain.authorization import Action
from domain.errors import DomainError

router = page_router()
AREA = "feed"
SHOWN_PROBLEMS = 200
"""Problems shown in the page; the report to download has them all."""


def jobs_of(request: Request) -> FeedJobs:
    jobs: FeedJobs = request.app.state.feed_jobs
    return jobs


def _reader(request: Request, viewer: ViewerDep) -> Viewer:
    enter(request, viewer, AREA)
    return viewer


def _importer(request: Request, viewer: ViewerDep) -> Viewer:
    """The viewer, if they may send batches (checked before the upload is read)."""
    archive_of(request).actor(viewer.ctx, Action.IMPORT_FEED)
    return viewer


Reader = Annotated[Viewer, Depends(_reader)]
Importer = Annotated[Viewer, Depends(_importer)]


def _batches(request: Request, viewer: Viewer) -> list[dict[str, Any]]:
    if not viewer.can(Action.READ_FEED):
        return []
    return [b.summary() for b in archive_of(request).feed_batches(viewer.ctx, limit=60)]


@router.get("/feed")
def feed(request: Request, viewer: Reader) -> Response:
    return _page(request, viewer)


REGISTER = "feed_batches"
"""The register of batches (核心系统日终文件台账), linked where the service has it."""


def _register_link(request: Request, viewer: Viewer) -> str | None:
    register = registers_of(request).projections.get(REGISTER)
    if register is None or not viewer.can(register.read_action):
        return None
    return f"/registers/{REGISTER}"


def _page(request: Request, viewer: Viewer, *, status: int = 200, refusal: str = "") -> Response:
    return render(
        request,
        "feed.html",
        viewer,
        status=status,
        area=AREA,
        may_import=viewer.can(Action.IMPORT_FEED),
        jobs=jobs_of(request).listed(),
        batches=_batches(request, viewer),
        register=_register_link(request, viewer),
        refusal=refusal,
        shown_problems=SHOWN_PROBLEMS,
        reset_form=False,
    )


@router.post("/feed/batches")
async def send_batch(request: Request, viewer: Importer) -> Response:
    """Send a batch from the form; the jobs panel comes back (htmx) or the page is shown again."""
    jobs = jobs_of(request)
    try:
        received = await receive_batch(request, jobs, settings_of(request).feed_max_bytes)
        jobs.submit(viewer.ctx, received.path, received.filename, partial=bool(received.partial))
    except DomainError as error:
        return _refused(request, viewer, viewer.t.pick(error.zh, error.en), 422)
    except RequestTooLargeError as error:
        message = viewer.t(
            "The batch is larger than the limit of %(limit)s bytes.", limit=error.limit
        )
        return _refused(request, viewer, message, 413)
    if request.headers.get("HX-Request"):
        # The form comes back empty beside the panel (out of band): the batch sent is no longer
        # chosen, to be sent twice by a second click.
        return _jobs_panel(request, viewer, reset_form=True)
    return RedirectResponse("/feed", status_code=303)


def _refused(request: Request, viewer: Viewer, message: str, status: int) -> Response:
    if request.headers.get("HX-Request"):
        # htmx swaps a 2xx only: the panel comes back with the refusal above the jobs.
        return _jobs_panel(request, viewer, refusal=message)
    return _page(request, viewer, status=status, refusal=message)


def _jobs_panel(
    request: Request, viewer: Viewer, refusal: str = "", *, reset_form: bool = False
) -> Response:
    return render(
        request,
        "feed_jobs.html",
        viewer,
        jobs=jobs_of(request).listed(),
        refusal=refusal,
        shown_problems=SHOWN_PROBLEMS,
        reset_form=reset_form,
    )


@router.get("/feed/jobs/{job_id}")
def job(request: Request, viewer: Reader, job_id: Annotated[UUID, Path()]) -> Response:
    """One job's row: polled every second while it runs. The poll that finds it applied
    tells the page (``HX-Trigger``) to show the batches again, the new one with its 对账."""
    found = jobs_of(request).get(job_id)
    row = render(request, "feed_job.html", viewer, job=found, shown_problems=SHOWN_PROBLEMS)
    if found.status == "applied" and request.headers.get("HX-Request"):
        row.headers["HX-Trigger"] = BATCHES_CHANGED
    return row


BATCHES_CHANGED = "feed-batches-changed"


def _report(request: Request, job_id: UUID) -> FeedJob:
    return jobs_of(request).get(job_id)


@router.get("/feed/jobs/{job_id}/report.csv")
def report_as_csv(request: Request, viewer: Reader, job_id: Annotated[UUID, Path()]) -> Response:
    found = _report(request, job_id)
    return Response(
        report_csv(found.problems),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{found.report_filename("csv")}"'},
    )


@router.get("/feed/jobs/{job_id}/report.json")
def report_as_json(request: Request, viewer: Reader, job_id: Annotated[UUID, Path()]) -> Response:
    found = _report(request, job_id)
    return Response(
        report_json(found.problems, more=found.more),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{found.report_filename("json")}"'},
    )
