"""Reads for people with a business role: loans, their events, dossiers, documents.

These read the aggregates directly; the registers (projections) come later and
serve lists and searches at scale.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from itertools import islice
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.persistence import IntegrityError

from archive.core import ArchiveCore, CommandContext, CommandResult, Work, blob_key
from archive.documents.copies import UNSTAMPED_NOTE, can_watermark, watermarked_copy
from archive.documents.ingest import Upload
from archive.errors import StoredDocumentAlteredError
from domain.authorization import Action
from domain.dates import business_date
from domain.display import person
from domain.dossier import Dossier
from domain.errors import InvalidInputError, NotFoundError
from domain.loan import Loan
from domain.values import Actor, DocumentRef, ReadPurpose
from storage.blobs import BlobStoreError
from storage.crypto import CryptoError
from storage.positions import notification_id_of

ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of an event attribute."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, DocumentRef):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class RecordedEvent:
    """One stored event as a reader sees it: who, in which role, when, with which documents."""

    type: str
    aggregate_id: UUID
    version: int
    position: int | None
    timestamp: datetime
    actor_id: UUID | None
    role: str | None
    documents: tuple[dict[str, Any], ...]
    data: Mapping[str, Any]


@dataclass(frozen=True)
class DocumentCopy:
    """What a reader was handed: a watermarked copy, or (for auditors) the original."""

    ref: DocumentRef
    content: bytes
    media_type: str
    filename: str
    sha256: str
    watermarked: bool
    position: int
    note: str = ""
    """Why the copy is not watermarked when a watermark was due (an OFD), else empty."""


class ReadQueries(ArchiveCore):
    """What a person with a business role may look at."""

    def get_loan(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        at: datetime | None = None,
        position: int | None = None,
        on: date | None = None,
    ) -> Loan:
        """The loan now, or as it stood at a record time (UTC) or log position (记录时点), or on
        a business date (业务日期) — or both: what had been recorded by then of that day.

        "As of" replays only this loan's events up to the last one recorded by then: a
        bounded replay of one aggregate, never of the log. "On" keeps, of those, the events
        dated up to that day (:func:`domain.dates.business_date`), in the order recorded.
        """
        self.authorize_read(ctx)
        loan = self.loan(loan_no)
        if at is None and position is None and on is None:
            return loan
        version = self._version_as_of(loan, at, position)
        if version is None:
            raise NotFoundError(
                f"截至该记录时点，贷款 {loan_no} 的放款尚未登记",
                f"loan {loan_no} did not exist yet at that point",
            )
        if on is not None:
            return self._loan_on(loan_no, loan.id, version, on)
        earlier: Aggregate = self.repository.get(loan.id, version=version)
        assert isinstance(earlier, Loan)
        return earlier

    def _loan_on(self, loan_no: str, loan_id: UUID, version: int, on: date) -> Loan:
        """The loan from its events up to ``version`` dated up to ``on``, in recorded order."""
        zone = self.config.timezone
        state: Any = None
        for stored in self.repository.event_store.get(loan_id, lte=version):
            event: Any = stored
            if business_date(event, zone) > on:
                if state is None:  # disbursed (its first event) after that day
                    break
                continue
            if state is not None:
                state.version = event.originator_version - 1
            state = event.mutate(state)
        if state is None:
            raise NotFoundError(
                f"贷款 {loan_no} 在业务日期 {on} 尚未放款",
                f"loan {loan_no} was not yet disbursed on {on}",
                on=on.isoformat(),
            )
        assert isinstance(state, Loan)
        return state

    def _version_as_of(self, loan: Loan, at: datetime | None, position: int | None) -> int | None:
        stored = self.recorder.select_events(loan.id)
        version: int | None = None
        for record in stored:
            if at is not None:
                decoded: Any = self.mapper.to_domain_event(record)
                if decoded.timestamp > at:
                    break
            if position is not None:
                found = notification_id_of(self.recorder, loan.id, record.originator_version)
                if found is None or found > position:
                    break
            version = record.originator_version
        return version

    def list_loans(self, ctx: CommandContext, *, offset: int = 0, limit: int = 50) -> list[Loan]:
        """The loans the caller reaches (their data scope), in disbursement order, read from
        the log itself.

        Current the moment a command returns (no follower lag), at the price of a scan of the
        ``Disbursed`` events per call; the loan ledger register (``loan_ledger``) is the filtered,
        sorted and paged view.
        """
        self.authorize_read(ctx)
        return list(islice(self._loans_in_scope(), offset, offset + limit))

    def count_loans(self, ctx: CommandContext) -> int:
        """How many loans the caller reaches (their data scope: every loan, bank-wide)."""
        actor = self.authorize_read(ctx)
        if not self.row_scope(actor, Action.READ_BUSINESS).filtered:
            return sum(1 for _ in self.notifications_of(Loan.Disbursed))
        return sum(1 for _ in self._loans_in_scope())

    def _loans_in_scope(self) -> Iterator[Loan]:
        """The loans, in disbursement order, that the caller of the running method reaches."""
        for notification in self.notifications_of(Loan.Disbursed):
            loan: Aggregate = self.repository.get(UUID(str(notification.originator_id)))
            assert isinstance(loan, Loan)
            if self.covers(loan):
                yield loan

    def events_of(self, aggregate_id: UUID) -> Iterator[RecordedEvent]:
        for event in self.events.get(aggregate_id):
            assert isinstance(event, CanMutateAggregate)
            fields = {k: v for k, v in vars(event).items() if k not in ENVELOPE}
            actor_id = fields.pop("actor_id", None)
            role = fields.pop("role", None)
            documents = fields.pop("documents", None) or ()
            if "document" in fields:
                documents = [fields["document"]]
            yield RecordedEvent(
                type=type(event).__name__,
                aggregate_id=aggregate_id,
                version=event.originator_version,
                position=None,
                timestamp=event.timestamp,
                actor_id=actor_id,
                role=jsonable(role),
                documents=tuple(jsonable(d) for d in documents),
                data=jsonable(fields),
            )

    def loan_events(self, ctx: CommandContext, loan_no: str) -> list[RecordedEvent]:
        """Every event of the loan in order, with its place in the global sequence."""
        self.authorize_read(ctx)
        return self._positioned_events(self.loan(loan_no).id)

    def dossier_events(self, ctx: CommandContext, loan_no: str) -> list[RecordedEvent]:
        """Every event of the loan's dossier: filings, reads, fixity checks."""
        self.authorize_read(ctx)
        return self._positioned_events(self.dossier_of(self.loan(loan_no)).id)

    def _positioned_events(self, aggregate_id: UUID) -> list[RecordedEvent]:
        """The aggregate's events, each with its place in the global sequence."""
        return [
            replace(e, position=notification_id_of(self.recorder, aggregate_id, e.version))
            for e in self.events_of(aggregate_id)
        ]

    def get_dossier(self, ctx: CommandContext, loan_no: str) -> Dossier:
        self.authorize_read(ctx)
        return self.dossier_of(self.loan(loan_no))

    def read_document(
        self,
        ctx: CommandContext,
        loan_no: str,
        sha256: str,
        *,
        purpose: ReadPurpose,
        original: bool = False,
    ) -> DocumentCopy:
        """Hand a reader a document's content, and record the read before handing it over.

        Everyone gets a copy watermarked with their name, the purpose and the date;
        auditors and compliance may ask for the original bytes (to check hashes). An OFD is
        handed to everyone as the original (nothing can stamp it), with a note saying so; the
        read is recorded as unwatermarked. Stored content that no longer hashes to its filing
        event is never served.
        """
        actor = self.actor(ctx, Action.READ_ORIGINAL if original else Action.READ_DOCUMENT)
        loan = self.loan(loan_no)
        dossier = self.dossier_of(loan)
        ref = dossier.filed(sha256).ref
        dossier.check_not_destroyed()
        content = self.verified_content(dossier, ref)
        watermarked = not original and can_watermark(ref.media_type)
        note = "" if original or watermarked else UNSTAMPED_NOTE
        if not watermarked:
            copy, media_type, filename = content, ref.media_type, ref.filename
        else:
            reader = self.staff_by_id(actor.id)
            lines = [
                f"阅读人 {person(reader.name, reader.staff_no)}",
                f"用途 {purpose.zh} / {purpose.value}",
                f"{self.today().isoformat()} 借据号 {loan.loan_no}",
            ]
            copy = watermarked_copy(io.BytesIO(content), ref.media_type, lines)
            media_type = "application/pdf"
            filename = ref.filename.rsplit(".", 1)[0] + "-副本.pdf"
        copy_sha256 = hashlib.sha256(copy).hexdigest()
        for attempt in range(5):
            try:
                dossier.record_read(
                    sha256=sha256,
                    purpose=purpose,
                    copy_sha256=copy_sha256,
                    watermarked=watermarked,
                    actor=actor,
                )
                recordings = self.save(dossier)
                break
            except IntegrityError:
                if attempt == 4:
                    raise
                dossier = self.dossier_of(loan)
        return DocumentCopy(
            ref=ref,
            content=copy,
            media_type=media_type,
            filename=filename,
            sha256=copy_sha256,
            watermarked=watermarked,
            position=recordings[-1].notification.id,
            note=note,
        )

    def verified_content(self, dossier: Dossier, ref: DocumentRef) -> bytes:
        """A filed document's stored bytes, refused unless they still hash to its filing event."""
        sha256 = ref.sha256
        try:
            with self.blobs.open(blob_key(dossier.id, sha256)) as stream:
                content = stream.read(ref.size + 1)
        except (BlobStoreError, CryptoError) as exc:
            raise StoredDocumentAlteredError(
                f"存储的文档 {sha256} 无法完整读出（{type(exc).__name__}），已拒绝提供，请进行完整性检查",
                f"the stored document {sha256} cannot be read back intact "
                f"({type(exc).__name__}); not served — run a fixity check",
            ) from exc
        if hashlib.sha256(content).hexdigest() != ref.sha256:
            raise StoredDocumentAlteredError(
                f"存储的文档 {sha256} 与归档时的哈希不符，已拒绝提供，请进行完整性检查",
                f"the stored document {sha256} no longer matches its hash; not served — "
                "run a fixity check",
            )
        return content

    def file_supplement(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        stage: str,
        uploads: Sequence[Upload],
        filed_on: date | None = None,
    ) -> CommandResult:
        """File documents that evidence no single new loan event (补充归档), on the day they
        were received (``filed_on``; none: the day it is recorded)."""
        if not uploads:
            raise InvalidInputError("请至少上传一份文档", "upload at least one document")

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(loan_no)
            dossier = self.dossier_of(loan)
            self.check_version(dossier, ctx)
            for ref in refs:
                dossier.file(
                    document=ref,
                    stage=stage,
                    evidences_id=None,
                    evidences_version=None,
                    actor=actor,
                    filed_on=filed_on,
                )
            return Work(dossier, [dossier], {}, loan.loan_no)

        # A filing dated on the day it was recorded keeps the fingerprint it had before.
        params: dict[str, Any] = {"loan_no": loan_no, "stage": stage}
        if filed_on is not None:
            params["filed_on"] = filed_on
        return self._execute(ctx, Action.FILE_DOCUMENT, params, body, uploads)
