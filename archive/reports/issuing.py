"""Handing a report out (签发): drawn, hashed, and recorded before it is returned.

The compliance report (:mod:`archive.reports.compliance`) and the risk-monitoring report
(:mod:`archive.reports.risk`) are issued alike: the file is drawn without the clock from the
registers at one log position, its SHA-256 and that position are recorded in one event by the
person who hands it out, and the file is returned only once the record is saved. Anyone who
reads such reports can have it drawn again from the record and compare the hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from domain.authorization import Action
from domain.compliance import ReportFormat
from domain.scope import RowScope
from domain.values import Actor, DocumentRef

MEDIA = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Issued:
    """A report handed out: the file, and the event that records it."""

    body: bytes
    media_type: str
    filename: str
    report_id: UUID
    sha256: str
    result: CommandResult


class Record(Protocol):
    """What an issued report's record holds for reading it back."""

    data_scope: RowScope


R = TypeVar("R", bound=Aggregate)


class IssuingCore(ArchiveCore):
    """Issuing a drawn report and reading its record back, within the reader's data scope."""

    def _issue_file(
        self,
        ctx: CommandContext,
        action: Action,
        *,
        body: bytes,
        format: ReportFormat,
        filename: str,
        params: Mapping[str, Any],
        record: Callable[[UUID, str, Actor], Aggregate],
    ) -> Issued:
        """Record ``record(report_id, sha256, actor)`` for ``body`` as ``action``; a retried
        command (same idempotency key) returns the same record."""
        digest = hashlib.sha256(body).hexdigest()
        report_id = uuid4()

        def work(actor: Actor, _refs: list[DocumentRef]) -> Work:
            issued = record(report_id, digest, actor)
            return Work(issued, [issued], {"report_id": str(report_id), "sha256": digest})

        result = self._execute(ctx, action, {**params, "sha256": digest}, work)
        return Issued(
            body=body,
            media_type=MEDIA[format],
            filename=filename,
            report_id=UUID(result.ids["report_id"]),
            sha256=result.ids["sha256"],
            result=result,
        )

    def _issued_record(
        self, ctx: CommandContext, cls: type[R], report_id: UUID, action: Action
    ) -> R:
        """The record of report ``report_id`` for a reader allowed ``action`` whose data scope
        holds the scope the report was read within."""
        actor = self.actor(ctx, action)
        record = self._load(cls, report_id, "签发的报告", "issued report")
        scope: RowScope = getattr(record, "data_scope")  # noqa: B009
        reaching = self.reaching(actor, action)
        if reaching is not None and not reaching.rows().contains(scope):
            raise reaching.refusal(
                f"报告 {report_id}（{scope.zh}）",
                f"report {report_id} ({scope.en})",
                report_id=str(report_id),
            )
        return record
