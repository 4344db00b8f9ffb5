"""Lending (借阅): request, approval, check-out, return, electronic copies, overdue reminders.

Every command saves what it touches in one ``save()``: a check-out or return saves the
borrowing with the dossier's :class:`~domain.borrowing.Circulation`, so two concurrent
check-outs of one item conflict (409) instead of both succeeding. Handing originals out or
issuing an electronic copy files the borrow slip (借阅单) in the dossier (archive/documents/paperwork.py).

The archive office's own work on the dossier (cataloguing, custody tiers, appraisal) is
read through ``getattr`` with the defaults that hold before it exists: no reference
code, not under appraisal, every item custody tier 2.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from hashlib import sha256 as sha256_of
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import ConfigDict, Field
from pypdf import PdfReader, PdfWriter

from archive.commands import Command, LoanCommand, handles
from archive.core import CommandContext, CommandResult, Work
from archive.documents.copies import watermarked_copy
from archive.documents.ingest import Upload
from archive.documents.paperwork import BORROW_SLIP_TYPE, borrow_slip_upload
from archive.fields import MULTILINE, ONE_LINE, Version
from archive.reading import ReadQueries
from archive.rules import RulesCommands
from domain.authorization import Action, register_read
from domain.borrowing import Borrowing, Circulation
from domain.display import person
from domain.dossier import Dossier
from domain.errors import (
    CopyNotReproducibleError,
    CopyNotStampableError,
    DossierUnderAppraisalError,
    NotCataloguedError,
    NotFoundError,
)
from domain.numbering import FormKind
from domain.rules import RuleSet
from domain.values import Actor, BorrowingForm, BorrowingPurpose, BorrowingStatus, DocumentRef

BorrowingCommand_ = Callable[[Borrowing, Dossier, Actor], Sequence[Aggregate] | None]
"""What a command does to the borrowing (and the dossier): the other aggregates it changed."""


def custody_tier(dossier: Dossier, sha256: str, rules: RuleSet) -> int:
    """The custody tier of a filed item: 1 for title certificates and securities, else 2.

    Decided at cataloguing; before it, the tier its document type has in the rules in force
    (``type_defaults.custody_tier`` for a type no longer in the catalogue), so an uncatalogued
    title certificate is never lent on a tier-2 approval.
    """
    try:
        return dossier.custody_tier_of(sha256)
    except NotCataloguedError:
        return rules.custody_tier_of_type(dossier.filed(sha256).ref.doc_type)


def check_not_under_appraisal(dossier: Dossier) -> None:
    if getattr(dossier, "under_appraisal", False):
        raise DossierUnderAppraisalError(
            "档案正在鉴定中，不能借阅", "the dossier is under appraisal: it cannot be lent"
        )


@dataclass(frozen=True)
class ElectronicCopy:
    """The watermarked PDF handed to the borrower, and the command that recorded it."""

    result: CommandResult
    content: bytes
    sha256: str
    filename: str


Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$"), ONE_LINE]
Pages = dict[Sha256, Annotated[int, Field(ge=0, le=100_000)]]
"""The pages of each item, counted at the counter (清点页数)."""
Remark = Annotated[str, Field(max_length=1000), MULTILINE]
Reason = Annotated[Remark, Field(min_length=1)]


class RequestBorrowing(LoanCommand):
    """A borrowing form (借阅单): whole dossier unless ``documents`` lists some of it."""

    # The desk's forms have always ignored fields they do not know.
    model_config = ConfigDict(extra="ignore")
    action = Action.REQUEST_BORROWING
    files_documents = False

    expected_version: Version | None = None
    purpose: BorrowingPurpose
    form: BorrowingForm = BorrowingForm.ORIGINAL
    reason: Reason
    requested_on: date
    due_on: date | None = None
    documents: list[Sha256] | None = Field(default=None, min_length=1, max_length=500)


class BorrowingCommand(Command):
    """A command on one borrowing, named by its id in the path."""

    model_config = ConfigDict(extra="ignore")
    path = ("borrowing_id",)
    files_documents = False

    expected_version: Version | None = None
    borrowing_id: UUID

    def arguments(self, *but: str) -> dict[str, Any]:
        """The fields but the borrowing's id too: the borrowing is what the command is on."""
        return super().arguments("borrowing_id", *but)


class ApproveBorrowing(BorrowingCommand):
    action = Action.APPROVE_BORROWING

    due_on: date | None = None
    archivist_no: Annotated[str, Field(min_length=1, max_length=64), ONE_LINE] | None = None
    reason: Remark = ""


class RejectBorrowing(BorrowingCommand):
    action = Action.REJECT_BORROWING

    reason: Reason


class CheckOut(BorrowingCommand):
    """The pages of each item, counted at the counter (清点页数)."""

    action = Action.CHECK_OUT_BORROWING

    checked_out_on: date = Field(alias="on")
    pages: Pages


class ReturnBorrowing(BorrowingCommand):
    """The pages of each item, counted at the counter (清点页数)."""

    action = Action.RETURN_BORROWING

    returned_on: date = Field(alias="on")
    pages: Pages


class CloseBorrowing(BorrowingCommand):
    action = Action.CLOSE_BORROWING

    closed_on: date
    reason: Remark = ""


class IssueElectronicCopy(BorrowingCommand):
    action = Action.ISSUE_ELECTRONIC_COPY

    issued_on: date
    expires_on: date | None = None


class NoteOverdueBorrowings(Command):
    model_config = ConfigDict(extra="ignore")
    action = Action.NOTE_OVERDUE_BORROWINGS
    files_documents = False

    expected_version: Version | None = None
    on: date


class BorrowingCommands(ReadQueries, RulesCommands):
    """The circulation desk (借阅登记): from the request to the closed borrowing."""

    @handles(RequestBorrowing)
    def request_borrowing(self, ctx: CommandContext, cmd: RequestBorrowing) -> CommandResult:
        """Ask to borrow the dossier or listed documents of it (借阅申请)."""

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(cmd.loan_no)
            dossier = self.dossier_of(loan)
            check_not_under_appraisal(dossier)
            whole = cmd.documents is None
            # The whole dossier is its papers, not the desk's slips of earlier borrowings.
            items = (
                [d.ref.sha256 for d in dossier.documents if d.ref.doc_type != BORROW_SLIP_TYPE]
                if whole
                else list(cmd.documents or ())
            )
            for sha in items:
                dossier.filed(sha)
            rules = self.rule_set()
            book = self.number_book(FormKind.BORROWING, cmd.requested_on.year)
            borrowing = Borrowing.request(
                dossier_id=dossier.id,
                loan_id=loan.id,
                loan_no=loan.loan_no,
                borrow_no=book.take(),
                reference_code=getattr(dossier, "reference_code", None),
                **cmd.arguments("documents"),
                items=items,
                whole_dossier=whole,
                tier_one_items=[sha for sha in items if custody_tier(dossier, sha, rules) == 1],
                rules=rules.borrowing,
                actor=actor,
            )
            ids = {"borrowing_id": str(borrowing.id), "borrow_no": borrowing.borrow_no}
            return Work(borrowing, [borrowing, book], ids, loan.loan_no)

        return self.run(ctx, cmd, body)

    @handles(ApproveBorrowing)
    def approve_borrowing(self, ctx: CommandContext, cmd: ApproveBorrowing) -> CommandResult:
        """Approve (审批): the archive head; for tier-1 items the branch head as well."""
        return self.on_borrowing(
            ctx,
            cmd,
            lambda b, d, actor: b.approve(
                **cmd.arguments("archivist_no"),
                archivist=self.party(cmd.archivist_no) if cmd.archivist_no else None,
                actor=actor,
            ),
        )

    @handles(RejectBorrowing)
    def reject_borrowing(self, ctx: CommandContext, cmd: RejectBorrowing) -> CommandResult:
        """Refuse the borrowing (驳回), with the reason."""
        return self.on_borrowing(
            ctx, cmd, lambda b, d, actor: b.reject(**cmd.arguments(), actor=actor)
        )

    @handles(CheckOut)
    def check_out(self, ctx: CommandContext, cmd: CheckOut) -> CommandResult:
        """Hand the originals out (借出), the pages of each item counted."""

        def command(b: Borrowing, dossier: Dossier, actor: Actor) -> list[Aggregate]:
            check_not_under_appraisal(dossier)
            circulation = self.circulation_of(dossier)
            b.check_out(
                **cmd.arguments(),
                circulation=circulation,
                actor=actor,
            )
            return [circulation]

        slip = self._borrow_slip(ctx, cmd.action, cmd.borrowing_id, cmd.pages)
        return self.on_borrowing(ctx, cmd, command, [slip])

    def _borrow_slip(
        self,
        ctx: CommandContext,
        action: Action,
        borrowing_id: UUID,
        pages: Mapping[str, int] | None,
    ) -> Upload:
        """The borrow slip (借阅单) the hand-out files in the dossier; only its archivist's."""
        self.actor(ctx, action)
        borrowing = self.borrowing(borrowing_id)
        dossier = self._load(Dossier, borrowing.dossier_id, "档案", "dossier")
        return borrow_slip_upload(
            borrowing,
            dossier,
            pages=pages,
            names=self.form_name,
            types=self.rule_set().document_types,
        )

    @handles(ReturnBorrowing)
    def return_borrowing(self, ctx: CommandContext, cmd: ReturnBorrowing) -> CommandResult:
        """Take the originals back (归还); a page shortfall is recorded and escalated."""

        def command(b: Borrowing, dossier: Dossier, actor: Actor) -> list[Aggregate]:
            circulation = self.circulation_of(dossier)
            b.return_items(
                **cmd.arguments(),
                circulation=circulation,
                escalate_to=self.rule_set().borrowing.shortfall_escalated_to,
                actor=actor,
            )
            return [circulation]

        return self.on_borrowing(ctx, cmd, command)

    @handles(CloseBorrowing)
    def close_borrowing(self, ctx: CommandContext, cmd: CloseBorrowing) -> CommandResult:
        """Close the borrowing (结案); with pages missing, the archive head with a reason."""
        return self.on_borrowing(
            ctx, cmd, lambda b, d, actor: b.close(**cmd.arguments(), actor=actor)
        )

    @handles(IssueElectronicCopy)
    def issue_electronic_copy(
        self, ctx: CommandContext, cmd: IssueElectronicCopy
    ) -> ElectronicCopy:
        """The watermarked PDF for the borrower (电子副本); its hash is recorded before it is sent.

        The stored bytes are read through the same checked path as every document read
        (refused if they no longer hash to their filing) and stamped with the same
        watermark machinery; the hashes of the copies are recorded in the borrowing.
        """
        made: dict[str, bytes] = {}
        issued_on, expires_on = cmd.issued_on, cmd.expires_on

        def command(b: Borrowing, dossier: Dossier, actor: Actor) -> list[Aggregate]:
            check_not_under_appraisal(dossier)
            content, copies = self._render_copy(b, dossier, issued_on, expires_on or b.due_on)
            made["content"] = content
            b.issue_electronic_copy(
                issued_on=issued_on,
                expires_on=expires_on,
                copies=copies,
                copy_sha256=sha256_of(content).hexdigest(),
                actor=actor,
            )
            return []

        slip = self._borrow_slip(ctx, cmd.action, cmd.borrowing_id, None)
        result = self.on_borrowing(ctx, cmd, command, [slip])
        borrowing = self.borrowing(cmd.borrowing_id)
        content = made.get("content")
        if content is None:
            # A retried request (same idempotency key): the copy was recorded before. The
            # stamping is deterministic, so the same bytes are made again and checked
            # against the recorded hash before they are handed over.
            dossier = self._load(Dossier, borrowing.dossier_id, "档案", "dossier")
            expires = borrowing.copy_expires_on or borrowing.due_on
            content, _copies = self._render_copy(borrowing, dossier, issued_on, expires)
            if sha256_of(content).hexdigest() != borrowing.copy_sha256:
                raise CopyNotReproducibleError(
                    "此副本已发放，无法重新生成相同内容，请重新申请借阅",
                    "this copy was issued before and cannot be made again byte for byte: "
                    "request a new borrowing",
                )
        return ElectronicCopy(
            result=result,
            content=content,
            sha256=borrowing.copy_sha256 or "",
            filename=f"借阅副本-{borrowing.borrow_no}.pdf",
        )

    def _render_copy(
        self, b: Borrowing, dossier: Dossier, issued_on: date, expires: date
    ) -> tuple[bytes, dict[str, str]]:
        """The watermarked PDF of the borrowing's items, and each item's stamped hash."""
        borrower = self.staff_by_id(b.requester_id)
        lines = [
            f"借阅人 {person(borrower.name, borrower.staff_no)}",
            f"借阅单 {b.borrow_no} 用途 {b.purpose.zh} / {b.purpose.value}",
            f"{issued_on.isoformat()} 借据号 {b.loan_no} 有效期至 {expires.isoformat()}",
        ]
        writer = PdfWriter()
        copies: dict[str, str] = {}
        refs = [dossier.filed(sha).ref for sha in b.items]
        unstampable = [ref.filename for ref in refs if not ref.stampable]
        if unstampable:
            raise CopyNotStampableError(
                f"借阅项目 {'、'.join(unstampable)} 是 OFD 文档，无法加盖水印制作电子副本；"
                "请改为调阅（原件交付并留痕）",
                f"{', '.join(unstampable)} cannot be stamped into an electronic copy (OFD "
                "takes no watermark): read it through the recorded document read instead",
            )
        for sha, ref in zip(b.items, refs, strict=True):
            stamped = watermarked_copy(
                io.BytesIO(self.verified_content(dossier, ref)), ref.media_type, lines
            )
            copies[sha] = sha256_of(stamped).hexdigest()
            writer.append(PdfReader(io.BytesIO(stamped)))
        writer.add_metadata(
            {"/Producer": "Dossier watermarked copy", "/Subject": " | ".join(lines)}
        )
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue(), copies

    @handles(NoteOverdueBorrowings)
    def note_overdue_borrowings(
        self, ctx: CommandContext, cmd: NoteOverdueBorrowings
    ) -> CommandResult | None:
        """Record today's reminder of every overdue borrowing (逾期催还), at most one a day each.

        All in one save. Who is told follows ``borrowing.escalation`` of the rules in force.
        None when nothing is overdue, or every overdue borrowing was already noted that day (or
        is not yet late enough for anyone to be told).
        """
        self.actor(ctx, cmd.action)  # deny by default, even when idle
        overdue = [b for b in self._all_borrowings() if b.is_overdue(cmd.on)]
        if not overdue:
            return None
        noted: list[Borrowing] = []

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            escalation = self.rule_set().borrowing_escalation
            for b in [self.borrowing(b.id) for b in overdue]:
                if b.note_overdue(on=cmd.on, escalation=escalation, actor=actor):
                    noted.append(b)
            if not noted:
                raise _NothingToNote
            ids = {"borrowing_ids": ",".join(str(b.id) for b in noted)}
            return Work(noted[0], list(noted), ids, None)

        try:
            return self.run(ctx, cmd, body)
        except _NothingToNote:
            return None

    # ---------------------------------------------------------------- reads
    # A borrowing shows who asked for what and why (an audit, a lawsuit): it is read by those
    # who may read the circulation register, whatever the route.
    def get_borrowing(self, ctx: CommandContext, borrowing_id: UUID) -> Borrowing:
        self.actor(ctx, register_read("circulation_register"))
        return self.borrowing(borrowing_id)

    def list_borrowings(self, ctx: CommandContext, loan_no: str) -> list[Borrowing]:
        """The loan's borrowings in request order, read from the log itself (no follower lag).

        The circulation register (借阅登记簿, ``circulation``) is the listing across loans.
        """
        self.actor(ctx, register_read("circulation_register"))
        loan = self.loan(loan_no)
        return [b for b in self._all_borrowings() if b.loan_id == loan.id]

    def desk_borrowings(self, ctx: CommandContext) -> list[Borrowing]:
        """The borrowings the circulation desk still has work on — asked for, approved, out,
        or returned and not closed — in request order, read from the log itself (no follower
        lag), within the caller's data scope."""
        self.actor(ctx, register_read("circulation_register"))
        done = (BorrowingStatus.REJECTED, BorrowingStatus.CLOSED)
        return [b for b in self._all_borrowings() if b.status not in done]

    def borrowing_events(self, ctx: CommandContext, borrowing_id: UUID) -> list[Any]:
        self.actor(ctx, register_read("circulation_register"))
        return self._positioned_events(self.borrowing(borrowing_id).id)

    # ------------------------------------------------------------- plumbing
    def borrowing(self, borrowing_id: UUID) -> Borrowing:
        return self._load(Borrowing, borrowing_id, "借阅记录", "borrowing")

    def circulation_of(self, dossier: Dossier) -> Circulation:
        """The dossier's circulation record, started with its first check-out."""
        try:
            return self._load(Circulation, Circulation.create_id(dossier.id), "", "")
        except NotFoundError:
            return Circulation(dossier_id=dossier.id)

    def _all_borrowings(self) -> list[Borrowing]:
        """Every borrowing of the loans the caller reaches (their data scope)."""
        found: list[Borrowing] = []
        for notification in self.notifications_of(Borrowing.Requested):  # type: ignore[attr-defined]
            borrowing: Aggregate = self.repository.get(UUID(str(notification.originator_id)))
            if isinstance(borrowing, Borrowing) and self.covers(borrowing):
                found.append(borrowing)
        return found

    def on_borrowing(
        self,
        ctx: CommandContext,
        cmd: BorrowingCommand,
        command: BorrowingCommand_,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Run ``command`` on the borrowing; save it with whatever else the command touched.

        ``uploads`` (the borrow slip) are filed in the dossier, evidencing the borrowing's
        event the command recorded.
        """

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            borrowing = self.borrowing(cmd.borrowing_id)
            self.check_version(borrowing, ctx)
            dossier = self._load(Dossier, borrowing.dossier_id, "档案", "dossier")
            also = list(command(borrowing, dossier, actor) or [])
            ids = {"borrowing_id": str(borrowing.id), "borrow_no": borrowing.borrow_no}
            self.file_documents(dossier, borrowing, refs, actor)
            ids.update({ref.doc_type: ref.sha256 for ref in refs})
            if refs:
                also.append(dossier)
            return Work(borrowing, [borrowing, *also], ids, borrowing.loan_no)

        return self.run(ctx, cmd, body, uploads)


class _NothingToNote(Exception):
    """Every overdue borrowing was noted today already (by a concurrent call)."""
