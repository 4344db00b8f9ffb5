"""The customer file (客户档案, 按户建档): commands on a borrower's own record and its reading.

``Customer`` (domain/customer.py) is keyed by the borrower's id; its loans are found from
their ``Disbursed`` events. A command on a customer is within reach when the actor's act scope
reaches one of its loans; the file shows only the loans the reader's read scope reaches and
says how many it leaves out.

* ``SetManagingBranch`` — the branch head names the customer's managing bank (客户管理行) at the
  level ``[customers] managing_levels`` names for its amount tier (``[guanhu] tiers``, from the
  principal of its loans on the books), at or above a unit its loans are booked at;
* ``RecordOperatingRhythm`` — when the customer is phoned (客户运营规律): months and days;
* ``RecordContactAttempt`` — an attempt to reach it; ``unreachable_after_failures`` failures in a
  row mark it unreachable (失联) with the attempts as evidence;
* ``VerifyCustomerContact`` — new contact data verified: no longer 失联.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import Field

from archive.commands import Command, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.fields import Short, Text
from domain.authorization import Action
from domain.customer import Customer
from domain.errors import NotFoundError
from domain.loan import Loan
from domain.scope import Level
from domain.staff import CustomerHolding, Staff
from domain.values import (
    Actor,
    ContactChannel,
    ContactPurpose,
    DocumentRef,
    LoanStatus,
)

BorrowerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class CustomerCommand(Command):
    """A command on one customer's file, named by the borrower's id in the path."""

    path = ("borrower_id",)
    files_documents = False

    borrower_id: BorrowerId = Field(description="the customer's id (客户号/证件号)")


class SetManagingBranch(CustomerCommand):
    """The customer's managing bank (客户管理行), named by the branch head with the reason."""

    action = Action.SET_MANAGING_BRANCH

    branch: Short = Field(description="the unit that manages the customer as a whole (客户管理行)")
    set_on: date
    reason: Text


class RecordOperatingRhythm(CustomerCommand):
    """When the customer is phoned (电话回访时间依客户运营规律): the months of its harvest or
    sales, the days of the month, the window it prefers."""

    action = Action.MAINTAIN_CUSTOMER_CONTACT

    months: list[int] = Field(
        min_length=1, max_length=12, description="months of its harvest or sales (1-12)"
    )
    from_day: int = Field(ge=1, le=31, description="first day of the month to phone")
    to_day: int = Field(ge=1, le=31, description="last day of the month to phone")
    call_window: Short | None = Field(
        default=None, description="when it prefers to be called, e.g. 18:00-20:00"
    )
    note: Text = Field(description="its operating rhythm as agreed (与饲料公司和客户沟通情况)")
    agreed_on: date = Field(description="when it was agreed with the customer (约定日期)")


class RecordContactAttempt(CustomerCommand):
    """An attempt to reach the customer (回访、催收、提醒), reached or not."""

    action = Action.MAINTAIN_CUSTOMER_CONTACT

    attempted_on: date
    channel: ContactChannel
    purpose: ContactPurpose
    contact: Short = Field(description="the number or address tried")
    reached: bool
    note: Text = Field(description="what happened (联系情况)")


class VerifyCustomerContact(CustomerCommand):
    """New contact data verified (联系信息核实): the customer reached on them."""

    action = Action.MAINTAIN_CUSTOMER_CONTACT

    verified_on: date
    learned_on: date = Field(description="when the bank learned of the change (获知变更日期)")
    phone: Short | None = None
    address: Short | None = None
    note: Text = Field(description="how it was verified (核实情况)")


class CustomerCommands(ArchiveCore):
    """The customer file: its commands and its reading."""

    # ------------------------------------------------------------------ finding
    def borrower_loans(self, borrower_id: str) -> list[Loan]:
        """The borrower's loans, in disbursement order, from the log (no scope checked)."""
        found: list[Loan] = []
        for notification in self.notifications_of(Loan.Disbursed):
            event: Any = self.mapper.to_domain_event(notification)
            if event.borrower_id == borrower_id:
                loan: Aggregate = self.repository.get(event.originator_id)
                assert isinstance(loan, Loan)
                found.append(loan)
        return found

    def _reached_loans(self, actor: Actor, action: Action, borrower_id: str) -> list[Loan]:
        """The borrower's loans ``actor`` reaches doing ``action``; none of them is refused
        (404 when the borrower has no loan, 403 ``out_of_scope`` when it has none in reach)."""
        loans = self.borrower_loans(borrower_id)
        if not loans:
            raise NotFoundError(
                f"客户 {borrower_id} 没有贷款", f"customer {borrower_id} has no loan"
            )
        reaching = self.reaching(actor, action)
        if reaching is None:
            return loans
        reached = [x for x in loans if reaching.covers(x.branch, x.managers)]
        if not reached:
            first = loans[0]
            reaching.check(first.loan_no, first.branch, first.managers)
        return reached

    def customer_record(self, borrower_id: str, borrower_name: str) -> Customer:
        """The customer's file: the one stored, or a new one saved with its first entry."""
        customer_id = Customer.create_id(borrower_id)
        if self.recorder.select_events(customer_id, limit=1):
            stored: Aggregate = self.repository.get(customer_id)
            assert isinstance(stored, Customer)
            return stored
        return Customer.open(borrower_id, borrower_name)

    def _on_customer(self, ctx: CommandContext, cmd: CustomerCommand, act: Any) -> CommandResult:
        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            loans = self._reached_loans(actor, cmd.action, cmd.borrower_id)
            customer = self.customer_record(cmd.borrower_id, loans[-1].borrower_name)
            self.check_version(customer, ctx)
            act(customer, actor, loans)
            return Work(customer, [customer], {"borrower_id": cmd.borrower_id})

        return self.run(ctx, cmd, body)

    # ------------------------------------------------------------------ commands
    @handles(SetManagingBranch)
    def set_managing_branch(self, ctx: CommandContext, cmd: SetManagingBranch) -> CommandResult:
        """Name the customer's managing bank at the level its tier asks."""

        def act(customer: Customer, actor: Actor, _reached: list[Loan]) -> None:
            rules = self.rule_set()
            hierarchy = rules.scope.hierarchy
            branch = hierarchy.check_known(cmd.branch.strip())
            unit = hierarchy.units.get(branch)
            loans = self.borrower_loans(cmd.borrower_id)
            on_books = [x for x in loans if x.status is LoanStatus.ACTIVE] or loans
            amount = sum((x.principal for x in on_books), Decimal("0.00"))
            tier = rules.guanhu.tier_of(amount)
            required = rules.customers.managing_levels.get(tier.tier) if tier else None
            customer.set_managing_branch(
                branch=branch,
                level=unit.level if unit is not None else Level.SUB_BRANCH,
                tier=tier.zh if tier else None,
                required=required,
                booked_at=[hierarchy.path(x.branch) for x in on_books],
                set_on=cmd.set_on,
                reason=cmd.reason,
                actor=actor,
            )

        return self._on_customer(ctx, cmd, act)

    @handles(RecordOperatingRhythm)
    def record_operating_rhythm(
        self, ctx: CommandContext, cmd: RecordOperatingRhythm
    ) -> CommandResult:
        """Record when the customer is phoned."""

        def act(customer: Customer, actor: Actor, _reached: list[Loan]) -> None:
            customer.record_rhythm(
                months=cmd.months,
                from_day=cmd.from_day,
                to_day=cmd.to_day,
                call_window=cmd.call_window,
                note=cmd.note,
                agreed_on=cmd.agreed_on,
                actor=actor,
            )

        return self._on_customer(ctx, cmd, act)

    @handles(RecordContactAttempt)
    def record_contact_attempt(
        self, ctx: CommandContext, cmd: RecordContactAttempt
    ) -> CommandResult:
        """Record an attempt to reach the customer; enough failures mark it 失联."""

        def act(customer: Customer, actor: Actor, _reached: list[Loan]) -> None:
            customer.record_attempt(
                attempted_on=cmd.attempted_on,
                channel=cmd.channel,
                purpose=cmd.purpose,
                contact=cmd.contact,
                reached=cmd.reached,
                note=cmd.note,
                unreachable_after=self.rule_set().customers.unreachable_after_failures,
                actor=actor,
            )

        return self._on_customer(ctx, cmd, act)

    @handles(VerifyCustomerContact)
    def verify_customer_contact(
        self, ctx: CommandContext, cmd: VerifyCustomerContact
    ) -> CommandResult:
        """Record new contact data verified: the customer is no longer 失联."""

        def act(customer: Customer, actor: Actor, _reached: list[Loan]) -> None:
            customer.verify_contact(
                verified_on=cmd.verified_on,
                learned_on=cmd.learned_on,
                phone=cmd.phone,
                address=cmd.address,
                note=cmd.note,
                actor=actor,
            )

        return self._on_customer(ctx, cmd, act)

    # ------------------------------------------------------------------ reading
    def customer_file(self, ctx: CommandContext, borrower_id: str) -> dict[str, Any]:
        """Everything the archive keeps of one customer, within the reader's data scope: its
        loans and their dossiers, manager, managing bank, zone and plan, contacts, guarantees,
        warnings, classifications, inspections and collection — people by name."""
        actor = self.authorize_read(ctx)
        everything = self.borrower_loans(borrower_id)
        loans = self._reached_loans(actor, Action.READ_BUSINESS, borrower_id)
        names: dict[UUID, str] = {}

        def name(staff_id: UUID | None) -> str | None:
            if staff_id is None:
                return None
            if staff_id not in names:
                try:
                    names[staff_id] = self.form_name(staff_id)
                except NotFoundError:
                    names[staff_id] = "—"
            return names[staff_id]

        latest = loans[-1]
        customer = self._stored_customer(borrower_id)
        rules = self.rule_set()
        hierarchy = rules.scope.hierarchy
        on_books = [x for x in everything if x.status is LoanStatus.ACTIVE] or everything
        amount = sum((x.principal for x in on_books), Decimal("0.00"))
        tier = rules.guanhu.tier_of(amount)
        required = rules.customers.managing_levels.get(tier.tier) if tier else None
        return {
            "borrower_id": borrower_id,
            "borrower_name": latest.borrower_name,
            "borrower_type": _labelled(latest.borrower_type),
            "rating": latest.borrower_rating,
            "rating_changes": sorted(
                (
                    {
                        "loan_no": x.loan_no,
                        "changed_on": c.changed_on.isoformat(),
                        "from": old,
                        "to": new,
                        "reason": c.reason,
                        "by": name(c.actor_id),
                    }
                    for x in loans
                    for c in x.information_changes
                    for field, old, new in c.changes
                    if field == "rating"
                ),
                key=lambda r: (r["changed_on"], r["loan_no"]),
            ),
            "loans_total": len(everything),
            "loans_left_out": len(everything) - len(loans),
            "manager": self._manager_of(borrower_id),
            "tier": {"tier": tier.tier, "zh": tier.zh, "amount": str(amount)} if tier else None,
            "operating_banks": sorted({x.branch for x in loans}),
            "superior_banks": sorted(
                {u.parent for x in loans if (u := hierarchy.units.get(x.branch)) and u.parent}
            ),
            "managing_bank": _managing(customer, name),
            "managing_level_required": _labelled(required) if required else None,
            "managing_units_allowed": [
                u.name
                for u in hierarchy.units.values()
                if (required is None or u.level is required)
                and any(u.name in hierarchy.path(x.branch) for x in on_books)
            ],
            "rhythm": _rhythm(customer),
            "contact": _contact(customer, loans, name),
            "loans": [self._loan_entry(x, name) for x in loans],
        }

    def _stored_customer(self, borrower_id: str) -> Customer | None:
        customer_id = Customer.create_id(borrower_id)
        if not self.recorder.select_events(customer_id, limit=1):
            return None
        found: Aggregate = self.repository.get(customer_id)
        return found if isinstance(found, Customer) else None

    def _manager_of(self, borrower_id: str) -> dict[str, Any] | None:
        holding_id = CustomerHolding.create_id(borrower_id)
        if not self.recorder.select_events(holding_id, limit=1):
            return None
        holding: Aggregate = self.repository.get(holding_id)
        assert isinstance(holding, CustomerHolding)
        if holding.staff_no is None:
            return None
        staff: Staff = self.staff(holding.staff_no)
        managed = staff.customers.get(borrower_id)
        return {
            "name": f"{staff.name}（{staff.staff_no}）",
            "branch": staff.branch,
            "group": managed.group if managed else None,
            "tier": managed.tier if managed else None,
            "assigned_on": managed.assigned_on.isoformat() if managed else None,
        }

    def _loan_entry(self, loan: Loan, name: Any) -> dict[str, Any]:
        dossier = self.dossier_of(loan)
        zone = loan.zone
        return {
            "loan_no": loan.loan_no,
            "product": _labelled(loan.product),
            "branch": loan.branch,
            "principal": str(loan.principal),
            "balance": str(loan.balance),
            "value_date": loan.value_date.isoformat(),
            "maturity_date": loan.term.maturity_date.isoformat(),
            "status": _labelled(loan.status),
            "grade": _labelled(loan.grade),
            "days_overdue": loan.days_overdue,
            "account_manager": name(loan.account_manager_id),
            "b_manager": name(loan.b_manager_id),
            "dossier": {
                "reference_code": dossier.reference_code,
                "documents": len(dossier.documents),
                "destroyed": dossier.destroyed_in is not None,
            },
            "zone": None
            if zone is None
            else {
                "zone": zone.zone,
                "since": zone.since.isoformat(),
                "measures": zone.plan.measures,
                "target": zone.plan.target,
                "responsible": name(zone.plan.responsible_id),
                "deadline": zone.plan.deadline.isoformat() if zone.plan.deadline else None,
                "approved_by": name(zone.approved_by),
            },
            "contacts": {
                k: v for k, v in loan.borrower_information.items() if k in ("address", "phone")
            },
            "guarantees": [
                {
                    "guarantor": g.guarantor_name,
                    "kind": _labelled(g.kind),
                    "amount": str(g.amount),
                    "contract_no": g.contract_no,
                    "assessed_on": g.assessed_on.isoformat(),
                }
                for g in loan.guarantees.values()
            ],
            "warnings": [
                {
                    "code": w.code,
                    "colour": _labelled(w.colour),
                    "raised_on": w.raised_on.isoformat(),
                    "reason": w.reason,
                    "cleared_on": w.cleared_on.isoformat() if w.cleared_on else None,
                    "raised_by": name(w.raiser_id),
                }
                for w in sorted(loan.warnings.values(), key=lambda w: w.raised_on)
            ],
            "classifications": [
                {
                    "as_of": p.as_of.isoformat(),
                    "grade": _labelled(p.grade),
                    "status": p.status,
                    "proposed_by": name(p.proposer_id),
                }
                for p in sorted(loan.proposals.values(), key=lambda p: p.as_of)
            ],
            "inspections": [
                {
                    "inspected_on": i.inspected_on.isoformat(),
                    "kind": _labelled(i.kind),
                    "inspector": name(i.inspector_id),
                    "judgment": i.judgment,
                    "counterpart": i.counterpart,
                }
                for i in sorted(loan.inspections.values(), key=lambda i: i.inspected_on)
            ],
            "collection": [
                {
                    "taken_on": s.taken_on.isoformat(),
                    "kind": _labelled(s.kind),
                    "days_overdue": s.days_overdue,
                    "outcome": s.outcome,
                    "by": name(s.actor_id),
                }
                for s in sorted(loan.collection_steps.values(), key=lambda s: s.taken_on)
            ],
        }


def _labelled(value: Any) -> dict[str, str]:
    return {"value": value.value, "zh": value.zh}


def _managing(customer: Customer | None, name: Any) -> dict[str, Any] | None:
    if customer is None or customer.managing_branch is None:
        return None
    level = customer.managing_level
    return {
        "branch": customer.managing_branch,
        "level": _labelled(level) if level else None,
        "tier": customer.managing_tier,
        "reason": customer.managing_reason,
        "set_on": customer.managing_set_on.isoformat() if customer.managing_set_on else None,
        "set_by": name(customer.managing_set_by),
    }


def _rhythm(customer: Customer | None) -> dict[str, Any] | None:
    if customer is None or customer.rhythm is None:
        return None
    rhythm = customer.rhythm
    return {
        "months": list(rhythm.months),
        "from_day": rhythm.from_day,
        "to_day": rhythm.to_day,
        "call_window": rhythm.call_window,
        "note": rhythm.note,
        "zh": rhythm.describe(),
    }


def _contact(customer: Customer | None, loans: list[Loan], name: Any) -> dict[str, Any]:
    latest: dict[str, str] = {}
    for loan in loans:
        latest |= {k: v for k, v in loan.borrower_information.items() if k in ("address", "phone")}
    attempts: Iterator[Any] = iter(customer.attempts if customer else ())
    verified = customer.verified if customer else []
    if verified:
        last = verified[-1]
        latest |= {k: v for k, v in (("phone", last.phone), ("address", last.address)) if v}
    return {
        "phone": latest.get("phone"),
        "address": latest.get("address"),
        "unreachable": bool(customer and customer.unreachable_since),
        "unreachable_since": customer.unreachable_since.isoformat()
        if customer and customer.unreachable_since
        else None,
        "attempts": [
            {
                "attempted_on": a.attempted_on.isoformat(),
                "channel": _labelled(a.channel),
                "purpose": _labelled(a.purpose),
                "contact": a.contact,
                "reached": a.reached,
                "note": a.note,
                "by": name(a.actor_id),
            }
            for a in attempts
        ],
        "verified": [
            {
                "verified_on": v.verified_on.isoformat(),
                "learned_on": v.learned_on.isoformat(),
                "phone": v.phone,
                "address": v.address,
                "note": v.note,
                "by": name(v.actor_id),
            }
            for v in verified
        ],
    }
