"""The archive office (档案室): transfer, cataloguing, holds, retention and appraisal.

Every command is a :class:`DossierCommand`, named by its loan's number, and runs on the loan's
dossier through :meth:`CustodyCommands.on_dossier`; documents (a transfer list, an appraisal
opinion) are optional and are filed in the same dossier, pointing at the dossier's own event they
evidence. Receiving a transfer files the signed
transfer list (移交清单) it renders (archive/documents/paperwork.py). Cataloguing saves the reference-code
counter in the same ``save()`` as the dossier, so a reference code is never handed out twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy
from datetime import date
from typing import Annotated, Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from pydantic import BaseModel, Field

from archive.commands import Command, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work, closed_on
from archive.documents.ingest import Upload
from archive.documents.paperwork import transfer_receipt_upload
from archive.fields import MAX_INT, MULTILINE, ONE_LINE, Sentence, Short, Text
from domain.authorization import Action
from domain.custody.retention import DossierCustody
from domain.dossier import Dossier
from domain.loan import Loan
from domain.numbering import FormKind
from domain.reference import ReferenceSeries, Series
from domain.values import (
    Actor,
    AppraisalOpinion,
    DocumentRef,
    HoldKind,
    ItemCondition,
    TransferKind,
)

DossierChange = Callable[[Dossier, Loan, Actor], Mapping[str, str] | None]
"""What a command does to the loan's dossier: the ids it hands out."""

DocType = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$"), ONE_LINE]


class DossierCommand(Command):
    """A command on a loan's dossier (档案), named by the loan's number (借据号) in the path."""

    path: ClassVar[tuple[str, ...]] = ("loan_no",)

    loan_no: str


# The nested objects keep the names the OpenAPI has always given them.
class TransferItemIn(BaseModel):
    doc_type: DocType
    title: Sentence
    pages: Annotated[int, Field(ge=1, le=100_000)]


class ItemCheckIn(BaseModel):
    item_no: Annotated[int, Field(ge=1, le=MAX_INT)]
    condition: ItemCondition
    pages_counted: Annotated[int, Field(ge=0, le=100_000)] = 0
    note: Annotated[str, Field(max_length=500), MULTILINE] = ""


class ListTransfer(DossierCommand):
    action = Action.LIST_TRANSFER
    assigned = ("transfer_id",)

    kind: TransferKind = Field(description="originals (合同原件) or full (整卷, after closing)")
    items: Annotated[list[TransferItemIn], Field(min_length=1, max_length=500)]
    listed_on: date
    signed_on: date | None = Field(
        default=None, description="contract signing date; defaults to the loan's value date"
    )
    transfer_id: UUID = Field(default_factory=uuid4)


class ReceiveTransfer(DossierCommand):
    action = Action.RECEIVE_TRANSFER
    path = ("loan_no", "transfer_id")

    transfer_id: UUID
    checks: Annotated[list[ItemCheckIn], Field(min_length=1, max_length=500)]
    received_on: date


class ClearDefect(DossierCommand):
    action = Action.CLEAR_DEFECT
    path = ("loan_no", "defect_id")

    defect_id: UUID
    cleared_on: date
    note: Text


class Catalogue(DossierCommand):
    action = Action.CATALOGUE
    files_documents = False

    shelf_location: Short = Field(description="库房-排-柜-格, e.g. 2-03-05-2")
    catalogued_on: date


class PlaceHold(DossierCommand):
    action = Action.PLACE_HOLD
    assigned = ("hold_id",)

    kind: HoldKind
    reason: Text
    reference: Short = Field(description="case, audit or investigation reference (案号/文号)")
    placed_on: date
    hold_id: UUID = Field(default_factory=uuid4)


class ReleaseHold(DossierCommand):
    action = Action.RELEASE_HOLD
    path = ("loan_no", "hold_id")

    hold_id: UUID
    reason: Text
    released_on: date


class OpenAppraisal(DossierCommand):
    action = Action.OPEN_APPRAISAL
    assigned = ("appraisal_id",)
    files_documents = False

    opened_on: date
    group_nos: Annotated[list[Short], Field(min_length=2, max_length=20)] = Field(
        description="staff numbers of the appraisal group (鉴定小组), at least two people"
    )
    appraisal_id: UUID = Field(default_factory=uuid4)


class DecideAppraisal(DossierCommand):
    action = Action.DECIDE_APPRAISAL
    path = ("loan_no", "appraisal_id")

    appraisal_id: UUID
    opinion: AppraisalOpinion
    text: Text
    decided_on: date


class ExtendRetention(DossierCommand):
    action = Action.EXTEND_RETENTION
    files_documents = False

    ends_on: date
    reason: Text
    extended_on: date
    appraisal_id: UUID | None = None


class CustodyCommands(ArchiveCore):
    """What the archive office records about a loan's dossier."""

    # ----------------------------------------------------------------- transfer
    @handles(ListTransfer)
    def list_transfer(
        self, ctx: CommandContext, cmd: ListTransfer, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """List a transfer to the archive office (移交清单): contract originals or the full dossier."""
        items = [i.model_dump() for i in cmd.items]
        numbered: list[Aggregate] = []

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> Mapping[str, str]:
            rules = self.rule_set()
            for item in items:
                rules.document_type(str(item["doc_type"]))
            book = self.number_book(FormKind.TRANSFER, cmd.listed_on.year)
            transfer_no = book.take()
            dossier.list_transfer(
                transfer_id=cmd.transfer_id,
                kind=cmd.kind,
                items=items,
                listed_on=cmd.listed_on,
                signed_on=cmd.signed_on
                or (loan.value_date if cmd.kind is TransferKind.ORIGINALS else None),
                loan_status=loan.status,
                originals_working_days=rules.originals_transfer_working_days,
                actor=actor,
                calendar=rules.calendar,
                transfer_no=transfer_no,
            )
            numbered[:] = [book]  # saved with the dossier: a number is never given twice
            due_on = dossier.transfers[cmd.transfer_id].due_on
            ids = {"transfer_id": str(cmd.transfer_id), "transfer_no": transfer_no}
            return {**ids, "due_on": due_on.isoformat() if due_on else ""}

        return self.on_dossier(ctx, cmd, command, uploads, also=numbered)

    @handles(ReceiveTransfer)
    def receive_transfer(
        self, ctx: CommandContext, cmd: ReceiveTransfer, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Check each item and sign the receipt (接收); missing or damaged items become defects.

        The signed transfer list (移交清单) the receipt renders is filed with it.
        """
        checks = [c.model_dump() for c in cmd.checks]

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> Mapping[str, str]:
            defects = dossier.receive_transfer(
                transfer_id=cmd.transfer_id,
                checks=checks,
                received_on=cmd.received_on,
                actor=actor,
            )
            ids = {"transfer_id": str(cmd.transfer_id)}
            for defect_id in defects:
                ids[f"defect:{dossier.defects[defect_id].item_no}"] = str(defect_id)
            return ids

        receipt = self._transfer_receipt(ctx, cmd.loan_no, cmd.transfer_id, checks, cmd.received_on)
        return self.on_dossier(ctx, cmd, command, [*uploads, receipt])

    def _transfer_receipt(
        self,
        ctx: CommandContext,
        loan_no: str,
        transfer_id: UUID,
        checks: Sequence[Mapping[str, Any]],
        received_on: date,
    ) -> Upload:
        """The signed transfer list (移交清单) the receipt files; only the receiver's to render."""
        receiver = self.actor(ctx, Action.RECEIVE_TRANSFER)
        return transfer_receipt_upload(
            self.dossier_of(self.loan(loan_no)),
            transfer_id,
            checks=checks,
            received_by=receiver.id,
            received_on=received_on,
            names=self.form_name,
            types=self.rule_set().document_types,
        )

    @handles(ClearDefect)
    def clear_defect(
        self, ctx: CommandContext, cmd: ClearDefect, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Close a transfer defect: the item came in, or its absence is explained."""
        return self.on_dossier(
            ctx,
            cmd,
            lambda dossier, loan, actor: dossier.clear_defect(**cmd.arguments(), actor=actor),
            uploads,
        )

    # ---------------------------------------------------------------- catalogue
    @handles(Catalogue)
    def catalogue(self, ctx: CommandContext, cmd: Catalogue) -> CommandResult:
        """Catalogue the dossier (编目): its reference code (档号) is in ``ids.reference_code``.

        The reference code, shelf, retention class and custody tiers are decided here; the
        reference-code counter is saved with the dossier.
        """

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(cmd.loan_no)
            dossier = self.dossier_of(loan)
            self.check_version(dossier, ctx)
            rules = self.rule_set()
            retention = rules.retention_of(self._doc_types(dossier))
            closed = closed_on(loan)
            series = Series(
                fonds=rules.reference.fonds,
                category=rules.reference.category,
                year=(closed or cmd.catalogued_on).year,
                retention=retention,
                department=rules.reference.department,
            )
            counter = self._series(series)
            # Refusals first: the counter must not move for a catalogue that is refused.
            dossier.check_catalogue_allowed(actor)
            item_no = counter.allocate(dossier_id=dossier.id)
            dossier.catalogue(
                reference_code=series.code(item_no),
                shelf_location=cmd.shelf_location,
                retention=retention,
                tier1_doc_types=rules.tier1_doc_types(),
                catalogued_on=cmd.catalogued_on,
                closed_on=closed,
                actor=actor,
            )
            ids = {"reference_code": series.code(item_no)}
            return Work(dossier, [dossier, counter], ids, loan.loan_no)

        return self.run(ctx, cmd, body)

    def _series(self, series: Series) -> ReferenceSeries:
        try:
            counter: Aggregate = self.repository.get(ReferenceSeries.create_id(series.key))
        except AggregateNotFoundError:
            return ReferenceSeries.start(series)
        assert isinstance(counter, ReferenceSeries)
        return counter

    @staticmethod
    def _doc_types(dossier: Dossier) -> list[str]:
        filed = [d.ref.doc_type for d in dossier.documents]
        received = [
            item.doc_type
            for t in dossier.transfers.values()
            for item in t.items
            if t.conditions.get(item.item_no) is ItemCondition.PRESENT
        ]
        return filed + received

    # -------------------------------------------------------------------- holds
    @handles(PlaceHold)
    def place_hold(
        self, ctx: CommandContext, cmd: PlaceHold, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Freeze the dossier (冻结) for litigation, audit or investigation; holds stack.

        The first hold puts the store's legal hold on every blob of the dossier.
        """
        first: list[Dossier] = []

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> None:
            was_free = not dossier.open_holds
            dossier.place_hold(**cmd.arguments(), actor=actor)
            if was_free:
                first.append(dossier)

        result = self.on_dossier(ctx, cmd, command, uploads)
        for dossier in first:
            self.mirror_legal_hold(dossier, on=True)
        return result

    @handles(ReleaseHold)
    def release_hold(
        self, ctx: CommandContext, cmd: ReleaseHold, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Release one hold (解除冻结).

        Releasing the last lifts the store's legal hold.
        """
        last: list[Dossier] = []

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> None:
            dossier.release_hold(**cmd.arguments(), actor=actor)
            if not dossier.open_holds:
                last.append(dossier)

        result = self.on_dossier(ctx, cmd, command, uploads)
        for dossier in last:
            self.mirror_legal_hold(dossier, on=False)
        return result

    # ------------------------------------------------------- retention, appraisal
    @handles(OpenAppraisal)
    def open_appraisal(self, ctx: CommandContext, cmd: OpenAppraisal) -> CommandResult:
        """Open the appraisal (鉴定) of a dossier whose retention has ended.

        The dossier cannot be lent meanwhile.
        """
        return self.on_dossier(
            ctx,
            cmd,
            lambda dossier, loan, actor: dossier.open_appraisal(
                **cmd.arguments("group_nos"),
                group=[self.party(n) for n in cmd.group_nos],
                actor=actor,
            ),
        )

    @handles(DecideAppraisal)
    def decide_appraisal(
        self, ctx: CommandContext, cmd: DecideAppraisal, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record the appraisal opinion (鉴定意见): destroy, or extend retention."""
        return self.on_dossier(
            ctx,
            cmd,
            lambda dossier, loan, actor: dossier.decide_appraisal(**cmd.arguments(), actor=actor),
            uploads,
        )

    @handles(ExtendRetention)
    def extend_retention(self, ctx: CommandContext, cmd: ExtendRetention) -> CommandResult:
        """Keep the dossier until a later date (延长保管期限)."""
        return self.on_dossier(
            ctx,
            cmd,
            lambda dossier, loan, actor: dossier.extend_retention(**cmd.arguments(), actor=actor),
        )

    def dossiers_past_retention(self, ctx: CommandContext, *, on: date) -> list[Dossier]:
        """Dossiers whose retention ended before ``on``, earliest first, of the loans the
        caller reaches.

        Read from the log itself: it scans for dossiers whose retention has started and loads
        each, so the answer is current the moment a command returns. The archive catalogue
        register (``archive_catalogue``) lists every dossier with its retention end. Each is
        brought up to date from the copy kept since the last time (``kept``): replaying
        every dossier in full made the archive room take a second on the 200-loan demo.
        """
        self.authorize_read(ctx)
        seen: dict[UUID, None] = {}
        for notification in self.notifications_of(DossierCustody.RetentionStarted):  # type: ignore[attr-defined]
            seen.setdefault(UUID(str(notification.originator_id)))
        found: list[Dossier] = []
        for dossier_id in seen:
            dossier: Aggregate = self.kept(dossier_id)  # only looked at: copied if listed
            assert isinstance(dossier, Dossier)
            if dossier.retention_ended(on) and self.covers(dossier):
                found.append(deepcopy(dossier))
        return sorted(found, key=lambda d: (d.retention_ends_on, d.reference_code or ""))

    # ----------------------------------------------------------------- plumbing
    def on_dossier(
        self,
        ctx: CommandContext,
        cmd: DossierCommand,
        command: DossierChange,
        uploads: Sequence[Upload] = (),
        also: Sequence[Aggregate] = (),
    ) -> CommandResult:
        """Run ``command`` on the loan's dossier, filing its documents there; ``also`` holds
        what else the command changed (filled in as it runs), saved in the same ``save()``. The
        result names the ids the command assigned besides those ``command`` returns."""

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(cmd.loan_no)
            dossier = self.dossier_of(loan)
            self.check_version(dossier, ctx)
            ids = {**cmd.assigned_ids(), **(command(dossier, loan, actor) or {})}
            self.file_documents(dossier, dossier, refs, actor)
            return Work(dossier, [dossier, *also], dict(ids), loan.loan_no)

        return self.run(ctx, cmd, body, uploads)
