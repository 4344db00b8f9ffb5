"""Destruction batches (销毁批次): proposal, two approvals, and an execution that really destroys.

Execution runs in this order, each step idempotent so that re-running ``execute_destruction``
after a crash finishes what is left and ends where an uninterrupted run ends:

1. the batch's ``Executed`` event and each dossier's ``Destroyed`` event, in one ``save()``;
2. each dossier's data key deleted from the key store (crypto-shredding);
3. each dossier's blobs, and the text derived from them, deleted — on S3 an object still under
   object-lock retention refuses (BlobLockedError): it stays, unreadable without its key, and
   is recorded in the batch's ``Completed`` event;
4. the search index purges the dossier's text when it follows the ``Destroyed`` event
   (projections/registers/filing/search.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from pydantic import Field

from archive.commands import Command, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work, blob_key, closed_on
from archive.fields import MULTILINE, ONE_LINE
from archive.reports.forms import DestructionEntry, DestructionRegister, destruction_register
from domain.authorization import Action, register_read
from domain.borrowing import Circulation
from domain.disposition import (
    DestructionBatch,
    check_destroyable,
    check_proposed_after_appraisal,
    destroy_opinion,
)
from domain.dossier import Dossier
from domain.numbering import FormKind
from domain.values import Actor, DocumentRef
from storage.blobs import BlobLockedError, BlobNotFoundError
from storage.envelope import DERIVED_SUFFIX, EncryptingBlobStore

log = logging.getLogger(__name__)

StaffNo = Annotated[str, Field(min_length=1, max_length=64), ONE_LINE]


class ProposeDestruction(Command):
    """A batch of dossiers past retention to destroy, with its destruction register."""

    action = Action.PROPOSE_DESTRUCTION
    assigned = ("batch_id",)
    files_documents = False

    loan_nos: Annotated[list[StaffNo], Field(min_length=1, max_length=500)] = Field(
        description="the loans whose dossiers the batch destroys"
    )
    proposed_on: date
    batch_id: UUID = Field(default_factory=uuid4)


class BatchCommand(Command):
    """A command on one destruction batch, named by its id in the path."""

    path = ("batch_id",)
    files_documents = False

    batch_id: UUID


class ApproveDestruction(BatchCommand):
    action = Action.APPROVE_DESTRUCTION

    approved_on: date


class ComplianceApproveDestruction(BatchCommand):
    action = Action.COMPLIANCE_APPROVE_DESTRUCTION

    approved_on: date


class ExecuteDestruction(BatchCommand):
    action = Action.EXECUTE_DESTRUCTION

    supervisor_nos: Annotated[list[StaffNo], Field(min_length=1, max_length=20)] = Field(
        description="staff numbers of the supervisors present (监销人), at least two"
    )
    it_supervisor_no: StaffNo | None = Field(
        default=None, description="the IT supervisor, needed for electronic records"
    )
    method: Annotated[str, Field(min_length=1, max_length=500), MULTILINE] = Field(
        description="how the records are destroyed (销毁方式)"
    )


class DispositionCommands(ArchiveCore):
    """The archive office's destruction of expired dossiers.

    A dossier with originals out is not destroyed: the borrowing area keeps its circulation
    record, and :class:`archive.application.DossierArchive` composes the two areas side by side.
    """

    circulation_of: Callable[[Dossier], Circulation]
    """The dossier's circulation record (借阅流转), from
    :meth:`archive.commands.borrowing.BorrowingCommands.circulation_of` in the assembled archive."""

    def destruction_batch(self, batch_id: UUID) -> DestructionBatch:
        return self._load(DestructionBatch, batch_id, "销毁批次", "destruction batch")

    def get_destruction_batch(self, ctx: CommandContext, batch_id: UUID) -> DestructionBatch:
        """The batch as the destruction register shows it, to those who may read that."""
        self.actor(ctx, register_read("destruction_register"))
        return self.destruction_batch(batch_id)

    def _check(self, dossier: Dossier, on: date) -> None:
        loan = self.loan(dossier.loan_no)
        check_destroyable(
            dossier,
            loan_status=loan.status,
            circulation_empty=self.circulation_of(dossier).is_empty,
            on=on,
        )

    def register_entry(self, dossier: Dossier) -> dict[str, Any]:
        """The dossier's line in the destruction register (销毁清册)."""
        entry = dossier.check_catalogued()
        loan = self.loan(dossier.loan_no)
        first = loan.value_date.year
        last = (closed_on(loan) or loan.value_date).year
        return {
            "dossier_id": str(dossier.id),
            "reference_code": entry.reference_code,
            "title": f"{dossier.borrower_name} 借据 {dossier.loan_no} 贷款档案",
            "years": str(first) if first == last else f"{first}-{last}",
            "retention": str(entry.retention.value),
            "pages": sum(d.ref.pages or 0 for d in dossier.documents),
            "opinion": destroy_opinion(dossier),
        }

    # ------------------------------------------------------------------ proposal
    @handles(ProposeDestruction)
    def propose_destruction(self, ctx: CommandContext, cmd: ProposeDestruction) -> CommandResult:
        """The archive head proposes a batch with its destruction register (销毁清册).

        Each dossier must be destroyable.
        """

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            today = self.today()
            entries = []
            for loan_no in cmd.loan_nos:
                dossier = self.dossier_of(self.loan(loan_no))
                self._check(dossier, today)
                entries.append(self.register_entry(dossier))
                check_proposed_after_appraisal(dossier, cmd.proposed_on)
            book = self.number_book(FormKind.DESTRUCTION, cmd.proposed_on.year)
            batch = DestructionBatch.propose(
                batch_id=cmd.batch_id,
                entries=entries,
                proposed_on=cmd.proposed_on,
                actor=actor,
                batch_no=book.take(),
            )
            ids = {"batch_id": str(cmd.batch_id), "batch_no": str(batch.batch_no)}
            return Work(batch, [batch, book], ids)

        return self.run(ctx, cmd, body)

    @handles(ApproveDestruction)
    def approve_destruction(self, ctx: CommandContext, cmd: ApproveDestruction) -> CommandResult:
        """The branch head approves (someone other than the proposer)."""
        return self._on_batch(
            ctx, cmd, lambda batch, actor: batch.approve(approved_on=cmd.approved_on, actor=actor)
        )

    @handles(ComplianceApproveDestruction)
    def compliance_approve_destruction(
        self, ctx: CommandContext, cmd: ComplianceApproveDestruction
    ) -> CommandResult:
        """Compliance approves the batch (合规审批)."""
        return self._on_batch(
            ctx,
            cmd,
            lambda batch, actor: batch.compliance_approve(approved_on=cmd.approved_on, actor=actor),
        )

    def _on_batch(
        self,
        ctx: CommandContext,
        cmd: BatchCommand,
        command: Callable[[DestructionBatch, Actor], None],
    ) -> CommandResult:
        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            batch = self.destruction_batch(cmd.batch_id)
            self.check_version(batch, ctx)
            command(batch, actor)
            return Work(batch, [batch], {"batch_id": str(cmd.batch_id)})

        return self.run(ctx, cmd, body)

    # ------------------------------------------------------------------ execution
    @handles(ExecuteDestruction)
    def execute_destruction(self, ctx: CommandContext, cmd: ExecuteDestruction) -> CommandResult:
        """Execute the batch: events, then data keys, then blobs; re-run to finish a crashed run.

        See the module's docstring for the order and why each step may run again.
        """
        batch = self.destruction_batch(cmd.batch_id)
        if batch.executed:
            # Step 1 was saved before: only the executor's right to act is checked again.
            self.actor(ctx, cmd.action)
            result = CommandResult(
                aggregate_id=batch.id,
                version=batch.version,
                position=0,
                events=(),
                ids={"batch_id": str(cmd.batch_id)},
                replayed=True,
            )
        else:
            result = self.run(ctx, cmd, lambda actor, refs: self._execute_body(actor, cmd))
        self._finish_destruction(self.destruction_batch(cmd.batch_id))
        return result

    def _execute_body(self, actor: Actor, cmd: ExecuteDestruction) -> Work:
        batch = self.destruction_batch(cmd.batch_id)
        today = self.today()
        dossiers = [self._load(Dossier, d, "档案", "dossier") for d in batch.dossier_ids]
        for dossier in dossiers:
            self._check(dossier, today)
        batch.execute(
            executed_on=today,
            supervisors=[self.party(n) for n in cmd.supervisor_nos],
            it_supervisor=self.party(cmd.it_supervisor_no) if cmd.it_supervisor_no else None,
            electronic=any(d.documents for d in dossiers),
            method=cmd.method,
            actor=actor,
        )
        for dossier in dossiers:
            dossier.destroy(
                batch_id=batch.id,
                register_entry=batch.entry_of(dossier.id),
                supervisors=list(batch.supervisors),
                it_supervisor=batch.it_supervisor,
                destroyed_on=today,
                actor=actor,
            )
        touched: list[Aggregate] = [batch, *dossiers]
        return Work(batch, touched, {"batch_id": str(cmd.batch_id)})

    def _finish_destruction(self, batch: DestructionBatch) -> None:
        """Steps 2 and 3: delete data keys, then blobs; record what the store still retains."""
        for dossier_id in batch.dossier_ids:
            self.destroy_data_key(dossier_id)
        retained: list[str] = []
        for dossier_id in batch.dossier_ids:
            retained += self.delete_blobs_of(dossier_id)
        if not batch.completed:
            batch.complete(retained_blobs=retained)
            self.save(batch)

    def destroy_data_key(self, dossier_id: UUID) -> None:
        if isinstance(self.blobs, EncryptingBlobStore):
            self.blobs.envelope.keys.delete(dossier_id)

    def delete_blobs_of(self, dossier_id: UUID) -> list[str]:
        """Delete every blob of the dossier and its derived text; return the keys still locked."""
        dossier = self._load(Dossier, dossier_id, "档案", "dossier")
        keys: list[str] = []
        for sha in dict.fromkeys(d.ref.sha256 for d in dossier.documents):
            keys += [blob_key(dossier_id, sha), blob_key(dossier_id, sha) + DERIVED_SUFFIX]
        retained: list[str] = []
        for key in keys:
            if not self.blobs.exists(key):
                continue
            try:
                self.blobs.delete(key)
            except BlobNotFoundError:
                pass
            except BlobLockedError:
                # Object-lock retention has not passed: the deleted key already makes it
                # unreadable; it is recorded and may be deleted once the lock lapses.
                log.warning("blob %s is still under object-lock retention", key)
                retained.append(key)
        return retained

    # ---------------------------------------------------------------- the register
    def destruction_register_pdf(self, ctx: CommandContext, batch_id: UUID) -> bytes:
        """The destruction register (销毁清册) of the batch as a PDF with signature lines."""
        batch = self.get_destruction_batch(ctx, batch_id)

        def name(staff_id: UUID | None) -> str:
            return "" if staff_id is None else self.form_name(staff_id)

        supervisors = [name(s) for s in batch.supervisors]
        if batch.it_supervisor is not None:
            supervisors.append(name(batch.it_supervisor) + " 信息技术")
        register = DestructionRegister(
            batch_id=batch.batch_no or str(batch.id),
            proposed_by=name(batch.proposed_by),
            approved_by=[n for n in (name(batch.approved_by), name(batch.compliance_by)) if n],
            method=batch.method or "—",
            entries=[
                DestructionEntry(
                    reference_code=str(e["reference_code"]),
                    title=str(e["title"]),
                    years=str(e["years"]),
                    retention=str(e["retention"]),
                    pages=int(e["pages"]),
                    opinion=str(e["opinion"]),
                )
                for e in batch.entries
            ],
            supervisors=supervisors,
            proposed_on=batch.proposed_on,
            approved_on=batch.approved_on,
            compliance_approved_on=batch.compliance_approved_on,
            executed_on=batch.executed_on,
            executed_by=name(batch.executed_by),
        )
        return destruction_register(register)
