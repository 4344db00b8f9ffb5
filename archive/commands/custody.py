"""The archive office (档案室): transfer, cataloguing, holds, retention and appraisal.

Every command runs on the loan's dossier through :meth:`ArchiveCore._execute`; documents
(a transfer list, an appraisal opinion) are optional and are filed in the same dossier,
pointing at the dossier's own event they evidence. Receiving a transfer files the signed
transfer list (移交清单) it renders (archive/documents/paperwork.py). Cataloguing saves the reference-code
counter in the same ``save()`` as the dossier, so a reference code is never handed out twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.documents.ingest import Upload
from archive.documents.paperwork import transfer_receipt_upload
from domain.authorization import Action
from domain.custody import DossierCustody
from domain.dossier import Dossier
from domain.loan import Loan
from domain.reference import ReferenceSeries, Series
from domain.values import (
    Actor,
    AppraisalOpinion,
    DocumentRef,
    HoldKind,
    ItemCondition,
    TransferKind,
)

DossierCommand = Callable[[Dossier, Loan, Actor], Mapping[str, str] | None]


def closed_on(loan: Loan) -> date | None:
    """The day the loan closed for the archive: settled or written off, whichever came first."""
    days = [d for d in (loan.settled_on, loan.written_off_on) if d is not None]
    return min(days, default=None)


def start_retention_on_close(loan: Loan, dossier: Dossier, actor: Actor) -> bool:
    """At settlement or write-off, start the retention of a dossier catalogued before."""
    day = closed_on(loan)
    return day is not None and dossier.start_retention(closed_on=day, actor=actor)


class CustodyCommands(ArchiveCore):
    """What the archive office records about a loan's dossier."""

    # ----------------------------------------------------------------- transfer
    def list_transfer(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        kind: TransferKind,
        items: Sequence[Mapping[str, Any]],
        listed_on: date,
        signed_on: date | None = None,
        uploads: Sequence[Upload] = (),
        transfer_id: UUID | None = None,
    ) -> CommandResult:
        """List a transfer to the archive office (移交): contract originals, or the full dossier."""
        new_id = transfer_id or uuid4()
        plain = [dict(i) for i in items]
        params = {"kind": kind, "items": plain, "listed_on": listed_on, "signed_on": signed_on}

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> Mapping[str, str]:
            rules = self.rule_set()
            for item in plain:
                rules.document_type(str(item.get("doc_type", "")))
            dossier.list_transfer(
                transfer_id=new_id,
                kind=kind,
                items=plain,
                listed_on=listed_on,
                signed_on=signed_on
                or (loan.value_date if kind is TransferKind.ORIGINALS else None),
                loan_status=loan.status,
                originals_working_days=rules.originals_transfer_working_days,
                actor=actor,
            )
            due_on = dossier.transfers[new_id].due_on
            return {"transfer_id": str(new_id), "due_on": due_on.isoformat() if due_on else ""}

        return self.on_dossier(ctx, Action.LIST_TRANSFER, loan_no, params, command, uploads)

    def receive_transfer(
        self,
        ctx: CommandContext,
        loan_no: str,
        transfer_id: UUID,
        *,
        checks: Sequence[Mapping[str, Any]],
        received_on: date,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Check each listed item and sign the receipt; missing or damaged items become defects."""
        plain = [
            {**c, "condition": ItemCondition.parse(c.get("condition"), "condition")} for c in checks
        ]
        params = {"transfer_id": transfer_id, "checks": plain, "received_on": received_on}

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> Mapping[str, str]:
            defects = dossier.receive_transfer(
                transfer_id=transfer_id, checks=plain, received_on=received_on, actor=actor
            )
            ids = {"transfer_id": str(transfer_id)}
            for defect_id in defects:
                ids[f"defect:{dossier.defects[defect_id].item_no}"] = str(defect_id)
            return ids

        receipt = self._transfer_receipt(ctx, loan_no, transfer_id, plain, received_on)
        return self.on_dossier(
            ctx, Action.RECEIVE_TRANSFER, loan_no, params, command, [*uploads, receipt]
        )

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

    def clear_defect(
        self,
        ctx: CommandContext,
        loan_no: str,
        defect_id: UUID,
        *,
        cleared_on: date,
        note: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Close a transfer defect (补交 / 说明)."""
        params = {"defect_id": defect_id, "cleared_on": cleared_on, "note": note}
        return self.on_dossier(
            ctx,
            Action.CLEAR_DEFECT,
            loan_no,
            params,
            lambda dossier, loan, actor: dossier.clear_defect(
                defect_id=defect_id, cleared_on=cleared_on, note=note, actor=actor
            ),
            uploads,
        )

    # ---------------------------------------------------------------- catalogue
    def catalogue(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        shelf_location: str,
        catalogued_on: date,
    ) -> CommandResult:
        """Catalogue the dossier (编目): reference code, shelf, retention class, custody tiers."""
        params = {"shelf_location": shelf_location, "catalogued_on": catalogued_on}

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(loan_no)
            dossier = self.dossier_of(loan)
            self.check_version(dossier, ctx)
            rules = self.rule_set()
            retention = rules.retention_of(self._doc_types(dossier))
            closed = closed_on(loan)
            series = Series(
                fonds=rules.reference.fonds,
                category=rules.reference.category,
                year=(closed or catalogued_on).year,
                retention=retention,
                department=rules.reference.department,
            )
            counter = self._series(series)
            # Refusals first: the counter must not move for a catalogue that is refused.
            dossier.check_catalogue_allowed(actor)
            item_no = counter.allocate(dossier_id=dossier.id)
            dossier.catalogue(
                reference_code=series.code(item_no),
                shelf_location=shelf_location,
                retention=retention,
                tier1_doc_types=rules.tier1_doc_types(),
                catalogued_on=catalogued_on,
                closed_on=closed,
                actor=actor,
            )
            ids = {"reference_code": series.code(item_no)}
            return Work(dossier, [dossier, counter], ids, loan.loan_no)

        return self._execute(ctx, Action.CATALOGUE, {"loan_no": loan_no, **params}, body)

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
    def place_hold(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        kind: HoldKind,
        reason: str,
        reference: str,
        placed_on: date,
        uploads: Sequence[Upload] = (),
        hold_id: UUID | None = None,
    ) -> CommandResult:
        """Freeze the dossier (冻结); the first hold puts the store's legal hold on every blob."""
        new_id = hold_id or uuid4()
        params = {"kind": kind, "reason": reason, "reference": reference, "placed_on": placed_on}
        first: list[Dossier] = []

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> Mapping[str, str]:
            was_free = not dossier.open_holds
            dossier.place_hold(
                hold_id=new_id,
                kind=kind,
                reason=reason,
                reference=reference,
                placed_on=placed_on,
                actor=actor,
            )
            if was_free:
                first.append(dossier)
            return {"hold_id": str(new_id)}

        result = self.on_dossier(ctx, Action.PLACE_HOLD, loan_no, params, command, uploads)
        for dossier in first:
            self.mirror_legal_hold(dossier, on=True)
        return result

    def release_hold(
        self,
        ctx: CommandContext,
        loan_no: str,
        hold_id: UUID,
        *,
        reason: str,
        released_on: date,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Release one hold (解除冻结); releasing the last lifts the store's legal hold."""
        params = {"hold_id": hold_id, "reason": reason, "released_on": released_on}
        last: list[Dossier] = []

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> None:
            dossier.release_hold(
                hold_id=hold_id, reason=reason, released_on=released_on, actor=actor
            )
            if not dossier.open_holds:
                last.append(dossier)

        result = self.on_dossier(ctx, Action.RELEASE_HOLD, loan_no, params, command, uploads)
        for dossier in last:
            self.mirror_legal_hold(dossier, on=False)
        return result

    # ------------------------------------------------------- retention, appraisal
    def open_appraisal(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        opened_on: date,
        group_nos: Sequence[str],
        appraisal_id: UUID | None = None,
    ) -> CommandResult:
        """Open the appraisal (鉴定) of an expired dossier; it cannot be lent meanwhile."""
        new_id = appraisal_id or uuid4()
        params = {"opened_on": opened_on, "group_nos": list(group_nos)}

        def command(dossier: Dossier, loan: Loan, actor: Actor) -> Mapping[str, str]:
            dossier.open_appraisal(
                appraisal_id=new_id,
                opened_on=opened_on,
                group=[self.party(n) for n in group_nos],
                actor=actor,
            )
            return {"appraisal_id": str(new_id)}

        return self.on_dossier(ctx, Action.OPEN_APPRAISAL, loan_no, params, command)

    def decide_appraisal(
        self,
        ctx: CommandContext,
        loan_no: str,
        appraisal_id: UUID,
        *,
        opinion: AppraisalOpinion,
        text: str,
        decided_on: date,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Record the appraisal opinion (鉴定意见): destroy, or extend retention."""
        params = {
            "appraisal_id": appraisal_id,
            "opinion": opinion,
            "text": text,
            "decided_on": decided_on,
        }
        return self.on_dossier(
            ctx,
            Action.DECIDE_APPRAISAL,
            loan_no,
            params,
            lambda dossier, loan, actor: dossier.decide_appraisal(
                appraisal_id=appraisal_id,
                opinion=opinion,
                text=text,
                decided_on=decided_on,
                actor=actor,
            ),
            uploads,
        )

    def extend_retention(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        ends_on: date,
        reason: str,
        extended_on: date,
        appraisal_id: UUID | None = None,
    ) -> CommandResult:
        """Keep the dossier until a later date (延长保管期限)."""
        params = {
            "ends_on": ends_on,
            "reason": reason,
            "extended_on": extended_on,
            "appraisal_id": appraisal_id,
        }
        return self.on_dossier(
            ctx,
            Action.EXTEND_RETENTION,
            loan_no,
            params,
            lambda dossier, loan, actor: dossier.extend_retention(
                ends_on=ends_on,
                reason=reason,
                extended_on=extended_on,
                appraisal_id=appraisal_id,
                actor=actor,
            ),
        )

    def dossiers_past_retention(self, ctx: CommandContext, *, on: date) -> list[Dossier]:
        """Dossiers whose retention ended before ``on``, earliest first, of the loans the
        caller reaches.

        Read from the log itself: it scans for dossiers whose retention has started and loads
        each, so the answer is current the moment a command returns. The archive catalogue
        register (``archive_catalogue``) lists every dossier with its retention end.
        """
        self.authorize_read(ctx)
        seen: dict[UUID, None] = {}
        for notification in self.notifications_of(DossierCustody.RetentionStarted):  # type: ignore[attr-defined]
            seen.setdefault(UUID(str(notification.originator_id)))
        found: list[Dossier] = []
        for dossier_id in seen:
            dossier: Aggregate = self.repository.get(dossier_id)
            assert isinstance(dossier, Dossier)
            if dossier.retention_ended(on) and self.covers(dossier):
                found.append(dossier)
        return sorted(found, key=lambda d: (d.retention_ends_on, d.reference_code or ""))

    # ----------------------------------------------------------------- plumbing
    def on_dossier(
        self,
        ctx: CommandContext,
        action: Action,
        loan_no: str,
        params: Mapping[str, Any],
        command: DossierCommand,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Run ``command`` on the loan's dossier, filing its documents there."""

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(loan_no)
            dossier = self.dossier_of(loan)
            self.check_version(dossier, ctx)
            ids = command(dossier, loan, actor) or {}
            evidenced_version = dossier.version
            stages = self.stages_of(refs)
            for ref in refs:
                dossier.file(
                    document=ref,
                    stage=stages[ref.doc_type],
                    evidences_id=dossier.id,
                    evidences_version=evidenced_version,
                    actor=actor,
                )
            return Work(dossier, [dossier], dict(ids), loan.loan_no)

        return self._execute(ctx, action, {"loan_no": loan_no, **params}, body, uploads)
