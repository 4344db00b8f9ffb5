"""Whether the registers are fit to answer: each one's position against the log's head.

A register is ready when it has not stopped at an event and has not left an event waiting
longer than the lag allowed: its lag is how long ago the oldest event it has not applied was
recorded (zero when it is at the head). Only positions, counts, times and event class names
are reported — nothing of the business the events carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper

from projections.store import Failure, RegisterStore


@dataclass(frozen=True)
class RegisterHealth:
    """One register: where it is, how far and how long behind, and its failure if any."""

    name: str
    position: int
    behind: int
    lag_seconds: float | None
    """How long the oldest event it has not applied has been waiting (None: it has none, or
    that event cannot be read)."""
    failure: Failure | None
    ready: bool


@dataclass(frozen=True)
class Readiness:
    """Every register's health against the head of the log."""

    head: int
    max_lag_seconds: float
    registers: list[RegisterHealth]

    @property
    def ready(self) -> bool:
        return all(r.ready for r in self.registers)


def readiness(
    store: RegisterStore,
    recorder: ApplicationRecorder,
    mapper: Mapper[Any],
    names: Sequence[str],
    *,
    max_lag_seconds: float,
    now: datetime | None = None,
) -> Readiness:
    """The health of the named registers (a register never created counts as not ready)."""
    moment = now or datetime.now(UTC)
    head = recorder.max_notification_id() or 0
    states = store.status()
    waiting_since: dict[int, datetime | None] = {}

    def recorded_after(position: int) -> datetime | None:
        if position not in waiting_since:
            notes = recorder.select_notifications(start=position + 1, limit=1)
            try:
                event: Any = mapper.to_domain_event(notes[0]) if notes else None
                stamp = event.timestamp if event is not None else None
            except Exception:  # an undecodable event: its register will say why
                stamp = None
            waiting_since[position] = stamp
        return waiting_since[position]

    found = []
    for name in names:
        state = states.get(name)
        if state is None:
            found.append(RegisterHealth(name, 0, head, None, None, False))
            continue
        behind = max(head - state.position, 0)
        lag: float | None = None
        if behind:
            since = recorded_after(state.position)
            lag = max((moment - since).total_seconds(), 0.0) if since is not None else None
        ready = (
            state.failure is None
            and (behind == 0 or lag is not None)
            and (lag is None or lag <= max_lag_seconds)
        )
        found.append(RegisterHealth(name, state.position, behind, lag, state.failure, ready))
    return Readiness(head, max_lag_seconds, found)
