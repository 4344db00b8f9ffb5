"""Fixity and the four properties (四性检测) of stored documents, recorded as events.

For each document a dossier holds: the bytes are there (integrity), they decrypt
and hash to what the filing event recorded (authenticity), they still parse as
an allowed format without active content (usability and security), and their
metadata is complete. The outcome is saved as a ``FixityChecked`` event on the
dossier, so the check is itself evidence.

A dossier destroyed by an executed destruction batch has lost its documents on purpose: each is
reported ``destroyed``, naming the batch and the day, and the check passes — unless something
of it is still stored and not recorded as retained by the batch (``not_destroyed``), judged as
``dossier verify`` judges it (:func:`archive.core.left_after_destruction`).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, cast
from uuid import UUID

from archive.commands import Command, LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, blob_key, left_after_destruction
from archive.documents.ingest import sniff
from archive.documents.ofdsafety import inspect_ofd
from archive.documents.pdfsafety import inspect_pdf
from archive.errors import DocumentRejectedError
from archive.fields import Number
from domain.authorization import Action
from domain.disposition import DestructionBatch
from domain.dossier import Dossier, FiledDocument, FixityResult
from domain.rules import RuleSet
from domain.values import FixityStatus
from storage.blobs import BlobNotFoundError, BlobStoreError

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class DossierFixity:
    """The check of one dossier, as recorded."""

    dossier_id: UUID
    loan_no: str
    passed: bool
    results: tuple[FixityResult, ...]
    position: int


class CheckFixity(Command):
    """Check every dossier, or one loan's (``loan_no``)."""

    action = Action.CHECK_FIXITY
    files_documents = False
    takes_body = False

    loan_no: Number | None = None


class CheckDossierFixity(LoanCommand):
    """Check one loan's dossier."""

    action = Action.CHECK_FIXITY
    files_documents = False
    takes_body = False


class FixityChecks(ArchiveCore):
    """Re-read, decrypt, hash and re-validate every stored document; record the outcome."""

    def dossier_ids(self) -> Iterator[UUID]:
        for notification in self.notifications_of(Dossier.Opened):  # type: ignore[attr-defined]
            yield UUID(str(notification.originator_id))

    @handles(CheckDossierFixity)
    def check_dossier_fixity(self, ctx: CommandContext, cmd: CheckDossierFixity) -> DossierFixity:
        """Re-read, decrypt, hash and re-validate every document of one dossier; recorded."""
        [outcome] = self.check_fixity(ctx, CheckFixity(loan_no=cmd.loan_no))
        return outcome

    @handles(CheckFixity)
    def check_fixity(
        self,
        ctx: CommandContext,
        cmd: CheckFixity,
        progress: Callable[[DossierFixity], None] | None = None,
    ) -> list[DossierFixity]:
        """Check one loan's dossier, or every dossier; each check is saved as an event.

        ``progress`` is told of each dossier checked (the console's progress bar). A check is
        recorded whatever its outcome, and never replayed: it is no idempotent command.
        """
        actor = self.actor(ctx, cmd.action)
        if cmd.loan_no is not None:
            ids: Iterator[UUID] = iter([self.dossier_of(self.loan(cmd.loan_no)).id])
        else:
            ids = self.dossier_ids()
        outcomes: list[DossierFixity] = []
        for dossier_id in ids:
            if cmd.loan_no is None and not self.covers(self.repository.get(dossier_id)):
                continue  # every dossier the caller reaches, when none is named
            dossier = self._load(Dossier, dossier_id, "档案", "dossier")
            if dossier.destroyed_in is not None:
                results = self._check_destroyed(dossier, dossier.destroyed_in)
            else:
                rules = self.rule_set()
                results = [
                    self.check_document(dossier, filed, rules) for filed in dossier.documents
                ]
            dossier.record_fixity_check(results=results, actor=actor)
            recordings = self.save(dossier)
            outcome = DossierFixity(
                dossier_id=dossier.id,
                loan_no=dossier.loan_no,
                passed=not any(r.failed for r in results),
                results=tuple(results),
                position=recordings[-1].notification.id,
            )
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
        return outcomes

    def _check_destroyed(self, dossier: Dossier, batch_id: UUID) -> list[FixityResult]:
        """A destroyed dossier: every document gone, or retained under lock by its batch."""
        batch = self._load(DestructionBatch, batch_id, "销毁批次", "destruction batch")
        on = dossier.destroyed_on or batch.executed_on
        results = []
        for filed in dossier.documents:
            ref = filed.ref
            left = left_after_destruction(self.blobs, dossier.id, ref.sha256, batch.retained_blobs)
            if left:
                status = FixityStatus.NOT_DESTROYED
                detail = (
                    f"destroyed in destruction batch {batch_id} on {on}, yet {', '.join(left)} "
                    "is still stored and not recorded as retained by the batch: the destruction "
                    "is unfinished or the blob was restored"
                )
            else:
                status = FixityStatus.DESTROYED
                detail = f"destroyed in destruction batch {batch_id} on {on}"
            results.append(FixityResult(ref.sha256, ref.doc_type, status, detail, batch_id, on))
        return results

    def check_document(
        self, dossier: Dossier, filed: FiledDocument, rules: RuleSet
    ) -> FixityResult:
        """Check one filed document; its type must be in the catalogue of ``rules`` (in force)."""
        ref = filed.ref

        def result(status: FixityStatus, detail: str) -> FixityResult:
            return FixityResult(ref.sha256, ref.doc_type, status, detail)

        problems = self._metadata_problems(filed, rules)
        if problems:
            return result(FixityStatus.METADATA_INVALID, problems)
        key = blob_key(dossier.id, ref.sha256)
        spool = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=8 * CHUNK))  # noqa: SIM115
        try:
            digest = hashlib.sha256()
            size = 0
            head = b""
            try:
                with self.blobs.open(key) as stream:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        if len(head) < 16:
                            head += chunk[:16]
                        spool.write(chunk)
            except BlobNotFoundError:
                return result(FixityStatus.MISSING, f"no object under {key}")
            except (BlobStoreError, OSError, ValueError) as exc:
                return result(FixityStatus.UNREADABLE, f"{type(exc).__name__}: {exc}")
            except Exception as exc:
                return result(FixityStatus.UNREADABLE, f"{type(exc).__name__}: {exc}")
            if digest.hexdigest() != ref.sha256 or size != ref.size:
                return result(
                    FixityStatus.HASH_MISMATCH,
                    f"stored content hashes to {digest.hexdigest()} ({size} bytes)",
                )
            if sniff(head) != ref.media_type:
                return result(FixityStatus.INVALID_FORMAT, f"content is no longer {ref.media_type}")
            inspect: dict[str, Callable[[BinaryIO, str], object]] = {
                "application/pdf": inspect_pdf,
                "application/ofd": inspect_ofd,
            }
            if ref.media_type in inspect:
                try:
                    spool.seek(0)
                    inspect[ref.media_type](spool, ref.filename)
                except DocumentRejectedError as exc:
                    return result(FixityStatus.INVALID_FORMAT, exc.en)
            return result(FixityStatus.INTACT, "")
        finally:
            spool.close()

    def _metadata_problems(self, filed: FiledDocument, rules: RuleSet) -> str:
        ref = filed.ref
        missing = []
        if ref.doc_type not in rules.document_types:
            missing.append(f"unknown document type {ref.doc_type}")
        if not ref.filename:
            missing.append("no file name")
        if ref.media_type not in self.config.allowed_media_types:
            missing.append(f"media type {ref.media_type} not allowed")
        if not filed.stage:
            missing.append("no stage")
        return "; ".join(missing)
