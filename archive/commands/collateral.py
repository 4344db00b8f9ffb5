"""Collateral (押品): registration, certificate custody (权证出入库), value, insurance, release.

A collateral belongs to a loan; its documents are filed in that loan's dossier, each
pointing at the collateral's event it evidences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.documents.ingest import Upload
from archive.fields import MULTILINE, ONE_LINE, Code, Number, PositiveMoney, Sentence, Short, Text
from archive.reading import ReadQueries, RecordedEvent
from domain.authorization import Action
from domain.collateral import Collateral
from domain.errors import AlreadyExistsError
from domain.loan import Loan
from domain.values import Actor, CollateralKind, DocumentRef, Party

CollateralChange = Callable[[Collateral, Loan, Actor, list[DocumentRef]], None]
"""What a command does to the collateral (the loan at hand, the documents it cites)."""

Custodians = Annotated[
    list[Short],
    Field(
        max_length=10,
        description="staff numbers of the two archivists present (两名保管人工号), you among them",
    ),
]


class RegisterCollateral(LoanCommand):
    action = Action.REGISTER_COLLATERAL

    collateral_no: Number = Field(description="the collateral's number on this loan (押品编号)")
    kind: CollateralKind
    description: Annotated[str, Field(min_length=1, max_length=500), MULTILINE]
    owner_name: Short
    appraised_value: PositiveMoney
    appraised_on: date
    registration_no: Annotated[str, Field(max_length=64), ONE_LINE] = Field(
        default="", description="抵押登记证明号; empty until the security is registered"
    )
    registered_on: date


class CollateralCommand(LoanCommand):
    """A command on one collateral of a loan, named by the loan's and its own number (押品编号)."""

    path: ClassVar[tuple[str, ...]] = ("loan_no", "collateral_no")

    collateral_no: Number

    def arguments(self, *but: str) -> dict[str, Any]:
        """The fields but the collateral's number too: the collateral is what the command is on."""
        return super().arguments("collateral_no", *but)


class LodgeCertificate(CollateralCommand):
    action = Action.LODGE_CERTIFICATE

    certificate_no: Code
    lodged_on: date
    custodian_nos: Custodians


class TakeOutCertificate(CollateralCommand):
    action = Action.TAKE_OUT_CERTIFICATE

    taken_out_on: date
    purpose: Sentence
    custodian_nos: Custodians


class ReturnCertificate(CollateralCommand):
    action = Action.RETURN_CERTIFICATE

    returned_on: date
    custodian_nos: Custodians


class RevalueCollateral(CollateralCommand):
    action = Action.REVALUE_COLLATERAL

    revalued_on: date
    value: PositiveMoney


class RenewInsurance(CollateralCommand):
    action = Action.RENEW_INSURANCE

    policy_no: Code
    insurer: Short
    expires_on: date


class RecordInsuranceLapse(CollateralCommand):
    action = Action.RECORD_INSURANCE_LAPSE
    files_documents = False

    lapsed_on: date


class ReleaseCollateral(CollateralCommand):
    action = Action.RELEASE_COLLATERAL

    released_on: date
    reason: Text


class CollateralCommands(ArchiveCore):
    """What the lending side and the archive office record about a loan's collateral."""

    @handles(RegisterCollateral)
    def register_collateral(
        self, ctx: CommandContext, cmd: RegisterCollateral, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Register a collateral on the loan (押品登记) with its contract, valuation, certificate."""

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(cmd.loan_no)
            collateral = Collateral.register(
                loan=loan,
                **cmd.arguments(),
                actor=actor,
                documents=refs,
            )
            if self.recorder.select_events(collateral.id, limit=1):
                raise AlreadyExistsError(
                    f"贷款 {loan.loan_no} 已登记押品 {collateral.collateral_no}",
                    f"collateral {collateral.collateral_no} is already registered on loan "
                    f"{loan.loan_no}",
                )
            return self._filed(loan, collateral, refs, actor)

        return self.run(ctx, cmd, body, uploads)

    @handles(LodgeCertificate)
    def lodge_certificate(
        self, ctx: CommandContext, cmd: LodgeCertificate, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Lodge the title certificate in the vault (权证入库), two archivists present."""
        return self._certificate_moved(
            ctx, cmd, Collateral.lodge_certificate, cmd.custodian_nos, uploads
        )

    @handles(TakeOutCertificate)
    def take_out_certificate(
        self, ctx: CommandContext, cmd: TakeOutCertificate, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Take the title certificate out of the vault (权证出库), two archivists present."""
        return self._certificate_moved(
            ctx, cmd, Collateral.take_out_certificate, cmd.custodian_nos, uploads
        )

    @handles(ReturnCertificate)
    def return_certificate(
        self, ctx: CommandContext, cmd: ReturnCertificate, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Return the title certificate to the vault (权证归还), two archivists present."""
        return self._certificate_moved(
            ctx, cmd, Collateral.return_certificate, cmd.custodian_nos, uploads
        )

    @handles(RevalueCollateral)
    def revalue_collateral(
        self, ctx: CommandContext, cmd: RevalueCollateral, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a revaluation (重估) with its report."""
        return self.on_collateral(
            ctx,
            cmd,
            lambda collateral, loan, actor, refs: collateral.revalue(
                **cmd.arguments(), actor=actor, documents=refs
            ),
            uploads,
        )

    @handles(RenewInsurance)
    def renew_insurance(
        self, ctx: CommandContext, cmd: RenewInsurance, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record the policy now insuring the collateral (续保) with the policy itself."""
        return self.on_collateral(
            ctx,
            cmd,
            lambda collateral, loan, actor, refs: collateral.renew_insurance(
                **cmd.arguments(), actor=actor, documents=refs
            ),
            uploads,
        )

    @handles(RecordInsuranceLapse)
    def record_insurance_lapse(
        self, ctx: CommandContext, cmd: RecordInsuranceLapse
    ) -> CommandResult:
        """Record that the collateral's insurance has lapsed (脱保)."""
        return self.on_collateral(
            ctx,
            cmd,
            lambda collateral, loan, actor, refs: collateral.record_insurance_lapse(
                **cmd.arguments(), actor=actor
            ),
        )

    @handles(ReleaseCollateral)
    def release_collateral(
        self, ctx: CommandContext, cmd: ReleaseCollateral, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Release the collateral (注销): the branch head, or after settlement the account manager.

        The release certificate is filed with it.
        """
        return self.on_collateral(
            ctx,
            cmd,
            lambda collateral, loan, actor, refs: collateral.release(
                **cmd.arguments(),
                loan=loan,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    # ------------------------------------------------------------------ plumbing
    def on_collateral(
        self,
        ctx: CommandContext,
        cmd: CollateralCommand,
        command: CollateralChange,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Run ``command`` on one collateral of a loan, filing its documents in the dossier."""

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(cmd.loan_no)
            collateral = self.collateral_of(loan, cmd.collateral_no)
            self.check_version(collateral, ctx)
            command(collateral, loan, actor, refs)
            return self._filed(loan, collateral, refs, actor)

        return self.run(ctx, cmd, body, uploads)

    def _certificate_moved(
        self,
        ctx: CommandContext,
        cmd: CollateralCommand,
        move: Callable[..., None],
        custodian_nos: Sequence[str],
        uploads: Sequence[Upload],
    ) -> CommandResult:
        """:meth:`on_collateral` moving the title certificate (``move``) with the command's
        fields, the two archivists present named by their staff numbers."""
        return self.on_collateral(
            ctx,
            cmd,
            lambda collateral, loan, actor, refs: move(
                collateral,
                **cmd.arguments("custodian_nos"),
                custodians=self._parties(custodian_nos),
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

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
