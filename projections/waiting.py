"""Waiting for the registers on the event loop, holding no worker thread (read-your-writes).

A reader that has recorded an event at position P asks for ``after=P`` and waits until the
registers have applied it. The HTTP server serves its synchronous routes from a bounded pool of
worker threads; a wait that slept in one of them (up to 30 s) took that thread from every other
request, and 45 open waits made a plain loan read take 28 s. Here a wait is a coroutine: it
sleeps on the event loop and reads the registers' status (positions, failures) in a short call
off the loop, one read at a time shared by every waiter. A register that has stopped at an
event is refused at once, as the synchronous wait does.

A position beyond the head of the log has not been recorded: no register can apply it before
something else is recorded, so it is refused at once instead of being waited for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence

from projections.errors import PositionBeyondHeadError
from projections.follower import applied_in
from projections.store import RegisterState

Status = Mapping[str, RegisterState]


class SharedStatus:
    """The registers' status, read at most once per ``fresh`` seconds however many coroutines
    wait, in the event loop's default executor (never a request's worker thread)."""

    def __init__(self, read: Callable[[], Status], *, fresh: float = 0.02) -> None:
        self._read = read
        self._fresh = fresh
        self._last: tuple[float, Status] | None = None
        self._pending: tuple[asyncio.AbstractEventLoop, asyncio.Future[Status]] | None = None

    async def get(self) -> Status:
        last = self._last
        if last is not None and time.monotonic() - last[0] < self._fresh:
            return last[1]
        loop = asyncio.get_running_loop()
        pending = self._pending
        if pending is None or pending[0] is not loop:
            started = time.monotonic()
            future = loop.run_in_executor(None, self._read)
            pending = self._pending = (loop, future)
            future.add_done_callback(lambda done: self._settle(done, started))
        # Shielded: a waiter whose client went away must not cancel the read the others await.
        return await asyncio.shield(pending[1])

    def _settle(self, done: asyncio.Future[Status], started: float) -> None:
        if self._pending is not None and self._pending[1] is done:
            self._pending = None
        if not done.cancelled() and done.exception() is None:
            self._last = (started, done.result())


async def wait_until(
    status: SharedStatus,
    names: Sequence[str],
    position: int,
    timeout: float,
    head: Callable[[], int],
) -> bool:
    """True once every named register has applied ``position``, False after ``timeout`` s.

    Raises :class:`PositionBeyondHeadError` at once when ``position`` lies beyond ``head()``,
    the newest position recorded in the log (asked only when the registers are behind), and
    ``RegisterFailedError`` when one of the registers has stopped at an event.
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    head_checked = False
    while True:
        if applied_in(await status.get(), names, position):
            return True
        if not head_checked:
            newest = await asyncio.get_running_loop().run_in_executor(None, head)
            if position > newest:
                raise PositionBeyondHeadError(
                    f"位置 {position} 尚未记录：事件日志末尾为 {newest}，请勿等待不存在的位置",
                    f"position {position} has not been recorded: the log's head is {newest}; "
                    "there is nothing to wait for",
                    position=position,
                    head=newest,
                )
            head_checked = True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.2)
