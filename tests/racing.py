"""Several threads doing one thing at the same moment, for the tests of what must stay whole."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def race(count: int, attempt: Callable[[int], T]) -> list[T | None]:
    """``attempt(0)`` … ``attempt(count - 1)``, each in a thread of its own, released together;
    what each returned (``None`` where it raised)."""
    results: list[T | None] = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = attempt(index)

    workers = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results
