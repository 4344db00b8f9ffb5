"""The core-banking feed's own record: which batches were applied, how far, and the 对账.

:class:`FeedLedger` is the archive's one ledger of batches (核心系统日终文件台账): every batch
starts and is applied through it, so batches apply one at a time and in business-date order,
and a batch older than one applied is refused unless it corrects it. :class:`FeedBatch` is one
batch, known by its control file's hash: how far its import went (saved with the events of each
chunk, so that an import stopped at any moment resumes where the store says it stopped) and its
reconciliation (对账) once applied: per file, the control file's counts and totals beside the
archive's own.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.errors import InvalidTransitionError
from domain.values import Actor, Role

LEDGER_ID = uuid5(NAMESPACE_URL, "dossier:feed-ledger")


class FeedLedger(Aggregate):
    """Every batch the archive took from the core system, in the order it took them."""

    @staticmethod
    def create_id() -> UUID:
        return LEDGER_ID

    @classmethod
    def open(cls) -> Self:
        return cls()

    @event("Opened")
    def __init__(self) -> None:
        self.applied: dict[str, date] = {}
        """Control hash → business date of every batch applied."""
        self.last_business_date: date | None = None
        self.in_progress: tuple[str, date] | None = None

    def start(self, *, batch: str, business_date: date, correction: bool, actor: Actor) -> None:
        authorize(actor, Action.IMPORT_FEED)
        if self.in_progress is not None:
            raise InvalidTransitionError(
                f"{self.in_progress[1]} 的批次尚未导入完成，请先重新导入该批次以续传",
                f"the batch of {self.in_progress[1]} is not fully imported: import it again "
                "to resume it first",
                batch=self.in_progress[0],
            )
        self._started(
            batch=batch,
            business_date=business_date,
            correction=correction,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("BatchStarted")
    def _started(
        self, *, batch: str, business_date: date, correction: bool, actor_id: UUID, role: Role
    ) -> None:
        self.in_progress = (batch, business_date)

    def finish(self, *, batch: str, business_date: date, actor: Actor) -> None:
        authorize(actor, Action.IMPORT_FEED)
        self._applied(batch=batch, business_date=business_date, actor_id=actor.id, role=actor.role)

    @event("BatchApplied")
    def _applied(self, *, batch: str, business_date: date, actor_id: UUID, role: Role) -> None:
        self.applied[batch] = business_date
        if self.last_business_date is None or business_date > self.last_business_date:
            self.last_business_date = business_date
        self.in_progress = None


class FeedBatch(Aggregate):
    """One batch of the core system (日终文件批次), known by its control file's SHA-256."""

    @staticmethod
    def create_id(control_sha256: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"dossier:feed-batch:{control_sha256}")

    @classmethod
    def start(
        cls,
        *,
        control_sha256: str,
        bank: str,
        business_date: date,
        correction: bool,
        partial: bool,
        files: dict[str, dict[str, str]],
        refused: int,
        actor: Actor,
    ) -> Self:
        """Start applying the batch; ``files`` is what its control file says of each file,
        ``refused`` the lines the check refused (applied with ``partial`` only)."""
        authorize(actor, Action.IMPORT_FEED)
        return cls(
            control_sha256=control_sha256,
            bank=bank,
            business_date=business_date,
            correction=correction,
            partial=partial,
            files=files,
            refused=refused,
            actor_id=actor.id,
            role=actor.role,
        )

    class Started(Aggregate.Created):
        control_sha256: str
        bank: str
        business_date: date
        correction: bool
        partial: bool
        files: dict[str, dict[str, str]]
        refused: int
        actor_id: UUID
        role: Role

    @event(Started)
    def __init__(
        self,
        *,
        control_sha256: str,
        bank: str,
        business_date: date,
        correction: bool,
        partial: bool,
        files: dict[str, dict[str, str]],
        refused: int,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.control_sha256 = control_sha256
        self.bank = bank
        self.business_date = business_date
        self.correction = correction
        self.partial = partial
        self.files = files
        self.refused = refused
        self.started_by = actor_id
        self.lines_done = 0
        self.events_recorded = 0
        self.reconciliation: dict[str, dict[str, str]] | None = None
        self.balanced: bool | None = None

    @property
    def applied(self) -> bool:
        return self.reconciliation is not None

    def progress(self, *, file: str, line: int, lines_done: int, events: int) -> None:
        """How far the import went, saved with the events of the lines up to it."""
        self._progressed(file=file, line=line, lines_done=lines_done, events=events)

    @event("Progressed")
    def _progressed(self, *, file: str, line: int, lines_done: int, events: int) -> None:
        self.lines_done = lines_done
        self.events_recorded += events

    def reconcile(self, *, totals: dict[str, dict[str, str]], actor: Actor) -> None:
        """对账: per file, the control file's records and amount beside the archive's."""
        authorize(actor, Action.IMPORT_FEED)
        balanced = all(
            t["control_records"] == t["archive_records"] for t in totals.values()
        ) and all(
            t.get("control_amount", "") == t.get("archive_amount", "") for t in totals.values()
        )
        self._reconciled(totals=totals, balanced=balanced, actor_id=actor.id, role=actor.role)

    @event("Reconciled")
    def _reconciled(
        self, *, totals: dict[str, dict[str, str]], balanced: bool, actor_id: UUID, role: Role
    ) -> None:
        self.reconciliation = totals
        self.balanced = balanced

    def summary(self) -> dict[str, Any]:
        return {
            "batch": self.control_sha256,
            "bank": self.bank,
            "business_date": self.business_date.isoformat(),
            "correction": self.correction,
            "partial": self.partial,
            "lines_done": self.lines_done,
            "events_recorded": self.events_recorded,
            "refused": self.refused,
            "applied": self.applied,
            "balanced": self.balanced,
            "reconciliation": self.reconciliation,
        }
