"""What ``dossier verify`` found (完整性校验报告): findings, runs of findings, and the report.

A ``Finding`` is one thing wrong (a *discrepancy*) or worth knowing (a *notice*, such as the
unsealed tail): a stable check name, where it is — a log position (notification id), a range
of positions (``position`` … ``through``), a checkpoint's tree size, or a document (dossier id
and SHA-256) — and what is wrong, in English and Chinese.

``Findings`` collects them in bounded memory: consecutive findings of one check along the log
(a run of deleted or renumbered events) are kept as one finding over a range, and beyond
``MAX_KEPT`` findings only the count grows. The report's JSON is what ``dossier verify --json``
prints and ``POST /integrity/verifications`` answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final
from uuid import UUID

MAX_KEPT: Final = 10_000
"""Findings kept in full; past that only ``discrepancy_count`` grows (memory stays bounded)."""

LOG: Final = "log"
CHECKPOINTS: Final = "checkpoints"
DOCUMENTS: Final = "documents"
_ORDER: Final = {LOG: 0, CHECKPOINTS: 1, DOCUMENTS: 2}

Describe = Callable[[int, int, int], tuple[str, str]]
"""``describe(first, last, count)``: the English and Chinese text of a run of positions."""

CHECK_AREAS: Final[dict[str, str]] = {
    # the log against its leaves (a, b)
    "event_altered": LOG,
    "event_unreadable": LOG,
    "event_missing": LOG,
    "event_inserted": LOG,
    "log_truncated": LOG,
    "leaf_missing": LOG,
    "leaf_table": LOG,
    "unsealed_tail": LOG,
    # checkpoints, their keys and the witness (c, d)
    "checkpoint_signature": CHECKPOINTS,
    "checkpoint_key": CHECKPOINTS,
    "checkpoint_time": CHECKPOINTS,
    "unanchored": CHECKPOINTS,
    "witness_lost": CHECKPOINTS,
    "witness_loss_acknowledged": CHECKPOINTS,
    "statement_key": CHECKPOINTS,
    "statement_signature": CHECKPOINTS,
    "checkpoint_origin": CHECKPOINTS,
    "checkpoint_root": CHECKPOINTS,
    "checkpoint_consistency": CHECKPOINTS,
    "witness_missing": CHECKPOINTS,
    "witness_mismatch": CHECKPOINTS,
    "witness_unreadable": CHECKPOINTS,
    "unwitnessed": CHECKPOINTS,
    "unwitnessed_latest": CHECKPOINTS,
    "no_witness": CHECKPOINTS,
    "rollback": CHECKPOINTS,
    "cosignature_invalid": CHECKPOINTS,
    "cosignature_quorum": CHECKPOINTS,
    "cosignature_covered": CHECKPOINTS,
    # documents (e)
    "document_missing": DOCUMENTS,
    "document_undecryptable": DOCUMENTS,
    "document_hash": DOCUMENTS,
    "document_key_missing": DOCUMENTS,
    "document_unreadable": DOCUMENTS,
    "document_not_destroyed": DOCUMENTS,
    "destruction_unfounded": DOCUMENTS,
    "document_event_unreadable": DOCUMENTS,
}
"""Every check name a finding can carry, and the part of the verification it belongs to."""


@dataclass(frozen=True)
class Finding:
    """One discrepancy or notice. ``detail`` is English, ``detail_zh`` Chinese."""

    check: str
    detail: str
    detail_zh: str
    position: int | None = None
    """The notification id concerned (the first of a range)."""
    through: int | None = None
    """The last notification id of a range of consecutive events; None for one event."""
    count: int = 1
    """How many events (or leaves) a range covers."""
    tree_size: int | None = None
    """The tree size of the checkpoint concerned."""
    dossier_id: UUID | None = None
    sha256: str | None = None
    ordinals: tuple[int, int] | None = field(default=None, compare=False, repr=False)
    """Where a run of events lies in the log: the 1-based places of its first and last event
    (for the verifier's own use; tree sizes count the same way)."""

    def __post_init__(self) -> None:
        if self.check not in CHECK_AREAS:
            raise ValueError(f"unknown check {self.check!r}")

    @property
    def area(self) -> str:
        return CHECK_AREAS[self.check]

    @property
    def document(self) -> str | None:
        """``<dossier-uuid>/<sha256>``: the document's key in the blob store."""
        if self.dossier_id is None or self.sha256 is None:
            return None
        return f"{self.dossier_id}/{self.sha256}"

    @property
    def where(self) -> str:
        """Where, in a few words: ``event 17``, ``events 17–40``, ``checkpoint 12``, or the
        document's key and the event that filed it."""
        if self.document is not None:
            at = "" if self.position is None else f" (event {self.position})"
            return f"document {self.document}{at}"
        if self.position is not None:
            if self.through is not None and self.through != self.position:
                return f"events {self.position}–{self.through} ({self.count})"
            return f"event {self.position}"
        if self.tree_size is not None:
            return f"checkpoint {self.tree_size}"
        return self.document or "-"

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "area": self.area,
            "position": self.position,
            "through": self.through,
            "count": self.count,
            "tree_size": self.tree_size,
            "document": (
                None
                if self.dossier_id is None
                else {"dossier_id": str(self.dossier_id), "sha256": self.sha256}
            ),
            "detail": self.detail,
            "detail_zh": self.detail_zh,
        }

    def to_record(self) -> dict[str, str | None]:
        """The fields ``IntegrityVerification.record`` keeps of a discrepancy."""
        if self.position is None:
            position = None if self.tree_size is None else f"tree_size {self.tree_size}"
        elif self.through is not None and self.through != self.position:
            position = f"{self.position}-{self.through}"
        else:
            position = str(self.position)
        return {
            "check": self.check,
            "position": position,
            "document": self.document,
            "detail": f"{self.detail} / {self.detail_zh}",
        }


@dataclass(frozen=True)
class UnsealedTail:
    """Events after the last leaf and checkpoint: only as safe as the database (a notice)."""

    count: int
    first: int
    last: int

    def to_json(self) -> dict[str, int]:
        return {"count": self.count, "first": self.first, "last": self.last}


def _undescribed(first: int, last: int, count: int) -> tuple[str, str]:
    return (f"events {first}–{last}", f"事件 {first}–{last}")


class Findings:
    """Discrepancies and notices being collected, in bounded memory.

    ``along_log`` extends the open run when the same check hits the next event (or leaf) of
    the walk; anything else — ``break_run``, another check — closes it. A run of one is a
    finding about one position.
    """

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self.max_kept = max_kept
        self._discrepancies: list[Finding] = []
        self._notices: list[Finding] = []
        self.dropped = 0
        self._run: Finding | None = None
        self._describe: Describe = _undescribed

    # ------------------------------------------------------------------ collecting
    def add(self, finding: Finding) -> None:
        if len(self._discrepancies) >= self.max_kept:
            self.dropped += 1
        else:
            self._discrepancies.append(finding)

    def notice(self, finding: Finding) -> None:
        self._notices.append(finding)

    def along_log(
        self, check: str, position: int, describe: Describe, ordinal: int | None = None
    ) -> None:
        """A discrepancy of ``check`` at ``position``, merged with the open run of the same.

        ``describe(first, last, count)`` gives the (English, Chinese) text once the run closes;
        ``ordinal`` is the event's place in the log, when it has one.
        """
        run = self._run
        if run is not None and run.check == check:
            ordinals = (
                None if run.ordinals is None or ordinal is None else (run.ordinals[0], ordinal)
            )
            self._run = replace(run, through=position, count=run.count + 1, ordinals=ordinals)
            return
        self.break_run()
        ordinals = None if ordinal is None else (ordinal, ordinal)
        self._run = Finding(check, "", "", position=position, ordinals=ordinals)
        self._describe = describe

    def revise(self, revised: Callable[[Finding], Finding]) -> None:
        """Replace each kept discrepancy by ``revised(it)`` (a finding better understood later)."""
        self.break_run()
        self._discrepancies = [revised(f) for f in self._discrepancies]

    def break_run(self) -> None:
        run, self._run = self._run, None
        if run is None or run.position is None:
            return
        last = run.position if run.through is None else run.through
        detail, detail_zh = self._describe(run.position, last, run.count)
        self.add(replace(run, detail=detail, detail_zh=detail_zh))

    # ------------------------------------------------------------------ reading
    @property
    def discrepancy_count(self) -> int:
        self.break_run()
        return len(self._discrepancies) + self.dropped

    def discrepancies(self) -> list[Finding]:
        """Kept discrepancies: the log first, then checkpoints, then documents, by position."""
        self.break_run()
        return sorted(
            self._discrepancies,
            key=lambda f: (_ORDER[f.area], f.position or 0, f.tree_size or 0),
        )

    def notices(self) -> list[Finding]:
        return list(self._notices)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.discrepancies())


@dataclass
class VerificationReport:
    """The outcome of one run of ``dossier verify``.

    ``tree_size`` and ``root_hash`` (base64) are those of the latest checkpoint in the table,
    the one the run verified the log against (0 and empty before the first seal). ``head`` is
    the notification id of the last event read; events stored after the run began are not
    read. ``documents_checked`` counts documents read back, decrypted and hashed;
    ``documents_destroyed`` those whose absence is expected after a recorded destruction.
    """

    started_at: datetime
    finished_at: datetime
    events_checked: int
    head: int
    sealed_leaves: int
    tree_size: int
    root_hash: str
    checkpoints_checked: int
    witnessed_checkpoints: int | None
    """Checkpoints the witness holds; None when no witness is configured."""
    documents: bool
    """Whether documents were checked (``--no-documents`` turns it off)."""
    documents_checked: int
    documents_destroyed: int
    discrepancies: list[Finding] = field(default_factory=list)
    discrepancy_count: int = 0
    """Every discrepancy found; more than ``len(discrepancies)`` once ``MAX_KEPT`` is passed."""
    notices: list[Finding] = field(default_factory=list)
    unsealed_tail: UnsealedTail | None = None
    anchor: str = ""
    """What the checkpoints were checked against: "configured keys", "local key" or
    "unanchored" (``archive.verification.checkpoints``)."""

    @property
    def intact(self) -> bool:
        return self.discrepancy_count == 0

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "events_checked": self.events_checked,
            "head": self.head,
            "sealed_leaves": self.sealed_leaves,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "checkpoints_checked": self.checkpoints_checked,
            "witnessed_checkpoints": self.witnessed_checkpoints,
            "anchor": self.anchor,
            "documents": self.documents,
            "documents_checked": self.documents_checked,
            "documents_destroyed": self.documents_destroyed,
            "discrepancy_count": self.discrepancy_count,
            "discrepancies": [f.to_json() for f in self.discrepancies],
            "unsealed_tail": None if self.unsealed_tail is None else self.unsealed_tail.to_json(),
            "notices": [f.to_json() for f in self.notices],
        }

    def records(self) -> list[dict[str, str | None]]:
        """The discrepancies as ``IntegrityVerification.record`` takes them."""
        return [f.to_record() for f in self.discrepancies]
