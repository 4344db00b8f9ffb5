"""Closer watch (重点监测) and maturity notices (到期提示).

A key customer (重点客户) is designated by the branch head or a risk manager, with the reason,
and may be taken off again: it is watched on site every quarter (按季现场监测) and stands on the
watch list (重点客户名单纳入关注类) — shown, never reclassified by it. A loan serviced under the
third-party service model (第三方服务模式) names its servicer and the contact there: it is
phoned every ten days and visited twice a month. How often is the rules' ``[watch]`` (the
work queue judges it); a large customer (额度较大) follows from the principal alone.

A maturity notice (贷款到期通知书) tells the borrower, a month ahead, that the loan falls due:
recorded with the day it was issued, to whom, and the maturity date it announces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.loan.core import Docs
from domain.loan.information import LoanInformation
from domain.values import Actor, DocumentRef, Role, require_text


@dataclass(frozen=True)
class KeyCustomer:
    """The loan's borrower on the key-customer list (重点客户名单) since a day, and why."""

    since: date
    reason: str
    designated_by: UUID


@dataclass(frozen=True)
class ThirdPartyService:
    """The servicer of a loan under the third-party service model, and the contact there."""

    servicer: str
    contact: str
    contact_phone: str | None
    since: date
    servicer_code: str | None = None
    """The servicer's unified social credit code, where it is a registered partner (合作机构)."""


@dataclass(frozen=True)
class MaturityNotice:
    """A maturity notice issued (贷款到期通知书): when, to whom, for which maturity date."""

    notice_id: UUID
    issued_on: date
    addressee: str
    maturity_date: date


class LoanWatch(LoanInformation):
    """Key customers, third-party servicing and maturity notices."""

    # Loans disbursed before this layer existed have none of its state until one of its events
    # sets it: the properties read it with its default (an annotated class attribute would
    # become an argument of the aggregate's creation).
    @property
    def key_customer(self) -> KeyCustomer | None:
        """On the key-customer list since a day, or None."""
        found: KeyCustomer | None = self.__dict__.get("_key_customer")
        return found

    @property
    def third_party(self) -> ThirdPartyService | None:
        """The third-party servicer and its contact, or None."""
        found: ThirdPartyService | None = self.__dict__.get("_third_party")
        return found

    @property
    def maturity_notices(self) -> tuple[MaturityNotice, ...]:
        """The maturity notices issued, in the order recorded."""
        found: tuple[MaturityNotice, ...] = self.__dict__.get("_maturity_notices", ())
        return found

    def checklist_facts(self) -> dict[str, str | None]:
        """What a checklist's conditions test, with how the loan is serviced (``service``:
        ``third_party`` under the third-party model, whose return visits answer their own
        records, ``own`` otherwise)."""
        return {
            **super().checklist_facts(),
            "service": "third_party" if self.third_party is not None else "own",
        }

    # -------------------------------------------------------------- key customers
    def designate_key_customer(self, *, designated_on: date, reason: str, actor: Actor) -> None:
        """Put the borrower on the key-customer list (重点客户), with the reason."""
        authorize(actor, Action.DESIGNATE_KEY_CUSTOMER)
        self.check_on_books("列为重点客户", "designate a key customer")
        self.check_business_date(designated_on, "designated_on")
        if self.key_customer is not None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 已列为重点客户",
                f"loan {self.loan_no} is already a key customer's",
            )
        self._key_customer_designated(
            designated_on=designated_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("KeyCustomerDesignated")
    def _key_customer_designated(
        self, *, designated_on: date, reason: str, actor_id: UUID, role: Role
    ) -> None:
        self.__dict__["_key_customer"] = KeyCustomer(designated_on, reason, actor_id)

    def remove_key_customer(self, *, removed_on: date, reason: str, actor: Actor) -> None:
        """Take the borrower off the key-customer list, with the reason."""
        authorize(actor, Action.DESIGNATE_KEY_CUSTOMER)
        if self.key_customer is None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 未列为重点客户",
                f"loan {self.loan_no} is not a key customer's",
            )
        if removed_on < self.key_customer.since:
            raise InvalidInputError(
                "移出日早于列入日",
                "removed_on is before the designation",
                field="removed_on",
            )
        self._key_customer_removed(
            removed_on=removed_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("KeyCustomerRemoved")
    def _key_customer_removed(
        self, *, removed_on: date, reason: str, actor_id: UUID, role: Role
    ) -> None:
        self.__dict__["_key_customer"] = None

    # ------------------------------------------------------- third-party service
    def assign_third_party_service(
        self,
        *,
        servicer: str,
        contact: str,
        contact_phone: str | None,
        assigned_on: date,
        actor: Actor,
        servicer_code: str | None = None,
    ) -> None:
        """Service the loan under the third-party model (第三方服务模式), naming the servicer
        and the contact there who is phoned and visited; ``servicer_code``: the servicer's
        unified social credit code, where it is a registered partner institution (合作机构,
        checked by the caller: registered as a servicer, cooperating on the day)."""
        authorize(actor, Action.ASSIGN_THIRD_PARTY_SERVICE)
        self.check_on_books("指定第三方服务", "assign a third-party servicer")
        self.check_business_date(assigned_on, "assigned_on")
        servicer = require_text(servicer, "servicer", max_length=200)
        contact = require_text(contact, "contact", max_length=100)
        phone = contact_phone.strip() if contact_phone else None
        current = self.third_party
        if current is not None and (
            current.servicer,
            current.contact,
            current.contact_phone,
            current.servicer_code,
        ) == (servicer, contact, phone, servicer_code):
            raise InvalidInputError(
                f"贷款 {self.loan_no} 的第三方服务未变",
                f"loan {self.loan_no} already has this servicer and contact",
            )
        self._third_party_service_assigned(
            servicer=servicer,
            contact=contact,
            contact_phone=phone,
            assigned_on=assigned_on,
            actor_id=actor.id,
            role=actor.role,
            servicer_code=servicer_code,
        )

    @event("ThirdPartyServiceAssigned")
    def _third_party_service_assigned(
        self,
        *,
        servicer: str,
        contact: str,
        contact_phone: str | None,
        assigned_on: date,
        actor_id: UUID,
        role: Role,
        servicer_code: str | None = None,
    ) -> None:
        # ``servicer_code``: a registered partner's code; none in assignments stored before.
        self.__dict__["_third_party"] = ThirdPartyService(
            servicer, contact, contact_phone, assigned_on, servicer_code
        )

    # ------------------------------------------------------------ maturity notices
    def issue_maturity_notice(
        self,
        *,
        notice_id: UUID,
        issued_on: date,
        addressee: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record the maturity notice (贷款到期通知书) sent to ``addressee`` before the loan
        falls due."""
        authorize(actor, Action.ISSUE_MATURITY_NOTICE)
        self.check_on_books("发出到期通知书", "issue a maturity notice")
        self.check_business_date(issued_on, "issued_on")
        if any(n.notice_id == notice_id for n in self.maturity_notices):
            raise InvalidTransitionError(
                f"到期通知书 {notice_id} 已存在", f"maturity notice {notice_id} exists"
            )
        maturity = self.term.maturity_date
        if issued_on > maturity:
            raise InvalidInputError(
                f"贷款已于 {maturity.isoformat()} 到期，不能再发到期通知书",
                f"the loan fell due on {maturity.isoformat()}: issued_on is after it",
                field="issued_on",
            )
        self._maturity_notice_issued(
            notice_id=notice_id,
            issued_on=issued_on,
            addressee=require_text(addressee, "addressee", max_length=200),
            maturity_date=maturity,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("MaturityNoticeIssued")
    def _maturity_notice_issued(
        self,
        *,
        notice_id: UUID,
        issued_on: date,
        addressee: str,
        maturity_date: date,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        notice = MaturityNotice(notice_id, issued_on, addressee, maturity_date)
        self.__dict__["_maturity_notices"] = (*self.maturity_notices, notice)

    def maturity_notice_for(self, maturity: date) -> MaturityNotice | None:
        """The latest notice announcing ``maturity``, if one was issued."""
        found = [n for n in self.maturity_notices if n.maturity_date == maturity]
        return max(found, key=lambda n: n.issued_on) if found else None
