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
from storage.integrity_store import IntegrityStore


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


def recorded_after(
    recorder: ApplicationRecorder, mapper: Mapper[Any], position: int
) -> datetime | None:
    """When the first event after ``position`` was recorded (None: there is none, or it cannot
    be decoded)."""
    notes = recorder.select_notifications(start=position + 1, limit=1)
    try:
        event: Any = mapper.to_domain_event(notes[0]) if notes else None
        return event.timestamp if event is not None else None
    except Exception:  # an undecodable event: the registers will say why
        return None


@dataclass(frozen=True)
class SealingHealth:
    """How far the signed checkpoints trail the log.

    ``unsealed`` counts log positions after the last event the latest checkpoint covers (an
    upper bound of the events: PostgreSQL may leave gaps between positions); ``lag_seconds``
    is how long the first of them has been waiting (None when there is none, or it cannot be
    decoded: then it is not ready either, as long as anybody can tell it has waited).
    """

    head: int
    sealed_position: int
    tree_size: int
    checkpoint_at: datetime | None
    unsealed: int
    lag_seconds: float | None
    max_lag_seconds: float

    @property
    def ready(self) -> bool:
        if not self.unsealed:
            return True
        return self.lag_seconds is not None and self.lag_seconds <= self.max_lag_seconds

    def checkpoint_age(self, now: datetime) -> float | None:
        if self.checkpoint_at is None:
            return None
        return max((now - self.checkpoint_at).total_seconds(), 0.0)


def sealing(
    store: IntegrityStore,
    recorder: ApplicationRecorder,
    mapper: Mapper[Any],
    *,
    max_lag_seconds: float,
    now: datetime | None = None,
) -> SealingHealth:
    """The sealer's lag: the latest checkpoint against the head of the log (reads by key)."""
    moment = now or datetime.now(UTC)
    latest, sealed = store.sealed_through()
    head = recorder.max_notification_id() or 0
    unsealed = max(head - sealed, 0)
    lag: float | None = None
    if unsealed:
        since = recorded_after(recorder, mapper, sealed)
        lag = max((moment - since).total_seconds(), 0.0) if since is not None else None
    return SealingHealth(
        head=head,
        sealed_position=sealed,
        tree_size=latest.tree_size if latest is not None else 0,
        checkpoint_at=latest.timestamp if latest is not None else None,
        unsealed=unsealed,
        lag_seconds=lag,
        max_lag_seconds=max_lag_seconds,
    )


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

    def waiting(position: int) -> datetime | None:
        if position not in waiting_since:
            waiting_since[position] = recorded_after(recorder, mapper, position)
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
            since = waiting(state.position)
            lag = max((moment - since).total_seconds(), 0.0) if since is not None else None
        ready = (
            state.failure is None
            and (behind == 0 or lag is not None)
            and (lag is None or lag <= max_lag_seconds)
        )
        found.append(RegisterHealth(name, state.position, behind, lag, state.failure, ready))
    return Readiness(head, max_lag_seconds, found)
