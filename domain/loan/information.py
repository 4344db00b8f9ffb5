"""Borrower information maintenance (贷款信息维护) and the use of the funds (贷款用途监控).

After disbursement the borrower's address, phone, employer, income, marital status, assets,
disputes, credit rating and repayment account change as one act with its evidence
(``BorrowerInformationChanged``, INF-50 to INF-54); a change of rating re-derives the inspection
schedule from its effective date (INF-55, :meth:`InspectionSchedule.next_due`). Each use of the
funds is recorded against the stated purpose (``FundsUseRecorded``); a use against it raises
the BEH-05 warning signal in the same act (INF-56 to INF-58).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError
from domain.industry import Industry
from domain.information import (
    MISUSE_CODE,
    RATING_DOCUMENT,
    BorrowerField,
    FundsUse,
    InformationChange,
    PaymentMethod,
    checked_value,
)
from domain.loan.core import Docs
from domain.loan.workout import LoanWorkout
from domain.values import Actor, DocumentRef, Role, WarningColour, money, require_text
from domain.warning_rules import WarningRules


class LoanInformation(LoanWorkout):
    """The borrower's information as it changes, and the use of the funds."""

    # ------------------------------------------------------------ information
    @property
    def borrower_information(self) -> dict[str, str]:
        """The borrower's current information by field (the rating always among it)."""
        info: dict[str, str] = dict(getattr(self, "_information", {}))
        info[BorrowerField.RATING.value] = self.borrower_rating
        return info

    @property
    def information_changes(self) -> list[InformationChange]:
        """Every change of the borrower's information, oldest first."""
        return list(getattr(self, "_information_changes", ()))

    @property
    def rating_change(self) -> tuple[str, date] | None:
        """The rating before the latest change of rating and that change's effective date."""
        found: tuple[str, date] | None = getattr(self, "_rating_change", None)
        return found

    def change_borrower_information(
        self,
        *,
        changed_on: date,
        changes: Sequence[tuple[BorrowerField, str]],
        reason: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record changes of the borrower's information from ``changed_on``, with the reason.

        Each field once, each to a value other than its current one. The account manager or
        the post-loan officer records them; a change of rating is the risk manager's, with the
        new rating form filed (INF-51, INF-52).
        """
        authorize(actor, Action.CHANGE_BORROWER_INFORMATION)
        self.check_on_books("变更借款人信息", "change the borrower's information")
        self.check_business_date(changed_on, "changed_on")
        history = self.information_changes
        check_not_before(
            changed_on,
            history[-1].changed_on if history else None,
            field="changed_on",
            since_field="last_changed_on",
        )
        if not changes:
            raise InvalidInputError(
                "至少变更一项借款人信息", "at least one field must change", field="changes"
            )
        current = self.borrower_information
        recorded: list[dict[str, Any]] = []
        for field, value in changes:
            if any(c["field"] == field.value for c in recorded):
                raise InvalidInputError(
                    f"{field.zh} 重复变更", f"{field.value} is changed twice", field="changes"
                )
            new = checked_value(field, value)
            old = current.get(field.value)
            if new == old:
                raise InvalidInputError(
                    f"{field.zh} 未变（仍为 {old}）",
                    f"{field.value} is already {old}",
                    field=f"changes.{field.value}",
                )
            recorded.append({"field": field.value, "old": old, "new": new})
        if any(c["field"] == BorrowerField.RATING.value for c in recorded):
            authorize(actor, Action.CHANGE_BORROWER_RATING)
            if not any(d.doc_type == RATING_DOCUMENT for d in documents):
                raise InvalidInputError(
                    "信用等级变更须附借款人信用等级评定表（rating_form）",
                    "a change of rating must file the borrower rating form (rating_form)",
                    field="documents",
                )
        if any(c["field"] == BorrowerField.INDUSTRY.value for c in recorded) and not documents:
            raise InvalidInputError(
                "所属行业变更须附证明材料（如营业执照、经营范围变更登记）",
                "a change of industry must file its evidence (the business licence, the "
                "registered change of business scope)",
                field="documents",
            )
        self._borrower_information_changed(
            changed_on=changed_on,
            changes=recorded,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("BorrowerInformationChanged")
    def _borrower_information_changed(
        self,
        *,
        changed_on: date,
        changes: list[dict[str, Any]],
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        info: dict[str, str] = dict(getattr(self, "_information", {}))
        for change in changes:
            if change["field"] == BorrowerField.RATING.value:
                self._rating_change = (self.borrower_rating, changed_on)
                self.borrower_rating = change["new"]
            else:
                info[change["field"]] = change["new"]
        self._information = info
        self._information_changes = [
            *getattr(self, "_information_changes", ()),
            InformationChange(
                changed_on=changed_on,
                changes=tuple((c["field"], c["old"], c["new"]) for c in changes),
                reason=reason,
                actor_id=actor_id,
            ),
        ]

    @property
    def industry(self) -> str | None:
        """The borrower's industry (GB/T 4754 门类 letter), if recorded."""
        return self.borrower_information.get(BorrowerField.INDUSTRY.value)

    def record_industry(self, *, industry: Industry, actor: Actor) -> None:
        """Record the borrower's industry as the loan is booked (SUS-01): in the act of the
        disbursement, dated its value date; later changes go through the information
        maintenance, with their evidence."""
        authorize(actor, Action.DISBURSE)
        if self.industry is not None or self.information_changes:
            raise InvalidInputError(
                "所属行业仅在放款时登记，其后变更须经贷款信息维护并附证明材料",
                "the industry is recorded at booking only; later it changes through the "
                "borrower information maintenance, with its evidence",
                field="industry",
            )
        self._industry_recorded(
            classified_on=self.value_date,
            industry=Industry.parse(industry, "industry").value,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("IndustryRecorded")
    def _industry_recorded(
        self, *, classified_on: date, industry: str, actor_id: UUID, role: Role
    ) -> None:
        info: dict[str, str] = dict(getattr(self, "_information", {}))
        info[BorrowerField.INDUSTRY.value] = industry
        self._information = info

    # ------------------------------------------------------------- funds use
    @property
    def funds_uses(self) -> list[FundsUse]:
        """Every use of the funds recorded, in the order recorded."""
        return list(getattr(self, "_funds_uses", ()))

    def record_funds_use(
        self,
        *,
        record_id: UUID,
        used_on: date,
        amount: Decimal,
        payee: str,
        use: str,
        matches_purpose: bool,
        payment_method: PaymentMethod,
        actor: Actor,
        documents: Docs = (),
        warning_rules: WarningRules | None = None,
    ) -> UUID | None:
        """Record one use of the funds against the loan's stated purpose (贷款用途).

        A use against the purpose raises the BEH-05 signal (orange) in the same act, unless
        one is open already (INF-56); the uses recorded may not add up to more than the
        principal (INF-57). Answers the id of the signal raised, if one was. ``warning_rules``:
        the warning rules in force, which the signal follows (WRN-50).
        """
        authorize(actor, Action.RECORD_FUNDS_USE)
        self.check_on_books("登记贷款资金使用", "record a use of the funds")
        self.check_business_date(used_on, "used_on")
        if any(u.id == record_id for u in self.funds_uses):
            raise InvalidInputError(
                f"资金使用记录 {record_id} 已存在", f"funds use {record_id} exists"
            )
        amount = money(amount, "amount", positive=True)
        used = sum((u.amount for u in self.funds_uses), Decimal("0.00"))
        if used + amount > self.principal:
            raise InvalidInputError(
                f"累计资金使用 {used + amount} 元超过贷款金额 {self.principal} 元",
                f"the uses recorded, {used + amount}, exceed the principal {self.principal}",
                field="amount",
            )
        open_signal = next(
            (
                w.id
                for w in self.warnings.values()
                if w.code == MISUSE_CODE and w.cleared_on is None
            ),
            None,
        )
        raised = None
        if not matches_purpose and open_signal is None:
            raised = uuid5(record_id, MISUSE_CODE)
        self._funds_use_recorded(
            record_id=record_id,
            used_on=used_on,
            amount=amount,
            payee=require_text(payee, "payee", max_length=200),
            use=require_text(use, "use", max_length=500),
            matches_purpose=matches_purpose,
            payment_method=PaymentMethod.parse(payment_method, "payment_method").value,
            signal_id=None if matches_purpose else (raised or open_signal),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )
        if raised is not None:
            self.raise_warning(
                signal_id=raised,
                colour=WarningColour.ORANGE,
                code=MISUSE_CODE,
                raised_on=used_on,
                reason=f"贷款资金未按约定用途使用：{use.strip()}（{amount} 元，收款人 "
                f"{payee.strip()}；约定用途：{self.purpose}）",
                actor=actor,
                rules=warning_rules,
            )
        return raised

    @event("FundsUseRecorded")
    def _funds_use_recorded(
        self,
        *,
        record_id: UUID,
        used_on: date,
        amount: Decimal,
        payee: str,
        use: str,
        matches_purpose: bool,
        payment_method: str,
        signal_id: UUID | None,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self._funds_uses = [
            *getattr(self, "_funds_uses", ()),
            FundsUse(
                id=record_id,
                used_on=used_on,
                amount=amount,
                payee=payee,
                use=use,
                matches_purpose=matches_purpose,
                payment_method=PaymentMethod.parse(payment_method, "payment_method"),
                signal_id=signal_id,
                actor_id=actor_id,
            ),
        ]
