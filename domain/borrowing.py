"""A borrowing (借阅) of a dossier, or of some of its documents, and its circulation.

A borrowing is requested (purpose, scope, form, due date) → approved by someone who is
neither the borrower nor the archivist who hands it out — the archive head for
originals, and the branch head as well when a custody tier-1 item is in scope →
checked out by an archivist who counts the pages of each item → returned, the pages
counted again (a shortfall is recorded and escalated, never accepted silently) →
closed. An electronic copy is issued (watermarked, expiring) instead of checking out.

:class:`Circulation`, one per dossier, holds which items are out; it is saved with each
check-out and return so that two concurrent check-outs of one item conflict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import dates
from domain.authorization import Action, authorize
from domain.errors import (
    ApprovalRoleNotRequiredError,
    ApproverHandsOutError,
    BorrowerApprovesError,
    BorrowerHandsOutError,
    BorrowingNotApprovedError,
    DossierOnLoanError,
    InvalidInputError,
    InvalidTransitionError,
    PageDiscrepancyOpenError,
    SegregationOfDutiesError,
)
from domain.values import (
    Actor,
    BorrowingForm,
    BorrowingPurpose,
    BorrowingStatus,
    Party,
    Role,
    borrowing_id_for,
    circulation_id_for,
    require_text,
)

S = BorrowingStatus

Escalation = Sequence[tuple[int, Role]]
"""Days overdue → who is told: ``borrowing.escalation`` of the rules in force
(``RuleSet.borrowing_escalation``). The shipped rules: the archivist reminds from the first
day overdue, the archive head is told from the second, the branch head from the seventh."""


def escalation_for(days_overdue: int, escalation: Escalation) -> Role | None:
    """Who is told ``days_overdue`` days late: the highest rung reached; None below the first."""
    reached = [(days, role) for days, role in escalation if days_overdue >= days]
    return max(reached, key=lambda rung: rung[0])[1] if reached else None


def required_approvals(form: BorrowingForm, tier_one: bool) -> list[Role]:
    """Whose approval a borrowing needs: archive head for originals, branch head for tier 1.

    An electronic copy of tier-2 papers needs one approval by either head.
    """
    needed = [Role.ARCHIVE_HEAD] if form is BorrowingForm.ORIGINAL else []
    if tier_one:
        needed.append(Role.BRANCH_HEAD)
    return needed


def _counted(pages: Mapping[str, int], items: Sequence[str], field: str) -> dict[str, int]:
    """The page count of every item, no more, no fewer, none negative."""
    if set(pages) != set(items):
        raise InvalidInputError(
            f"{field} 须逐件清点借阅范围内的每一份文档",
            f"{field} must count the pages of every item in scope, and only those",
            field=field,
        )
    if any(not isinstance(n, int) or n < 0 for n in pages.values()):
        raise InvalidInputError(
            f"{field} 的页数须为非负整数", f"{field}: page counts must be whole numbers ≥ 0"
        )
    return {sha: int(pages[sha]) for sha in items}


class Borrowing(Aggregate):
    """A borrowing (借阅) of a dossier's documents by one person, for one purpose."""

    @staticmethod
    def create_id(dossier_id: UUID, borrow_no: str) -> UUID:
        return borrowing_id_for(dossier_id, borrow_no)

    @classmethod
    def request(
        cls,
        *,
        dossier_id: UUID,
        loan_id: UUID,
        loan_no: str,
        borrow_no: str,
        reference_code: str | None,
        purpose: BorrowingPurpose,
        items: Sequence[str],
        whole_dossier: bool,
        tier_one_items: Sequence[str],
        form: BorrowingForm,
        requested_on: date,
        due_on: date | None,
        reason: str,
        actor: Actor,
    ) -> Self:
        """Ask to borrow (借阅申请); due the same day unless a later date is asked and approved."""
        authorize(actor, Action.REQUEST_BORROWING)
        if not items:
            raise InvalidInputError(
                "借阅范围内没有文档", "there is no document in the scope asked for", field="scope"
            )
        due = due_on or requested_on
        dates.check_not_before(due, requested_on, field="due_on", since_field="requested_on")
        tier_one = [sha for sha in items if sha in set(tier_one_items)]
        return cls(
            dossier_id=dossier_id,
            loan_id=loan_id,
            loan_no=loan_no,
            borrow_no=borrow_no,
            reference_code=reference_code,
            purpose=purpose,
            scope="dossier" if whole_dossier else "documents",
            items=list(dict.fromkeys(items)),
            tier_one_items=tier_one,
            form=form,
            requested_on=requested_on,
            due_on=due,
            reason=require_text(reason, "reason", max_length=1000),
            required_approvals=required_approvals(form, bool(tier_one)),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Requested")
    def __init__(
        self,
        *,
        dossier_id: UUID,
        loan_id: UUID,
        loan_no: str,
        borrow_no: str,
        reference_code: str | None,
        purpose: BorrowingPurpose,
        scope: str,
        items: list[str],
        tier_one_items: list[str],
        form: BorrowingForm,
        requested_on: date,
        due_on: date,
        reason: str,
        required_approvals: list[Role],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.dossier_id = dossier_id
        self.loan_id = loan_id
        self.loan_no = loan_no
        self.borrow_no = borrow_no
        self.reference_code = reference_code
        self.purpose = purpose
        self.scope = scope
        self.items = items
        self.tier_one_items = tier_one_items
        self.form = form
        self.requested_on = requested_on
        self.due_on = due_on
        self.reason = reason
        self.required_approvals = required_approvals
        self.requester_id = actor_id
        self.status = S.REQUESTED
        self.approver_ids: list[UUID] = []
        self.approver_roles: list[Role] = []
        self.archivist_id: UUID | None = None
        self.checked_out_on: date | None = None
        self.pages_out: dict[str, int] = {}
        self.returned_on: date | None = None
        self.pages_in: dict[str, int] = {}
        self.mismatches: dict[str, list[int]] = {}
        self.escalated = False
        self.copy_sha256: str | None = None
        self.copy_expires_on: date | None = None
        self.overdue_noted_on: date | None = None
        self.overdue_days = 0
        self.closed_on: date | None = None

    # ------------------------------------------------------------------ guards
    @property
    def outstanding_approvals(self) -> list[Role]:
        return [r for r in self.required_approvals if r not in self.approver_roles]

    def check_status(self, *expected: BorrowingStatus, what_zh: str, what_en: str) -> None:
        if self.status not in expected:
            raise InvalidTransitionError(
                f"借阅 {self.borrow_no} {self.status.zh}，不能{what_zh}",
                f"borrowing {self.borrow_no} is {self.status.value}: cannot {what_en}",
                status=self.status.value,
            )

    def check_not_before(
        self, when: date, since: date | None, field: str, since_field: str = "requested_on"
    ) -> None:
        """A step of the borrowing is not dated before ``since`` (by default, the request)."""
        if since is None:
            since, since_field = self.requested_on, "requested_on"
        dates.check_not_before(when, since, field=field, since_field=since_field)

    def check_not_borrower(self, actor: Actor, what_zh: str, what_en: str) -> None:
        if actor.id == self.requester_id:
            raise BorrowerApprovesError(
                f"借阅人不得{what_zh}本人的借阅申请",
                f"the borrower may not {what_en} their own borrowing",
            )

    def check_hands_out(self, actor: Actor) -> None:
        """The archivist handing out is neither the borrower, nor an approver, nor another
        archivist than the one the approval named."""
        if actor.id == self.requester_id:
            raise BorrowerHandsOutError(
                "档案管理员不得为本人办理借出",
                "an archivist may not hand a borrowing out to themselves",
            )
        if actor.id in self.approver_ids:
            raise ApproverHandsOutError(
                "审批人不得亲自办理借出", "the person who approved a borrowing may not hand it out"
            )
        if self.archivist_id is not None and actor.id != self.archivist_id:
            raise SegregationOfDutiesError(
                "须由审批时指定的档案管理员办理",
                "only the archivist named at approval may hand this borrowing out",
            )

    # --------------------------------------------------------------- approval
    def approve(
        self, *, due_on: date | None, archivist: Party | None, reason: str, actor: Actor
    ) -> None:
        """Approve (审批同意), naming the archivist who will hand it out if known.

        ``due_on`` may shorten the date asked for, never lengthen it; leaving it out approves
        the date asked for. Two approvals (archive head and branch head) are two people.
        """
        authorize(actor, Action.APPROVE_BORROWING)
        self.check_status(S.REQUESTED, what_zh="审批", what_en="approve it")
        self.check_not_borrower(actor, "审批", "approve")
        if actor.id in self.approver_ids:
            raise SegregationOfDutiesError(
                "两级审批须由两个不同的人作出",
                "the two approvals must come from two different people",
            )
        outstanding = self.outstanding_approvals
        if outstanding and actor.role not in outstanding:
            names = "、".join(r.zh for r in outstanding)
            raise ApprovalRoleNotRequiredError(
                f"此借阅尚需 {names} 审批，而非 {actor.role.zh}",
                f"this borrowing awaits approval by {', '.join(r.value for r in outstanding)}, "
                f"not {actor.role.value}",
                role=actor.role.value,
            )
        due = due_on or self.due_on
        if due > self.due_on or due < self.requested_on:
            raise InvalidInputError(
                "批准的归还日期须在申请日与申请的归还日之间",
                "the approved due date must lie between the request and the date asked for",
                field="due_on",
            )
        archivist_id: UUID | None = None
        if archivist is not None:
            if archivist.id == actor.id:
                raise ApproverHandsOutError(
                    "审批人不得指定自己办理借出",
                    "an approver may not name themselves to hand it out",
                )
            if archivist.id == self.requester_id:
                raise BorrowerHandsOutError(
                    "不得指定借阅人本人办理借出", "the borrower may not be named to hand it out"
                )
            if archivist.id in self.approver_ids:
                raise ApproverHandsOutError(
                    "不得指定审批人办理借出", "an approver may not be named to hand it out"
                )
            if Role.ARCHIVIST not in archivist.roles:
                raise InvalidInputError(
                    "指定的经办人此时并非档案管理员",
                    "the person named to hand it out is not an archivist now",
                    field="archivist_no",
                )
            archivist_id = archivist.id
        complete = not [r for r in outstanding if r is not actor.role]
        self._approved(
            due_on=due,
            archivist_id=archivist_id or self.archivist_id,
            complete=complete,
            reason=reason.strip(),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Approved")
    def _approved(
        self,
        *,
        due_on: date,
        archivist_id: UUID | None,
        complete: bool,
        reason: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.due_on = due_on
        self.archivist_id = archivist_id
        self.approver_ids.append(actor_id)
        self.approver_roles.append(role)
        if complete:
            self.status = S.APPROVED

    def reject(self, *, reason: str, actor: Actor) -> None:
        """Refuse the borrowing (驳回), with the reason."""
        authorize(actor, Action.REJECT_BORROWING)
        self.check_status(S.REQUESTED, what_zh="驳回", what_en="reject it")
        self.check_not_borrower(actor, "驳回", "reject")
        self._rejected(
            reason=require_text(reason, "reason", max_length=1000),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Rejected")
    def _rejected(self, *, reason: str, actor_id: UUID, role: Role) -> None:
        self.status = S.REJECTED

    # -------------------------------------------------------- handing out
    def _check_approved(self, form: BorrowingForm, what_zh: str, what_en: str) -> None:
        if self.status is S.REQUESTED:
            raise BorrowingNotApprovedError(
                f"借阅 {self.borrow_no} 尚未完成审批，不能{what_zh}",
                f"borrowing {self.borrow_no} is not (fully) approved: cannot {what_en}",
                outstanding=[r.value for r in self.outstanding_approvals],
            )
        self.check_status(S.APPROVED, what_zh=what_zh, what_en=what_en)
        if self.form is not form:
            raise InvalidTransitionError(
                f"借阅形式为{self.form.zh}，不能{what_zh}",
                f"the borrowing is of form {self.form.value}: cannot {what_en}",
                form=self.form.value,
            )

    def check_out(
        self,
        *,
        checked_out_on: date,
        pages: Mapping[str, int],
        circulation: Circulation,
        actor: Actor,
    ) -> None:
        """Hand the originals out (借出), counting the pages of each item."""
        authorize(actor, Action.CHECK_OUT_BORROWING)
        self._check_approved(BorrowingForm.ORIGINAL, "借出", "check it out")
        self.check_hands_out(actor)
        self.check_not_before(checked_out_on, None, "checked_out_on")
        if checked_out_on > self.due_on:
            raise InvalidInputError(
                f"已过批准的归还日期 {self.due_on}，不能再借出",
                f"past the approved due date {self.due_on}: cannot check out",
                field="checked_out_on",
            )
        counted = _counted(pages, self.items, "pages")
        circulation.lend(borrowing_id=self.id, items=self.items, actor=actor)
        self._checked_out(
            checked_out_on=checked_out_on, pages=counted, actor_id=actor.id, role=actor.role
        )

    @event("CheckedOut")
    def _checked_out(
        self, *, checked_out_on: date, pages: dict[str, int], actor_id: UUID, role: Role
    ) -> None:
        self.status = S.CHECKED_OUT
        self.checked_out_on = checked_out_on
        self.pages_out = pages
        self.archivist_id = actor_id

    def return_items(
        self, *, returned_on: date, pages: Mapping[str, int], circulation: Circulation, actor: Actor
    ) -> None:
        """Take the originals back (归还), counting pages: a shortfall is recorded and escalated."""
        authorize(actor, Action.RETURN_BORROWING)
        self.check_status(S.CHECKED_OUT, what_zh="归还", what_en="return it")
        if actor.id == self.requester_id:
            raise BorrowerHandsOutError(
                "档案管理员不得为本人办理归还", "an archivist may not take back their own borrowing"
            )
        self.check_not_before(returned_on, self.checked_out_on, "returned_on", "checked_out_on")
        counted = _counted(pages, self.items, "pages")
        mismatches = {
            sha: [self.pages_out[sha], n] for sha, n in counted.items() if n != self.pages_out[sha]
        }
        circulation.take_back(borrowing_id=self.id, items=self.items, actor=actor)
        self._returned(returned_on=returned_on, pages=counted, actor_id=actor.id, role=actor.role)
        if mismatches:
            self._page_count_mismatched(
                mismatches=mismatches,
                escalated_to=Role.ARCHIVE_HEAD,
                actor_id=actor.id,
                role=actor.role,
            )

    @event("Returned")
    def _returned(
        self, *, returned_on: date, pages: dict[str, int], actor_id: UUID, role: Role
    ) -> None:
        self.status = S.RETURNED
        self.returned_on = returned_on
        self.pages_in = pages

    @event("PageCountMismatched")
    def _page_count_mismatched(
        self,
        *,
        mismatches: dict[str, list[int]],
        escalated_to: Role,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.mismatches = mismatches
        self.escalated = True

    def issue_electronic_copy(
        self,
        *,
        issued_on: date,
        expires_on: date | None,
        copies: Mapping[str, str],
        copy_sha256: str,
        actor: Actor,
    ) -> None:
        """Record the watermarked electronic copy handed over (电子副本发放) and when it expires.

        ``copies`` maps each item to the hash of its watermarked copy; ``copy_sha256`` is the
        hash of the one PDF handed over.
        """
        authorize(actor, Action.ISSUE_ELECTRONIC_COPY)
        self._check_approved(BorrowingForm.ELECTRONIC_COPY, "发放电子副本", "issue a copy")
        self.check_hands_out(actor)
        self.check_not_before(issued_on, None, "issued_on")
        expires = expires_on or self.due_on
        if not issued_on <= expires <= self.due_on:
            raise InvalidInputError(
                "副本有效期须在发放日与批准的归还日之间",
                "the copy must expire between its issue and the approved due date",
                field="expires_on",
            )
        if set(copies) != set(self.items):
            raise InvalidInputError("副本须覆盖借阅范围", "the copy must cover the scope")
        self._copy_issued(
            issued_on=issued_on,
            expires_on=expires,
            copies=dict(copies),
            copy_sha256=copy_sha256,
            issued_to=self.requester_id,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ElectronicCopyIssued")
    def _copy_issued(
        self,
        *,
        issued_on: date,
        expires_on: date,
        copies: dict[str, str],
        copy_sha256: str,
        issued_to: UUID,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.status = S.COPY_ISSUED
        self.copy_sha256 = copy_sha256
        self.copy_expires_on = expires_on
        self.archivist_id = actor_id

    # ---------------------------------------------------------------- closing
    def close(self, *, closed_on: date, reason: str, actor: Actor) -> None:
        """Close the borrowing (结案). With pages missing only the archive head may, with a reason."""
        authorize(actor, Action.CLOSE_BORROWING)
        self.check_status(S.RETURNED, S.COPY_ISSUED, what_zh="结案", what_en="close it")
        if self.mismatches and (actor.role is not Role.ARCHIVE_HEAD or not reason.strip()):
            raise PageDiscrepancyOpenError(
                "归还时页数不符，须由档案室负责人说明处理结果后结案",
                "pages were missing at return: only the archive head may close it, with a reason",
                mismatches=sorted(self.mismatches),
            )
        self.check_not_before(closed_on, self.returned_on, "closed_on", "returned_on")
        self._closed(closed_on=closed_on, reason=reason.strip(), actor_id=actor.id, role=actor.role)

    @event("Closed")
    def _closed(self, *, closed_on: date, reason: str, actor_id: UUID, role: Role) -> None:
        self.status = S.CLOSED
        self.closed_on = closed_on

    # ---------------------------------------------------------------- overdue
    def is_overdue(self, on: date) -> bool:
        return self.status is S.CHECKED_OUT and on > self.due_on

    def note_overdue(self, *, on: date, escalation: Escalation, actor: Actor) -> bool:
        """Record one daily reminder of an overdue borrowing (逾期催还), escalating with the days.

        ``escalation`` is the ladder of the rules in force. Returns False, recording nothing,
        when it is not overdue, already noted that day, or not yet overdue long enough for
        the ladder's first rung (no one is to be told yet).
        """
        authorize(actor, Action.NOTE_OVERDUE_BORROWINGS)
        if not self.is_overdue(on) or (
            self.overdue_noted_on is not None and on <= self.overdue_noted_on
        ):
            return False
        days = (on - self.due_on).days
        told = escalation_for(days, escalation)
        if told is None:
            return False
        self._overdue_noted(
            on=on,
            days_overdue=days,
            escalated_to=told,
            actor_id=actor.id,
            role=actor.role,
        )
        return True

    @event("OverdueNoted")
    def _overdue_noted(
        self, *, on: date, days_overdue: int, escalated_to: Role, actor_id: UUID, role: Role
    ) -> None:
        self.overdue_noted_on = on
        self.overdue_days = days_overdue


class Circulation(Aggregate):
    """What of one dossier is out on loan now (在借): at most one borrowing per item."""

    @staticmethod
    def create_id(dossier_id: UUID) -> UUID:
        return circulation_id_for(dossier_id)

    @event("Started")
    def __init__(self, *, dossier_id: UUID) -> None:
        self.dossier_id = dossier_id
        self.out: dict[str, UUID] = {}

    @property
    def is_empty(self) -> bool:
        """Nothing of the dossier is out: what destruction requires."""
        return not self.out

    def lend(self, *, borrowing_id: UUID, items: Sequence[str], actor: Actor) -> None:
        busy = sorted(sha for sha in items if sha in self.out)
        if busy:
            raise DossierOnLoanError(
                f"档案中有 {len(busy)} 份文档已被借出，尚未归还",
                f"{len(busy)} of these documents are already out on another borrowing",
                items=busy,
            )
        self._lent(borrowing_id=borrowing_id, items=list(items), actor_id=actor.id, role=actor.role)

    @event("Lent")
    def _lent(self, *, borrowing_id: UUID, items: list[str], actor_id: UUID, role: Role) -> None:
        for sha in items:
            self.out[sha] = borrowing_id

    def take_back(self, *, borrowing_id: UUID, items: Sequence[str], actor: Actor) -> None:
        mine = [sha for sha in items if self.out.get(sha) == borrowing_id]
        self._taken_back(borrowing_id=borrowing_id, items=mine, actor_id=actor.id, role=actor.role)

    @event("TakenBack")
    def _taken_back(
        self, *, borrowing_id: UUID, items: list[str], actor_id: UUID, role: Role
    ) -> None:
        for sha in items:
            self.out.pop(sha, None)
