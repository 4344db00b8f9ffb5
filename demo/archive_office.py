"""The archive office at work on the demo portfolio (档案室): transfers, catalogue, lending, holds.

Once every loan's life is recorded, :func:`run_archive_office` sends what the archive office
would have recorded over the same years, through the application's own commands and in the
names of the demo's staff:

- every loan's contract originals (合同原件), listed by the account manager who signed within
  three working days of the value date and received by an archivist a day or two later; one
  receipt finds an item damaged (cleared a week later), the newest loan's finds one missing;
- every settled or written-off loan's full dossier (整卷), listed after it closed, received —
  and so matched with the originals (二次组卷) — and catalogued under a reference code on a shelf;
- a handful of borrowings (借阅): an auditor's electronic copy under an audit hold (released when
  the audit ends), originals lent for a lawsuit, a title certificate lent on the branch head's
  approval too, originals returned one page short, and the originals of
  :data:`~demo.gaps.BORROWING_OVERDUE` still out past their due date on the demo's today;
- a litigation hold (诉讼冻结) placed by compliance, still open.

Everything is planned first — from the loans and dossiers as the application holds them, and a
random stream of its own — then sent in business-date order, so reference codes and shelves
follow the order of cataloguing. The same seed gives the same commands. The loans with
deliberate gaps (:mod:`demo.gaps`) are left out of the random picks: the office's only
part in their faults is the borrowing it lends and does not get back. There is no appraisal or
destruction: no retention ends in the demo's years (the earliest, D30 from 2024, ends in 2053).
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any
from uuid import UUID, uuid5

from archive.application import DossierArchive
from archive.commands import command_named
from archive.core import CommandContext, CommandResult, closed_on
from demo.gaps import BORROWED_ON, BORROWING_DUE_ON, BORROWING_OVERDUE, DELIBERATE_LOAN_NOS
from demo.plan import TODAY, LoanPlan, workday
from demo.staff import ARCHIVISTS, AUDITORS, CREWS, RISK_MANAGERS, ROSTER, Crew
from domain.transfers import add_working_days, defect_id_for
from domain.values import (
    NAMESPACE,
    BorrowingForm,
    BorrowingPurpose,
    CollectionStepKind,
    HoldKind,
    ItemCondition,
    LoanStatus,
    Role,
    TransferKind,
)

ARCHIVE_HEAD = next(p.staff_no for p in ROSTER if p.role is Role.ARCHIVE_HEAD)
COMPLIANCE = next(p.staff_no for p in ROSTER if p.role is Role.COMPLIANCE)
ORIGINAL_TYPES = (
    "loan_contract",
    "drawdown_receipt",
    "guarantee_contract",
    "pledge_contract",
    "mortgage_contract",
    "registration_certificate",
)
"""The originals the archive office keeps from signing: the contracts, the drawdown receipt
(借据) and the security registration certificate (抵押登记证明, custody tier 1)."""
TITLE_CERTIFICATE = "registration_certificate"
AUDIT_SAMPLE = ("approval", "loan_contract", "drawdown_receipt", "settlement_certificate")
_MISSING_NOTES = {
    "mortgage_contract": "抵押合同原件尚在不动产登记中心办理抵押登记，未随附，客户经理承诺补交",
    "guarantee_contract": "保证合同原件待保证人补签，未随附，客户经理承诺补交",
    "pledge_contract": "质押合同原件尚在经办支行用印，未随附，客户经理承诺补交",
    "drawdown_receipt": "借据原件未随附，客户经理称尚在会计部门，承诺补交",
}
_SALT = 0xA4C41F
_NAMESPACE = uuid5(NAMESPACE, "demo-archive-office")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Paper:
    """A document filed in a dossier, as a transfer list names it."""

    sha256: str
    doc_type: str
    title: str
    pages: int
    filed_on: date

    def item(self) -> dict[str, Any]:
        return {"doc_type": self.doc_type, "title": self.title, "pages": self.pages}


@dataclass
class Case:
    """One loan as the archive office finds it once the loan's life is recorded."""

    loan_no: str
    status: LoanStatus
    value_date: date
    closed_on: date | None
    signer: str
    """The account manager who signed the contract (staff number)."""
    keeper: str
    """The account manager who looks after the loan now."""
    crew: Crew
    papers: tuple[Paper, ...]
    litigated_on: date | None
    non_performing: bool
    originals_in: date = TODAY
    """When the archive office received the originals (planned)."""
    catalogued_on: date | None = None

    def papers_of(self, types: Iterable[str]) -> list[Paper]:
        wanted = set(types)
        return [p for p in self.papers if p.doc_type in wanted]


@dataclass(frozen=True)
class _Later:
    """A parameter known only when the command is sent: a borrowing's id, the next shelf."""

    value: Callable[[], Any]


@dataclass
class _Ticket:
    """A borrowing while it is planned: its id exists once the request is sent."""

    borrowing_id: UUID | None = None

    def id(self) -> UUID:
        assert self.borrowing_id is not None, "a borrowing used before it was requested"
        return self.borrowing_id


@dataclass(frozen=True)
class _Task:
    """One command of the office, sent on business date ``on`` by staff member ``actor``."""

    on: date
    seq: int
    actor: str
    command: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    ticket: _Ticket | None = None
    """The borrowing a request creates."""


def run_archive_office(
    archive: DossierArchive,
    plans: Sequence[LoanPlan],
    contexts: Mapping[str, CommandContext],
    *,
    seed: int,
) -> int:
    """Record the archive office's work on every loan of ``plans``; return the commands sent."""
    office = _Office(archive, contexts, seed)
    office.plan([office.case(plan) for plan in plans])
    return office.run()


@dataclass
class _Office:
    archive: DossierArchive
    contexts: Mapping[str, CommandContext]
    seed: int
    rng: random.Random = field(init=False)
    tasks: list[_Task] = field(default_factory=list, init=False)
    shelved: Counter[int] = field(default_factory=Counter, init=False)
    lent: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed ^ _SALT)
        self.numbers = {ctx.staff_id: staff_no for staff_no, ctx in self.contexts.items()}

    # ------------------------------------------------------------------ reading
    def case(self, plan: LoanPlan) -> Case:
        """The loan and its dossier as recorded; each paper dated by the step that filed it."""
        loan = self.archive.loan(plan.loan_no)
        dossier = self.archive.dossier_of(loan)
        filed_on: dict[str, date] = {}
        for step in plan.steps:
            for doc in step.docs:
                filed_on.setdefault(unicodedata.normalize("NFC", doc.filename), step.on)
        papers = tuple(
            Paper(
                d.ref.sha256,
                d.ref.doc_type,
                PurePath(d.ref.filename).stem,
                d.ref.pages or 1,
                filed_on[d.ref.filename],
            )
            for d in dossier.documents
            if d.ref.filename in filed_on  # the credit side's papers, not the office's forms
        )
        lawsuits = [
            s.taken_on
            for s in loan.collection_steps.values()
            if s.kind is CollectionStepKind.LITIGATION
        ]
        return Case(
            loan_no=loan.loan_no,
            status=loan.status,
            value_date=loan.value_date,
            closed_on=closed_on(loan),
            signer=self.numbers[loan.account_managers[0]],
            keeper=self.numbers[loan.account_manager_id],
            crew=next(c for c in CREWS if c.branch == loan.branch),
            papers=papers,
            litigated_on=min(lawsuits, default=None),
            non_performing=loan.grade.is_non_performing,
        )

    # ---------------------------------------------------------------- planning
    def plan(self, cases: list[Case]) -> None:
        """Plan every command; the random draws come in this order, so the seed fixes them."""
        self.lent |= DELIBERATE_LOAN_NOS
        drawn = [c for c in cases if c.loan_no not in DELIBERATE_LOAN_NOS]
        live = [c for c in drawn if c.status is LoanStatus.ACTIVE]
        missing = max(live, key=lambda c: (c.value_date, c.loan_no), default=None)
        older = [c for c in drawn if c is not missing and c.value_date < TODAY - 60 * _DAY]
        damaged = self.rng.choice(older) if older else None
        for case in cases:
            self.originals(case, damaged=case is damaged, missing=case is missing)
        for case in cases:
            if case.closed_on is not None:
                self.full_dossier(case, case.closed_on)
        self.audit(drawn)
        lawsuit = self.lawsuit(drawn)
        if lawsuit is None or not lawsuit.papers_of([TITLE_CERTIFICATE]):
            self.title_certificate(cases)
        self.short_return(cases)
        self.overdue(cases)

    def originals(self, case: Case, *, damaged: bool, missing: bool) -> None:
        """Listed within 3 working days of signing, received a day or two later."""
        listed = add_working_days(case.value_date, self.rng.choice((0, 1, 1, 2, 3)))
        received = min(TODAY, workday(listed + self.rng.choice((1, 2)) * _DAY))
        archivist = self.rng.choice(ARCHIVISTS)
        case.originals_in = received
        papers = [p for p in case.papers_of(ORIGINAL_TYPES) if p.filed_on <= listed]
        checks = _all_present(papers)
        transfer_id = self._id(case, "originals")
        no = case.loan_no
        self.at(
            listed,
            case.signer,
            "list_transfer",
            no,
            kind=TransferKind.ORIGINALS,
            items=[p.item() for p in papers],
            listed_on=listed,
            signed_on=case.value_date,
            transfer_id=transfer_id,
        )
        types = [p.doc_type for p in papers]
        found = next((t for t in _MISSING_NOTES if t in types), None) if missing else None
        if found is not None:
            n = types.index(found) + 1
            note = _MISSING_NOTES[found]
            checks[n - 1] = {"item_no": n, "condition": ItemCondition.MISSING, "note": note}
        receipt = "drawdown_receipt"
        torn = types.index(receipt) + 1 if damaged and receipt in types else None
        if torn is not None:
            checks[torn - 1]["condition"] = ItemCondition.DAMAGED
            checks[torn - 1]["note"] = "借据右下角水渍破损，借款人签章处字迹模糊"
        self.at(
            received,
            archivist,
            "receive_transfer",
            no,
            transfer_id,
            checks=checks,
            received_on=received,
        )
        if torn is not None:
            cleared = workday(received + self.rng.randint(5, 9) * _DAY)
            self.at(
                cleared,
                archivist,
                "clear_defect",
                no,
                defect_id_for(transfer_id, torn),
                cleared_on=cleared,
                note="客户经理已补交借据原件，经核对与电子档案一致，破损件一并归档",
            )

    def full_dossier(self, case: Case, closed: date) -> None:
        """After settlement or write-off: listed, received (二次组卷) and catalogued."""
        after = workday(closed + self.rng.randint(3, 20) * _DAY)
        listed = min(TODAY, max(after, case.originals_in))
        received = min(TODAY, workday(listed + self.rng.choice((1, 2)) * _DAY))
        catalogued = min(TODAY, workday(received + self.rng.randint(0, 4) * _DAY))
        archivist = self.rng.choice(ARCHIVISTS)
        case.catalogued_on = catalogued
        papers = [p for p in case.papers if p.filed_on <= listed]
        transfer_id = self._id(case, "full")
        no = case.loan_no
        self.at(
            listed,
            case.keeper,
            "list_transfer",
            no,
            kind=TransferKind.FULL,
            items=[p.item() for p in papers],
            listed_on=listed,
            transfer_id=transfer_id,
        )
        self.at(
            received,
            archivist,
            "receive_transfer",
            no,
            transfer_id,
            checks=_all_present(papers),
            received_on=received,
        )
        shelf = _Later(lambda: self.shelf(closed.year))
        self.at(
            catalogued, archivist, "catalogue", no, shelf_location=shelf, catalogued_on=catalogued
        )

    def shelf(self, year: int) -> str:
        """The next free shelf in the row of the year the loan closed: A for 2023, B for 2024…"""
        n = self.shelved[year]
        self.shelved[year] += 1
        return f"{chr(ord('A') + (year - 2023) % 26)}-{n // 5 + 1:02d}-{n % 5 + 1}"

    # ----------------------------------------------------------------- lending
    def audit(self, cases: list[Case]) -> None:
        """An auditor freezes a catalogued dossier, reads a watermarked copy, then releases it."""
        done = [c for c in cases if c.catalogued_on and c.catalogued_on <= TODAY - 120 * _DAY]
        pool = done or [c for c in cases if c.originals_in <= TODAY - 120 * _DAY]
        if not pool:
            return
        case = self.rng.choice(pool)
        start = case.catalogued_on or case.originals_in
        asked = workday(min(start + self.rng.randint(30, 150) * _DAY, TODAY - 60 * _DAY))
        due = workday(asked + 14 * _DAY)
        auditor, archivist = self.rng.choice(AUDITORS), self.rng.choice(ARCHIVISTS)
        notice = f"审计通知书 审计部〔{asked.year}〕{self.rng.randint(10, 60)}号"
        hold_id, no = self._id(case, "audit-hold"), case.loan_no
        self.at(
            asked,
            auditor,
            "place_hold",
            no,
            kind=HoldKind.AUDIT,
            reason="信贷业务专项审计期间冻结档案，审计结束前不得处置",
            reference=notice,
            placed_on=asked,
            hold_id=hold_id,
        )
        ticket = self.borrowing(
            case,
            requester=auditor,
            purpose=BorrowingPurpose.AUDIT,
            form=BorrowingForm.ELECTRONIC_COPY,
            reason=f"{notice}：抽查审批书、借款合同、借据及结清材料",
            asked=asked,
            due=due,
            papers=case.papers_of(AUDIT_SAMPLE),
            approvers=[ARCHIVE_HEAD],
            archivist=archivist,
        )
        issued = workday(asked + _DAY)
        self.at(issued, archivist, "issue_electronic_copy", ticket, issued_on=issued)
        self.at(
            due, archivist, "close_borrowing", ticket, closed_on=due, reason="电子副本已到期失效"
        )
        released = workday(due + self.rng.randint(1, 5) * _DAY)
        reason = "审计现场工作结束，解除冻结"
        self.at(released, auditor, "release_hold", no, hold_id, reason=reason, released_on=released)

    def lawsuit(self, cases: list[Case]) -> Case | None:
        """The loan the bank sues: compliance freezes its dossier (still open today), and the
        post-loan officer borrows the originals to file the claim."""
        sued = sorted(
            (c for c in cases if c.litigated_on is not None),
            key=lambda c: (c.status is not LoanStatus.ACTIVE, c.litigated_on),
        )
        distressed = [c for c in cases if c.non_performing and c.status is LoanStatus.ACTIVE]
        case = next(iter(sued or distressed), None)
        if case is None:
            return None
        self.lent.add(case.loan_no)
        filed = case.litigated_on or TODAY - 60 * _DAY
        placed = min(TODAY, workday(filed + self.rng.randint(1, 5) * _DAY))
        self.at(
            placed,
            COMPLIANCE,
            "place_hold",
            case.loan_no,
            kind=HoldKind.LITIGATION,
            reason="本行诉借款人金融借款合同纠纷一案尚未审结，档案冻结，不得销毁",
            reference=f"（{placed.year}）云0102民初{self.rng.randint(1000, 9999)}号",
            placed_on=placed,
            hold_id=self._id(case, "litigation-hold"),
        )
        asked = min(filed - self.rng.randint(5, 12) * _DAY, TODAY - 30 * _DAY)
        asked = workday(max(case.originals_in + _DAY, asked))
        papers = case.papers_of(ORIGINAL_TYPES)
        title = bool(case.papers_of([TITLE_CERTIFICATE]))
        archivist = self.rng.choice(ARCHIVISTS)
        ticket = self.borrowing(
            case,
            requester=case.crew.post_loan_officer,
            purpose=BorrowingPurpose.LITIGATION,
            form=BorrowingForm.ORIGINAL,
            reason="向法院提起诉讼，需提交借款合同、借据等原件供庭审质证",
            asked=asked,
            due=workday(asked + 14 * _DAY),
            papers=papers,
            approvers=[ARCHIVE_HEAD, case.crew.head] if title else [ARCHIVE_HEAD],
            archivist=archivist,
        )
        out = workday(asked + _DAY)
        self.lend(ticket, papers, archivist, out, back=workday(out + self.rng.randint(5, 8) * _DAY))
        return case

    def title_certificate(self, cases: list[Case]) -> None:
        """A title certificate (custody tier 1) lent for the day: the branch head approves too."""
        pool = [
            c
            for c in cases
            if c.papers_of([TITLE_CERTIFICATE])
            and c.loan_no not in self.lent
            and c.originals_in <= TODAY - 60 * _DAY
        ]
        if not pool:
            return
        case = self.rng.choice(pool)
        self.lent.add(case.loan_no)
        last = workday(min(TODAY - 20 * _DAY, (case.closed_on or TODAY) - 5 * _DAY))
        day = workday(case.originals_in + self.rng.randint(20, 200) * _DAY)
        day = max(workday(case.originals_in + _DAY), min(day, last))
        papers = case.papers_of(["mortgage_contract", TITLE_CERTIFICATE])
        archivist = self.rng.choice(ARCHIVISTS)
        ticket = self.borrowing(
            case,
            requester=case.keeper,
            purpose=BorrowingPurpose.BUSINESS,
            form=BorrowingForm.ORIGINAL,
            reason="抵押物门牌号变更，需持抵押合同及抵押登记证明原件至不动产登记中心核对",
            asked=day,
            due=day,
            papers=papers,
            approvers=[ARCHIVE_HEAD, case.crew.head],
            archivist=archivist,
        )
        self.lend(ticket, papers, archivist, day, back=day)

    def short_return(self, cases: list[Case]) -> None:
        """Originals lent for an inspection come back a page short: recorded and escalated."""
        pool = [
            c
            for c in cases
            if c.loan_no not in self.lent
            and c.originals_in <= TODAY - 90 * _DAY
            and any(p.pages > 1 for p in c.papers_of(["loan_contract"]))
        ]
        if not pool:
            return
        case = self.rng.choice(pool)
        self.lent.add(case.loan_no)
        asked = workday(TODAY - self.rng.randint(35, 50) * _DAY)
        papers = case.papers_of(["loan_contract", "drawdown_receipt"])
        archivist = self.rng.choice(ARCHIVISTS)
        ticket = self.borrowing(
            case,
            requester=self.rng.choice(RISK_MANAGERS),
            purpose=BorrowingPurpose.INSPECTION,
            form=BorrowingForm.ORIGINAL,
            reason="信贷资产质量专项检查，核对借款合同及借据原件签章",
            asked=asked,
            due=workday(asked + 5 * _DAY),
            papers=papers,
            approvers=[ARCHIVE_HEAD],
            archivist=archivist,
        )
        contract = next(p.sha256 for p in papers if p.doc_type == "loan_contract")
        self.lend(ticket, papers, archivist, asked, back=workday(asked + 3 * _DAY), short=contract)

    def overdue(self, cases: list[Case]) -> None:
        """The originals of :data:`~demo.gaps.BORROWING_OVERDUE`, lent for its renewal
        review and not back by today: the archive head reminds."""
        case = next((c for c in cases if c.loan_no == BORROWING_OVERDUE), None)
        if case is None:
            return
        asked = BORROWED_ON
        papers = case.papers_of(["loan_contract", "drawdown_receipt"])
        archivist = self.rng.choice(ARCHIVISTS)
        ticket = self.borrowing(
            case,
            requester=case.keeper,
            purpose=BorrowingPurpose.BUSINESS,
            form=BorrowingForm.ORIGINAL,
            reason="借款人申请续贷，续贷调查需核对原借款合同及借据原件",
            asked=asked,
            due=BORROWING_DUE_ON,
            papers=papers,
            approvers=[ARCHIVE_HEAD],
            archivist=archivist,
        )
        self.lend(ticket, papers, archivist, asked, back=None)
        self.at(TODAY, ARCHIVE_HEAD, "note_overdue_borrowings", on=TODAY)

    def borrowing(
        self,
        case: Case,
        *,
        requester: str,
        purpose: BorrowingPurpose,
        form: BorrowingForm,
        reason: str,
        asked: date,
        due: date,
        papers: list[Paper],
        approvers: list[str],
        archivist: str,
    ) -> _Ticket:
        """Requested, then approved: the first approver names the archivist who hands it out."""
        ticket = _Ticket()
        self.at(
            asked,
            requester,
            "request_borrowing",
            case.loan_no,
            ticket=ticket,
            purpose=purpose,
            form=form,
            reason=reason,
            requested_on=asked,
            due_on=due,
            documents=[p.sha256 for p in papers],
        )
        for n, approver in enumerate(approvers):
            named = archivist if n == 0 else None
            reason = "同意，按期归还，不得拆卷、涂改"
            self.at(asked, approver, "approve_borrowing", ticket, archivist_no=named, reason=reason)
        return ticket

    def lend(
        self,
        ticket: _Ticket,
        papers: list[Paper],
        archivist: str,
        out: date,
        *,
        back: date | None,
        short: str | None = None,
    ) -> None:
        """Checked out, and taken back — one page short of ``short`` — unless still out."""
        pages = {p.sha256: p.pages for p in papers}
        self.at(out, archivist, "check_out", ticket, checked_out_on=out, pages=pages)
        if back is None:
            return
        counted = {sha: n - 1 if sha == short else n for sha, n in pages.items()}
        desk = self.rng.choice(ARCHIVISTS)
        self.at(back, desk, "return_borrowing", ticket, returned_on=back, pages=counted)
        if short is None:
            self.at(back, desk, "close_borrowing", ticket, closed_on=back)

    # ----------------------------------------------------------------- sending
    def at(
        self,
        day: date,
        actor: str,
        command: str,
        /,
        *args: Any,
        ticket: _Ticket | None = None,
        **kwargs: Any,
    ) -> None:
        """Plan ``command`` for business date ``day``, in ``actor``'s name."""
        assert day <= TODAY, f"{command} on {day} is after the demo's today"
        self.tasks.append(_Task(day, len(self.tasks), actor, command, args, kwargs, ticket))

    def run(self) -> int:
        """Send every planned command in business-date order (planning order within a day)."""
        for task in sorted(self.tasks, key=lambda t: (t.on, t.seq)):
            args = [_value(a) for a in task.args]
            kwargs = {k: _value(v) for k, v in task.kwargs.items()}
            try:
                ctx = self.contexts[task.actor]
                typed = command_named(task.command)
                if typed is None:
                    result = getattr(self.archive, task.command)(ctx, *args, **kwargs)
                else:
                    fields = dict(zip(typed.path, args, strict=False))
                    result = self.archive.execute(ctx, typed.model_validate({**fields, **kwargs}))
            except Exception as error:
                error.add_note(f"demo archive office: {task.command} of {task.on} by {task.actor}")
                raise
            if task.ticket is not None:
                assert isinstance(result, CommandResult)
                task.ticket.borrowing_id = result.aggregate_id
        return len(self.tasks)

    def _id(self, case: Case, kind: str) -> UUID:
        return uuid5(_NAMESPACE, f"{self.seed}/{case.loan_no}/{kind}")


def _all_present(papers: list[Paper]) -> list[dict[str, Any]]:
    return [
        {"item_no": n, "condition": ItemCondition.PRESENT, "pages_counted": p.pages}
        for n, p in enumerate(papers, start=1)
    ]


def _value(arg: Any) -> Any:
    """A parameter as sent: a planned borrowing becomes its id, a later value is worked out."""
    if isinstance(arg, _Ticket):
        return arg.id()
    if isinstance(arg, _Later):
        return arg.value()
    return arg
