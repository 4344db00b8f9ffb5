"""The worker loop of the follower and the sealer, driven by a step that does nothing real.

An idle step waits ``interval`` (less when woken); a failing one is retried after ``interval``,
twice that, … up to the cap, each run of failures logged once when it begins and once when it
ends, with the number of attempts; a success starts the backoff again from ``interval``.
``stop`` ends any wait at once, then ``finish`` runs in the worker's thread.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from storage.worker import MAX_BACKOFF, Worker, WorkerState, backoff


class Script:
    """A step that plays a script: ``"fail"`` raises, ``"more"`` and ``"idle"`` succeed (with
    more work waiting, or none); at its end it stops the worker. It notes the worker's state
    and the time at each call."""

    def __init__(self, *moves: str) -> None:
        self.moves = list(moves)
        self.worker: Worker | None = None
        self.calls: list[tuple[float, WorkerState]] = []

    def __call__(self) -> bool:
        assert self.worker is not None
        self.calls.append((time.monotonic(), self.worker.state))
        if not self.moves:
            self.worker.stop()
            return True
        move = self.moves.pop(0)
        if move == "fail":
            raise RuntimeError("the step failed")
        return move == "more"


def worker_for(step: Callable[[], bool], **options: Any) -> Worker:
    options.setdefault("interval", 0.01)
    worker = Worker(
        "test-worker", step, what="work", log=structlog.get_logger("test.worker"), **options
    )
    if isinstance(step, Script):
        step.worker = worker
    return worker


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.fixture
def started() -> Iterator[list[Worker]]:
    """Workers a test starts; stopped after it whatever happens."""
    workers: list[Worker] = []
    yield workers
    for worker in workers:
        worker.stop()


def test_the_backoff_doubles_from_the_interval_up_to_thirty_seconds() -> None:
    assert [backoff(0.2, n) for n in range(1, 11)] == [
        0.2,
        0.4,
        0.8,
        1.6,
        3.2,
        6.4,
        12.8,
        25.6,
        MAX_BACKOFF,
        MAX_BACKOFF,
    ]
    assert MAX_BACKOFF == 30.0
    assert backoff(0.2, 100_000) == MAX_BACKOFF  # a failure run of days: no overflow
    assert backoff(0.5, 3, cap=1.0) == 1.0
    with pytest.raises(ValueError, match="attempt"):
        backoff(0.2, 0)


def test_a_failing_step_is_retried_after_the_interval_then_twice_that_up_to_the_cap() -> None:
    script = Script(*["fail"] * 6)
    worker = worker_for(script, interval=0.01, max_backoff=0.04)

    worker.run()

    states = [state for _, state in script.calls]
    waits = [state.retry_in for state in states[1:]]
    assert waits == [0.01, 0.02, 0.04, 0.04, 0.04, 0.04]
    assert [state.attempts for state in states] == [0, 1, 2, 3, 4, 5, 6]
    assert all(state.failing for state in states[1:])
    times = [at for at, _ in script.calls]
    for (earlier, later), wait in zip(
        itertools.pairwise(times), [0.01, 0.02] + [0.04] * 4, strict=True
    ):
        assert later - earlier >= wait * 0.9  # the wait was waited (the clock may round)


def test_a_success_ends_the_failure_run_and_the_next_one_starts_from_the_interval() -> None:
    script = Script("fail", "fail", "fail", "more", "fail", "fail", "more")
    worker = worker_for(script, interval=0.01)

    with capture_logs() as logs:
        worker.run()

    states = [state for _, state in script.calls]
    assert [s.attempts for s in states] == [0, 1, 2, 3, 0, 1, 2, 0]
    assert [s.retry_in for s in states] == [None, 0.01, 0.02, 0.04, None, 0.01, 0.02, None]
    # Each run of failures: one line when it begins (with the traceback), one when it ends.
    assert [(e["log_level"], e["event"]) for e in logs] == [
        ("error", "work failed; retrying"),
        ("warning", "work recovered"),
        ("error", "work failed; retrying"),
        ("warning", "work recovered"),
    ]
    assert [e.get("attempt") for e in logs] == [1, None, 1, None]
    assert [e.get("attempts") for e in logs] == [None, 3, None, 2]
    assert logs[0]["exc_info"] is True
    assert logs[0]["retry_in"] == 0.01
    assert logs[1]["failing_seconds"] >= 0.01 + 0.02
    final = worker.state
    assert (final.failing, final.attempts, final.retry_in) == (False, 0, None)
    assert (final.steps, final.failures) == (3, 5)
    assert final.last_error is not None  # kept after recovering
    assert final.last_error.error_type == "builtins.RuntimeError"


def test_a_step_that_did_work_is_followed_at_once_and_an_idle_one_after_the_interval() -> None:
    script = Script("more", "more", "idle")
    worker = worker_for(script, interval=0.3)

    worker.run()

    times = [at for at, _ in script.calls]
    assert times[2] - times[0] < 0.25  # two steps with work waiting: no wait
    assert times[3] - times[2] >= 0.3 * 0.9  # after the idle one, the interval


def test_stop_is_prompt_while_idle_and_while_backing_off(started: list[Worker]) -> None:
    idle = worker_for(lambda: False, interval=60)
    failing_calls: list[float] = []

    def fail() -> bool:
        failing_calls.append(time.monotonic())
        raise OSError("the database is down")

    failing = worker_for(fail, interval=60, max_backoff=60)
    started += [idle, failing]
    idle.start()
    failing.start()
    wait_until(lambda: idle.state.steps == 1 and failing.state.failing)
    assert idle.state.running
    assert failing.state.running

    with capture_logs() as logs:
        began = time.monotonic()
        idle.stop()
        failing.stop()
        took = time.monotonic() - began

    assert took < 2.0  # not the minute either would otherwise wait
    assert not idle.state.running
    assert not failing.state.running
    assert len(failing_calls) == 1
    assert [(e["event"], e["attempts"]) for e in logs] == [("work still failing when stopped", 1)]


def test_wake_cuts_an_idle_wait_short(started: list[Worker]) -> None:
    calls: list[float] = []

    def idle() -> bool:
        calls.append(time.monotonic())
        return False

    worker = worker_for(idle, interval=60)
    started.append(worker)
    worker.start()
    wait_until(lambda: len(calls) == 1)

    worker.wake()

    wait_until(lambda: len(calls) == 2, timeout=5)
    assert calls[1] - calls[0] < 5


def test_readiness_reads_the_failure_run_from_another_thread_while_it_lasts(
    started: list[Worker],
) -> None:
    down = threading.Event()
    down.set()

    def step() -> bool:
        if down.is_set():
            raise ConnectionError("connection refused")
        return False

    worker = worker_for(step, interval=0.01, max_backoff=0.02)
    started.append(worker)
    worker.start()
    wait_until(lambda: worker.state.attempts >= 3)

    during = worker.state
    assert during.running
    assert during.failing
    assert during.retry_in == 0.02
    assert during.steps == 0
    assert during.last_error is not None
    assert (during.last_error.error_type, during.last_error.error) == (
        "builtins.ConnectionError",
        "connection refused",
    )

    down.clear()
    wait_until(lambda: not worker.state.failing)
    after = worker.state
    assert after.running
    assert after.attempts == 0
    assert after.steps >= 1
    assert after.failures >= 3
    assert after.last_error is not None
    assert after.last_error.error_type == "builtins.ConnectionError"  # kept after recovering


def test_finish_runs_in_the_worker_after_the_last_step_and_a_restart_starts_afresh(
    started: list[Worker],
) -> None:
    finished: list[str] = []
    steps: list[str] = []

    def step() -> bool:
        steps.append(threading.current_thread().name)
        return False

    worker = worker_for(
        step, interval=60, finish=lambda: finished.append(threading.current_thread().name)
    )
    started.append(worker)
    worker.start()
    wait_until(lambda: len(steps) == 1)
    worker.stop()
    assert finished == ["test-worker"]
    assert steps == ["test-worker"]

    worker.start()
    wait_until(lambda: len(steps) == 2)
    assert worker.state.running
    worker.stop()
    assert finished == ["test-worker", "test-worker"]
    assert not worker.state.running


def test_an_interval_or_cap_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        worker_for(lambda: False, interval=0)
    with pytest.raises(ValueError, match="max_backoff"):
        worker_for(lambda: False, max_backoff=-1)
