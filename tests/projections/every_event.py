"""One event of every class the domain defines, made by the domain's own commands.

:func:`event_classes` finds every event class by walking the aggregates of ``domain`` and
``archive`` (an event re-declared down a chain of aggregate classes, as the loan is built, is
one class: the one that declares it). :data:`FACTORIES` holds, for each class, the function
that makes one event of it: it runs a command on the aggregates of a small, coherent
:class:`World` — the loan, its dossier, its collateral, a borrowing, a destruction… — and
returns the aggregates whose new events are to be saved. The factories run in the order they
are listed, each on what the ones before it made.

A class without a factory, or a factory for a class that no longer exists, fails
``test_every_event``: every kind of event the domain can record reaches every register there.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, CanMutateAggregate

import archive
import domain
from archive.core import SYSTEM_ID
from archive.receipts import BorrowerIndex, CommandReceipt
from domain.borrowing import Borrowing, Circulation
from domain.classification import FloorPolicy
from domain.collateral import Collateral
from domain.compliance import IssuedReport, ReportFormat, Scope
from domain.customer import Customer
from domain.disposition import DestructionBatch
from domain.dossier import Dossier, FixityResult
from domain.feed import FeedBatch, FeedLedger
from domain.feedback import BranchFeedback
from domain.industry import Industry
from domain.information import BorrowerField, PaymentMethod
from domain.integrity import AuditBundle, IntegrityVerification
from domain.loan import Loan
from domain.monitoring import Figure, Judgment, MonitoringRecord
from domain.numbering import FormKind, NumberBook
from domain.papers import LoanMeasures, ManagementPaper
from domain.partners import Partner
from domain.portfolio import IssuedRiskReport, ReportPeriod
from domain.reference import ReferenceSeries, Series
from domain.risk_control import (
    ActiveSuspensions,
    Figures,
    RiskNotice,
    RiskSubject,
    Suspension,
    SuspensionBasis,
)
from domain.rules import RuleSet, RulesInForce, packaged_rules_text, shipped_rules
from domain.scope import Level, RowScope
from domain.staff import CustomerHolding, Staff
from domain.supervision import Campaign, Deduction, SupervisionCheck
from domain.values import (
    Actor,
    AppealOutcome,
    AppraisalOpinion,
    BorrowerType,
    BorrowingForm,
    BorrowingPurpose,
    CampaignKind,
    CheckSource,
    CheckSubject,
    CollateralKind,
    CollectionStepKind,
    ContactChannel,
    ContactPurpose,
    DeterminationStep,
    DisposalMethod,
    DocumentRef,
    DutyConclusion,
    EvaluationOccasion,
    FeedbackTopic,
    FixityStatus,
    Grade,
    GuaranteeType,
    GuarantorCapacity,
    GuarantorKind,
    HoldKind,
    InspectionKind,
    ItemCondition,
    LoanStatus,
    LoginFailure,
    LossKind,
    PartnerKind,
    Party,
    Product,
    ReadPurpose,
    ResponsibilityFinding,
    ResponsibilityStage,
    RetentionClass,
    Role,
    TransferKind,
    WarningColour,
    WriteOffCriterion,
)
from tests.factories import disbursement_params, doc

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan

PEOPLE: dict[str, tuple[str, Role]] = {
    "admin": ("周强", Role.ADMINISTRATOR),
    "am": ("张伟", Role.ACCOUNT_MANAGER),
    "am2": ("李娜", Role.ACCOUNT_MANAGER),
    "reviewer": ("王芳", Role.REVIEWER),
    "officer": ("刘洋", Role.POST_LOAN_OFFICER),
    "risk": ("陈静", Role.RISK_MANAGER),
    "head": ("杨军", Role.BRANCH_HEAD),
    "auditor": ("赵敏", Role.AUDITOR),
    "auditor2": ("钱磊", Role.AUDITOR),
    "archivist": ("黄丽", Role.ARCHIVIST),
    "archivist2": ("孙悦", Role.ARCHIVIST),
    "archhead": ("吴静", Role.ARCHIVE_HEAD),
    "compliance": ("郑洁", Role.COMPLIANCE),
    "leaver": ("冯进", Role.ACCOUNT_MANAGER),
    "feed": ("核心系统对接", Role.INTEGRATION),
}
SYSTEM = Actor(SYSTEM_ID, Role.ADMINISTRATOR)
"""The console, which enrols people and grants roles (the administrator included)."""
START = date(2025, 1, 10)
GRANTED_AT = datetime(2024, 12, 1, tzinfo=UTC)


def day(n: int) -> date:
    return START + timedelta(days=n)


def document(doc_type: str) -> DocumentRef:
    return doc(doc_type, pages=2)


# ------------------------------------------------------------------------ discovery
def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def event_classes() -> dict[str, type]:
    """Every event class of the aggregates of ``domain`` and ``archive``, by topic."""
    for package in (domain, archive):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    found: dict[str, type] = {}
    for aggregate in _subclasses(Aggregate):
        if not aggregate.__module__.startswith(("domain.", "archive.")):
            continue
        for name, value in vars(aggregate).items():
            if not (inspect.isclass(value) and issubclass(value, CanMutateAggregate)):
                continue
            if name in ("Event", "Created") or _redeclared(value):
                continue  # the library's bases, and a class declared further up the chain
            found[f"{value.__module__}:{value.__qualname__}"] = value
    return found


def _redeclared(cls: type) -> bool:
    return any(
        base.__name__ == cls.__name__ and base.__qualname__ != cls.__qualname__
        for base in cls.__mro__[1:]
    )


# --------------------------------------------------------------------------- world
@dataclass
class World:
    """The aggregates the factories work on, and who does what."""

    staff: dict[str, Staff] = field(default_factory=dict)
    made: dict[str, Any] = field(default_factory=dict)

    def id(self, who: str) -> UUID:
        return Staff.create_id(who.upper())

    def actor(self, who: str) -> Actor:
        return Actor(self.id(who), PEOPLE[who][1])

    def party(self, who: str) -> Party:
        return Party(self.id(who), frozenset({PEOPLE[who][1]}))

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["made"][name]
        except KeyError:
            raise AttributeError(name) from None

    def keep(self, **made: Any) -> None:
        self.made.update(made)


Factory = Callable[[World], list[Any]]
"""Makes one event (or a few) of its class; returns the aggregates holding the new events."""


# ------------------------------------------------------------------------- staff
def enrolled(w: World) -> list[Any]:
    for who, (name, _role) in PEOPLE.items():
        w.staff[who] = Staff.enrol(staff_no=who.upper(), name=name, branch="营业部", actor=SYSTEM)
    return list(w.staff.values())


def role_granted(w: World) -> list[Any]:
    for who, person in w.staff.items():
        person.grant_role(role=PEOPLE[who][1], granted_at=GRANTED_AT, actor=SYSTEM)
    w.staff["leaver"].grant_role(role=Role.REVIEWER, granted_at=GRANTED_AT, actor=SYSTEM)
    return list(w.staff.values())


def token_issued(w: World) -> list[Any]:
    w.keep(token_id=uuid4())
    w.staff["am"].issue_token(
        token_id=w.token_id,
        token_hash="0" * 64,
        actor=w.actor("admin"),
        name="核心系统日终文件",
        expires_at=datetime(2027, 3, 1, tzinfo=UTC),
    )
    return [w.staff["am"]]


def token_revoked(w: World) -> list[Any]:
    w.staff["am"].revoke_token(token_id=w.token_id, actor=w.actor("admin"), reason="调离岗位")
    return [w.staff["am"]]


def role_revoked(w: World) -> list[Any]:
    w.staff["leaver"].revoke_role(
        role=Role.REVIEWER,
        revoked_at=GRANTED_AT + timedelta(days=30),
        reason="调岗",
        actor=w.actor("admin"),
    )
    return [w.staff["leaver"]]


def staff_transferred(w: World) -> list[Any]:
    w.staff["leaver"].transfer(
        branch="城西支行", moved_on=START, reason="轮岗", actor=w.actor("admin")
    )
    return [w.staff["leaver"]]


def post_loan_duties_evaluated(w: World) -> list[Any]:
    w.staff["am"].evaluate_post_loan_duties(
        evaluation_id=UUID(int=60),
        occasion=EvaluationOccasion.HANDOVER,
        period_from=START,
        period_to=START,
        evaluated_on=START,
        conclusion=DutyConclusion.COMPETENT,
        findings="贷后检查按期开展",
        loan_nos=["DK-0001"],
        actor=w.actor("head"),
    )
    return [w.staff["am"]]


def customer_assigned(w: World) -> list[Any]:
    w.staff["am"].assign_customer(
        borrower_id="91330100MA2EVERY1X",
        borrower_name="示例集团成员有限公司",
        borrower_type=BorrowerType.CORPORATE,
        group="示例集团",
        amount=Decimal("2000000.00"),
        assigned_on=START,
        reason="管户分配",
        held=frozenset({Role.ACCOUNT_MANAGER}),
        rules=shipped_rules().guanhu,
        actor=w.actor("head"),
    )
    return [w.staff["am"]]


def customer_holding_opened(w: World) -> list[Any]:
    w.keep(holding=CustomerHolding.open("91330100MA2EVERY1X"))
    return [w.holding]


def customer_held(w: World) -> list[Any]:
    w.holding.hold(staff_no="AM001", staff_name="李明")
    return [w.holding]


def customer_holding_released(w: World) -> list[Any]:
    w.holding.release(staff_no="AM001")
    return [w.holding]


def customer_file_opened(w: World) -> list[Any]:
    w.keep(customer=Customer.open("91330100MA2EVERY1X", "示例集团成员有限公司"))
    return [w.customer]


def managing_branch_set(w: World) -> list[Any]:
    w.customer.set_managing_branch(
        branch="城东支行",
        level=Level.SUB_BRANCH,
        tier="小户",
        required=Level.SUB_BRANCH,
        booked_at=[("总行", "城东支行")],
        set_on=START,
        reason="分层经营",
        actor=w.actor("head"),
    )
    return [w.customer]


def rhythm_recorded(w: World) -> list[Any]:
    w.customer.record_rhythm(
        months=[5, 9],
        from_day=10,
        to_day=20,
        call_window="18:00-20:00",
        note="出栏前后回访",
        agreed_on=START,
        actor=w.actor("am"),
    )
    return [w.customer]


def contact_attempted(w: World) -> list[Any]:
    w.customer.record_attempt(
        attempted_on=START,
        channel=ContactChannel.PHONE,
        purpose=ContactPurpose.RETURN_VISIT,
        contact="13800000000",
        reached=False,
        note="空号",
        unreachable_after=None,
        actor=w.actor("am"),
    )
    return [w.customer]


def marked_unreachable(w: World) -> list[Any]:
    w.customer.record_attempt(
        attempted_on=START,
        channel=ContactChannel.VISIT,
        purpose=ContactPurpose.COLLECTION,
        contact="云溪镇1号",
        reached=False,
        note="人去楼空",
        unreachable_after=2,
        actor=w.actor("am"),
    )
    return [w.customer]


def contact_verified(w: World) -> list[Any]:
    w.customer.verify_contact(
        verified_on=START,
        learned_on=START,
        phone="13900000000",
        address=None,
        note="核实为本人",
        actor=w.actor("am"),
    )
    return [w.customer]


def customer_released(w: World) -> list[Any]:
    w.staff["am"].release_customer(
        borrower_id="91330100MA2EVERY1X", released_on=START, reason="移交", actor=w.actor("head")
    )
    return [w.staff["am"]]


def supervision_checked(w: World) -> list[Any]:
    """A check scored below the pass score (贷后管理检查), by the risk manager."""
    w.keep(
        check=SupervisionCheck.record(
            check_id=UUID(int=70),
            check_no="贷后检查〔2025〕第0001号",
            subject=CheckSubject.ACCOUNT_MANAGER,
            branch="营业部",
            staff_id=w.id("am"),
            checker_branch="营业部",
            checked_on=START,
            period_from=START,
            period_to=START,
            sheet=shipped_rules().supervision,
            rules_version=shipped_rules().version,
            deductions=[
                Deduction("routine_inspection", 20, "常规检查未按期开展"),
                Deduction("dossier", 5, "原件未按期移交"),
            ],
            findings="限期整改",
            actor=w.actor("risk"),
            source=CheckSource.REGULATOR,
            campaign=Campaign("2025年贷后管理专项检查", CampaignKind.SPECIAL, 2025),
        )
    )
    return [w.check]


def notice_issued(w: World) -> list[Any]:
    w.check.issue_notice(
        notice_no="整改〔2025〕第0001号",
        deadline=START + timedelta(days=30),
        sha256="a" * 64,
        actor=w.actor("risk"),
    )
    return [w.check]


def rectification_reported(w: World) -> list[Any]:
    w.check.report_rectification(
        reported_on=START + timedelta(days=10),
        report="已补做检查",
        actor=w.actor("am"),
        actor_branch="营业部",
    )
    return [w.check]


def rectification_accepted(w: World) -> list[Any]:
    w.check.accept_rectification(
        accepted_on=START + timedelta(days=12),
        accepted=True,
        opinion="同意销号",
        actor=w.actor("risk"),
    )
    return [w.check]


def penalty_recorded(w: World) -> list[Any]:
    w.check.record_penalty(
        penalty_id=UUID(int=71),
        staff_id=w.id("am"),
        amount=Decimal("300"),
        reason="得分低于80分",
        decided_on=START + timedelta(days=12),
        actor=w.actor("risk"),
    )
    return [w.check]


def feedback_raised(w: World) -> list[Any]:
    """A branch's feedback (经办行反馈问题) about a loan, by its account manager."""
    w.keep(
        feedback=BranchFeedback.raise_feedback(
            feedback_id=UUID(int=180),
            feedback_no="反馈〔2025〕第0001号",
            branch="营业部",
            topic=FeedbackTopic.LOAN,
            loan_no="JJ2025EVERY0001",
            reference=None,
            description="系统无法登记新还款账户",
            raised_on=START,
            answer_due=START + timedelta(days=7),
            actor=w.actor("am"),
        )
    )
    return [w.feedback]


def feedback_assigned(w: World) -> list[Any]:
    w.feedback.assign(handler=w.party("officer"), assigned_on=START, actor=w.actor("risk"))
    return [w.feedback]


def feedback_answered(w: World) -> list[Any]:
    w.feedback.answer_feedback(
        answered_on=START + timedelta(days=2),
        answer="已开通账户变更功能",
        measures="补录新账户",
        actor=w.actor("officer"),
    )
    return [w.feedback]


def feedback_concluded(w: World) -> list[Any]:
    w.feedback.conclude(
        concluded_on=START + timedelta(days=3),
        accepted=False,
        opinion="扣款测试仍失败",
        actor=w.actor("am"),
    )
    return [w.feedback]


def feedback_escalated(w: World) -> list[Any]:
    w.feedback.escalate(
        escalated_on=START + timedelta(days=4),
        reason="退回后仍未解决",
        escalate_to=Role.BRANCH_HEAD,
        actor=w.actor("am"),
    )
    return [w.feedback]


def paper_ref(text: str) -> DocumentRef:
    return DocumentRef(
        doc_type="management_paper",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        size=len(text),
        media_type="application/pdf",
        filename=f"{text}.pdf",
        pages=1,
    )


def paper_drafted(w: World) -> list[Any]:
    """Minutes of the risk-and-quality analysis meeting (贷款风险状况及质量分析会纪要)."""
    rules = shipped_rules()
    w.keep(
        paper=ManagementPaper.draft(
            paper_id=UUID(int=80),
            paper_no="贷后文书〔2025〕第0001号",
            kind=rules.papers.kind("quality_meeting_minutes"),
            branch="营业部",
            parent="总行",
            period=None,
            met_on=START,
            title="贷款风险状况及质量分析会纪要",
            drafted_on=START,
            document=paper_ref("minutes"),
            loans=[LoanMeasures("L-EVERY-1", "杭州示例", "追加担保，按月检查")],
            calendar=rules.calendar,
            rules_version=rules.version,
            actor=w.actor("officer"),
        )
    )
    return [w.paper]


def paper_reviewed(w: World) -> list[Any]:
    w.paper.review(
        approved=False,
        reason="措施不具体",
        reviewed_on=START + timedelta(days=1),
        actor=w.actor("head"),
    )
    return [w.paper]


def paper_revised(w: World) -> list[Any]:
    w.paper.revise(
        document=paper_ref("minutes, revised"),
        note="措施已细化",
        revised_on=START + timedelta(days=2),
        loans=[LoanMeasures("L-EVERY-1", "杭州示例", "追加保证人，每月现场检查一次")],
        kind=shipped_rules().papers.kind("quality_meeting_minutes"),
        actor=w.actor("officer"),
    )
    return [w.paper]


def paper_submitted(w: World) -> list[Any]:
    w.paper.review(
        approved=True, reason="签发", reviewed_on=START + timedelta(days=3), actor=w.actor("head")
    )
    return [w.paper]


def paper_acknowledged(w: World) -> list[Any]:
    w.paper.acknowledge(
        acknowledged_on=START + timedelta(days=4),
        opinion="已阅",
        actor=Actor(UUID(int=81), Role.BRANCH_HEAD),
        actor_branch="总行",
    )
    return [w.paper]


def password_set(w: World) -> list[Any]:
    w.staff["am"].set_password(
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        temporary=True,
        actor=w.actor("admin"),
    )
    return [w.staff["am"]]


def password_changed(w: World) -> list[Any]:
    w.staff["am"].change_password(
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdDI$aGFzaDI", actor_id=w.staff["am"].id
    )
    return [w.staff["am"]]


def logged_in(w: World) -> list[Any]:
    w.staff["am"].record_login(role=Role.ACCOUNT_MANAGER, source="10.1.2.3")
    return [w.staff["am"]]


def login_failed(w: World) -> list[Any]:
    w.staff["am"].record_login_failure(
        reason=LoginFailure.WRONG_PASSWORD,
        at=GRANTED_AT,
        source="10.1.2.3",
        max_failures=5,
        lockout=timedelta(minutes=15),
    )
    return [w.staff["am"]]


def logged_out(w: World) -> list[Any]:
    w.staff["am"].record_logout(role=Role.ACCOUNT_MANAGER)
    return [w.staff["am"]]


# ------------------------------------------------------------------------- rules
def _shipped() -> str:
    return packaged_rules_text()


def rules_adopted(w: World) -> list[Any]:
    w.keep(rules=RulesInForce.first(RuleSet.from_toml(_shipped()), source="archive/rules.toml"))
    return [w.rules]


def rules_replaced(w: World) -> list[Any]:
    changed = tomllib.loads(_shipped())
    changed["types"]["site_photo"]["zh"] = "现场照片"
    w.rules.adopt(RuleSet.from_mapping(changed), source="var/rules.toml")
    return [w.rules]


# -------------------------------------------------------------------------- loans
def _disburse(w: World, loan_no: str, **overrides: Any) -> Loan:
    return Loan.disburse(
        **disbursement_params(
            loan_no=loan_no,
            value_date=START,
            maturity_date=day(365),
            actor=w.actor("am"),
            investigator=w.party("am"),
            origination_reviewer=w.party("reviewer"),
            approver=w.party("head"),
            **overrides,
        )
    )


def disbursed(w: World) -> list[Any]:
    w.keep(
        loan=_disburse(w, "JJ2025EVERY0001"),
        closed_loan=_disburse(w, "JJ2025EVERY0002", principal=Decimal("50000.00")),
    )
    return [w.loan, w.closed_loan]


def indexed(w: World) -> list[Any]:
    w.keep(borrowers=BorrowerIndex(borrower_id=w.loan.borrower_id))
    return [w.borrowers]


def loan_added(w: World) -> list[Any]:
    w.borrowers.add_loan(loan_id=w.loan.id)
    w.borrowers.add_loan(loan_id=w.closed_loan.id)
    return [w.borrowers]


def repayment_recorded(w: World) -> list[Any]:
    w.loan.record_repayment(
        paid_on=day(30),
        principal=Decimal("10000.00"),
        interest=Decimal("2875.00"),
        actor=w.actor("am"),
        documents=[document("repayment_voucher")],
    )
    return [w.loan]


def overdue_recorded(w: World) -> list[Any]:
    w.loan.record_overdue(
        as_of=day(100),
        days_overdue=40,
        overdue_principal=Decimal("20000.00"),
        overdue_interest=Decimal("1500.00"),
        actor=w.actor("officer"),
    )
    return [w.loan]


def inspection_recorded(w: World) -> list[Any]:
    w.keep(inspection_id=uuid4())
    w.loan.record_inspection(
        inspection_id=w.inspection_id,
        kind=InspectionKind.FIRST_FOLLOW_UP,
        inspected_on=day(20),
        reviewer=w.party("reviewer"),
        findings="资金按约定用途使用",
        actor=w.actor("am"),
        documents=[document("first_inspection_report")],
        assistant=w.party("am2"),
        joint=None,
    )
    return [w.loan]


def inspection_corrected(w: World) -> list[Any]:
    w.loan.correct_inspection(
        inspection_id=w.inspection_id,
        findings="资金按约定用途使用，库存略有积压",
        reason="补充库存情况",
        actor=w.actor("am"),
        documents=[document("inspection_report")],
    )
    return [w.loan]


def inspection_countersigned(w: World) -> list[Any]:
    w.loan.countersign_inspection(
        inspection_id=w.inspection_id,
        opinion="同意检查结论",
        countersigned_on=day(22),
        measures="按季跟踪库存",
        due_on=day(27),
        actor=w.actor("reviewer"),
    )
    return [w.loan]


def classification_proposed(w: World) -> list[Any]:
    w.keep(proposal_id=uuid4())
    w.loan.propose_classification(
        proposal_id=w.proposal_id,
        grade=Grade.SUBSTANDARD,
        sub_grade=None,
        reason="逾期超过30天，经营恶化",
        as_of=day(100),
        scheme=shipped_rules().sub_grades,
        actor=w.actor("am"),
        documents=[document("classification_form")],
        determination_required=True,
        system_grade=Grade.SPECIAL_MENTION,
        factor_grade=Grade.SPECIAL_MENTION,
        risk_factors="逾期天数、行业景气度",
        adjustment_reason="实地检查发现停产，人工下调为次级",
    )
    return [w.loan]


def classification_determined(w: World) -> list[Any]:
    w.loan.determine_classification(
        proposal_id=w.proposal_id,
        grade=Grade.SUBSTANDARD,
        sub_grade="substandard_2",
        reason="认定为次级二级",
        scheme=shipped_rules().sub_grades,
        policy=FloorPolicy(),
        borrower_npl_share=None,
        actor=w.actor("head"),
    )
    return [w.loan]


def classification_approved(w: World) -> list[Any]:
    w.loan.approve_classification(
        proposal_id=w.proposal_id,
        reason="同意",
        policy=FloorPolicy(),
        borrower_npl_share=None,
        actor=w.actor("risk"),
    )
    return [w.loan]


def classification_rejected(w: World) -> list[Any]:
    proposal = uuid4()
    w.loan.propose_classification(
        proposal_id=proposal,
        grade=Grade.DOUBTFUL,
        sub_grade=None,
        reason="担保人失联",
        as_of=day(110),
        scheme=shipped_rules().sub_grades,
        actor=w.actor("am"),
        documents=[document("classification_form")],
    )
    w.loan.reject_classification(proposal_id=proposal, reason="依据不足", actor=w.actor("risk"))
    return [w.loan]


def grade_noted(w: World) -> list[Any]:
    w.borrowers.note_grade(loan_id=w.loan.id, grade=Grade.SUBSTANDARD.value)
    return [w.borrowers]


def number_book_opened(w: World) -> list[Any]:
    w.keep(numbers=NumberBook.open(FormKind.BORROWING, 2025))
    return [w.numbers]


def number_taken(w: World) -> list[Any]:
    w.numbers.take()
    return [w.numbers]


def warning_raised(w: World) -> list[Any]:
    w.keep(signal_id=uuid4())
    w.loan.raise_warning(
        signal_id=w.signal_id,
        colour=WarningColour.ORANGE,
        code="W-OVERDUE",
        raised_on=day(101),
        reason="本金逾期",
        actor=w.actor("officer"),
    )
    return [w.loan]


def warning_handled(w: World) -> list[Any]:
    w.loan.handle_warning(
        signal_id=w.signal_id,
        handled_on=day(105),
        measures="约见实际控制人",
        actor=w.actor("risk"),
        documents=[document("warning_form")],
    )
    return [w.loan]


def warning_feedback_given(w: World) -> list[Any]:
    w.loan.give_warning_feedback(
        signal_id=w.signal_id,
        feedback_on=day(108),
        result="实际控制人承诺追加担保",
        actor=w.actor("officer"),
    )
    return [w.loan]


def warning_determined(w: World) -> list[Any]:
    w.loan.determine_warning(
        signal_id=w.signal_id,
        determined_on=day(110),
        confirmed=True,
        opinion="风险属实，继续跟踪",
        actor=w.actor("reviewer"),
    )
    return [w.loan]


def warning_reported(w: World) -> list[Any]:
    w.loan.report_warning(
        signal_id=w.signal_id,
        reported_on=day(102),
        rules=shipped_rules().warnings,
        actor=w.actor("risk"),
    )
    return [w.loan]


def emergency_plan_started(w: World) -> list[Any]:
    w.loan.start_emergency_plan(
        signal_id=w.signal_id,
        started_on=day(101),
        measures="冻结授信额度，追加抵押",
        owner=w.party("am"),
        due_on=day(130),
        actor=w.actor("risk"),
    )
    return [w.loan]


def emergency_progress_recorded(w: World) -> list[Any]:
    w.loan.record_emergency_progress(
        signal_id=w.signal_id,
        progress_on=day(110),
        progress="已冻结授信额度",
        actor=w.actor("am"),
    )
    return [w.loan]


def warning_cleared(w: World) -> list[Any]:
    w.loan.clear_warning(
        signal_id=w.signal_id,
        cleared_on=day(120),
        reason="已制定还款计划",
        actor=w.actor("risk"),
    )
    return [w.loan]


def collection_step_taken(w: World) -> list[Any]:
    w.loan.take_collection_step(
        step_id=uuid4(),
        kind=CollectionStepKind.NOTICE_SERVED,
        taken_on=day(102),
        days_overdue=42,
        outcome="借款人签收",
        promised_date=day(130),
        actor=w.actor("am"),
        documents=[document("collection_notice")],
    )
    return [w.loan]


def extended(w: World) -> list[Any]:
    w.keep(extended_loan=_disburse(w, "JJ2025EVERY0003", principal=Decimal("80000.00")))
    w.extended_loan.extend(
        approved_on=day(300),
        new_maturity_date=day(545),
        reason="季节性回款延迟",
        actor=w.actor("head"),
        documents=[document("extension_agreement"), document("extension_approval")],
    )
    return [w.extended_loan]


def restructured(w: World) -> list[Any]:
    w.loan.restructure(
        restructured_on=day(130),
        new_maturity_date=day(730),
        new_interest_rate="4.10%",
        terms="延长期限，按月还款",
        reason="借款人经营困难但有还款意愿",
        policy=FloorPolicy(),
        actor=w.actor("head"),
        documents=[document("restructuring_agreement"), document("restructuring_approval")],
    )
    return [w.loan]


def handed_over(w: World) -> list[Any]:
    w.loan.hand_over(
        handed_over_on=day(140),
        receiving=w.party("am2"),
        reason="客户经理调岗",
        actor=w.actor("head"),
        documents=[document("handover_record")],
    )
    return [w.loan]


def branch_changed(w: World) -> list[Any]:
    w.loan.move(branch="城西支行", moved_on=day(141), reason="客户迁址", actor=w.actor("risk"))
    return [w.loan]


def account_managers_assigned(w: World) -> list[Any]:
    w.loan.assign_account_managers(
        a_manager=w.party("am2"),
        b_manager=w.party("am"),
        assigned_on=day(142),
        reason="双人管户",
        actor=w.actor("head"),
    )
    return [w.loan]


def borrower_information_changed(w: World) -> list[Any]:
    w.loan.change_borrower_information(
        changed_on=day(143),
        changes=[(BorrowerField.PHONE, "13800138000"), (BorrowerField.RATING, "BBB")],
        reason="年度评级下调，客户更换电话",
        actor=w.actor("risk"),
        documents=[document("rating_form")],
    )
    return [w.loan]


def funds_use_recorded(w: World) -> list[Any]:
    w.loan.record_funds_use(
        record_id=uuid4(),
        used_on=day(144),
        amount=Decimal("10000.00"),
        payee="宁波示例钢材有限公司",
        use="支付钢材采购款",
        matches_purpose=True,
        payment_method=PaymentMethod.ENTRUSTED,
        actor=w.actor("am"),
        documents=[document("payment_voucher")],
    )
    return [w.loan]


def key_customer_designated(w: World) -> list[Any]:
    w.loan.designate_key_customer(
        designated_on=day(145), reason="授信集中度高，列为重点客户", actor=w.actor("head")
    )
    return [w.loan]


def key_customer_removed(w: World) -> list[Any]:
    w.loan.remove_key_customer(
        removed_on=day(146), reason="授信压降后移出重点客户", actor=w.actor("risk")
    )
    return [w.loan]


def third_party_service_assigned(w: World) -> list[Any]:
    w.loan.assign_third_party_service(
        servicer="云溪融资服务有限公司",
        contact="钱伟",
        contact_phone="13900139000",
        assigned_on=day(146),
        actor=w.actor("head"),
    )
    return [w.loan]


def maturity_notice_issued(w: World) -> list[Any]:
    w.loan.issue_maturity_notice(
        notice_id=uuid4(),
        issued_on=min(day(147), w.loan.term.maturity_date),
        addressee="借款人",
        actor=w.actor("am"),
        documents=[document("maturity_notice")],
    )
    return [w.loan]


def target_responsibility_signed(w: World) -> list[Any]:
    w.loan.sign_target_responsibility(
        year=day(147).year,
        manager=Party(w.loan.account_manager_id, frozenset({Role.ACCOUNT_MANAGER})),
        risk_supervisor=w.party("risk"),
        collection_target=Decimal("100000.00"),
        business_target="日均存款不低于 50 万元",
        signed_on=day(147),
        actor=w.actor("head"),
        documents=[document("target_responsibility")],
    )
    return [w.loan]


def guarantee_registered(w: World) -> list[Any]:
    w.keep(guarantee_id=uuid4())
    w.loan.register_guarantee(
        guarantee_id=w.guarantee_id,
        guarantor_name="宁波示例担保有限公司",
        kind=GuarantorKind.GUARANTEE_COMPANY,
        id_no="91330100MA2F00001X",
        amount=Decimal("300000.00"),
        contract_no="BZ-EVERY-0001",
        registered_on=day(147),
        rating="AA",
        actor=w.actor("am"),
        documents=[document("guarantee_contract")],
    )
    return [w.loan]


def guarantor_reassessed(w: World) -> list[Any]:
    w.loan.reassess_guarantor(
        guarantee_id=w.guarantee_id,
        assessed_on=day(148),
        capacity=GuarantorCapacity.WEAKENED,
        rating="A",
        findings="担保公司代偿余额上升",
        signal_id=uuid4(),
        actor=w.actor("am"),
        documents=[document("guarantor_assessment")],
    )
    return [w.loan]


def partner_registered(w: World) -> list[Any]:
    """A guarantee company and a servicer registered as partner institutions (合作机构)."""
    w.keep(
        partner=Partner.register(
            name="宁波示例担保有限公司",
            kind=PartnerKind.GUARANTEE_COMPANY,
            code="91330100MA2F00001X",
            contact="钱经理",
            contact_phone="0574-88880001",
            cooperation_from=START,
            cooperation_to=START + timedelta(days=1000),
            limit=Decimal("5000000.00"),
            branch="营业部",
            registered_on=START,
            actor=w.actor("risk"),
        ),
        servicer=Partner.register(
            name="云溪融资服务有限公司",
            kind=PartnerKind.SERVICER,
            code="91330100MA2F00002X",
            contact="钱伟",
            contact_phone=None,
            cooperation_from=START,
            cooperation_to=None,
            limit=None,
            branch="营业部",
            registered_on=START,
            actor=w.actor("risk"),
        ),
    )
    return [w.partner, w.servicer]


def partner_suspended(w: World) -> list[Any]:
    w.partner.suspend(suspended_on=day(5), reason="代偿率超线", actor=w.actor("risk"))
    return [w.partner]


def partner_resumed(w: World) -> list[Any]:
    w.partner.resume(resumed_on=day(6), reason="已整改", actor=w.actor("risk"))
    return [w.partner]


def servicer_communication_recorded(w: World) -> list[Any]:
    w.servicer.record_communication(
        communication_id=UUID(int=81),
        communicated_on=day(7),
        loan_no=None,
        verified="核实存栏与饲料款结算",
        changes_found="借款人更换手机号码",
        information_changed=False,
        actor=w.actor("am"),
    )
    return [w.servicer]


def guarantor_compensated(w: World) -> list[Any]:
    w.loan.record_compensation(
        compensation_id=UUID(int=82),
        guarantee_id=w.guarantee_id,
        amount=Decimal("50000.00"),
        compensated_on=day(149),
        note="代偿逾期本金",
        actor=w.actor("am"),
        documents=[document("compensation_voucher")],
    )
    return [w.loan]


def compensation_recovery_recorded(w: World) -> list[Any]:
    w.loan.record_recovery(
        compensation_id=UUID(int=82),
        recovered_on=day(150),
        recovered=Decimal("10000.00"),
        progress="借款人归还部分代偿款",
        actor=w.actor("am"),
    )
    return [w.loan]


def repayment_behaviour_assessed(w: World) -> list[Any]:
    w.loan.assess_repayment_behaviour(
        assessed_on=day(151),
        signal_id=uuid4(),
        rules=shipped_rules().repayment_behaviour,
        warning_rules=shipped_rules().warnings,
        actor=w.actor("am"),
    )
    return [w.loan]


def _propose_zone(w: World, proposal_id: UUID, on: date, zone: str) -> None:
    w.loan.propose_zone(
        proposal_id=proposal_id,
        zone=zone,
        reason="经营下滑，压降授信",
        proposed_on=on,
        measures="压降授信敞口，追加抵押",
        target="一年内压降50%",
        responsible_id=w.id("am"),
        deadline=on + timedelta(days=365),
        rules=shipped_rules().zones,
        actor=w.actor("am"),
    )


def zone_proposed(w: World) -> list[Any]:
    w.keep(zone_proposal_id=uuid4())
    _propose_zone(w, w.zone_proposal_id, day(149), "restricted")
    return [w.loan]


def zone_approved(w: World) -> list[Any]:
    w.loan.approve_zone(
        proposal_id=w.zone_proposal_id, approved_on=day(150), opinion="同意", actor=w.actor("head")
    )
    return [w.loan]


def zone_reviewed(w: World) -> list[Any]:
    w.loan.review_zone(
        review_id=uuid4(),
        reviewed_on=day(151),
        progress="已压降授信20%",
        repayment_capacity="还款来源稳定",
        operations="销售回款放缓",
        market="行业需求下行",
        actor=w.actor("am"),
        findings={"credit_record": "征信无新增不良", "account_monitoring": "回款账户流水正常"},
    )
    return [w.loan]


def zone_notified(w: World) -> list[Any]:
    w.loan.notify_zone(
        notice_id=uuid4(),
        notified_on=day(152),
        method="书面通知",
        recipient="财务总监",
        content="贵公司列入限制区间，请按方案压降",
        actor=w.actor("am"),
    )
    return [w.loan]


def bad_credit_listed(w: World) -> list[Any]:
    w.loan.list_bad_credit(blacklisted_on=day(153), reason="恶意逃废债务", actor=w.actor("risk"))
    return [w.loan]


def bad_credit_delisted(w: World) -> list[Any]:
    w.loan.delist_bad_credit(delisted_on=day(154), reason="已清偿欠款", actor=w.actor("risk"))
    return [w.loan]


def zone_rejected(w: World) -> list[Any]:
    proposal_id = uuid4()
    _propose_zone(w, proposal_id, day(151), "exit")
    w.loan.reject_zone(
        proposal_id=proposal_id,
        rejected_on=day(152),
        reason="尚未达退出条件",
        actor=w.actor("head"),
    )
    return [w.loan]


def responsibility_determined(w: World) -> list[Any]:
    w.keep(determination_id=uuid4())
    w.loan.determine_responsibility(
        determination_id=w.determination_id,
        person_id=w.id("am"),
        stage=ResponsibilityStage.POST_LOAN,
        finding=ResponsibilityFinding.SECONDARY,
        sanction="通报批评",
        reason="贷后检查未发现库存积压",
        on=day(150),
        starts_at_days_overdue=30,
        actor=w.actor("auditor"),
        documents=[document("responsibility_determination")],
        group_member_ids=[w.id("auditor"), w.id("compliance")],
        meeting_on=day(149),
        attendee_ids=[w.id("auditor"), w.id("compliance")],
    )
    return [w.loan]


def determination_step_recorded(w: World) -> list[Any]:
    w.loan.record_determination_step(
        determination_id=w.determination_id,
        step=DeterminationStep.SIGNED_OFF,
        taken_on=day(151),
        today=day(151),
        note="同意认定意见",
        actor=w.actor("head"),
    )
    return [w.loan]


def responsibility_appealed(w: World) -> list[Any]:
    w.loan.appeal_responsibility(
        determination_id=w.determination_id, reason="检查时库存正常", actor=w.actor("am")
    )
    return [w.loan]


def appeal_decided(w: World) -> list[Any]:
    w.loan.decide_appeal(
        determination_id=w.determination_id,
        outcome=AppealOutcome.UPHELD,
        finding=None,
        reason="维持原认定",
        actor=w.actor("auditor2"),
    )
    return [w.loan]


def objection_recorded(w: World) -> list[Any]:
    w.loan.record_objection(
        objection_id=uuid4(),
        subject="分类意见",
        text="本人对分类结果持书面异议",
        actor=w.actor("am2"),
    )
    return [w.loan]


def disposal_plan_submitted(w: World) -> list[Any]:
    w.keep(plan_id=uuid4())
    w.loan.submit_disposal_plan(
        plan_id=w.plan_id,
        method=DisposalMethod.LITIGATION,
        submitted_on=day(151),
        plan="起诉借款人及保证人，申请财产保全",
        expected_recovery=Decimal("200000.00"),
        actor=w.actor("am"),
    )
    return [w.loan]


def disposal_plan_decided(w: World) -> list[Any]:
    w.loan.decide_disposal_plan(
        plan_id=w.plan_id,
        decided_on=day(152),
        approved=True,
        opinion="同意起诉",
        actor=w.actor("head"),
    )
    return [w.loan]


def disposal_result_recorded(w: World) -> list[Any]:
    w.loan.record_disposal_result(
        plan_id=w.plan_id,
        executed_on=day(180),
        recovered=Decimal("50000.00"),
        result="调解结案，收回部分本金",
        actor=w.actor("am"),
        documents=[document("judgment")],
    )
    return [w.loan]


def transferred_to_asset_preservation(w: World) -> list[Any]:
    w.loan.transfer_to_asset_preservation(
        transferred_on=day(200),
        reason="进入诉讼清收",
        actor=w.actor("head"),
        documents=[document("asset_preservation_transfer")],
    )
    return [w.loan]


def returned_from_asset_preservation(w: World) -> list[Any]:
    """A loan downgraded to 次级 and transferred, repaid twice on time, upgraded to 关注 and
    handed back to the customer department (退回客户部)."""
    loan = _disburse(w, "JJ2025EVERY0004", principal=Decimal("60000.00"))
    for grade, on in ((Grade.SUBSTANDARD, day(120)), (Grade.SPECIAL_MENTION, day(200))):
        proposal = uuid4()
        loan.propose_classification(
            proposal_id=proposal,
            grade=grade,
            sub_grade=None,
            reason="按季分类",
            as_of=on,
            scheme=shipped_rules().sub_grades,
            actor=w.actor("am"),
        )
        loan.approve_classification(
            proposal_id=proposal,
            reason="同意",
            policy=FloorPolicy(),
            borrower_npl_share=None,
            actor=w.actor("risk"),
        )
        if grade is Grade.SUBSTANDARD:
            loan.transfer_to_asset_preservation(
                transferred_on=day(121), reason="下调为次级", actor=w.actor("risk")
            )
            for paid in (day(150), day(180)):
                loan.record_repayment(
                    paid_on=paid,
                    principal=Decimal("1000.00"),
                    interest=Decimal("200.00"),
                    actor=w.actor("am"),
                )
    loan.return_from_asset_preservation(
        returned_on=day(201), reason="已上调为关注类", actor=w.actor("risk")
    )
    return [loan]


def written_off(w: World) -> list[Any]:
    w.loan.write_off(
        written_off_on=day(400),
        criterion=WriteOffCriterion.BANKRUPTCY,
        reason="借款人破产清算终结",
        actor=w.actor("head"),
        documents=[document("writeoff_application"), document("writeoff_evidence")],
    )
    return [w.loan]


def loss_review_recorded(w: World) -> list[Any]:
    """The write-off's review (三个不放过): the cause and the person responsible first, the
    measures and their owner added."""
    w.keep(review_id=uuid4())
    w.loan.record_loss_review(
        review_id=w.review_id,
        loss=LossKind.WRITE_OFF,
        loss_on=day(400),
        analysed_on=day(405),
        cause="借款人破产，担保人无代偿能力",
        responsible=[w.party("am")],
        measures=None,
        measures_owner=None,
        actor=w.actor("risk"),
    )
    w.loan.amend_loss_review(
        review_id=w.review_id,
        analysed_on=day(406),
        cause=None,
        responsible=[],
        measures="账销案存，继续追索保证人财产",
        measures_owner=w.party("officer"),
        actor=w.actor("risk"),
        documents=[document("responsibility_record")],
    )
    return [w.loan]


def loss_review_closed(w: World) -> list[Any]:
    w.loan.close_loss_review(
        review_id=w.review_id,
        closed_on=day(410),
        opinion="三个不放过已落实",
        actor=w.actor("head"),
    )
    return [w.loan]


def settled(w: World) -> list[Any]:
    w.closed_loan.record_repayment(
        paid_on=day(200),
        principal=w.closed_loan.balance,
        interest=Decimal("900.00"),
        actor=w.actor("am"),
    )
    w.closed_loan.settle(settled_on=day(200), actor=w.actor("am"))
    return [w.closed_loan]


# ---------------------------------------------------------------------- core feed
FEED_SHA = "c0ffee" * 10 + "beef"
"""The control hash of the one batch the core system sends here."""


def fed(line: int, file: str = "loans.csv", *, correction: bool = False) -> dict[str, Any]:
    where: dict[str, Any] = {
        "batch": FEED_SHA,
        "business_date": day(210).isoformat(),
        "file": file,
        "line": line,
    }
    return where | ({"correction": True} if correction else {})


def feed_ledger_opened(w: World) -> list[Any]:
    w.keep(ledger=FeedLedger.open())
    return [w.ledger]


def feed_batch_started_on_ledger(w: World) -> list[Any]:
    w.ledger.start(batch=FEED_SHA, business_date=day(210), correction=False, actor=w.actor("feed"))
    return [w.ledger]


def feed_batch_started(w: World) -> list[Any]:
    w.keep(
        feed_batch=FeedBatch.start(
            control_sha256=FEED_SHA,
            bank="云溪农商银行",
            business_date=day(210),
            correction=False,
            partial=False,
            files={
                "loans.csv": {"records": "1", "amount": "80000.00"},
                "repayments.csv": {"records": "1", "amount": "2030.00"},
            },
            refused=0,
            actor=w.actor("feed"),
        )
    )
    return [w.feed_batch]


def master_data_changed(w: World) -> list[Any]:
    """A loan the core booked, then its master data as the core changed it: the principal and
    rate (an information change), a later maturity (展期), another unit and another A岗."""
    fed_loan = Loan.book_from_core(
        loan_no="HX2025EVERY0003",
        borrower_id="11010519491231002X",
        borrower_name="林秀英",
        borrower_type=BorrowerType.INDIVIDUAL,
        product=Product.INDIVIDUAL_PRODUCTION,
        principal=Decimal("80000.00"),
        rate=Decimal("0.0435"),
        value_date=day(200),
        maturity_date=day(565),
        repayment_method="equal_principal",
        guarantee_type=GuaranteeType.GUARANTEE,
        branch="营业部",
        purpose="购买种苗",
        account_manager=w.party("am"),
        actor=w.actor("feed"),
        fed=fed(2),
    )
    reported = fed_loan.master_data() | {
        "principal": "90000.00",
        "interest_rate": "4.5%",
        "maturity_date": day(600).isoformat(),
    }
    fed_loan.report_master_data(
        borrower_id=fed_loan.borrower_id,
        reported=reported,
        branch="城东支行",
        account_manager=w.party("am2"),
        business_date=day(210),
        actor=w.actor("feed"),
        fed=fed(3),
    )
    w.keep(fed_loan=fed_loan)
    return [fed_loan]


def origination_record_filed(w: World) -> list[Any]:
    """The account manager files the credit file, rating and reviewer and approver of the loan
    the core booked (贷前资料补录)."""
    w.fed_loan.file_origination_record(
        filed_on=day(210),
        borrower_rating="A",
        origination_reviewer=w.party("reviewer"),
        approver=w.party("head"),
        documents=[document("loan_application"), document("approval")],
        actor=w.actor("am2"),
    )
    return [w.fed_loan]


def feed_batch_progressed(w: World) -> list[Any]:
    w.feed_batch.progress(file="loans.csv", line=3, lines_done=2, events=5)
    return [w.feed_batch]


def repayment_corrected(w: World) -> list[Any]:
    for amount, correction in (("2000.00", False), ("1500.00", True)):
        w.fed_loan.report_repayment(
            reference="TX-EVERY-1",
            paid_on=day(210),
            principal=Decimal(amount),
            interest=Decimal("30.00"),
            penalty=Decimal("5.00") if correction else Decimal("0.00"),
            correction=correction,
            actor=w.actor("feed"),
            fed=fed(2, "repayments.csv", correction=correction),
        )
    return [w.fed_loan]


def arrears_corrected(w: World) -> list[Any]:
    for days, principal, correction in ((5, "3000.00", False), (4, "2500.00", True)):
        w.fed_loan.report_arrears(
            as_of=day(210),
            days_overdue=days,
            overdue_principal=Decimal(principal),
            overdue_interest=Decimal("20.00"),
            correction=correction,
            actor=w.actor("feed"),
            fed=fed(2, "overdue.csv", correction=correction),
        )
    return [w.fed_loan]


def settlement_corrected(w: World) -> list[Any]:
    loan = w.fed_loan
    loan.report_arrears(
        as_of=day(211),
        days_overdue=0,
        overdue_principal=Decimal("0.00"),
        overdue_interest=Decimal("0.00"),
        correction=False,
        actor=w.actor("feed"),
        fed=fed(2, "overdue.csv"),
    )
    loan.report_repayment(
        reference="TX-EVERY-2",
        paid_on=day(211),
        principal=loan.balance,
        interest=Decimal("0.00"),
        penalty=Decimal("0.00"),
        correction=False,
        actor=w.actor("feed"),
        fed=fed(3, "repayments.csv"),
    )
    for on, correction in ((day(211), False), (day(212), True)):
        loan.report_settlement(
            settled_on=on,
            how="repaid",
            correction=correction,
            actor=w.actor("feed"),
            fed=fed(2, "settlements.csv", correction=correction),
        )
    return [loan]


def feed_batch_reconciled(w: World) -> list[Any]:
    totals = {
        "loans.csv": {
            "control_records": "1",
            "archive_records": "1",
            "control_amount": "80000.00",
            "archive_amount": "80000.00",
        },
        "repayments.csv": {
            "control_records": "1",
            "archive_records": "1",
            "control_amount": "2030.00",
            "archive_amount": "2030.00",
        },
    }
    w.feed_batch.reconcile(totals=totals, actor=w.actor("feed"))
    return [w.feed_batch]


def feed_batch_applied(w: World) -> list[Any]:
    w.ledger.finish(batch=FEED_SHA, business_date=day(210), actor=w.actor("feed"))
    return [w.ledger]


# ---------------------------------------------------------------------- collateral
def collateral_registered(w: World) -> list[Any]:
    w.keep(
        collateral=Collateral.register(
            loan=w.loan,
            collateral_no="YP-EVERY-1",
            kind=CollateralKind.REAL_ESTATE,
            description="上海市某区某路1号厂房",
            owner_name="上海示例贸易有限公司",
            appraised_value=Decimal("2000000.00"),
            appraised_on=day(-10),
            registration_no="沪(2025)不动产证明第000001号",
            registered_on=day(-5),
            actor=w.actor("am"),
            documents=[document("mortgage_contract"), document("valuation_report")],
        ),
        released=Collateral.register(
            loan=w.closed_loan,
            collateral_no="YP-EVERY-2",
            kind=CollateralKind.DEPOSIT_RECEIPT,
            description="定期存单",
            owner_name="上海示例贸易有限公司",
            appraised_value=Decimal("60000.00"),
            appraised_on=day(-3),
            registration_no="质押登记0002",
            registered_on=day(-2),
            actor=w.actor("am"),
        ),
    )
    return [w.collateral, w.released]


def certificate_lodged(w: World) -> list[Any]:
    w.collateral.lodge_certificate(
        certificate_no="沪(2025)不动产证明第000001号",
        lodged_on=day(1),
        custodians=[w.party("archivist"), w.party("archivist2")],
        actor=w.actor("archivist"),
        documents=[document("registration_certificate")],
    )
    return [w.collateral]


def certificate_taken_out(w: World) -> list[Any]:
    w.collateral.take_out_certificate(
        taken_out_on=day(150),
        purpose="办理诉讼保全",
        custodians=[w.party("archivist"), w.party("archivist2")],
        actor=w.actor("archivist"),
        documents=[document("custody_form")],
    )
    return [w.collateral]


def certificate_returned(w: World) -> list[Any]:
    w.collateral.return_certificate(
        returned_on=day(160),
        custodians=[w.party("archivist"), w.party("archivist2")],
        actor=w.actor("archivist"),
        documents=[document("custody_form")],
    )
    return [w.collateral]


def revalued(w: World) -> list[Any]:
    w.collateral.revalue(
        revalued_on=day(170),
        value=Decimal("1600000.00"),
        actor=w.actor("am"),
        documents=[document("revaluation_report")],
    )
    return [w.collateral]


def insurance_renewed(w: World) -> list[Any]:
    w.collateral.renew_insurance(
        policy_no="PICC-2025-0001",
        insurer="中国人民财产保险",
        expires_on=day(365),
        actor=w.actor("am"),
        documents=[document("insurance_policy")],
    )
    return [w.collateral]


def insurance_lapsed(w: World) -> list[Any]:
    w.collateral.record_insurance_lapse(lapsed_on=day(366), actor=w.actor("officer"))
    return [w.collateral]


def collateral_released(w: World) -> list[Any]:
    w.released.release(
        released_on=day(201),
        reason="贷款结清",
        loan=w.closed_loan,
        actor=w.actor("am"),
        documents=[document("release_certificate")],
    )
    return [w.released]


# ------------------------------------------------------------------------ dossiers
def opened(w: World) -> list[Any]:
    w.keep(
        dossier=Dossier.open(
            loan_id=w.loan.id,
            loan_no=w.loan.loan_no,
            borrower_name=w.loan.borrower_name,
            actor=w.actor("am"),
        ),
        closed_dossier=Dossier.open(
            loan_id=w.closed_loan.id,
            loan_no=w.closed_loan.loan_no,
            borrower_name=w.closed_loan.borrower_name,
            actor=w.actor("am"),
        ),
    )
    return [w.dossier, w.closed_dossier]


def document_filed(w: World) -> list[Any]:
    for dossier, loan in ((w.dossier, w.loan), (w.closed_dossier, w.closed_loan)):
        for doc_type in ("loan_contract", "drawdown_receipt"):
            dossier.file(
                document=document(doc_type),
                stage="disbursement",
                evidences_id=loan.id,
                evidences_version=1,
                actor=w.actor("am"),
            )
    return [w.dossier, w.closed_dossier]


def document_read(w: World) -> list[Any]:
    first = w.dossier.documents[0].ref
    w.dossier.record_read(
        sha256=first.sha256,
        purpose=ReadPurpose.AUDIT,
        copy_sha256=hashlib.sha256(b"watermarked copy").hexdigest(),
        watermarked=True,
        actor=w.actor("auditor"),
    )
    return [w.dossier]


def fixity_checked(w: World) -> list[Any]:
    w.dossier.record_fixity_check(
        results=[
            FixityResult(d.ref.sha256, d.ref.doc_type, FixityStatus.INTACT, "")
            for d in w.dossier.documents
        ],
        actor=w.actor("archivist"),
    )
    return [w.dossier]


def transfer_listed(w: World) -> list[Any]:
    w.keep(transfer_id=uuid4(), full_transfer_id=uuid4())
    items = [
        {"doc_type": d.ref.doc_type, "title": d.ref.filename, "pages": 2}
        for d in w.closed_dossier.documents
    ]
    w.closed_dossier.list_transfer(
        transfer_id=w.transfer_id,
        kind=TransferKind.ORIGINALS,
        items=items,
        listed_on=day(3),
        signed_on=day(0),
        loan_status=LoanStatus.ACTIVE,
        originals_working_days=shipped_rules().originals_transfer_working_days,
        actor=w.actor("am"),
    )
    w.closed_dossier.list_transfer(
        transfer_id=w.full_transfer_id,
        kind=TransferKind.FULL,
        items=items,
        listed_on=day(210),
        signed_on=None,
        loan_status=LoanStatus.SETTLED,
        originals_working_days=shipped_rules().originals_transfer_working_days,
        actor=w.actor("am"),
    )
    return [w.closed_dossier]


def transfer_received(w: World) -> list[Any]:
    count = len(w.closed_dossier.documents)
    w.closed_dossier.receive_transfer(
        transfer_id=w.transfer_id,
        checks=[
            {"item_no": n, "condition": ItemCondition.PRESENT.value, "pages_counted": 2}
            for n in range(1, count + 1)
        ],
        received_on=day(4),
        actor=w.actor("archivist"),
    )
    defects = w.closed_dossier.receive_transfer(
        transfer_id=w.full_transfer_id,
        checks=[
            {"item_no": 1, "condition": ItemCondition.PRESENT.value, "pages_counted": 2},
            *(
                {"item_no": n, "condition": ItemCondition.DAMAGED.value, "note": "水渍"}
                for n in range(2, count + 1)
            ),
        ],
        received_on=day(211),
        actor=w.actor("archivist"),
    )
    w.keep(defect_id=defects[0])
    return [w.closed_dossier]


def defect_cleared(w: World) -> list[Any]:
    w.closed_dossier.clear_defect(
        defect_id=w.defect_id, cleared_on=day(212), note="已修复", actor=w.actor("archivist")
    )
    return [w.closed_dossier]


def series_started(w: World) -> list[Any]:
    w.keep(
        series=ReferenceSeries.start(
            Series("F001", "XD", 2025, RetentionClass.THIRTY_YEARS, "SHYYB")
        )
    )
    return [w.series]


def item_number_allocated(w: World) -> list[Any]:
    w.keep(item_no=w.series.allocate(dossier_id=w.closed_dossier.id))
    return [w.series]


def catalogued(w: World) -> list[Any]:
    w.closed_dossier.catalogue(
        reference_code=f"F001-XD·2025-D30-SHYYB-{w.item_no:04d}",
        shelf_location="A-01-02",
        retention=RetentionClass.THIRTY_YEARS,
        tier1_doc_types=["registration_certificate"],
        catalogued_on=day(213),
        closed_on=day(200),
        actor=w.actor("archivist"),
    )
    return [w.closed_dossier]


def retention_started(w: World) -> list[Any]:
    if not w.closed_dossier.retention_starts_on:
        w.closed_dossier.start_retention(closed_on=day(200), actor=w.actor("archivist"))
    return [w.closed_dossier]


def hold_placed(w: World) -> list[Any]:
    w.keep(hold_id=uuid4())
    w.closed_dossier.place_hold(
        hold_id=w.hold_id,
        kind=HoldKind.AUDIT,
        reason="年度审计",
        reference="审计通知2025-01",
        placed_on=day(220),
        actor=w.actor("compliance"),
    )
    return [w.closed_dossier]


def hold_released(w: World) -> list[Any]:
    w.closed_dossier.release_hold(
        hold_id=w.hold_id, reason="审计结束", released_on=day(230), actor=w.actor("compliance")
    )
    return [w.closed_dossier]


def _after_retention(w: World, days: int) -> date:
    """A day after the settled loan's dossier has been kept as long as it must."""
    ends: date = w.closed_dossier.retention_ends_on
    return ends + timedelta(days=days)


def appraisal_opened(w: World) -> list[Any]:
    w.keep(appraisal_id=uuid4(), second_appraisal_id=uuid4())
    w.closed_dossier.open_appraisal(
        appraisal_id=w.appraisal_id,
        opened_on=_after_retention(w, 1),
        group=[w.party("archhead"), w.party("compliance")],
        actor=w.actor("archhead"),
    )
    return [w.closed_dossier]


def appraised(w: World) -> list[Any]:
    w.closed_dossier.decide_appraisal(
        appraisal_id=w.appraisal_id,
        opinion=AppraisalOpinion.EXTEND,
        text="涉诉风险未消除，延长保管",
        decided_on=_after_retention(w, 2),
        actor=w.actor("archhead"),
    )
    return [w.closed_dossier]


def retention_extended(w: World) -> list[Any]:
    ends = w.closed_dossier.retention_ends_on
    w.closed_dossier.extend_retention(
        ends_on=date(ends.year + 5, 12, 31),
        reason="鉴定意见：延长保管",
        extended_on=_after_retention(w, 3),
        appraisal_id=w.appraisal_id,
        actor=w.actor("archhead"),
    )
    w.closed_dossier.open_appraisal(
        appraisal_id=w.second_appraisal_id,
        opened_on=_after_retention(w, 1),
        group=[w.party("archhead"), w.party("compliance")],
        actor=w.actor("archhead"),
    )
    w.closed_dossier.decide_appraisal(
        appraisal_id=w.second_appraisal_id,
        opinion=AppraisalOpinion.DESTROY,
        text="已无保存价值",
        decided_on=_after_retention(w, 2),
        actor=w.actor("archhead"),
    )
    return [w.closed_dossier]


# ---------------------------------------------------------------------- borrowings
def circulation_started(w: World) -> list[Any]:
    w.keep(circulation=Circulation(dossier_id=w.dossier.id))
    return [w.circulation]


def borrowing_requested(w: World) -> list[Any]:
    items = [d.ref.sha256 for d in w.dossier.documents]
    request = partial(
        Borrowing.request,
        dossier_id=w.dossier.id,
        loan_id=w.loan.id,
        loan_no=w.loan.loan_no,
        reference_code=None,
        tier_one_items=[],
        requested_on=day(250),
        rules=shipped_rules().borrowing,
    )
    w.keep(
        borrowing=request(
            borrow_no="JY-EVERY-1",
            purpose=BorrowingPurpose.LITIGATION,
            items=items,
            whole_dossier=True,
            form=BorrowingForm.ORIGINAL,
            due_on=day(255),
            reason="诉讼举证",
            actor=w.actor("am"),
        ),
        copy=request(
            borrow_no="JY-EVERY-2",
            purpose=BorrowingPurpose.AUDIT,
            items=items[:1],
            whole_dossier=False,
            form=BorrowingForm.ELECTRONIC_COPY,
            due_on=day(260),
            reason="审计调阅",
            actor=w.actor("auditor"),
        ),
        refused=request(
            borrow_no="JY-EVERY-3",
            purpose=BorrowingPurpose.BUSINESS,
            items=items[:1],
            whole_dossier=False,
            form=BorrowingForm.ORIGINAL,
            due_on=None,
            reason="业务需要",
            actor=w.actor("am2"),
        ),
    )
    return [w.borrowing, w.copy, w.refused]


def borrowing_approved(w: World) -> list[Any]:
    w.borrowing.approve(
        due_on=None, archivist=w.party("archivist"), reason="同意", actor=w.actor("archhead")
    )
    w.copy.approve(due_on=None, archivist=None, reason="同意", actor=w.actor("archhead"))
    return [w.borrowing, w.copy]


def borrowing_rejected(w: World) -> list[Any]:
    w.refused.reject(reason="理由不充分", actor=w.actor("archhead"))
    return [w.refused]


def checked_out(w: World) -> list[Any]:
    w.borrowing.check_out(
        checked_out_on=day(251),
        pages=dict.fromkeys(w.borrowing.items, 2),
        circulation=w.circulation,
        actor=w.actor("archivist"),
    )
    return [w.borrowing, w.circulation]


def lent(w: World) -> list[Any]:
    """The circulation's side of the check-out, which records it."""
    return [w.circulation]


def overdue_noted(w: World) -> list[Any]:
    w.borrowing.note_overdue(
        on=day(257),
        escalation=[(1, Role.ARCHIVIST), (2, Role.ARCHIVE_HEAD), (7, Role.BRANCH_HEAD)],
        actor=w.actor("officer"),
    )
    return [w.borrowing]


def returned(w: World) -> list[Any]:
    pages = dict.fromkeys(w.borrowing.items, 2)
    pages[next(iter(pages))] = 1
    w.borrowing.return_items(
        returned_on=day(258),
        pages=pages,
        circulation=w.circulation,
        escalate_to=shipped_rules().borrowing.shortfall_escalated_to,
        actor=w.actor("archivist"),
    )
    return [w.borrowing, w.circulation]


def taken_back(w: World) -> list[Any]:
    """The circulation's side of the return, which records it."""
    return [w.circulation]


def page_count_mismatched(w: World) -> list[Any]:
    """Recorded with the return, one page short."""
    return [w.borrowing]


def borrowing_closed(w: World) -> list[Any]:
    w.borrowing.close(
        closed_on=day(259), reason="页数差异已查明：复印件装订", actor=w.actor("archhead")
    )
    return [w.borrowing]


def electronic_copy_issued(w: World) -> list[Any]:
    w.copy.issue_electronic_copy(
        issued_on=day(251),
        expires_on=day(260),
        copies={sha: hashlib.sha256(f"copy:{sha}".encode()).hexdigest() for sha in w.copy.items},
        copy_sha256=hashlib.sha256(b"the copy").hexdigest(),
        actor=w.actor("archivist"),
    )
    return [w.copy]


# ---------------------------------------------------------------------- destruction
def destruction_proposed(w: World) -> list[Any]:
    w.keep(
        batch=DestructionBatch.propose(
            batch_id=uuid4(),
            entries=[
                {
                    "dossier_id": w.closed_dossier.id,
                    "reference_code": w.closed_dossier.catalogue_entry.reference_code,
                    "title": f"{w.closed_loan.loan_no} 贷款档案",
                    "years": "2025",
                    "retention": RetentionClass.THIRTY_YEARS.value,
                    "pages": 8,
                    "opinion": "已无保存价值",
                }
            ],
            proposed_on=_after_retention(w, 3),
            actor=w.actor("archhead"),
        )
    )
    return [w.batch]


def destruction_approved(w: World) -> list[Any]:
    w.batch.approve(approved_on=_after_retention(w, 4), actor=w.actor("head"))
    return [w.batch]


def destruction_compliance_approved(w: World) -> list[Any]:
    w.batch.compliance_approve(approved_on=_after_retention(w, 5), actor=w.actor("compliance"))
    return [w.batch]


def destruction_executed(w: World) -> list[Any]:
    w.batch.execute(
        executed_on=_after_retention(w, 6),
        supervisors=[w.party("auditor"), w.party("risk")],
        it_supervisor=w.party("admin"),
        electronic=True,
        method="粉碎；电子文件密钥销毁",
        actor=w.actor("archivist"),
    )
    return [w.batch]


def destroyed(w: World) -> list[Any]:
    w.closed_dossier.destroy(
        batch_id=w.batch.id,
        register_entry=w.batch.entry_of(w.closed_dossier.id),
        supervisors=w.batch.supervisors,
        it_supervisor=w.batch.it_supervisor,
        destroyed_on=_after_retention(w, 6),
        actor=w.actor("archivist"),
    )
    return [w.closed_dossier]


def destruction_completed(w: World) -> list[Any]:
    w.batch.complete(retained_blobs=[])
    return [w.batch]


# ------------------------------------------------------------------------- records
def command_recorded(w: World) -> list[Any]:
    return [
        CommandReceipt(
            actor_id=w.id("am"),
            key="every-event-1",
            fingerprint="0" * 64,
            result={"loan_no": w.loan.loan_no, "position": 1},
        )
    ]


def verification_recorded(w: World) -> list[Any]:
    return [
        IntegrityVerification.record(
            started_at=datetime(2025, 9, 1, 1, tzinfo=UTC),
            finished_at=datetime(2025, 9, 1, 1, 5, tzinfo=UTC),
            events_checked=100,
            documents_checked=12,
            checkpoints_checked=3,
            tree_size=100,
            root_hash="A" * 44,
            discrepancies=[{"check": "fixity", "position": 3, "document": "x", "detail": "y"}],
            actor=w.actor("auditor"),
        )
    ]


def bundle_issued(w: World) -> list[Any]:
    return [
        AuditBundle.issue(
            bundle_id=uuid4(),
            loan_no=w.loan.loan_no,
            purpose="年度审计",
            tree_size=100,
            root_hash="A" * 44,
            key_id="0123456789abcdef",
            events=40,
            document_count=2,
            tagmanifest_sha256="0" * 64,
            actor=w.actor("auditor"),
        )
    ]


def report_issued(w: World) -> list[Any]:
    return [
        IssuedReport.issue(
            report_id=uuid4(),
            on=day(300),
            scope=Scope(branch="营业部"),
            record_as_of=None,
            position=100,
            rules_version="0" * 64,
            format=ReportFormat.PDF,
            renderer=2,
            sha256="0" * 64,
            size=1234,
            purpose="季度合规检查",
            actor=w.actor("compliance"),
        )
    ]


FIGURES = Figures(
    on=START,
    loans=2,
    balance=Decimal("1500000.00"),
    npl_rate=Decimal("33.33"),
    overdue_rate=Decimal("33.33"),
    npl_alert=Decimal("2.50"),
    overdue_target=Decimal("5.00"),
)


def industry_recorded(w: World) -> list[Any]:
    w.loan.record_industry(industry=Industry.C, actor=w.actor("am"))
    return [w.loan]


def risk_notice_published(w: World) -> list[Any]:
    w.keep(
        risk_notice=RiskNotice.publish(
            notice_id=UUID(int=280),
            notice_no="风险提示〔2025〕第0001号",
            subject=RiskSubject.INDUSTRY,
            subject_key="C",
            subject_name="C 制造业",
            units=["营业部"],
            title="制造业贷款风险提示",
            content="请排查制造业客户",
            figures=FIGURES,
            published_on=START,
            actor=w.actor("risk"),
        )
    )
    return [w.risk_notice]


def risk_notice_acknowledged(w: World) -> list[Any]:
    w.risk_notice.acknowledge(acknowledged_on=START, actor=w.actor("am"), actor_branch="营业部")
    return [w.risk_notice]


def risk_notice_investigated(w: World) -> list[Any]:
    w.risk_notice.record_investigation(
        investigated_on=START,
        findings="经营正常",
        measures="按月跟踪",
        actor=w.actor("am"),
        actor_branch="营业部",
    )
    return [w.risk_notice]


def risk_notice_closed(w: World) -> list[Any]:
    w.risk_notice.close(closed_on=START, conclusion="办结", actor=w.actor("head"))
    return [w.risk_notice]


def lending_suspended(w: World) -> list[Any]:
    w.keep(
        suspension=Suspension.suspend(
            suspension_id=UUID(int=281),
            suspension_no="停牌〔2025〕第0001号",
            subject=RiskSubject.BRANCH,
            subject_key="营业部",
            subject_name="营业部",
            branch="营业部",
            basis=SuspensionBasis.NOTICE,
            notice=w.risk_notice,
            reason="暂停新增投放",
            figures=FIGURES,
            suspended_on=START,
            actor=w.actor("risk"),
        ),
        active_suspensions=ActiveSuspensions.open(),
    )
    return [w.suspension]


def suspensions_opened(w: World) -> list[Any]:
    return [w.active_suspensions]


def suspension_added(w: World) -> list[Any]:
    w.active_suspensions.add(w.suspension)
    return [w.active_suspensions]


def suspension_supervised(w: World) -> list[Any]:
    w.suspension.supervise(supervised_on=START, note="督导清收", actor=w.actor("head"))
    return [w.suspension]


def booking_flagged(w: World) -> list[Any]:
    w.suspension.flag_booking(
        loan_no=w.loan.loan_no,
        booked_on=START,
        principal=Decimal("100000.00"),
        actor=w.actor("am"),
    )
    return [w.suspension]


def suspension_lifted(w: World) -> list[Any]:
    w.suspension.lift(
        lifted_on=START,
        reason="提示已办结",
        figures=FIGURES,
        notice=w.risk_notice,
        actor=Actor(UUID(int=282), Role.RISK_MANAGER),
    )
    return [w.suspension]


def suspension_removed(w: World) -> list[Any]:
    w.active_suspensions.remove(w.suspension)
    return [w.active_suspensions]


def risk_report_issued(w: World) -> list[Any]:
    return [
        IssuedRiskReport.issue(
            report_id=uuid4(),
            period=ReportPeriod.QUARTER,
            since=day(200),
            on=day(290),
            branch=None,
            position=100,
            format=ReportFormat.PDF,
            renderer=1,
            sha256="0" * 64,
            size=1234,
            purpose="季度风险监测",
            actor=w.actor("risk"),
            data_scope=RowScope.everything(),
        )
    ]


def online_monitor_designated(w: World) -> list[Any]:
    """The post-loan officer designated online monitor (专职信贷在线监测员) by the head."""
    w.staff["officer"].designate_online_monitor(
        since=START,
        until=None,
        reason="专职信贷在线监测员",
        held=frozenset({Role.POST_LOAN_OFFICER}),
        actor=w.actor("head"),
    )
    return [w.staff["officer"]]


def monitoring_recorded(w: World) -> list[Any]:
    """A month's off-site monitoring judged 预警, proposing a catalogue signal."""
    w.keep(
        monitoring=MonitoringRecord.record(
            borrower_id=w.loan.borrower_id,
            borrower_name=w.loan.borrower_name,
            branch=w.loan.branch,
            loan_no=w.loan.loan_no,
            monitored_on=START + timedelta(days=5),
            figures=[Figure("资产负债率", "78%")],
            findings="资产负债率显著上升",
            judgment=Judgment.WARNING,
            signal_code="FIN-01",
            designated=True,
            actor=w.actor("officer"),
        )
    )
    return [w.monitoring]


def monitoring_verified(w: World) -> list[Any]:
    w.monitoring.verify(
        verified_on=START + timedelta(days=6),
        substantiated=True,
        opinion="核实属实",
        managers=[w.id("am")],
        actor=w.actor("am"),
    )
    return [w.monitoring]


def monitoring_decided(w: World) -> list[Any]:
    w.monitoring.decide(
        decided_on=START + timedelta(days=7),
        confirmed=True,
        reason="确认预警",
        signal_id=None,
        actor=w.actor("risk"),
    )
    return [w.monitoring]


def online_monitor_ended(w: World) -> list[Any]:
    w.staff["officer"].end_online_monitor(
        ended_on=START + timedelta(days=8), reason="轮岗", actor=w.actor("head")
    )
    return [w.staff["officer"]]


def _declared(owner: Any, name: str) -> str:
    """The topic of the class that declares event ``name`` of ``owner`` (up its chain)."""
    cls = getattr(owner, name)
    while any(
        b.__name__ == cls.__name__ and b.__qualname__ != cls.__qualname__ for b in cls.__mro__[1:]
    ):
        cls = next(
            b
            for b in cls.__mro__[1:]
            if b.__name__ == cls.__name__ and b.__qualname__ != cls.__qualname__
        )
    return f"{cls.__module__}:{cls.__qualname__}"


FACTORIES: dict[str, Factory] = {
    _declared(Staff, "Enrolled"): enrolled,
    _declared(Staff, "RoleGranted"): role_granted,
    _declared(Staff, "TokenIssued"): token_issued,
    _declared(Staff, "TokenRevoked"): token_revoked,
    _declared(Staff, "RoleRevoked"): role_revoked,
    _declared(Staff, "Transferred"): staff_transferred,
    _declared(Partner, "PartnerRegistered"): partner_registered,
    _declared(Partner, "PartnerSuspended"): partner_suspended,
    _declared(Partner, "PartnerResumed"): partner_resumed,
    _declared(Partner, "ServicerCommunicationRecorded"): servicer_communication_recorded,
    _declared(Staff, "PostLoanDutiesEvaluated"): post_loan_duties_evaluated,
    _declared(Staff, "CustomerAssigned"): customer_assigned,
    _declared(Staff, "CustomerReleased"): customer_released,
    _declared(CustomerHolding, "Opened"): customer_holding_opened,
    _declared(CustomerHolding, "Held"): customer_held,
    _declared(CustomerHolding, "Released"): customer_holding_released,
    _declared(Customer, "Opened"): customer_file_opened,
    _declared(Customer, "ManagingBranchSet"): managing_branch_set,
    _declared(Customer, "RhythmRecorded"): rhythm_recorded,
    _declared(Customer, "Attempted"): contact_attempted,
    _declared(Customer, "MarkedUnreachable"): marked_unreachable,
    _declared(Customer, "ContactVerified"): contact_verified,
    _declared(Staff, "PasswordSet"): password_set,
    _declared(Staff, "PasswordChanged"): password_changed,
    _declared(Staff, "LoggedIn"): logged_in,
    _declared(Staff, "LoginFailed"): login_failed,
    _declared(Staff, "LoggedOut"): logged_out,
    _declared(RulesInForce, "Adopted"): rules_adopted,
    _declared(RulesInForce, "Replaced"): rules_replaced,
    _declared(Loan, "Disbursed"): disbursed,
    _declared(BorrowerIndex, "Indexed"): indexed,
    _declared(BorrowerIndex, "LoanAdded"): loan_added,
    _declared(Dossier, "Opened"): opened,
    _declared(Dossier, "DocumentFiled"): document_filed,
    _declared(Collateral, "Registered"): collateral_registered,
    _declared(Collateral, "CertificateLodged"): certificate_lodged,
    _declared(Loan, "RepaymentRecorded"): repayment_recorded,
    _declared(Loan, "InspectionRecorded"): inspection_recorded,
    _declared(Loan, "InspectionCorrected"): inspection_corrected,
    _declared(Loan, "InspectionCountersigned"): inspection_countersigned,
    _declared(Loan, "OverdueStatusRecorded"): overdue_recorded,
    _declared(Loan, "ClassificationProposed"): classification_proposed,
    _declared(Loan, "ClassificationDetermined"): classification_determined,
    _declared(Loan, "ClassificationApproved"): classification_approved,
    _declared(BorrowerIndex, "GradeNoted"): grade_noted,
    _declared(NumberBook, "Opened"): number_book_opened,
    _declared(NumberBook, "Taken"): number_taken,
    _declared(Loan, "ClassificationRejected"): classification_rejected,
    _declared(Loan, "WarningRaised"): warning_raised,
    _declared(Loan, "WarningReported"): warning_reported,
    _declared(Loan, "WarningHandled"): warning_handled,
    _declared(Loan, "WarningFeedbackGiven"): warning_feedback_given,
    _declared(Loan, "WarningDetermined"): warning_determined,
    _declared(Loan, "EmergencyPlanStarted"): emergency_plan_started,
    _declared(Loan, "EmergencyProgressRecorded"): emergency_progress_recorded,
    _declared(Loan, "CollectionStepTaken"): collection_step_taken,
    _declared(Loan, "WarningCleared"): warning_cleared,
    _declared(Loan, "Restructured"): restructured,
    _declared(Loan, "Extended"): extended,
    _declared(Loan, "AccountManagerHandedOver"): handed_over,
    _declared(Loan, "BranchChanged"): branch_changed,
    _declared(Loan, "AccountManagersAssigned"): account_managers_assigned,
    _declared(Loan, "IndustryRecorded"): industry_recorded,
    _declared(Loan, "BorrowerInformationChanged"): borrower_information_changed,
    _declared(Loan, "FundsUseRecorded"): funds_use_recorded,
    _declared(Loan, "KeyCustomerDesignated"): key_customer_designated,
    _declared(Loan, "KeyCustomerRemoved"): key_customer_removed,
    _declared(Loan, "ThirdPartyServiceAssigned"): third_party_service_assigned,
    _declared(Loan, "MaturityNoticeIssued"): maturity_notice_issued,
    _declared(Loan, "TargetResponsibilitySigned"): target_responsibility_signed,
    _declared(Loan, "GuaranteeRegistered"): guarantee_registered,
    _declared(Loan, "GuarantorReassessed"): guarantor_reassessed,
    _declared(Loan, "GuarantorCompensated"): guarantor_compensated,
    _declared(Loan, "CompensationRecoveryRecorded"): compensation_recovery_recorded,
    _declared(Loan, "RepaymentBehaviourAssessed"): repayment_behaviour_assessed,
    _declared(Loan, "ZoneProposed"): zone_proposed,
    _declared(Loan, "ZoneApproved"): zone_approved,
    _declared(Loan, "ZoneReviewed"): zone_reviewed,
    _declared(Loan, "ZoneRejected"): zone_rejected,
    _declared(Loan, "ZoneNotified"): zone_notified,
    _declared(Loan, "BadCreditListed"): bad_credit_listed,
    _declared(Loan, "BadCreditDelisted"): bad_credit_delisted,
    _declared(Collateral, "CertificateTakenOut"): certificate_taken_out,
    _declared(Collateral, "CertificateReturned"): certificate_returned,
    _declared(Collateral, "Revalued"): revalued,
    _declared(Collateral, "InsuranceRenewed"): insurance_renewed,
    _declared(Collateral, "InsuranceLapsed"): insurance_lapsed,
    _declared(Loan, "ResponsibilityDetermined"): responsibility_determined,
    _declared(Loan, "ResponsibilityAppealed"): responsibility_appealed,
    _declared(Loan, "AppealDecided"): appeal_decided,
    _declared(Loan, "DeterminationStepRecorded"): determination_step_recorded,
    _declared(Loan, "ObjectionRecorded"): objection_recorded,
    _declared(Loan, "DisposalPlanSubmitted"): disposal_plan_submitted,
    _declared(Loan, "DisposalPlanDecided"): disposal_plan_decided,
    _declared(Loan, "DisposalResultRecorded"): disposal_result_recorded,
    _declared(Loan, "TransferredToAssetPreservation"): transferred_to_asset_preservation,
    _declared(Loan, "ReturnedFromAssetPreservation"): returned_from_asset_preservation,
    _declared(Loan, "WrittenOff"): written_off,
    _declared(Loan, "LossReviewRecorded"): loss_review_recorded,
    _declared(Loan, "LossReviewClosed"): loss_review_closed,
    _declared(Loan, "Settled"): settled,
    _declared(FeedLedger, "Opened"): feed_ledger_opened,
    _declared(FeedLedger, "BatchStarted"): feed_batch_started_on_ledger,
    _declared(FeedBatch, "Started"): feed_batch_started,
    _declared(Loan, "MasterDataChanged"): master_data_changed,
    _declared(Loan, "OriginationRecordFiled"): origination_record_filed,
    _declared(FeedBatch, "Progressed"): feed_batch_progressed,
    _declared(Loan, "RepaymentCorrected"): repayment_corrected,
    _declared(Loan, "ArrearsCorrected"): arrears_corrected,
    _declared(Loan, "SettlementCorrected"): settlement_corrected,
    _declared(FeedBatch, "Reconciled"): feed_batch_reconciled,
    _declared(FeedLedger, "BatchApplied"): feed_batch_applied,
    _declared(Collateral, "Released"): collateral_released,
    _declared(Dossier, "DocumentRead"): document_read,
    _declared(Dossier, "FixityChecked"): fixity_checked,
    _declared(Dossier, "TransferListed"): transfer_listed,
    _declared(Dossier, "TransferReceived"): transfer_received,
    _declared(Dossier, "DefectCleared"): defect_cleared,
    _declared(ReferenceSeries, "Started"): series_started,
    _declared(ReferenceSeries, "ItemNumberAllocated"): item_number_allocated,
    _declared(Dossier, "Catalogued"): catalogued,
    _declared(Dossier, "RetentionStarted"): retention_started,
    _declared(Dossier, "HoldPlaced"): hold_placed,
    _declared(Dossier, "HoldReleased"): hold_released,
    _declared(Dossier, "AppraisalOpened"): appraisal_opened,
    _declared(Dossier, "Appraised"): appraised,
    _declared(Dossier, "RetentionExtended"): retention_extended,
    _declared(Circulation, "Started"): circulation_started,
    _declared(Borrowing, "Requested"): borrowing_requested,
    _declared(Borrowing, "Approved"): borrowing_approved,
    _declared(Borrowing, "Rejected"): borrowing_rejected,
    _declared(Borrowing, "CheckedOut"): checked_out,
    _declared(Circulation, "Lent"): lent,
    _declared(Borrowing, "ElectronicCopyIssued"): electronic_copy_issued,
    _declared(Borrowing, "OverdueNoted"): overdue_noted,
    _declared(Borrowing, "Returned"): returned,
    _declared(Borrowing, "PageCountMismatched"): page_count_mismatched,
    _declared(Circulation, "TakenBack"): taken_back,
    _declared(Borrowing, "Closed"): borrowing_closed,
    _declared(DestructionBatch, "Proposed"): destruction_proposed,
    _declared(DestructionBatch, "Approved"): destruction_approved,
    _declared(DestructionBatch, "ComplianceApproved"): destruction_compliance_approved,
    _declared(DestructionBatch, "Executed"): destruction_executed,
    _declared(Dossier, "Destroyed"): destroyed,
    _declared(DestructionBatch, "Completed"): destruction_completed,
    _declared(CommandReceipt, "Recorded"): command_recorded,
    _declared(IntegrityVerification, "Recorded"): verification_recorded,
    _declared(AuditBundle, "Issued"): bundle_issued,
    _declared(IssuedReport, "Issued"): report_issued,
    _declared(SupervisionCheck, "Checked"): supervision_checked,
    _declared(SupervisionCheck, "NoticeIssued"): notice_issued,
    _declared(SupervisionCheck, "RectificationReported"): rectification_reported,
    _declared(SupervisionCheck, "RectificationAccepted"): rectification_accepted,
    _declared(SupervisionCheck, "PenaltyRecorded"): penalty_recorded,
    _declared(BranchFeedback, "FeedbackRaised"): feedback_raised,
    _declared(BranchFeedback, "FeedbackAssigned"): feedback_assigned,
    _declared(BranchFeedback, "FeedbackAnswered"): feedback_answered,
    _declared(BranchFeedback, "FeedbackConcluded"): feedback_concluded,
    _declared(BranchFeedback, "FeedbackEscalated"): feedback_escalated,
    _declared(ManagementPaper, "PaperDrafted"): paper_drafted,
    _declared(ManagementPaper, "PaperReviewed"): paper_reviewed,
    _declared(ManagementPaper, "PaperRevised"): paper_revised,
    _declared(ManagementPaper, "PaperSubmitted"): paper_submitted,
    _declared(ManagementPaper, "PaperAcknowledged"): paper_acknowledged,
    _declared(IssuedRiskReport, "Issued"): risk_report_issued,
    _declared(RiskNotice, "RiskNoticePublished"): risk_notice_published,
    _declared(RiskNotice, "RiskNoticeAcknowledged"): risk_notice_acknowledged,
    _declared(RiskNotice, "RiskNoticeInvestigated"): risk_notice_investigated,
    _declared(RiskNotice, "RiskNoticeClosed"): risk_notice_closed,
    _declared(Suspension, "LendingSuspended"): lending_suspended,
    _declared(ActiveSuspensions, "Opened"): suspensions_opened,
    _declared(ActiveSuspensions, "Added"): suspension_added,
    _declared(Suspension, "SuspensionSupervised"): suspension_supervised,
    _declared(Suspension, "BookingFlagged"): booking_flagged,
    _declared(Suspension, "SuspensionLifted"): suspension_lifted,
    _declared(ActiveSuspensions, "Removed"): suspension_removed,
    _declared(Staff, "OnlineMonitorDesignated"): online_monitor_designated,
    _declared(MonitoringRecord, "Recorded"): monitoring_recorded,
    _declared(MonitoringRecord, "Verified"): monitoring_verified,
    _declared(MonitoringRecord, "Decided"): monitoring_decided,
    _declared(Staff, "OnlineMonitorEnded"): online_monitor_ended,
}
