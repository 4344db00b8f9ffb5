"""The service's import jobs (api/feed_jobs.py): one batch at a time, and a service that stops
while a batch is applied stops it at the end of its chunk, the batch resuming when sent again."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from api.feed_jobs import FeedJob, FeedJobs
from archive.application import DossierArchive
from archive.core import CommandContext
from archive.feed.batch import LOANS
from archive.feed.writing import zip_batch
from domain.errors import NotFoundError
from domain.feed import FeedBatch, FeedLedger
from tests.archive.feed.test_import import DAY1, DAY2, batch, loan

CHUNK = 4


def waited(jobs: FeedJobs, job: FeedJob) -> FeedJob:
    deadline = time.monotonic() + 120
    while not (found := jobs.get(job.id)).finished:
        assert time.monotonic() < deadline, found
        time.sleep(0.02)
    return found


def upload(jobs: FeedJobs, folder: Path) -> Path:
    """The batch zipped into a file of the jobs' own, as an upload is."""
    return zip_batch(folder, jobs.new_file())


def test_batches_sent_together_are_applied_one_after_the_other(
    app: DossierArchive, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    jobs = FeedJobs(app, tmp_path / "feed", keep=10)
    try:
        day2 = batch(tmp_path, DAY2, files={LOANS: [loan("JD-2", value_date="2026-11-03")]})
        day1 = batch(tmp_path, DAY1, files={LOANS: [loan("JD-1")]})
        first = jobs.submit(staff["integration"], upload(jobs, day1), "day1.zip", partial=False)
        second = jobs.submit(staff["integration"], upload(jobs, day2), "day2.zip", partial=False)
        assert waited(jobs, first).status == "applied"
        assert waited(jobs, second).status == "applied"
        assert [j.id for j in jobs.listed()] == [second.id, first.id]
        ledger = app.repository.get(FeedLedger.create_id())
        assert list(ledger.applied.values()) == [DAY1, DAY2]
    finally:
        jobs.close()
    assert not jobs.folder.exists()


def test_a_service_stopping_mid_batch_stops_at_a_chunk_and_the_batch_resumes(
    app: DossierArchive, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    loans = [loan(f"JD-{n}") for n in range(CHUNK + 5)]
    folder = batch(tmp_path, DAY1, files={LOANS: loans})
    reached, go_on = threading.Event(), threading.Event()

    def saved() -> None:  # the first chunk saved: hold the worker there until the stop begins
        reached.set()
        go_on.wait(60)

    jobs = FeedJobs(app, tmp_path / "feed", keep=10, saved=saved, chunk_lines=CHUNK)
    job = jobs.submit(staff["integration"], upload(jobs, folder), "big.zip", partial=False)
    assert reached.wait(120)
    stopping = threading.Thread(target=jobs.close)
    stopping.start()
    while not jobs._stopping.is_set():
        time.sleep(0.01)
    go_on.set()
    stopping.join(60)
    stopped = jobs.get(job.id)
    assert stopped.status == "failed"
    assert stopped.failure is not None
    assert stopped.failure[0] == "service_stopped"
    assert stopped.lines_done == CHUNK
    sha = app.repository.get(FeedLedger.create_id()).in_progress[0]
    held = app.repository.get(FeedBatch.create_id(sha))
    assert held.lines_done == CHUNK
    assert not held.applied

    again = FeedJobs(app, tmp_path / "feed", keep=10, chunk_lines=CHUNK)
    try:
        resumed = again.submit(
            staff["integration"], upload(again, folder), "big.zip", partial=False
        )
        done = waited(again, resumed)
        assert done.status == "applied"
        assert done.outcomes[0]["status"] == "resumed"
        assert done.lines_done == CHUNK + 5
    finally:
        again.close()


def test_finished_jobs_beyond_those_kept_are_forgotten_not_their_batches(
    app: DossierArchive, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    jobs = FeedJobs(app, tmp_path / "feed", keep=1)
    try:
        day1 = batch(tmp_path, DAY1, files={LOANS: [loan("JD-1")]})
        day2 = batch(tmp_path, DAY2, files={LOANS: [loan("JD-2", value_date="2026-11-03")]})
        first = waited(
            jobs, jobs.submit(staff["integration"], upload(jobs, day1), "1.zip", partial=False)
        )
        second = jobs.submit(staff["integration"], upload(jobs, day2), "2.zip", partial=False)
        with pytest.raises(NotFoundError):
            jobs.get(first.id)
        assert waited(jobs, second).status == "applied"
        assert [b.business_date for b in app.feed_batches(staff["auditor"])] == [DAY2, DAY1]
    finally:
        jobs.close()
