"""Collateral (押品): registration, certificate custody (权证出入库), value, insurance, release.

A collateral belongs to a loan; its documents are filed in that loan's dossier, each
pointing at the collateral's event it evidences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.documents.ingest import Upload
from archive.reading import ReadQueries, RecordedEvent
from domain.authorization import Action
from domain.collateral import Collateral
from domain.errors import AlreadyExistsError
from domain.loan import Loan
from domain.values import Actor, CollateralKind, DocumentRef, Party

CollateralCommand = Callable[[Collateral, Loan, Actor, list[DocumentRef]], None]


class CollateralCommands(ArchiveCore):
    """What the lending side and the archive office record about a loan's collateral."""

    def register_collateral(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        collateral_no: str,
        kind: CollateralKind,
        description: str,
        owner_name: str,
        appraised_value: Decimal,
        appraised_on: date,
        registration_no: str,
        registered_on: date,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Register a collateral on a loan (押品登记), with its contract, valuation, certificate."""
        params: dict[str, Any] = {
            "collateral_no": collateral_no,
            "kind": kind,
            "description": description,
            "owner_name": owner_name,
            "appraised_value": appraised_value,
            "appraised_on": appraised_on,
            "registration_no": registration_no,
            "registered_on": registered_on,
        }

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(loan_no)
            collateral = Collateral.register(loan=loan, **params, actor=actor, documents=refs)
            if self.recorder.select_events(collateral.id, limit=1):
                raise AlreadyExistsError(
                    f"贷款 {loan.loan_no} 已登记押品 {collateral.collateral_no}",
                    f"collateral {collateral.collateral_no} is already registered on loan "
                    f"{loan.loan_no}",
                )
            return self._filed(loan, collateral, refs, actor)

        return self._execute(
            ctx, Action.REGISTER_COLLATERAL, {"loan_no": loan_no, **params}, body, uploads
        )

    def lodge_certificate(
        self,
        ctx: CommandContext,
        loan_no: str,
        collateral_no: str,
        *,
        certificate_no: str,
        lodged_on: date,
        custodian_nos: Sequence[str],
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Lodge the title certificate in the vault (权证入库), two custodians present."""
        params = {
            "certificate_no": certificate_no,
            "lodged_on": lodged_on,
            "custodian_nos": list(custodian_nos),
        }
        return self.on_collateral(
            ctx,
            Action.LODGE_CERTIFICATE,
            loan_no,
            collateral_no,
            params,
            lambda collateral, loan, actor, refs: collateral.lodge_certificate(
                certificate_no=certificate_no,
                lodged_on=lodged_on,
                custodians=self._parties(custodian_nos),
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def take_out_certificate(
        self,
        ctx: CommandContext,
        loan_no: str,
        collateral_no: str,
        *,
        taken_out_on: date,
        purpose: str,
        custodian_nos: Sequence[str],
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Take the title certificate out of the vault (权证出库), two custodians present."""
        params = {
            "taken_out_on": taken_out_on,
            "purpose": purpose,
            "custodian_nos": list(custodian_nos),
        }
        return self.on_collateral(
            ctx,
            Action.TAKE_OUT_CERTIFICATE,
            loan_no,
            collateral_no,
            params,
            lambda collateral, loan, actor, refs: collateral.take_out_certificate(
                taken_out_on=taken_out_on,
                purpose=purpose,
                custodians=self._parties(custodian_nos),
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def return_certificate(
        self,
        ctx: CommandContext,
        loan_no: str,
        collateral_no: str,
        *,
        returned_on: date,
        custodian_nos: Sequence[str],
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Return the title certificate to the vault (权证归还), two custodians present."""
        params = {"returned_on": returned_on, "custodian_nos": list(custodian_nos)}
        return self.on_collateral(
            ctx,
            Action.RETURN_CERTIFICATE,
            loan_no,
            collateral_no,
            params,
            lambda collateral, loan, actor, refs: collateral.return_certificate(
                returned_on=returned_on,
                custodians=self._parties(custodian_nos),
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def revalue_collateral(
        self,
        ctx: CommandContext,
        loan_no: str,
        collateral_no: str,
        *,
        revalued_on: date,
        value: Decimal,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Record a revaluation (重估) with its report."""
        return self.on_collateral(
            ctx,
            Action.REVALUE_COLLATERAL,
            loan_no,
            collateral_no,
            {"revalued_on": revalued_on, "value": value},
            lambda collateral, loan, actor, refs: collateral.revalue(
                revalued_on=revalued_on, value=value, actor=actor, documents=refs
            ),
            uploads,
        )

    def renew_insurance(
        self,
        ctx: CommandContext,
        loan_no: str,
        collateral_no: str,
        *,
        policy_no: str,
        insurer: str,
        expires_on: date,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Record the policy now insuring the collateral (续保) with the policy itself."""
        return self.on_collateral(
            ctx,
            Action.RENEW_INSURANCE,
            loan_no,
            collateral_no,
            {"policy_no": policy_no, "insurer": insurer, "expires_on": expires_on},
            lambda collateral, loan, actor, refs: collateral.renew_insurance(
                policy_no=policy_no,
                insurer=insurer,
                expires_on=expires_on,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def record_insurance_lapse(
        self, ctx: CommandContext, loan_no: str, collateral_no: str, *, lapsed_on: date
    ) -> CommandResult:
        """Record that the collateral's insurance has lapsed (脱保)."""
        return self.on_collateral(
            ctx,
            Action.RECORD_INSURANCE_LAPSE,
            loan_no,
            collateral_no,
            {"lapsed_on": lapsed_on},
            lambda collateral, loan, actor, refs: collateral.record_insurance_lapse(
                lapsed_on=lapsed_on, actor=actor
            ),
        )

    def release_collateral(
        self,
        ctx: CommandContext,
        loan_no: str,
        collateral_no: str,
        *,
        released_on: date,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Release the collateral (注销), with the release certificate."""
        return self.on_collateral(
            ctx,
            Action.RELEASE_COLLATERAL,
            loan_no,
            collateral_no,
            {"released_on": released_on, "reason": reason},
            lambda collateral, loan, actor, refs: collateral.release(
                released_on=released_on, reason=reason, loan=loan, actor=actor, documents=refs
            ),
            uploads,
        )

    # ------------------------------------------------------------------ plumbing
    def on_collateral(
        self,
        ctx: CommandContext,
        action: Action,
        loan_no: str,
        collateral_no: str,
        params: Mapping[str, Any],
        command: CollateralCommand,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Run ``command`` on one collateral of a loan, filing its documents in the dossier."""

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(loan_no)
            collateral = self.collateral_of(loan, collateral_no)
            self.check_version(collateral, ctx)
            command(collateral, loan, actor, refs)
            return self._filed(loan, collateral, refs, actor)

        all_params = {"loan_no": loan_no, "collateral_no": collateral_no, **params}
        return self._execute(ctx, action, all_params, body, uploads)

    def _filed(
        self, loan: Loan, collateral: Collateral, refs: list[DocumentRef], actor: Actor
    ) -> Work:
        """The work of a collateral command: the collateral, and the dossier if documents came."""
        touched: list[Aggregate] = [collateral]
        if refs:
            dossier = self.dossier_of(loan)
            self.file_documents(dossier, collateral, refs, actor)
            touched.append(dossier)
        ids = {"collateral_id": str(collateral.id)}
        return Work(collateral, touched, ids, loan.loan_no)

    def _parties(self, staff_nos: Sequence[str]) -> list[Party]:
        return [self.party(staff_no) for staff_no in staff_nos]


class CollateralQueries(ReadQueries):
    """A loan's collateral as it stands now, and each collateral's events."""

    def get_collateral(self, ctx: CommandContext, loan_no: str, collateral_no: str) -> Collateral:
        self.authorize_read(ctx)
        return self.collateral_of(self.loan(loan_no), collateral_no)

    def list_collateral(self, ctx: CommandContext, loan_no: str) -> list[Collateral]:
        """A loan's collateral in registration order.

        Read from the log itself, so current the moment a command returns: it scans every
        registration and keeps the loan's own. The collateral register (押品台账,
        ``collateral``) is the filtered, sorted and paged view across loans.
        """
        self.authorize_read(ctx)
        loan = self.loan(loan_no)
        found: list[Collateral] = []
        for notification in self.notifications_of(Collateral.Registered):  # type: ignore[attr-defined]
            if getattr(self.mapper.to_domain_event(notification), "loan_id", None) != loan.id:
                continue
            collateral: Aggregate = self.repository.get(UUID(str(notification.originator_id)))
            assert isinstance(collateral, Collateral)
            found.append(collateral)
        return found

    def collateral_events(
        self, ctx: CommandContext, loan_no: str, collateral_no: str
    ) -> list[RecordedEvent]:
        """Every event of one collateral in order, with its place in the global sequence."""
        self.authorize_read(ctx)
        return self._positioned_events(self.collateral_of(self.loan(loan_no), collateral_no).id)
