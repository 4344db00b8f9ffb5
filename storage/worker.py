"""The worker loop the follower and the sealer run in their threads.

A worker calls a step function until it is stopped. The step does one unit of work and returns
whether there may be more at once: then the worker steps again straight away; otherwise it
waits ``interval`` seconds, or less when ``wake`` is called (after a save). A step that raises
is retried, never skipped: after ``interval``, then twice that, four times, … up to
``max_backoff`` (30 s). A step that succeeds ends the run of failures and the next failure
starts again from ``interval``.

A run of failures is logged once, when it begins (the error and its traceback, attempt 1),
and once when it ends (how many attempts failed): a database down for an hour writes two
lines, not a hundred and twenty. Meanwhile ``state`` says the worker is failing, how many
attempts have failed and the last error, for readiness checks.

``stop`` cuts any wait short, lets a step under way finish, runs ``finish`` (in the worker's
thread, after the last step) and joins the thread. ``start`` after ``stop`` starts afresh.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import structlog

MAX_BACKOFF: Final = 30.0
"""The longest wait between two attempts of a failing step, in seconds."""


@dataclass(frozen=True)
class WorkerError:
    """An error a step raised: its class (module-qualified), its message and when."""

    error_type: str
    error: str
    at: datetime

    @classmethod
    def of(cls, error: BaseException) -> WorkerError:
        kind = type(error)
        return cls(f"{kind.__module__}.{kind.__qualname__}", str(error), datetime.now(UTC))


@dataclass(frozen=True)
class WorkerState:
    """A worker's state at one moment (a copy: it does not change under the reader)."""

    running: bool
    """Its thread is alive."""
    failing: bool
    """Its latest step failed and is being retried."""
    attempts: int
    """Failed attempts in the run of failures under way (0 when not failing)."""
    retry_in: float | None
    """The wait before the next attempt, while failing."""
    steps: int
    """Steps that succeeded, in all."""
    failures: int
    """Steps that failed, in all."""
    last_error: WorkerError | None
    """The last error a step raised, kept after the worker recovers."""


def backoff(interval: float, attempt: int, cap: float = MAX_BACKOFF) -> float:
    """The wait after failed attempt number ``attempt`` (1, 2, …): ``interval`` doubled for
    each attempt before it, at most ``cap``."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    return min(interval * 2.0 ** min(attempt - 1, 64), cap)


class Worker:
    """Runs ``step`` in a thread named ``name`` until stopped (see the module's text).

    ``what`` names the work in the log (``"sealing"`` logs ``"sealing failed; retrying"``);
    ``on_error`` sees every error a step raises, in the worker's thread, before the wait.
    """

    def __init__(
        self,
        name: str,
        step: Callable[[], bool],
        *,
        interval: float,
        what: str,
        log: Any = None,
        max_backoff: float = MAX_BACKOFF,
        on_error: Callable[[Exception], None] | None = None,
        finish: Callable[[], None] | None = None,
        join_timeout: float = 30.0,
    ) -> None:
        if interval <= 0 or max_backoff <= 0:
            raise ValueError("interval and max_backoff must be positive")
        self.name = name
        self.step = step
        self.interval = interval
        """Seconds to wait when a step found nothing to do; also the first backoff."""
        self.what = what
        self.log = log if log is not None else structlog.get_logger("dossier.worker")
        self.max_backoff = max_backoff
        self.on_error = on_error
        self.finish = finish
        self.join_timeout = join_timeout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._attempts = 0
        self._retry_in: float | None = None
        self._failing_since = 0.0
        self._steps = 0
        self._failures = 0
        self._last_error: WorkerError | None = None

    # ------------------------------------------------------------------------------- state
    @property
    def state(self) -> WorkerState:
        with self._lock:
            return WorkerState(
                running=self.running,
                failing=self._attempts > 0,
                attempts=self._attempts,
                retry_in=self._retry_in,
                steps=self._steps,
                failures=self._failures,
                last_error=self._last_error,
            )

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    # -------------------------------------------------------------------------------- loop
    def run(self) -> None:
        """Step until stopped (in the caller's thread; ``start`` runs it in one of its own)."""
        while not self._stop.is_set():
            try:
                more = self.step()
            except Exception as error:
                self._stop.wait(self._failed(error))
                continue
            self._succeeded()
            if not more:
                self._wake.wait(self.interval)
                self._wake.clear()
        with self._lock:
            attempts = self._attempts
        if attempts:
            self.log.warning(f"{self.what} still failing when stopped", attempts=attempts)
        if self.finish is not None:
            self.finish()

    def _failed(self, error: Exception) -> float:
        with self._lock:
            self._attempts += 1
            self._failures += 1
            attempt = self._attempts
            self._last_error = WorkerError.of(error)
            delay = self._retry_in = backoff(self.interval, attempt, self.max_backoff)
            if attempt == 1:
                self._failing_since = time.monotonic()
        if self.on_error is not None:
            self.on_error(error)
        if attempt == 1:
            # Called in the ``except`` clause: the traceback is the step's.
            self.log.exception(f"{self.what} failed; retrying", attempt=attempt, retry_in=delay)
        return delay

    def _succeeded(self) -> None:
        with self._lock:
            self._steps += 1
            attempts, self._attempts, self._retry_in = self._attempts, 0, None
            failing_for = time.monotonic() - self._failing_since
        if attempts:
            self.log.warning(
                f"{self.what} recovered",
                attempts=attempts,
                failing_seconds=round(failing_for, 3),
            )

    # ------------------------------------------------------------------------------ thread
    def wake(self) -> None:
        """Cut an idle wait short (a wait after a failure runs its course)."""
        self._wake.set()

    def start(self) -> None:
        """Run in a daemon thread; nothing when already started."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._wake.clear()
        # The thread logs with what its starter bound (a CLI command's request id).
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self.run,), name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop waiting or stepping, run ``finish`` and join the thread (``join_timeout``)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_timeout)
            self._thread = None
