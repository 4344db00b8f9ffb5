"""Sweeping uncited blobs (垃圾回收): bytes that no event cites, left by lost saves.

Evidence first means a document is stored before the event that cites it; a save
that then fails leaves bytes behind. They are removed only once they are older
than a grace period (a command in flight has stored its documents but not yet
saved its events), and a cited blob is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, DomainEventProtocol

from archive.core import ArchiveCore, blob_key
from domain.dossier import Dossier
from domain.papers import ManagementPaper
from domain.supervision import SupervisionCheck
from domain.values import DocumentRef
from storage.blobs import BlobNotFoundError
from storage.envelope import DERIVED_SUFFIX


@dataclass
class SweepReport:
    """What a sweep found and did."""

    cited: int = 0
    removed: list[str] = field(default_factory=list)
    too_recent: list[str] = field(default_factory=list)


class Sweeping(ArchiveCore):
    """Find and remove blobs no event cites."""

    def cited_keys(self) -> set[str]:
        """The blob key of every document any dossier ever filed, of every rectification
        notice a supervision check issued, and of every management paper's document."""
        return set(self._filed_keys()) | set(self._notice_keys()) | set(self._paper_keys())

    def _paper_keys(self) -> Iterator[str]:
        topics = (ManagementPaper.PaperDrafted, ManagementPaper.PaperRevised)  # type: ignore[attr-defined]
        for event_class in topics:
            for notification in self.notifications_of(event_class):
                event: DomainEventProtocol[UUID] = self.mapper.to_domain_event(notification)
                document = getattr(event, "document", None)
                if isinstance(document, DocumentRef):
                    yield blob_key(notification.originator_id, document.sha256)  # type: ignore[arg-type]

    def _notice_keys(self) -> Iterator[str]:
        for notification in self.notifications_of(SupervisionCheck.NoticeIssued):  # type: ignore[attr-defined]
            event: DomainEventProtocol[UUID] = self.mapper.to_domain_event(notification)
            sha256 = getattr(event, "sha256", None)
            if isinstance(sha256, str):
                yield blob_key(notification.originator_id, sha256)  # type: ignore[arg-type]

    def _filed_keys(self) -> Iterator[str]:
        for notification in self.notifications_of(Dossier.DocumentFiled):  # type: ignore[attr-defined]
            event: DomainEventProtocol[UUID] = self.mapper.to_domain_event(notification)
            document = getattr(event, "document", None)
            if isinstance(document, DocumentRef):
                yield blob_key(notification.originator_id, document.sha256)  # type: ignore[arg-type]

    def sweep(self, *, grace: timedelta, dry_run: bool = False) -> SweepReport:
        """Remove uncited blobs older than ``grace``; with ``dry_run`` only report them."""
        report = SweepReport()
        cited = self.cited_keys()
        report.cited = len(cited)
        now = self.clock()
        for key in list(self.blobs.keys()):
            if key in cited or key.removesuffix(DERIVED_SUFFIX) in cited:
                continue
            try:
                age = now - self.blobs.modified(key)
            except BlobNotFoundError:
                continue
            if age < grace:
                report.too_recent.append(key)
                continue
            # A command may have saved an event citing it since the scan began.
            if key.removesuffix(DERIVED_SUFFIX) in self.cited_keys_of(key):
                continue
            if not dry_run:
                try:
                    self.blobs.delete(key)
                except BlobNotFoundError:
                    continue
            report.removed.append(key)
        return report

    def cited_keys_of(self, key: str) -> set[str]:
        """The keys cited by the dossier a key belongs to, as it stands now."""
        try:
            dossier_id = UUID(key.split("/", 1)[0])
            dossier: Aggregate = self.repository.get(dossier_id)
        except (ValueError, AggregateNotFoundError):
            return set()
        if isinstance(dossier, ManagementPaper):
            return {blob_key(dossier.id, d.sha256) for d in dossier.documents}
        if isinstance(dossier, SupervisionCheck):
            notice = dossier.rectification
            return {blob_key(dossier.id, notice.sha256)} if notice is not None else set()
        if not isinstance(dossier, Dossier):
            return set()
        return {blob_key(dossier.id, d.ref.sha256) for d in dossier.documents}
