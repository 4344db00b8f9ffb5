"""Request and response models: ``XCreate`` in, ``XPublic`` / ``XsPublic`` out."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.fields import MAX_INT, ONE_LINE
from archive.commands.integrity import DossierFixity
from archive.core import CommandResult
from archive.reading import RecordedEvent
from domain.checklists import Checklist, Checklists
from domain.collateral import Collateral
from domain.dossier import Dossier
from domain.industry import industry_label
from domain.loan import Loan
from domain.records import Guarantee, Inspection
from domain.staff import Staff
from domain.values import (
    BorrowerType,
    CollateralKind,
    Grade,
    GuarantorCapacity,
    GuarantorKind,
    InspectionKind,
    Product,
    Role,
)


class Command(BaseModel):
    """Fields every command accepts."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INT,
        description="optimistic concurrency: the version you last saw",
    )


class SupplementCreate(Command):
    stage: Annotated[str, Field(min_length=1, max_length=32), ONE_LINE] = "other"
    filed_on: date | None = Field(
        default=None,
        description="the day the documents were received (归档日期); none: the day recorded",
    )


# --------------------------------------------------------------------------- out
def read_fields(model: type[BaseModel], source: object, **values: Any) -> dict[str, Any]:
    """``model``'s fields, each read from the attribute of ``source`` of the same name, but for
    those given in ``values`` (converted, or named differently)."""
    return {
        name: values[name] if name in values else getattr(source, name)
        for name in model.model_fields
    }


class DocumentPublic(BaseModel):
    doc_type: str
    sha256: str
    size: int
    media_type: str
    filename: str
    pages: int | None = None


class CommandPublic(BaseModel):
    """What a command recorded: use ``position`` with register reads, ``version`` with If-Match."""

    aggregate_id: UUID
    loan_no: str | None
    version: int
    position: int
    events: list[str]
    documents: list[DocumentPublic]
    ids: dict[str, str]
    replayed: bool

    @classmethod
    def of(cls, result: CommandResult) -> CommandPublic:
        return cls(
            **read_fields(
                cls,
                result,
                events=list(result.events),
                documents=[DocumentPublic(**d.as_dict()) for d in result.documents],
                ids=dict(result.ids),
            )
        )


class AnswerPublic(BaseModel):
    item: str
    result: str
    note: str = ""


class JointPublic(BaseModel):
    department: str
    staff_id: UUID


class InspectionPublic(BaseModel):
    """An inspection (贷后检查); ``free_text`` when it answered no checklist (recorded before
    checklists, or of a kind none applies to)."""

    id: UUID
    kind: InspectionKind
    inspected_on: date
    inspector_id: UUID
    reviewer_id: UUID
    findings: str
    corrections: int
    free_text: bool
    assistant_id: UUID | None = None
    """The assistant inspector (辅助检查人, B岗) beside the main one (``inspector_id``)."""
    joint: list[JointPublic] | None = None
    """Who took part from other departments (会同有关部门现场检查)."""
    checklist: str | None = None
    answers: list[AnswerPublic] | None = None
    abnormal: int | None = None
    figures: dict[str, Decimal] | None = None
    judgment: str | None = None
    measures: str | None = None
    counterpart: str | None = None
    reminder_channel: str | None = None
    systems_queried: list[str] | None = None
    countersigned: bool
    countersigned_on: date | None
    countersign_opinion: str | None
    countersign_measures: str | None
    countersign_due_on: date | None
    countersign_late: bool

    @classmethod
    def of(cls, inspection: Inspection) -> InspectionPublic:
        return cls(
            id=inspection.id,
            kind=inspection.kind,
            inspected_on=inspection.inspected_on,
            inspector_id=inspection.inspector_id,
            reviewer_id=inspection.reviewer_id,
            findings=inspection.findings,
            corrections=inspection.corrections,
            free_text=inspection.checklist is None,
            assistant_id=inspection.assistant_id,
            joint=[JointPublic.model_validate(j) for j in inspection.joint]
            if inspection.joint is not None
            else None,
            checklist=inspection.checklist,
            answers=[AnswerPublic(**a) for a in inspection.answers]
            if inspection.answers is not None
            else None,
            abnormal=inspection.abnormal,
            figures={k: Decimal(v) for k, v in inspection.figures.items()}
            if inspection.figures is not None
            else None,
            judgment=inspection.judgment,
            measures=inspection.measures,
            counterpart=inspection.counterpart,
            reminder_channel=inspection.reminder_channel,
            systems_queried=inspection.systems_queried,
            countersigned=inspection.countersigned_on is not None,
            countersigned_on=inspection.countersigned_on,
            countersign_opinion=inspection.countersign_opinion,
            countersign_measures=inspection.countersign_measures,
            countersign_due_on=inspection.countersign_due_on,
            countersign_late=inspection.countersign_late,
        )


class ChecklistItemPublic(BaseModel):
    code: str
    area: str
    area_en: str
    zh: str
    en: str


class FigurePublic(BaseModel):
    code: str
    zh: str
    en: str
    signed: bool


class JudgmentPublic(BaseModel):
    code: str
    zh: str
    en: str
    measures_required: bool


class ChecklistPublic(BaseModel):
    """The checklist an inspection answers (贷后检查表), by the rules in force."""

    kind: InspectionKind
    applies: bool
    code: str | None = None
    zh: str | None = None
    en: str | None = None
    items: list[ChecklistItemPublic] = []
    figures: list[FigurePublic] = []
    judgments: list[JudgmentPublic] = []
    counterpart: bool = False
    """True when the record names whom the inspector spoke to or met (``counterpart``)."""
    rules_version: str

    @classmethod
    def of(
        cls, found: Checklist | None, lists: Checklists, kind: InspectionKind, version: str
    ) -> ChecklistPublic:
        if found is None:
            return cls(kind=kind, applies=False, rules_version=version)
        return cls(
            kind=kind,
            applies=True,
            code=found.code,
            zh=found.zh,
            en=found.en,
            items=[ChecklistItemPublic(**vars(i)) for i in found.items],
            figures=[FigurePublic(**vars(f)) for f in found.figures],
            judgments=[JudgmentPublic(**vars(j)) for j in lists.judgments],
            counterpart=found.counterpart,
            rules_version=version,
        )


class FieldChangePublic(BaseModel):
    """One item of the borrower's information changed: old (None: never recorded) → new."""

    field: str
    old: str | None
    new: str


class InformationChangePublic(BaseModel):
    """One act of information maintenance (贷款信息维护)."""

    changed_on: date
    changes: list[FieldChangePublic]
    reason: str
    actor_id: UUID


class FundsUsePublic(BaseModel):
    """One use of the funds checked against the stated purpose (贷款用途)."""

    id: UUID
    used_on: date
    amount: Decimal
    payee: str
    use: str
    matches_purpose: bool
    payment_method: str
    signal_id: UUID | None
    actor_id: UUID


class KeyCustomerPublic(BaseModel):
    """On the key-customer list (重点客户, 纳入关注名单) since a day, and why: shown, never a
    grade of its own."""

    since: date
    reason: str
    designated_by: UUID


class ThirdPartyServicePublic(BaseModel):
    """The servicer of a loan under the third-party model, and the contact there."""

    servicer: str
    contact: str
    contact_phone: str | None
    since: date
    servicer_code: str | None = None
    """The servicer's unified social credit code, where it is a registered partner (合作机构)."""


class RecoveryStepPublic(BaseModel):
    """A step of the guarantor's recovery from the borrower (追偿进展)."""

    recovered_on: date
    recovered: Decimal
    progress: str


class CompensationPublic(BaseModel):
    """A guarantor's payment on the borrower's behalf (代偿) and its recovery claim (追偿)."""

    compensation_id: UUID
    guarantee_id: UUID
    guarantor_name: str
    id_no: str
    amount: Decimal
    compensated_on: date
    note: str
    recovered: Decimal
    claim: Decimal
    progress: list[RecoveryStepPublic] = []


class ZonePlanPublic(BaseModel):
    """一户一策: measures, target, the person responsible, the deadline."""

    measures: str | None
    target: str | None
    responsible_id: UUID
    deadline: date | None


class CustomerZonePublic(BaseModel):
    """The customer's zone in force (三大区间), its plan, and its last review or approval."""

    zone: str
    plan: ZonePlanPublic
    since: date
    approved_by: UUID
    last_reviewed_on: date


class ZoneProposalPublic(BaseModel):
    """A zone proposed with its plan, awaiting approval."""

    proposal_id: UUID
    zone: str
    plan: ZonePlanPublic
    reason: str
    proposed_on: date
    proposer_id: UUID


class MaturityNoticePublic(BaseModel):
    """A maturity notice issued (贷款到期通知书)."""

    notice_id: UUID
    issued_on: date
    addressee: str
    maturity_date: date


class LossReviewPublic(BaseModel):
    """A loss of the loan and its review (三个不放过): cause, persons responsible (with the
    responsibility determinations linked), measures and their owner, and its closure. People by
    id; the 三个不放过台账 (``npl_register/loss_reviews``) names them."""

    loss: str
    loss_zh: str
    loss_on: date
    amount: Decimal
    review_id: UUID | None = None
    cause: str | None = None
    responsible: list[UUID] = []
    determinations: list[UUID] = []
    measures: str | None = None
    measures_owner: UUID | None = None
    complete: bool = False
    closed_on: date | None = None
    closed_by: UUID | None = None
    opinion: str | None = None

    @classmethod
    def of(cls, loss: Any, review: Any) -> LossReviewPublic:
        found: dict[str, Any] = {}
        if review is not None:
            found = {
                "review_id": review.review_id,
                "cause": review.cause,
                "responsible": list(review.responsible),
                "determinations": list(review.determinations),
                "measures": review.measures,
                "measures_owner": review.measures_owner,
                "complete": review.complete,
                "closed_on": review.closed_on,
                "closed_by": review.closed_by,
                "opinion": review.opinion,
            }
        return cls(
            loss=loss.kind.value,
            loss_zh=loss.kind.zh,
            loss_on=loss.on,
            amount=loss.amount,
            **found,
        )


class DisposalPlanPublic(BaseModel):
    """A disposal plan (处置方案): its method, submission, decision (审批) and result."""

    plan_id: UUID
    method: str
    method_zh: str
    submitted_on: date
    plan: str
    expected_recovery: Decimal | None
    submitted_by: UUID
    decided_on: date | None
    approved: bool | None
    opinion: str | None
    decided_by: UUID | None
    executed_on: date | None
    recovered: Decimal | None
    result: str | None
    executed_by: UUID | None
    recovery_rate: Decimal | None = None
    """催收成效: what the plan recovered, in per cent of what it expected to (two decimals);
    none until it has a result, or when it expected no amount."""

    @classmethod
    def of(cls, plan: Any) -> DisposalPlanPublic:
        return cls(
            **{**vars(plan), "method": plan.method.value, "method_zh": plan.method.zh},
            recovery_rate=recovery_rate([plan]),
        )


def recovery_rate(plans: list[Any]) -> Decimal | None:
    """Recovered in per cent of expected, over the plans carried out that expected an amount."""
    done = [p for p in plans if p.recovered is not None and p.expected_recovery]
    if not done:
        return None
    expected = sum((p.expected_recovery for p in done), Decimal(0))
    recovered = sum((p.recovered for p in done), Decimal(0))
    return (recovered * 100 / expected).quantize(Decimal("0.01"))


class GuaranteePublic(BaseModel):
    """A guarantee on the loan (保证) with its guarantor's latest assessment (代偿能力)."""

    id: UUID
    guarantor_name: str
    kind: GuarantorKind
    id_no: str
    amount: Decimal
    contract_no: str
    registered_on: date
    capacity: GuarantorCapacity
    rating: str
    assessed_on: date
    reassessments: int

    @classmethod
    def of(cls, g: Guarantee) -> GuaranteePublic:
        return cls(
            **read_fields(cls, g, reassessments=g.assessments),
        )


class LoanPublic(BaseModel):
    loan_no: str
    id: UUID
    version: int
    borrower_id: str
    borrower_name: str
    borrower_type: BorrowerType
    product: Product
    principal: Decimal
    balance: Decimal
    value_date: date
    maturity_date: date
    status: str
    grade: Grade
    sub_grade: str | None
    days_overdue: int
    account_manager_id: UUID
    b_manager_id: UUID | None
    b_post_required: bool | None = Field(
        None,
        description="whether the rules in force require a B岗 for this loan "
        "(managers.b_post_required; 双人管户); given on the loan's own read",
    )
    b_post_rule: str | None = Field(None, description="the rule by which a B岗 is required")
    investigator_id: UUID | None
    origination_reviewer_id: UUID | None
    approver_id: UUID | None
    branch: str
    in_asset_preservation: bool
    lead_unit: str | None = Field(
        None,
        description="the unit leading the loan by its grade (牵头部门: accountability.lead_units"
        " of the rules in force); given on the loan's own read",
    )
    open_warnings: int
    inspections: int
    inspection_records: list[InspectionPublic] = []
    """Each inspection, earliest first, with its checklist answers (none on a free-text one)
    and its countersign (复核意见)."""
    purpose: str = ""
    borrower_rating: str = ""
    borrower_information: dict[str, str] = {}
    """The borrower's current information by field (贷款信息维护), the rating among it."""
    information_changes: list[InformationChangePublic] = []
    """Every change of the borrower's information, oldest first."""
    funds_uses: list[FundsUsePublic] = []
    """Every use of the funds recorded (贷款用途), in the order recorded."""
    key_customer: KeyCustomerPublic | None = None
    third_party_service: ThirdPartyServicePublic | None = None
    maturity_notices: list[MaturityNoticePublic] = []
    zone: CustomerZonePublic | None = None
    """The customer's zone (三大区间) and plan (一户一策) in force, once one was approved."""
    zone_pending: ZoneProposalPublic | None = None
    """A zone proposed and awaiting approval."""
    guarantees: list[GuaranteePublic] = []
    """Each guarantee (保证), in registration order, with its latest assessment."""
    compensations: list[CompensationPublic] = []
    """Each compensation by a guarantor (代偿), with its recovery (追偿), in the order recorded."""
    disposal_plans: list[DisposalPlanPublic] = []
    """Each disposal plan (处置方案), in the order submitted, with its decision and result."""
    disposal_recovery_rate: Decimal | None = None
    """催收成效 of the loan: recovered in per cent of expected, over its plans carried out."""
    industry: str | None = None
    """The borrower's industry (所属行业): the GB/T 4754 section, letter and name."""
    suspensions: list[str] = []
    """The suspensions of new lending (停牌) in force over the loan's branch, product, account
    manager or borrower, each as ``停牌〔2026〕第0001号 城东支行（机构）``; given on the loan's own
    read of now."""
    losses: list[LossReviewPublic] = []
    """Each loss (核销, 损失结清, 下调为可疑/损失) with its review (三个不放过)."""

    @classmethod
    def of(cls, loan: Loan) -> LoanPublic:
        return cls(
            **read_fields(
                cls,
                loan,
                maturity_date=loan.term.maturity_date,
                industry=industry_label(loan.industry) if loan.industry else None,
                suspensions=[],
                status=loan.status.value,
                open_warnings=sum(1 for w in loan.warnings.values() if w.cleared_on is None),
                inspections=len(loan.inspections),
                b_post_required=None,
                b_post_rule=None,
                lead_unit=None,
                inspection_records=[
                    InspectionPublic.of(i)
                    for i in sorted(
                        loan.inspections.values(), key=lambda i: (i.inspected_on, str(i.id))
                    )
                ],
                information_changes=[
                    InformationChangePublic(
                        changed_on=c.changed_on,
                        changes=[
                            FieldChangePublic(field=f, old=old, new=new)
                            for f, old, new in c.changes
                        ],
                        reason=c.reason,
                        actor_id=c.actor_id,
                    )
                    for c in loan.information_changes
                ],
                funds_uses=[
                    FundsUsePublic(
                        **read_fields(FundsUsePublic, u, payment_method=u.payment_method.value)
                    )
                    for u in loan.funds_uses
                ],
                key_customer=(
                    KeyCustomerPublic(**vars(loan.key_customer)) if loan.key_customer else None
                ),
                third_party_service=(
                    ThirdPartyServicePublic(**vars(loan.third_party)) if loan.third_party else None
                ),
                maturity_notices=[MaturityNoticePublic(**vars(n)) for n in loan.maturity_notices],
                zone=_zone(loan),
                zone_pending=_pending_zone(loan),
                guarantees=[GuaranteePublic.of(g) for g in loan.guarantees.values()],
                compensations=[
                    CompensationPublic(
                        **read_fields(
                            CompensationPublic,
                            c,
                            claim=c.claim,
                            progress=[
                                RecoveryStepPublic(recovered_on=on, recovered=paid, progress=text)
                                for on, paid, text in c.progress
                            ],
                        )
                    )
                    for c in loan.compensations.values()
                ],
                disposal_plans=[DisposalPlanPublic.of(p) for p in loan.disposal_plans.values()],
                disposal_recovery_rate=recovery_rate(list(loan.disposal_plans.values())),
                losses=[
                    LossReviewPublic.of(
                        x,
                        next(
                            (
                                r
                                for r in loan.loss_reviews.values()
                                if (r.loss, r.loss_on) == (x.kind, x.on)
                            ),
                            None,
                        ),
                    )
                    for x in loan.losses
                ],
            )
        )


class LoansPublic(BaseModel):
    """The loans the reader reaches; ``filtered`` when their data scope left some out."""

    data: list[LoanPublic]
    count: int
    filtered: bool = False
    scope_zh: str = "全行"
    scope_en: str = "the whole bank"


class EventPublic(BaseModel):
    type: str
    version: int
    position: int | None
    timestamp: datetime
    actor_id: UUID | None
    role: str | None
    documents: list[dict[str, Any]]
    data: dict[str, Any]

    @classmethod
    def of(cls, event: RecordedEvent) -> EventPublic:
        return cls(
            **read_fields(
                cls,
                event,
                documents=list(event.documents),
                data=dict(event.data),
            )
        )


class EventsPublic(BaseModel):
    data: list[EventPublic]
    count: int


class FiledDocumentPublic(DocumentPublic):
    stage: str
    evidences_id: UUID | None
    evidences_version: int | None


class DossierPublic(BaseModel):
    id: UUID
    loan_no: str
    version: int
    borrower_name: str
    documents: list[FiledDocumentPublic]

    @classmethod
    def of(cls, dossier: Dossier) -> DossierPublic:
        return cls(
            **read_fields(
                cls,
                dossier,
                documents=[
                    FiledDocumentPublic(
                        **d.ref.as_dict(),
                        stage=d.stage,
                        evidences_id=d.evidences_id,
                        evidences_version=d.evidences_version,
                    )
                    for d in dossier.documents
                ],
            )
        )


class StaffPublic(BaseModel):
    id: UUID
    staff_no: str
    name: str
    branch: str
    roles: list[Role]
    version: int

    @classmethod
    def of(cls, staff: Staff) -> StaffPublic:
        return cls(
            **read_fields(
                cls,
                staff,
                roles=sorted(staff.current_roles, key=lambda r: list(Role).index(r)),
            )
        )


class StaffsPublic(BaseModel):
    data: list[StaffPublic]
    count: int


class StaffCreated(BaseModel):
    staff: StaffPublic
    token: str | None = Field(description="shown once; store it safely / 令牌仅显示一次")
    result: CommandPublic


class TokenIssued(BaseModel):
    token: str = Field(description="shown once; store it safely / 令牌仅显示一次")
    token_id: UUID
    expires_at: datetime | None = Field(description="when it stops working / 到期时间")
    result: CommandPublic


class TokenPublic(BaseModel):
    """An access token as the archive knows it: never the token itself."""

    token_id: UUID
    name: str | None = Field(description="what it is for / 用途")
    status: str = Field(description="live, expired or revoked")
    status_zh: str = Field(description="有效、已过期或已吊销")
    issued_at: datetime
    issued_by: str = Field(description="姓名（工号）")
    expires_at: datetime | None = Field(description="none: issued before tokens expired")
    revoked_at: datetime | None
    revoked_by: str | None = Field(description="姓名（工号）")
    revoke_reason: str | None
    last_used_at: datetime | None = Field(description="its last use by a request or command")
    uses: int = Field(description="how many requests and commands it authenticated")


class TokensPublic(BaseModel):
    """A person's access tokens, oldest first."""

    staff_no: str
    name: str
    data: list[TokenPublic]
    count: int


class DocumentTypePublic(BaseModel):
    code: str
    zh: str
    en: str
    stage: str


class FixityResultPublic(BaseModel):
    sha256: str
    doc_type: str
    status: str
    detail: str
    destruction_batch_id: UUID | None = Field(
        default=None, description="the batch that lawfully destroyed it (status destroyed)"
    )
    destroyed_on: date | None = None


class DossierFixityPublic(BaseModel):
    dossier_id: UUID
    loan_no: str
    passed: bool
    position: int
    results: list[FixityResultPublic]

    @classmethod
    def of(cls, outcome: DossierFixity) -> DossierFixityPublic:
        return cls(
            **read_fields(
                cls,
                outcome,
                results=[FixityResultPublic(**r.as_dict()) for r in outcome.results],
            )
        )


class FixityReportPublic(BaseModel):
    passed: bool
    dossiers: int
    documents: int
    failures: list[DossierFixityPublic]


class CollateralPublic(BaseModel):
    id: UUID
    loan_no: str
    collateral_no: str
    version: int
    kind: CollateralKind
    description: str
    owner_name: str
    appraised_value: Decimal
    appraised_on: date
    value: Decimal
    valued_on: date
    registration_no: str
    registered_on: date
    status: str
    certificate_status: str
    certificate_no: str | None
    custodian_ids: list[UUID]
    out_purpose: str | None
    insurance_status: str
    insurance_policy_no: str | None
    insurer: str | None
    insurance_expires_on: date | None
    insurance_lapsed_on: date | None
    released_on: date | None
    release_reason: str | None

    @classmethod
    def of(cls, collateral: Collateral) -> CollateralPublic:
        return cls(
            **read_fields(
                cls,
                collateral,
                status=collateral.status.value,
                certificate_status=collateral.certificate_status.value,
                custodian_ids=list(collateral.custodian_ids),
            )
        )


class CollateralsPublic(BaseModel):
    data: list[CollateralPublic]
    count: int


def _zone(loan: Loan) -> CustomerZonePublic | None:
    current = loan.zone
    if current is None:
        return None
    fields = vars(current) | {"plan": ZonePlanPublic(**vars(current.plan))}
    return CustomerZonePublic(**fields)


def _pending_zone(loan: Loan) -> ZoneProposalPublic | None:
    pending = loan.pending_zone
    if pending is None:
        return None
    fields = {k: v for k, v in vars(pending).items() if k != "status"}
    return ZoneProposalPublic(**fields | {"plan": ZonePlanPublic(**vars(pending.plan))})
