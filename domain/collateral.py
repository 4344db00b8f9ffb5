"""A collateral (押品) and the custody of its title certificate (权证).

A collateral secures one loan and is known by its number on that loan. Its title
certificate is custody tier 1 (docs/rules.md CLT-02): held like cash by two custodians, and
moved — lodged in the vault (入库), taken out (出库), returned (归还) — only by two
archivists together, one of them the person recording the movement.

Public methods are commands: they check the rules first and then trigger one
past-tense event through a private ``@event`` method, whose body is the only
place state changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import dates
from domain.authorization import Action, authorize
from domain.errors import (
    InvalidInputError,
    InvalidTransitionError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.loan import Loan
from domain.values import (
    Actor,
    CertificateStatus,
    CollateralKind,
    CollateralStatus,
    DocumentRef,
    LoanStatus,
    Party,
    Role,
    collateral_id_for,
    money,
    require_text,
)

Docs = Sequence[DocumentRef]


def check_custodians(custodians: Sequence[Party], actor: Actor) -> list[UUID]:
    """Two distinct archivists, the actor one of them (双人管理); their ids in the given order."""
    ids = list(dict.fromkeys(c.id for c in custodians))
    if len(custodians) > 2:
        raise InvalidInputError(
            "权证交接须由两名保管人办理，不多不少",
            "a certificate movement names exactly two custodians",
            field="custodians",
        )
    if len(ids) < 2:
        raise SegregationOfDutiesError(
            "押品权证须由两名不同的保管人共同办理（双人管理）",
            "a title certificate moves only with two different custodians present",
        )
    if actor.id not in ids:
        raise SegregationOfDutiesError(
            "经办人须是两名保管人之一", "the person recording the movement must be a custodian"
        )
    if any(Role.ARCHIVIST not in c.roles for c in custodians):
        raise SegregationOfDutiesError(
            "两名保管人须此时均担任档案管理员",
            "both custodians must hold the archivist role at this moment",
        )
    return ids


class Collateral(Aggregate):
    """A collateral (押品) securing a loan, and where its title certificate is."""

    @staticmethod
    def create_id(loan_id: UUID, collateral_no: str) -> UUID:
        return collateral_id_for(loan_id, collateral_no)

    @classmethod
    def register(
        cls,
        *,
        loan: Loan,
        collateral_no: str,
        kind: CollateralKind,
        description: str,
        owner_name: str,
        appraised_value: Decimal,
        appraised_on: date,
        registration_no: str,
        registered_on: date,
        actor: Actor,
        documents: Docs = (),
    ) -> Self:
        """Register a collateral on a loan that is not settled (押品登记)."""
        authorize(actor, Action.REGISTER_COLLATERAL)
        loan.check_not_closed("登记押品", "register collateral")
        collateral_no = collateral_no.strip()
        if not collateral_no or len(collateral_no) > 64 or not collateral_no.isprintable():
            raise InvalidInputError(
                "押品编号须为1-64个字符", "collateral_no must be 1-64 printable chars"
            )
        registration_no = registration_no.strip()
        if len(registration_no) > 64:
            raise InvalidInputError(
                "抵押登记证明号不超过64字符", "registration_no is longer than 64 characters"
            )
        return cls(
            loan_id=loan.id,
            loan_no=loan.loan_no,
            collateral_no=collateral_no,
            kind=kind,
            description=require_text(description, "description", max_length=500),
            owner_name=require_text(owner_name, "owner_name", max_length=200),
            appraised_value=money(appraised_value, "appraised_value", positive=True),
            appraised_on=appraised_on,
            registration_no=registration_no,
            registered_on=registered_on,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Registered")
    def __init__(
        self,
        *,
        loan_id: UUID,
        loan_no: str,
        collateral_no: str,
        kind: CollateralKind,
        description: str,
        owner_name: str,
        appraised_value: Decimal,
        appraised_on: date,
        registration_no: str,
        registered_on: date,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.loan_id = loan_id
        self.loan_no = loan_no
        self.collateral_no = collateral_no
        self.kind = kind
        self.description = description
        self.owner_name = owner_name
        self.appraised_value = appraised_value
        self.appraised_on = appraised_on
        self.value = appraised_value
        self.valued_on = appraised_on
        self.registration_no = registration_no
        self.registered_on = registered_on
        self.status = CollateralStatus.REGISTERED
        self.certificate_status = CertificateStatus.NOT_LODGED
        self.certificate_no: str | None = None
        self.certificate_moved_on: date | None = None
        self.custodian_ids: list[UUID] = []
        self.out_purpose: str | None = None
        self.insurance_policy_no: str | None = None
        self.insurer: str | None = None
        self.insurance_expires_on: date | None = None
        self.insurance_lapsed_on: date | None = None
        self.released_on: date | None = None
        self.release_reason: str | None = None

    # ------------------------------------------------------------------ guards
    @property
    def insurance_status(self) -> str:
        if self.insurance_policy_no is None:
            return "none"
        return "lapsed" if self.insurance_lapsed_on is not None else "in_force"

    def check_not_released(self, what_zh: str, what_en: str) -> None:
        if self.status is CollateralStatus.RELEASED:
            raise InvalidTransitionError(
                f"押品 {self.collateral_no} 已注销，不能{what_zh}",
                f"collateral {self.collateral_no} is released: cannot {what_en}",
                status=self.status.value,
            )

    def check_not_before(
        self, when: date, since: date | None, field: str, since_field: str = "registered_on"
    ) -> None:
        """A step is not dated before ``since`` (``since_field``), nor before registration."""
        if since is None or since < self.registered_on:
            since, since_field = self.registered_on, "registered_on"
        dates.check_not_before(when, since, field=field, since_field=since_field)

    def check_certificate(self, expected: CertificateStatus, what_zh: str, what_en: str) -> None:
        self.check_not_released(what_zh, what_en)
        if self.certificate_status is not expected:
            raise InvalidTransitionError(
                f"押品 {self.collateral_no} 的权证{self.certificate_status.zh}，不能{what_zh}",
                f"the certificate of collateral {self.collateral_no} is "
                f"{self.certificate_status.value}: cannot {what_en}",
                certificate_status=self.certificate_status.value,
            )

    # ----------------------------------------------------- certificate custody
    def lodge_certificate(
        self,
        *,
        certificate_no: str,
        lodged_on: date,
        custodians: Sequence[Party],
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Lodge the title certificate in the vault (权证入库), two custodians present."""
        authorize(actor, Action.LODGE_CERTIFICATE)
        self.check_certificate(CertificateStatus.NOT_LODGED, "入库", "lodge it")
        self.check_not_before(lodged_on, None, "lodged_on")
        self._certificate_lodged(
            certificate_no=require_text(certificate_no, "certificate_no", max_length=64),
            lodged_on=lodged_on,
            custodian_ids=check_custodians(custodians, actor),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("CertificateLodged")
    def _certificate_lodged(
        self,
        *,
        certificate_no: str,
        lodged_on: date,
        custodian_ids: list[UUID],
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.certificate_no = certificate_no
        self.certificate_status = CertificateStatus.IN_VAULT
        self.certificate_moved_on = lodged_on
        self.custodian_ids = custodian_ids

    def take_out_certificate(
        self,
        *,
        taken_out_on: date,
        purpose: str,
        custodians: Sequence[Party],
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Take the certificate out of the vault (权证出库) for a stated purpose."""
        authorize(actor, Action.TAKE_OUT_CERTIFICATE)
        self.check_certificate(CertificateStatus.IN_VAULT, "出库", "take it out")
        self.check_not_before(
            taken_out_on, self.certificate_moved_on, "taken_out_on", "certificate_moved_on"
        )
        self._certificate_taken_out(
            taken_out_on=taken_out_on,
            purpose=require_text(purpose, "purpose", max_length=500),
            custodian_ids=check_custodians(custodians, actor),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("CertificateTakenOut")
    def _certificate_taken_out(
        self,
        *,
        taken_out_on: date,
        purpose: str,
        custodian_ids: list[UUID],
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.certificate_status = CertificateStatus.OUT
        self.certificate_moved_on = taken_out_on
        self.custodian_ids = custodian_ids
        self.out_purpose = purpose

    def return_certificate(
        self,
        *,
        returned_on: date,
        custodians: Sequence[Party],
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Return the certificate to the vault (权证归还)."""
        authorize(actor, Action.RETURN_CERTIFICATE)
        self.check_certificate(CertificateStatus.OUT, "归还", "return it")
        self.check_not_before(
            returned_on, self.certificate_moved_on, "returned_on", "certificate_moved_on"
        )
        self._certificate_returned(
            returned_on=returned_on,
            custodian_ids=check_custodians(custodians, actor),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("CertificateReturned")
    def _certificate_returned(
        self,
        *,
        returned_on: date,
        custodian_ids: list[UUID],
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.certificate_status = CertificateStatus.IN_VAULT
        self.certificate_moved_on = returned_on
        self.custodian_ids = custodian_ids
        self.out_purpose = None

    # ------------------------------------------------------ value, insurance
    def revalue(
        self, *, revalued_on: date, value: Decimal, actor: Actor, documents: Docs = ()
    ) -> None:
        """Record a new value (重估); the value it replaces goes with it."""
        authorize(actor, Action.REVALUE_COLLATERAL)
        self.check_not_released("重估", "revalue it")
        self.check_not_before(revalued_on, self.valued_on, "revalued_on", "valued_on")
        self._revalued(
            revalued_on=revalued_on,
            value=money(value, "value", positive=True),
            previous_value=self.value,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Revalued")
    def _revalued(
        self,
        *,
        revalued_on: date,
        value: Decimal,
        previous_value: Decimal,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.value = value
        self.valued_on = revalued_on

    def renew_insurance(
        self, *, policy_no: str, insurer: str, expires_on: date, actor: Actor, documents: Docs = ()
    ) -> None:
        """Record the policy now insuring the collateral (续保), expiring later than the last."""
        authorize(actor, Action.RENEW_INSURANCE)
        self.check_not_released("续保", "renew its insurance")
        self.check_not_before(
            expires_on, self.insurance_expires_on, "expires_on", "insurance_expires_on"
        )
        if expires_on == self.insurance_expires_on:
            raise InvalidInputError(
                "续保后的到期日须晚于原保单到期日",
                "a renewal must expire later than the policy it renews",
                field="expires_on",
            )
        self._insurance_renewed(
            policy_no=require_text(policy_no, "policy_no", max_length=64),
            insurer=require_text(insurer, "insurer", max_length=200),
            expires_on=expires_on,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("InsuranceRenewed")
    def _insurance_renewed(
        self,
        *,
        policy_no: str,
        insurer: str,
        expires_on: date,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.insurance_policy_no = policy_no
        self.insurer = insurer
        self.insurance_expires_on = expires_on
        self.insurance_lapsed_on = None

    def record_insurance_lapse(self, *, lapsed_on: date, actor: Actor) -> None:
        """Record that the insurance in force has lapsed (脱保) — a warning signal's cause."""
        authorize(actor, Action.RECORD_INSURANCE_LAPSE)
        self.check_not_released("登记脱保", "record an insurance lapse")
        if self.insurance_status != "in_force":
            raise InvalidTransitionError(
                f"押品 {self.collateral_no} 没有有效保险，不能登记脱保",
                f"collateral {self.collateral_no} has no insurance in force to lapse",
                insurance_status=self.insurance_status,
            )
        self.check_not_before(lapsed_on, None, "lapsed_on")
        self._insurance_lapsed(lapsed_on=lapsed_on, actor_id=actor.id, role=actor.role)

    @event("InsuranceLapsed")
    def _insurance_lapsed(self, *, lapsed_on: date, actor_id: UUID, role: Role) -> None:
        self.insurance_lapsed_on = lapsed_on

    # ----------------------------------------------------------------- release
    def release(
        self,
        *,
        released_on: date,
        reason: str,
        loan: Loan,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Release the collateral (注销); afterwards nothing more may be recorded on it.

        Giving up a security while the debt stands is a credit decision, like a
        restructuring or a write-off, so before the loan is settled only the branch
        head may release; once it is settled the account manager may do it too.
        The certificate must be in the vault (or never lodged), not out.
        """
        authorize(actor, Action.RELEASE_COLLATERAL)
        self.check_not_released("再次注销", "release it again")
        if loan.id != self.loan_id:
            raise InvalidInputError(
                "押品不属于该贷款", f"collateral {self.collateral_no} secures another loan"
            )
        if actor.role is not Role.BRANCH_HEAD and loan.status is not LoanStatus.SETTLED:
            raise RoleNotPermittedError(
                "贷款结清前押品注销须由行长办理",
                "before the loan is settled only the branch head may release its collateral",
                action=Action.RELEASE_COLLATERAL.value,
                allowed=[Role.BRANCH_HEAD.value],
            )
        if self.certificate_status is CertificateStatus.OUT:
            raise InvalidTransitionError(
                f"押品 {self.collateral_no} 的权证尚未归还，不能注销",
                f"the certificate of collateral {self.collateral_no} is out: return it first",
                certificate_status=self.certificate_status.value,
            )
        self.check_not_before(
            released_on, self.certificate_moved_on, "released_on", "certificate_moved_on"
        )
        self._released(
            released_on=released_on,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Released")
    def _released(
        self,
        *,
        released_on: date,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.status = CollateralStatus.RELEASED
        self.certificate_status = CertificateStatus.RELEASED
        self.released_on = released_on
        self.release_reason = reason
