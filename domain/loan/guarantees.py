"""Guarantees (保证): who guarantees the loan, and their capacity re-assessed over time.

A guarantee is kept on the loan, like its collection steps: the guarantor (保证人) — a person
(自然人), a company (企业) or a guarantee company (担保公司) — known by ID card number or
unified social credit code, the amount guaranteed in 元 and the guarantee contract. The
guarantor's repayment capacity (代偿能力) and credit rating are re-assessed periodically
(``[guarantors]`` of the rules: when the re-assessment falls due); a re-assessment finding the
capacity weakened or lost raises warning signal GUA-03 (保证人代偿能力明显下降, orange) on the
loan, unless that signal is open already (docs/rules.md GUA-50 to GUA-55).

When the borrower does not pay, a guarantor may pay on its behalf (代偿, 担保公司先行垫付):
the compensation is recorded on the loan against the guarantee — the amount in 元, the day, the
evidence — and becomes the guarantor's recovery claim against the borrower (追偿), whose
progress is recorded as it goes (amounts recovered, what was done) until the claim is met
(docs/rules.md PTN-04, PTN-05). The payment itself reaches the loan's balance through the
core-banking feed, as a repayment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import AlreadyExistsError, InvalidInputError, InvalidTransitionError
from domain.loan.core import Docs
from domain.loan.warnings import LoanWarnings
from domain.records import Guarantee
from domain.values import (
    Actor,
    DocumentRef,
    GuarantorCapacity,
    GuarantorKind,
    Role,
    WarningColour,
    money,
    require_text,
)
from domain.warning_rules import WarningRules

GUARANTOR_WARNING = "GUA-03"
"""The warning signal of a guarantor whose capacity has weakened (保证人代偿能力明显下降)."""

_ID_CARD = re.compile(r"\d{17}[\dX]")
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_RATING = re.compile(r"[A-Za-z0-9+\-]{1,16}")


def guarantor_id_no(kind: GuarantorKind, id_no: str) -> str:
    """The guarantor's ID card number (person) or unified social credit code (company)."""
    found = id_no.strip().upper()
    if kind is GuarantorKind.PERSON:
        if not _ID_CARD.fullmatch(found):
            raise InvalidInputError(
                "自然人保证人的身份证号须为18位（末位可为X）",
                "a person's id_no is an 18-character ID card number",
                field="id_no",
            )
    elif not _CREDIT_CODE.fullmatch(found):
        raise InvalidInputError(
            "企业保证人的统一社会信用代码须为18位",
            "a company's id_no is its 18-character unified social credit code",
            field="id_no",
        )
    return found


def guarantor_rating(rating: str | None) -> str:
    """A credit rating (信用等级) such as AA or BBB-, or empty when not rated."""
    found = (rating or "").strip()
    if found and not _RATING.fullmatch(found):
        raise InvalidInputError(
            "信用等级须为1-16位字母、数字或+-",
            "rating is 1-16 letters, digits, + or -",
            field="rating",
        )
    return found


@dataclass(frozen=True)
class Compensation:
    """A guarantor's payment on the borrower's behalf (代偿) and its recovery claim (追偿)."""

    compensation_id: UUID
    guarantee_id: UUID
    guarantor_name: str
    id_no: str
    amount: Decimal
    compensated_on: date
    note: str
    recovered: Decimal = Decimal("0.00")
    """Recovered from the borrower so far (已追回)."""
    last_progress_on: date | None = None
    progress: tuple[tuple[date, Decimal, str], ...] = ()
    """Each step of the recovery: when, the amount recovered (may be none), what was done."""

    @property
    def claim(self) -> Decimal:
        """What the guarantor still claims from the borrower (追偿余额)."""
        return self.amount - self.recovered


class LoanGuarantees(LoanWarnings):
    """The loan's guarantees, the re-assessments of their guarantors and their compensations."""

    @property
    def compensations(self) -> dict[UUID, Compensation]:
        """The compensations by guarantors (代偿), by id, in the order recorded."""
        found: dict[UUID, Compensation] = self.__dict__.get("_compensations", {})
        return found

    def compensated_by(self, guarantee_id: UUID) -> Decimal:
        return sum(
            (c.amount for c in self.compensations.values() if c.guarantee_id == guarantee_id),
            Decimal("0.00"),
        )

    def record_compensation(
        self,
        *,
        compensation_id: UUID,
        guarantee_id: UUID,
        amount: Decimal,
        compensated_on: date,
        note: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record a guarantor's payment on the borrower's behalf (代偿), with its evidence.

        Only on a loan that has fallen into arrears, never before the guarantee was registered,
        and never more in all than the amount guaranteed."""
        authorize(actor, Action.RECORD_COMPENSATION)
        self.check_not_closed("登记代偿", "record a compensation")
        guarantee: Guarantee = self._get(self.guarantees, guarantee_id, "保证", "guarantee")
        if compensation_id in self.compensations:
            raise AlreadyExistsError(
                f"代偿 {compensation_id} 已存在", f"compensation {compensation_id} exists"
            )
        check_not_before(
            compensated_on,
            guarantee.registered_on,
            field="compensated_on",
            since_field="registered_on",
        )
        if self.days_overdue_reached(compensated_on) == 0:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 未曾逾期，保证人无需代偿",
                f"loan {self.loan_no} has not been overdue: there is nothing to compensate",
            )
        if not documents:
            raise InvalidInputError(
                "代偿须附凭证（代偿款入账凭证或代偿协议）",
                "a compensation files its evidence (the payment voucher or agreement)",
                field="documents",
            )
        amount = money(amount, "amount", positive=True)
        already = self.compensated_by(guarantee_id)
        if already + amount > guarantee.amount:
            raise InvalidInputError(
                f"累计代偿 {already + amount} 元超过保证金额 {guarantee.amount} 元",
                f"compensations of {already + amount} exceed the {guarantee.amount} guaranteed",
                field="amount",
            )
        self._compensated(
            compensation_id=compensation_id,
            guarantee_id=guarantee_id,
            guarantor_name=guarantee.guarantor_name,
            id_no=guarantee.id_no,
            amount=amount,
            compensated_on=compensated_on,
            note=require_text(note, "note"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("GuarantorCompensated")
    def _compensated(
        self,
        *,
        compensation_id: UUID,
        guarantee_id: UUID,
        guarantor_name: str,
        id_no: str,
        amount: Decimal,
        compensated_on: date,
        note: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        found = dict(self.compensations)
        found[compensation_id] = Compensation(
            compensation_id, guarantee_id, guarantor_name, id_no, amount, compensated_on, note
        )
        self.__dict__["_compensations"] = found

    def record_recovery(
        self,
        *,
        compensation_id: UUID,
        recovered_on: date,
        recovered: Decimal,
        progress: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record the progress of the guarantor's recovery from the borrower (追偿进展): the
        amount recovered this time (none, for a step that recovered nothing) and what was done.
        Never more than the claim outstanding."""
        authorize(actor, Action.RECORD_COMPENSATION)
        found = self.compensations.get(compensation_id)
        if found is None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 没有代偿 {compensation_id}",
                f"loan {self.loan_no} has no compensation {compensation_id}",
            )
        check_not_before(
            recovered_on,
            found.last_progress_on or found.compensated_on,
            field="recovered_on",
            since_field="last_progress_on" if found.last_progress_on else "compensated_on",
        )
        recovered = money(recovered, "recovered")
        if recovered > found.claim:
            raise InvalidInputError(
                f"追回 {recovered} 元超过追偿余额 {found.claim} 元",
                f"{recovered} recovered exceeds the claim of {found.claim} outstanding",
                field="recovered",
            )
        if found.claim == 0:
            raise InvalidTransitionError(
                "该笔代偿已全部追回", "the compensation has been recovered in full"
            )
        self._recovery_recorded(
            compensation_id=compensation_id,
            recovered_on=recovered_on,
            recovered=recovered,
            progress=require_text(progress, "progress"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("CompensationRecoveryRecorded")
    def _recovery_recorded(
        self,
        *,
        compensation_id: UUID,
        recovered_on: date,
        recovered: Decimal,
        progress: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        found = dict(self.compensations)
        was = found[compensation_id]
        found[compensation_id] = replace(
            was,
            recovered=was.recovered + recovered,
            last_progress_on=recovered_on,
            progress=(*was.progress, (recovered_on, recovered, progress)),
        )
        self.__dict__["_compensations"] = found

    def register_guarantee(
        self,
        *,
        guarantee_id: UUID,
        guarantor_name: str,
        kind: GuarantorKind,
        id_no: str,
        amount: Decimal,
        contract_no: str,
        registered_on: date,
        capacity: GuarantorCapacity = GuarantorCapacity.ADEQUATE,
        rating: str | None = None,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Register a guarantee on the loan (保证登记), with the guarantor's capacity found."""
        authorize(actor, Action.REGISTER_GUARANTEE)
        self.check_not_closed("登记保证", "register a guarantee")
        self.check_business_date(registered_on, "registered_on")
        self._new(self.guarantees, guarantee_id, "保证/guarantee")
        id_no = guarantor_id_no(kind, id_no)
        if any(g.id_no == id_no for g in self.guarantees.values()):
            raise AlreadyExistsError(
                f"贷款 {self.loan_no} 已登记该保证人（{id_no}）",
                f"loan {self.loan_no} already has a guarantee by {id_no}",
                field="id_no",
            )
        self._guarantee_registered(
            guarantee_id=guarantee_id,
            loan_no=self.loan_no,
            guarantor_name=require_text(guarantor_name, "guarantor_name", max_length=200),
            kind=kind,
            id_no=id_no,
            amount=money(amount, "amount", positive=True),
            contract_no=require_text(contract_no, "contract_no", max_length=64),
            registered_on=registered_on,
            capacity=capacity,
            rating=guarantor_rating(rating),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("GuaranteeRegistered")
    def _guarantee_registered(
        self,
        *,
        guarantee_id: UUID,
        loan_no: str,
        guarantor_name: str,
        kind: GuarantorKind,
        id_no: str,
        amount: Decimal,
        contract_no: str,
        registered_on: date,
        capacity: GuarantorCapacity,
        rating: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.guarantees[guarantee_id] = Guarantee(
            guarantee_id,
            guarantor_name,
            kind,
            id_no,
            amount,
            contract_no,
            registered_on,
            capacity,
            rating,
            registered_on,
        )

    def reassess_guarantor(
        self,
        *,
        guarantee_id: UUID,
        assessed_on: date,
        capacity: GuarantorCapacity,
        rating: str | None = None,
        findings: str,
        signal_id: UUID,
        actor: Actor,
        documents: Docs = (),
        warning_rules: WarningRules | None = None,
    ) -> None:
        """Re-assess a guarantor's capacity (代偿能力) and rating; weakened or lost raises GUA-03.

        ``signal_id`` is the id the warning takes if one is raised; ``warning_rules`` the warning
        rules in force, which it follows (WRN-50).
        """
        authorize(actor, Action.REASSESS_GUARANTOR)
        self.check_not_closed("重新评估保证人", "re-assess a guarantor")
        guarantee: Guarantee = self._get(self.guarantees, guarantee_id, "保证", "guarantee")
        check_not_before(
            assessed_on, guarantee.assessed_on, field="assessed_on", since_field="last_assessed_on"
        )
        findings = require_text(findings, "findings")
        rating = guarantor_rating(rating)
        raised: UUID | None = None
        open_already = any(
            w.code == GUARANTOR_WARNING and w.cleared_on is None for w in self.warnings.values()
        )
        if capacity is not GuarantorCapacity.ADEQUATE and not open_already:
            self.raise_warning(
                signal_id=signal_id,
                colour=WarningColour.ORANGE,
                code=GUARANTOR_WARNING,
                raised_on=assessed_on,
                reason=f"保证人{guarantee.guarantor_name}{capacity.zh}：{findings}",
                actor=actor,
                rules=warning_rules,
            )
            raised = signal_id
        self._guarantor_reassessed(
            guarantee_id=guarantee_id,
            assessed_on=assessed_on,
            capacity=capacity,
            previous_capacity=guarantee.capacity,
            rating=rating,
            findings=findings,
            signal_id=raised,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("GuarantorReassessed")
    def _guarantor_reassessed(
        self,
        *,
        guarantee_id: UUID,
        assessed_on: date,
        capacity: GuarantorCapacity,
        previous_capacity: GuarantorCapacity,
        rating: str,
        findings: str,
        signal_id: UUID | None,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        guarantee = self.guarantees[guarantee_id]
        guarantee.capacity = capacity
        guarantee.rating = rating or guarantee.rating
        guarantee.assessed_on = assessed_on
        guarantee.assessments += 1
