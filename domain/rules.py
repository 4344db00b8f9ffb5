"""The rule set (规则集): what each stage must file, when work falls due, and who owns it.

Banks vary these figures, so they are data (``archive/rules.toml``, overridable from the data
directory), parsed and checked here — the one parser of rules — with clear errors. A rule set's
``version`` is the SHA-256 of its canonical JSON; the archive records an event whenever the
rules in force change (``RulesInForce``: ``Adopted``, then ``Replaced``), carrying the whole
rule set, so every verdict computed from the log — a completeness gap, a task and its due
date — is computed with the rules in force at that point and names their version, and a
rebuild gives the same verdicts.

Every number a bank may configure is read from here and nowhere else: :func:`shipped_rules`
(the packaged file, the rules before any were adopted) and :func:`adopted_rules` (the canonical
JSON an adoption recorded) are the only readers of either. The statutory classification floors
are the exception: fixed in ``domain.classification`` (R-CLASS), a rule set may only tighten
them (``[classification.floors]``). Keys added to the rule set after a first release are listed
in :data:`EARLIER`: a rule set written or adopted before them still parses, with the values the
program applied then, and keeps its version.

Pure but for one read: :func:`packaged_rules_text` reads the packaged ``archive/rules.toml`` as
package data (``tomllib`` parses text handed in; nothing else is read from disk).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from canonical import canonical_json
from domain.accountability import (
    EARLIER_ACCOUNTABILITY,
    AccountabilityRules,
    parse_accountability,
)
from domain.authorization import PERMISSIONS, Action
from domain.checklists import Checklists, parse_checklists
from domain.classification import STATUTORY, FloorPolicy, SubGradeScheme
from domain.customer import EARLIER_CUSTOMERS, CustomerRules, parse_customers
from domain.errors import InvalidInputError
from domain.feedback import EARLIER_FEEDBACK, FeedbackRules, parse_feedback
from domain.guanhu import EARLIER_GUANHU, GuanhuRules, parse_guanhu
from domain.monitoring import EARLIER_MONITORING, MonitoringRules, parse_monitoring
from domain.papers import EARLIER_PAPERS, PaperRules, parse_papers
from domain.partners import EARLIER_PARTNERS, PartnerRules, parse_partners
from domain.portfolio_rules import EARLIER_PORTFOLIO, PortfolioRules, parse_portfolio
from domain.reference import CODE_PART
from domain.repayment_behaviour import EARLIER_BEHAVIOUR, BehaviourRules, parse_behaviour
from domain.schedules import FIGURES, InspectionSchedule
from domain.scope import Hierarchy, Level, Reach, RoleReach, ScopeRules, Unit
from domain.supervision import EARLIER_SUPERVISION, SupervisionRules, parse_supervision
from domain.transfers import add_working_days
from domain.values import (
    BorrowerType,
    CollectionStepKind,
    Grade,
    GuarantorKind,
    InspectionKind,
    Product,
    RetentionClass,
    Role,
    WarningColour,
)
from domain.warning_rules import WarningRules, parse_warning_rules
from domain.watch import EARLIER_WATCH, WatchRules, parse_watch
from domain.workdays import WEEKENDS_ONLY, WorkingCalendar, parse_calendar
from domain.zones import EARLIER_ZONES, ZoneRules, parse_zones

RULES_FILE = "rules.toml"
PACKAGE = "archive"
"""The packaged rule set is ``archive/rules.toml`` (package data of ``archive``)."""

TRIGGERS: Mapping[str, str] = MappingProxyType(
    {
        "Disbursed": "disbursement",
        "InspectionRecorded": "inspection",
        "ClassificationApproved": "classification",
        "WarningHandled": "warning",
        "CollectionStepTaken": "collection",
        "Restructured": "restructuring",
        "Extended": "extension",
        "TransferredToAssetPreservation": "preservation",
        "WrittenOff": "write_off",
        "Settled": "settlement",
    }
)
"""The loan events a requirement may hang on, and the stage each belongs to."""

CONDITION_FIELDS = frozenset(
    {"product", "guarantee_type", "borrower_type", "kind", "checklist", "step", "colour", "secured"}
)
"""What a requirement's ``when`` may test: facts of the loan and of the triggering event."""


class RulesError(InvalidInputError):
    """Raised for a rules file that cannot be used; names the key that is wrong."""

    code = "invalid_rules"


def _fail(path: str, zh: str, en: str) -> RulesError:
    return RulesError(f"规则文件 {path}：{zh}", f"rules file, {path}: {en}", field=path)


@dataclass(frozen=True)
class DocumentType:
    """One entry of the document-type catalogue."""

    code: str
    zh: str
    en: str
    stage: str
    retention: RetentionClass
    custody_tier: int


@dataclass(frozen=True)
class TypeDefaults:
    """What a catalogue entry that does not say has (``[type_defaults]``)."""

    retention: RetentionClass
    custody_tier: int


@dataclass(frozen=True)
class Requirement:
    """Documents a loan event must bring, under conditions, within some days of the event."""

    rule_id: str
    trigger: str
    documents: tuple[str, ...]
    when: Mapping[str, frozenset[str]] = field(default_factory=dict)
    within_days: int = 0
    text_zh: str = ""

    @property
    def stage(self) -> str:
        return TRIGGERS[self.trigger]

    def applies(self, facts: Mapping[str, str | None]) -> bool:
        """True when every condition of ``when`` holds for ``facts``."""
        return all(facts.get(name) in allowed for name, allowed in self.when.items())


@dataclass(frozen=True)
class CollectionRung:
    """A step of the collection ladder: by ``days`` overdue, ``step`` is due, owned by ``owner``.

    ``responsibility`` marks the rung from which responsibility determination (不良贷款责任认定)
    may start, before the loan is non-performing (docs/rules.md RSP-02: the day-30 rung).
    """

    days: int
    step: CollectionStepKind
    owner: Role
    responsibility: bool = False
    adviser: bool = False
    """The step names the legal adviser informed (法律顾问介入, ``adviser = true``)."""
    handover: bool = False
    """Collection changes hands (换手催收, ``handover = true``): the step is taken by someone
    other than whoever took the earlier steps of the arrears."""
    guarantors_only: bool = False
    """The rung applies only to loans with a guarantee registered (``guarantors_only = true``:
    the guarantor notified, 通知保证人)."""
    notices: tuple[str, ...] = ()
    """Document types of the notices served with the step (``notices = ["interest_notice",
    "overdue_payment_notice"]``: 付息通知书, 逾期缴款通知书), generated when none is uploaded."""
    participants: tuple[Role, ...] = ()
    """Duties that take part in the step (``participants = ["post_loan_officer"]``): each held
    by whoever takes it or by someone it names as taking part (一同上门, 主管级以上领导)."""
    npl_plan: bool = False
    """From this rung an NPL management plan (不良贷款管理方案, ``npl_plan = true``) is owed: a
    disposal plan submitted, or a collection plan revised, from the rung's day."""


@dataclass(frozen=True)
class DecisionLevel:
    """Who decides a collection plan (处理意见) on a loan whose balance is above ``above`` 元:
    someone holding ``role`` takes or takes part in the step (较大数额报上级决策)."""

    above: Decimal
    role: Role


@dataclass(frozen=True)
class RepaymentConvention:
    """When repayments fall due, for loans whose contract the log records by method only.

    Bullet loans pay interest every ``interest_every_months`` months on ``interest_day`` of the
    period's last month (按季结息, the 20th) and the principal at maturity; instalment loans pay
    every ``instalment_months_retail`` months (households) or ``instalment_months_business``
    (businesses) from the value date (``[repayment]`` of the rules).
    """

    interest_day: int
    interest_every_months: int
    instalment_months_retail: int
    instalment_months_business: int


PERIODS = (1, 2, 3, 4, 6, 12)
"""Months a repayment period may span: the divisors of a year, so periods align every year."""


@dataclass(frozen=True)
class BorrowingRules:
    """Lending the archive's dossiers (``[borrowing]``; docs/rules.md BOR-02, BOR-04, BOR-06)."""

    default_days: int
    """Days after the request a borrowing is due back when no date is asked for (0: that day)."""
    approvers_originals: tuple[Role, ...]
    """Whose approval lending originals needs."""
    approvers_tier_one: tuple[Role, ...]
    """Whose approval, besides, lending anything of custody tier 1 needs (originals or copy)."""
    shortfall_escalated_to: Role
    """Who a page shortfall at return is escalated to, and who alone may close the borrowing."""
    escalation: tuple[tuple[int, Role], ...]
    """Days overdue → who is told, most overdue first (the first rung reached decides)."""


@dataclass(frozen=True)
class TaskOwners:
    """Who owns each kind of task the rules do not assign otherwise (``[tasks.owners]``).

    The collection ladder names the owner of each step and the borrowing escalation who is
    told of an overdue borrowing; these are the rest (docs/rules.md TSK-04 to TSK-10).
    """

    first_inspection: Role
    routine_inspection: Role
    special_inspection: Role
    repayment_reminder: Role
    warning_handling: Role
    reclassification: Role
    reclassification_awaiting_approval: Role
    """The owner of a reclassification while a proposal at or below the floor awaits approval."""
    reclassification_awaiting_determination: Role
    """The owner of a reclassification while a proposal awaits its determination (认定)."""
    periodic_reclassification: Role
    """The owner of the quarterly re-classification a countersigned routine inspection opens."""
    originals_transfer: Role
    full_transfer: Role
    retention_review: Role
    guarantor_reassessment: Role
    """Who re-assesses a guarantor when due (``[guarantors]``; none fell due before)."""
    b_post_assignment: Role
    """Who assigns a B岗 to a loan the rules say needs one (``[managers]``)."""
    duty_evaluation: Role
    """Who evaluates an account manager's post-loan duties when one is due (``[managers]``)."""
    closer_watch: Role
    """Who monitors key, large and third-party-serviced loans as ``[watch]`` asks."""
    maturity_notice: Role
    """Who sends a loan's maturity notice (贷款到期通知书, ``[watch]``)."""
    zone_review: Role
    """Who reviews a customer's zone and plan when due (三大区间, ``[[zones]]``); the task goes to
    the person the plan names responsible."""
    zone_approval: Role
    """Who approves a proposed zone and plan (三大区间) awaiting approval."""
    emergency_plan: Role
    """Who starts the emergency plan (应急预案) a signal of its colours calls for."""


@dataclass(frozen=True)
class BPostCondition:
    """One entry of ``managers.b_post_required``: every condition it names must hold."""

    borrower_types: frozenset[str] | None = None
    products: frozenset[str] | None = None
    min_principal: Decimal | None = None

    def holds(self, *, borrower_type: str, product: str, principal: Decimal) -> bool:
        return (
            (self.borrower_types is None or borrower_type in self.borrower_types)
            and (self.products is None or product in self.products)
            and (self.min_principal is None or principal >= self.min_principal)
        )

    def describe(self) -> str:
        """The entry as a rule's citation writes it."""
        parts = []
        if self.borrower_types is not None:
            parts.append(f"borrower_type in {sorted(self.borrower_types)}")
        if self.products is not None:
            parts.append(f"product in {sorted(self.products)}")
        if self.min_principal is not None:
            parts.append(f"principal >= {self.min_principal}")
        return " and ".join(parts) or "every loan"


@dataclass(frozen=True)
class ManagerRules:
    """Account managers (``[managers]``; docs/rules.md MGR-01 to MGR-04): which loans need a
    B岗 (贷后检查设A、B岗, 双人管户) and when post-loan duties are evaluated (履职评价)."""

    b_post_required: tuple[BPostCondition, ...]
    """A loan matching any entry needs a B岗; none (a rule set older than the key): never."""
    evaluate_on: frozenset[str]
    """Which evaluations the work queue asks for: ``handover``, ``in_post`` (none before)."""
    evaluation_within_days: int
    evaluation_every_years: int
    assistant_kinds: frozenset[InspectionKind] = frozenset()
    """Kinds of inspection of a loan needing a B岗 that name the assistant inspector (辅助检查人,
    B岗) beside the main one (主检查人, A岗); none (a rule set older than the key): no kind."""

    def b_post_rule(
        self, *, borrower_type: str, product: str, principal: Decimal
    ) -> BPostCondition | None:
        """The entry by which a loan needs a B岗, or None when it needs none."""
        return next(
            (
                c
                for c in self.b_post_required
                if c.holds(borrower_type=borrower_type, product=product, principal=principal)
            ),
            None,
        )


@dataclass(frozen=True)
class ReferenceCodes:
    """The fixed parts of every reference code (档号, DA/T 22; ``[reference]``)."""

    fonds: str
    """全宗号: the fonds of the bank's credit records."""
    category: str
    """类别号: the category of loan dossiers (信贷)."""
    department: str
    """机构（问题）代码: the department that formed the records (信贷部)."""


@dataclass(frozen=True)
class RuleSet:
    """The rules in force; ``version`` names them in every verdict."""

    version: str
    source: Mapping[str, Any]
    """The rule set as written (the file, or what an adoption recorded): what ``version``
    hashes, and what an adoption records."""
    document_types: Mapping[str, DocumentType]
    type_defaults: TypeDefaults
    requirements: tuple[Requirement, ...]
    inspections: InspectionSchedule
    special_inspection_days: int
    special_warning_colours: frozenset[WarningColour]
    special_joint_colours: frozenset[WarningColour]
    """Colours of signal (重大风险事项) whose special inspection is made jointly with other
    departments (会同有关部门现场检查, ``[special] joint_colours``; none before the key)."""
    reminder_lead_days: int
    warning_handling_days: Mapping[WarningColour, int]
    collection_ladder: tuple[CollectionRung, ...]
    collection_decision_levels: tuple[DecisionLevel, ...]
    """``[collection] decision_levels``: by the loan's balance, who decides a collection plan
    (rule sets adopted before the key: none, anyone who may take the step)."""
    originals_transfer_working_days: int
    full_transfer_days: int
    borrowing: BorrowingRules
    repayment: RepaymentConvention
    sub_grades: SubGradeScheme
    floor_policy: FloorPolicy
    determination_required: bool
    """Whether a proposed classification (初分) must be determined (认定) by the branch's credit
    management before the risk department approves it (审批): ``[classification]
    determination_required``; rule sets adopted before the key existed had two steps."""
    task_owners: TaskOwners
    reference: ReferenceCodes
    responsibility_from_days: int | None
    """Days overdue from which responsibility may be determined (不良贷款责任认定), before the
    loan is non-performing: the ladder's rung marked ``responsibility = true``. None (a ladder
    with no such rung and no notice served): only a non-performing loan is open to it."""
    scope: ScopeRules
    """The bank's units (``[[branches]]``) and how far each role reaches (``[scope]``)."""
    managers: ManagerRules
    """Where a loan needs a B岗, and when account managers' duties are evaluated."""
    checklists: Checklists = field(default_factory=Checklists)
    """The inspection checklists (``[checklists]``; none in a rule set adopted before them)."""
    countersign_days: int | None = None
    """Working days after an inspection within which its reviewer countersigns it (复核意见,
    ``[inspections] countersign_days``); None (a rule set without the key): no countersign is
    required and an inspection counts as complete once recorded."""
    review_within_days: int | None = None
    """Days after a routine inspection's countersign within which the loan is re-classified
    (季度风险分类更新, ``[classification] review_within_days``); None: no such task."""
    warnings: WarningRules = field(default_factory=WarningRules)
    """The warning-signal catalogue, the closed loop, the reporting routes by colour
    (``[warnings]``; none of them in a rule set adopted before them)."""
    watch: WatchRules = field(default_factory=WatchRules)
    """Closer watch of key, large and third-party-serviced loans, and maturity notices
    (``[watch]``; none in a rule set adopted before it)."""
    guanhu: GuanhuRules = field(default_factory=GuanhuRules)
    """管户: the cap on a manager's corporate customers, the range each should hold, the
    amount tiers and who manages each (``[guanhu]``; none in a rule set adopted before it)."""
    customers: CustomerRules = field(default_factory=CustomerRules)
    """The customer file: the managing bank's level per amount tier (客户管理行) and the failed
    attempts that make a customer unreachable (失联) (``[customers]``; none before it)."""
    supervision: SupervisionRules = field(default_factory=SupervisionRules)
    feedback: FeedbackRules = field(default_factory=FeedbackRules)
    """Deadlines of the branches' feedback (经办行反馈问题, ``[feedback]``) and whom it is
    escalated to."""
    """The scoring sheet of supervision checks of post-loan work (贷后管理检查评分表,
    ``[supervision]``; none in a rule set adopted before it)."""
    papers: PaperRules = field(default_factory=PaperRules)
    """The kinds of post-loan management paper (贷后管理文书), their periods, deadlines and
    review chains (``[papers]``; none in a rule set adopted before it)."""
    monitoring: MonitoringRules = field(default_factory=MonitoringRules)
    """Key customers (top-N, group, large), their on-site inspections, monthly off-site
    monitoring and its three-layer filter (``[monitoring]``; none before it)."""
    partners: PartnerRules = field(default_factory=PartnerRules)
    """The lines over which a partner institution is flagged and how often a servicer is
    talked to (``[partners]``; none in a rule set adopted before it)."""
    repayment_behaviour: BehaviourRules = field(default_factory=BehaviourRules)
    """The repayment-behaviour indicator's window, thresholds and signal
    (``[repayment_behaviour]``; no threshold in a rule set adopted before it)."""
    zones: ZoneRules = field(default_factory=ZoneRules)
    """The zones customers are classified into (三大区间, ``[[zones]]``; none in a rule set
    adopted before them)."""
    guarantor_reassess_months: Mapping[GuarantorKind, int] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Months between re-assessments of a guarantor (代偿能力), by kind of guarantor
    (``[guarantors] reassess_every_months``); a kind not listed is not re-assessed by the
    calendar (none was in a rule set adopted before the key)."""
    calendar: WorkingCalendar = WEEKENDS_ONLY
    """The bank's working calendar (``[calendar]``): public holidays and make-up working days
    (调休) by year, by which every working-day deadline is counted; a year it does not cover,
    and every year of a rule set without the table, counts Saturdays and Sundays only."""
    accountability: AccountabilityRules = field(default_factory=AccountabilityRules)
    """The lead unit by grade (牵头部门) and the preparation of extensions (``[accountability]``;
    none in a rule set adopted before it)."""
    portfolio: PortfolioRules = field(default_factory=PortfolioRules)
    """Amount bands, NPL ceilings by branch and provision rates by grade of the portfolio's
    figures (``[portfolio]``; none in a rule set adopted before it)."""

    def countersign_due(self, inspected_on: date) -> date | None:
        """The countersign deadline of an inspection made on ``inspected_on``, or None."""
        if self.countersign_days is None:
            return None
        return add_working_days(inspected_on, self.countersign_days, self.calendar)

    @property
    def short_version(self) -> str:
        return self.version[:12]

    @property
    def borrowing_escalation(self) -> tuple[tuple[int, Role], ...]:
        """Days overdue → who is told of an overdue borrowing, most overdue first."""
        return self.borrowing.escalation

    def requirements_for(self, trigger: str, facts: Mapping[str, str | None]) -> list[Requirement]:
        return [r for r in self.requirements if r.trigger == trigger and r.applies(facts)]

    # ------------------------------------------------------------ the catalogue
    def document_type(self, code: str) -> DocumentType:
        """The catalogue's entry for ``code``; an unknown type is refused (4xx)."""
        try:
            return self.document_types[code]
        except KeyError:
            raise InvalidInputError(
                f"未知的文档类型 {code!r}",
                f"unknown document type {code!r}; see GET /api/v1/document-types",
                field="documents",
            ) from None

    def retention_of(self, doc_types: Iterable[str]) -> RetentionClass:
        """The retention class of a dossier: the longest of its documents' (the shortest
        class, D10, when it has none)."""
        classes = [self.document_type(t).retention for t in doc_types]
        shortest = min(RetentionClass, key=lambda c: c.rank)
        return max(classes, key=lambda c: c.rank, default=shortest)

    def custody_tier_of_type(self, code: str) -> int:
        """The custody tier of a document type; the default tier for a type the catalogue no
        longer lists."""
        found = self.document_types.get(code)
        return found.custody_tier if found is not None else self.type_defaults.custody_tier

    def tier1_doc_types(self) -> list[str]:
        """The document types held in custody tier 1."""
        return sorted(c for c, t in self.document_types.items() if t.custody_tier == 1)

    # ------------------------------------------------------------------ parsing
    @classmethod
    def from_toml(cls, text: str) -> RuleSet:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise _fail("(file)", f"不是有效的 TOML：{exc}", f"not valid TOML: {exc}") from None
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RuleSet:
        """Check and build a rule set; the version hashes the canonical JSON of ``data``.

        Keys of :data:`EARLIER` that ``data`` lacks take the values the program applied before
        they existed; the version and ``source`` stay those of ``data`` as given.
        """
        try:
            canonical = canonical_json(data)
        except TypeError as exc:
            raise _fail(
                "(file)",
                f'只能含文本、数字、真假值、数组和表；日期须加引号（"2025-10-01"）：{exc}',
                f'only text, numbers, booleans, arrays and tables; quote dates ("2025-10-01"): {exc}',
            ) from None
        plain: dict[str, Any] = json.loads(canonical)
        full = with_earlier_defaults(plain)
        defaults = _type_defaults(_table(full, "type_defaults"))
        types = _document_types(_table(full, "types"), defaults)
        requirements = tuple(
            _requirement(n, raw, types) for n, raw in enumerate(_list(full, "requirements"))
        )
        ids = [r.rule_id for r in requirements]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise _fail(
                "requirements", f"规则编号重复：{duplicated}", f"duplicate ids {duplicated}"
            )
        warnings = _table(_table(full, "warnings"), "handling_days", "warnings")
        handling = {
            colour: _days(warnings, colour.value, "warnings.handling_days")
            for colour in WarningColour
        }
        ladder = tuple(
            _rung(n, raw) for n, raw in enumerate(_list(_table(full, "collection"), "ladder"))
        )
        if [r.days for r in ladder] != sorted(r.days for r in ladder):
            raise _fail("collection.ladder", "须按逾期天数升序", "must ascend by days overdue")
        unknown = sorted({n for r in ladder for n in r.notices if n not in types})
        if unknown:
            raise _fail(
                "collection.ladder",
                f"notices 含未定义的文档类型：{unknown}",
                f"notices name undefined document types {unknown}",
            )
        if sum(r.npl_plan for r in ladder) > 1:
            raise _fail(
                "collection.ladder",
                "只能有一级标明 npl_plan = true（自该级须制定不良贷款管理方案）",
                "at most one rung may say npl_plan = true (where the NPL plan is owed)",
            )
        if sum(r.responsibility for r in ladder) > 1:
            raise _fail(
                "collection.ladder",
                "只能有一级标明 responsibility = true（责任认定自该级开始）",
                "at most one rung may say responsibility = true (where determination starts)",
            )
        special = _table(full, "special")
        transfers = _table(full, "transfers")
        return cls(
            version=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
            source=MappingProxyType(plain),
            document_types=MappingProxyType(types),
            type_defaults=defaults,
            requirements=requirements,
            inspections=_inspections(_table(full, "inspections")),
            special_inspection_days=_days(special, "within_days", "special"),
            special_warning_colours=frozenset(
                _members(WarningColour, special, "warning_colours", "special")
            ),
            special_joint_colours=frozenset(
                _members(WarningColour, special, "joint_colours", "special")
            ),
            reminder_lead_days=_days(_table(full, "reminders"), "lead_days", "reminders"),
            warning_handling_days=MappingProxyType(handling),
            collection_ladder=ladder,
            collection_decision_levels=_decision_levels(_table(full, "collection")),
            originals_transfer_working_days=_days(transfers, "originals_working_days", "transfers"),
            full_transfer_days=_days(transfers, "full_after_close_days", "transfers"),
            borrowing=_borrowing(_table(full, "borrowing")),
            repayment=_repayment(_table(full, "repayment")),
            sub_grades=_sub_grades(_table(full, "classification")),
            floor_policy=_floors(_table(full, "classification")),
            determination_required=_flag(
                _table(full, "classification"), "determination_required", "classification"
            ),
            task_owners=_task_owners(_table(_table(full, "tasks"), "owners", "tasks")),
            reference=_reference(_table(full, "reference")),
            responsibility_from_days=_responsibility_from(ladder),
            scope=ScopeRules(_scope(_table(full, "scope")), _hierarchy(full.get("branches"))),
            managers=_managers(_table(full, "managers")),
            checklists=parse_checklists(full.get("checklists"), _fail),
            countersign_days=_optional_days(
                _table(full, "inspections"), "countersign_days", "inspections"
            ),
            review_within_days=_optional_days(
                _table(full, "classification"), "review_within_days", "classification"
            ),
            warnings=parse_warning_rules(_table(full, "warnings"), _fail),
            watch=parse_watch(full.get("watch"), _fail),
            guanhu=parse_guanhu(full.get("guanhu"), _fail),
            customers=parse_customers(
                full.get("customers"),
                _fail,
                [t.tier for t in parse_guanhu(full.get("guanhu"), _fail).tiers],
            ),
            supervision=parse_supervision(full.get("supervision"), _fail),
            feedback=parse_feedback(full.get("feedback"), _fail),
            papers=parse_papers(full.get("papers"), _fail),
            monitoring=parse_monitoring(full.get("monitoring"), _fail),
            partners=parse_partners(full.get("partners"), _fail),
            repayment_behaviour=parse_behaviour(full.get("repayment_behaviour"), _fail),
            zones=parse_zones(full.get("zones"), _fail),
            guarantor_reassess_months=_guarantor_months(_table(full, "guarantors")),
            calendar=parse_calendar(full.get("calendar"), _fail),
            portfolio=parse_portfolio(full.get("portfolio"), _fail),
            accountability=parse_accountability(full.get("accountability"), _fail),
        )


@cache
def packaged_rules_text() -> str:
    """The text of the packaged ``archive/rules.toml``: the one place it is read."""
    return resources.files(PACKAGE).joinpath(RULES_FILE).read_text("utf-8")


@cache
def shipped_rules() -> RuleSet:
    """The rules shipped with the package: those in force before any were adopted."""
    return RuleSet.from_toml(packaged_rules_text())


@lru_cache(maxsize=8)
def adopted_rules(content: str) -> RuleSet:
    """The rule set of an adoption's canonical JSON (as recorded, or as a register keeps it),
    parsed once per content; its version is recomputed, so it cannot be forged."""
    return RuleSet.from_mapping(json.loads(content))


# ------------------------------------------------------- keys of earlier rule sets
EARLIER: Mapping[str, Any] = MappingProxyType(
    {
        "repayment": {
            "interest_day": 20,
            "interest_every_months": 3,
            "instalment_months_retail": 1,
            "instalment_months_business": 3,
        },
        "type_defaults": {"retention": "D10", "custody_tier": 2},
        # Before decision levels, any step taker decided the collection plan.
        "collection.decision_levels": [],
        "inspections.business_products": ["corporate_working_capital", "small_business"],
        "inspections.high_ratings": ["AAA", "AA+", "AA", "AA-"],
        "inspections.a_ratings": ["A+", "A", "A-"],
        "inspections.individual_production_products": ["individual_production"],
        "inspections.consumer_products": ["consumer", "mortgage"],
        "special.warning_colours": ["red", "orange"],
        # Before joint inspections were recorded, no special inspection had to be joint.
        "special.joint_colours": [],
        # Before the reviewer's countersign (复核意见) was recorded, an inspection counted once
        # recorded, and no re-classification followed a routine inspection.
        "inspections.countersign_days": None,
        "classification.review_within_days": None,
        "borrowing.default_days": 0,
        "borrowing.approvers_originals": ["archive_head"],
        "borrowing.approvers_tier_one": ["branch_head"],
        "borrowing.shortfall_escalated_to": "archive_head",
        "classification": {
            "sub_grades": [
                {"code": "normal_1", "grade": "normal", "zh": "正常一级"},
                {"code": "normal_2", "grade": "normal", "zh": "正常二级"},
                {"code": "normal_3", "grade": "normal", "zh": "正常三级"},
                {"code": "normal_4", "grade": "normal", "zh": "正常四级"},
                {"code": "normal_5", "grade": "normal", "zh": "正常五级"},
                {"code": "special_mention_1", "grade": "special_mention", "zh": "关注一级"},
                {"code": "special_mention_2", "grade": "special_mention", "zh": "关注二级"},
                {"code": "special_mention_3", "grade": "special_mention", "zh": "关注三级"},
                {"code": "substandard_1", "grade": "substandard", "zh": "次级一级"},
                {"code": "substandard_2", "grade": "substandard", "zh": "次级二级"},
                {"code": "doubtful", "grade": "doubtful", "zh": "可疑"},
                {"code": "loss", "grade": "loss", "zh": "损失"},
            ]
        },
        # Before 初分→认定→审批, a proposal went straight to approval (two steps).
        "classification.determination_required": False,
        "tasks": {
            "owners": {
                "first_inspection": "account_manager",
                "routine_inspection": "account_manager",
                "special_inspection": "account_manager",
                "repayment_reminder": "account_manager",
                "warning_handling": "risk_manager",
                "reclassification": "account_manager",
                "reclassification_awaiting_approval": "risk_manager",
                "originals_transfer": "account_manager",
                "full_transfer": "account_manager",
                "retention_review": "archive_head",
            }
        },
        "tasks.owners.reclassification_awaiting_determination": "reviewer",
        # Before guarantees were registered, no guarantor fell due for re-assessment.
        "tasks.owners.guarantor_reassessment": "account_manager",
        "guarantors": {"reassess_every_months": {}},
        "tasks.owners.periodic_reclassification": "account_manager",
        # Owners of kinds of task added with [managers] (no such task fell due before).
        "tasks.owners.b_post_assignment": "branch_head",
        "tasks.owners.duty_evaluation": "branch_head",
        # Owners of kinds of task added with [watch] (no such task fell due before).
        "tasks.owners.closer_watch": "account_manager",
        "tasks.owners.maturity_notice": "account_manager",
        # Owners of kinds of task added with [[zones]] (no such task fell due before).
        "tasks.owners.zone_review": "account_manager",
        "tasks.owners.zone_approval": "branch_head",
        # Owner of the emergency plan's start (no such task fell due before).
        "tasks.owners.emergency_plan": "risk_manager",
        "reference": {"fonds": "J001", "category": "XD", "department": "XDB"},
        # Before data scope, nothing limited anyone: every business role read and acted
        # bank-wide, and branches were names with no hierarchy.
        "scope": {
            role: {"act": "bank", "read": "bank"}
            for role in (
                "account_manager",
                "reviewer",
                "post_loan_officer",
                "risk_manager",
                "branch_head",
                "archivist",
                "archive_head",
                "compliance",
                "auditor",
            )
        },
        "branches": [],
        # Before [managers], no loan needed a B岗 and no evaluation of duties fell due.
        "managers": {
            "b_post_required": [],
            "evaluate_on": [],
            "evaluation_within_days": 30,
            "evaluation_every_years": 3,
        },
        # Before the assistant inspector (辅助检查人) was recorded, no inspection named one.
        "managers.assistant_kinds": [],
        # Before the catalogue (预警信号指标库), codes were free text and the colour given; the
        # loop was raise → handle → clear, reported to nobody, opening no re-classification.
        "warnings.catalogue": [],
        "warnings.closed_loop": False,
        "warnings.reporting": {},
        "warnings.reclassify_colours": [],
        "warnings.reclassify_within_days": 10,
        # Before form_on_raising, a handling form filed with the raising served no handling.
        "warnings.form_on_raising": False,
        # Before emergency plans (应急预案), no signal started one.
        "warnings.emergency_plan_colours": [],
        "warnings.emergency_plan_days": 0,
        # Before checklists, an inspection was free text: no checklist applied to any.
        "checklists": {"judgments": [], "figures": {}, "lists": []},
        # Before [watch], no closer watch of key, large or third-party-serviced loans and no
        # maturity notice fell due.
        "watch": dict(EARLIER_WATCH),
        # Before [guanhu], no cap on a manager's customers, no range and no amount tier.
        "guanhu": dict(EARLIER_GUANHU),
        # Before [customers], no managing level per tier and nobody marked unreachable (失联).
        "customers": dict(EARLIER_CUSTOMERS),
        # Before [supervision], no scoring sheet: no supervision check could be scored.
        "supervision": dict(EARLIER_SUPERVISION),
        # Before [feedback], no feedback was recorded: the shipped deadlines.
        "feedback": dict(EARLIER_FEEDBACK),
        # Before [papers], no kind of post-loan management paper could be drafted.
        "papers": dict(EARLIER_PAPERS),
        # Before [monitoring], no key customer was computed and nothing monitored off site.
        "monitoring": dict(EARLIER_MONITORING),
        # Before [partners], no line flagged a partner institution and no communication with
        # a servicer fell due.
        "partners": dict(EARLIER_PARTNERS),
        # Before [repayment_behaviour], no threshold: no repayment behaviour was a breach.
        "repayment_behaviour": dict(EARLIER_BEHAVIOUR),
        # Before [calendar], working days skipped Saturdays and Sundays only.
        "calendar": {},
        # Before [[zones]], no customer was classified into zones (三大区间).
        "zones": list(EARLIER_ZONES),
        # Before [portfolio], no amount bands, NPL ceilings or provision rates.
        "portfolio": dict(EARLIER_PORTFOLIO),
        # Before the lines (不良警戒线, 逾期率考核线), no unit or product was flagged by them.
        "portfolio.npl_alert": {},
        "portfolio.overdue_target": {},
        # Before [accountability], no lead unit by grade and no extension prepared ahead.
        "accountability": dict(EARLIER_ACCOUNTABILITY),
    }
)
"""Keys added to the rule set after its first release, with the values the program applied
before each existed (then fixed in code): a rule set written or adopted earlier lacks them and
is read with these. History, not defaults: they never change, even when ``archive/rules.toml``
changes its own values. A dotted key is filled only in a table the rule set has (a missing
table stays an error); a top-level one whenever it is missing."""


def with_earlier_defaults(plain: Mapping[str, Any]) -> dict[str, Any]:
    """``plain`` (parsed JSON, not shared) with every key of :data:`EARLIER` it lacks."""
    full = dict(plain)
    for dotted, value in EARLIER.items():
        *parents, name = dotted.split(".")
        node: Any = full
        for parent in parents:
            child = node.get(parent) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                node = None
                break
            node[parent] = child = dict(child)
            node = child
        if isinstance(node, dict) and name not in node:
            node[name] = json.loads(json.dumps(value))
    return full


# ------------------------------------------------------------------ parsing helpers
def _table(data: Mapping[str, Any], key: str, where: str = "") -> dict[str, Any]:
    path = f"{where}.{key}" if where else key
    value = data.get(key)
    if not isinstance(value, dict):
        raise _fail(path, "缺少此表", "this table is missing")
    return value


def _list(data: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise _fail(f"{where}.{key}" if where else key, "须为非空数组", "must be a non-empty array")
    return value


def _flag(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise _fail(
            f"{where}.{key}", f"须为 true 或 false，而非 {value!r}", "must be true or false"
        )
    return value


def _days(data: Mapping[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
        raise _fail(
            f"{where}.{key}",
            f"须为 0–3660 的整数，而非 {value!r}",
            f"must be 0-3660, not {value!r}",
        )
    return value


def _optional_days(data: Mapping[str, Any], key: str, where: str) -> int | None:
    """A figure a rule set may leave out (its :data:`EARLIER` value is None: not required)."""
    if data.get(key) is None:
        return None
    return _days(data, key, where)


def _responsibility_from(ladder: tuple[CollectionRung, ...]) -> int | None:
    """The days of the rung marked ``responsibility = true``; on a ladder that marks none (as
    rule sets adopted before the mark existed), the rung where the written collection notice
    is served, as on the ladder of docs/rules.md (COL-06)."""
    marked = [r for r in ladder if r.responsibility] or [
        r for r in ladder if r.step is CollectionStepKind.NOTICE_SERVED
    ]
    return marked[0].days if marked else None


def _repayment(raw: Mapping[str, Any]) -> RepaymentConvention:
    day = _days(raw, "interest_day", "repayment")
    if not 1 <= day <= 28:
        raise _fail(
            "repayment.interest_day",
            f"须为 1–28 日（每月都有的日期），而非 {day}",
            f"must be a day of month 1-28 (one every month has), not {day}",
        )
    months = {}
    for name in ("interest_every_months", "instalment_months_retail", "instalment_months_business"):
        months[name] = _days(raw, name, "repayment")
        if months[name] not in PERIODS:
            raise _fail(
                f"repayment.{name}",
                f"须为 {', '.join(map(str, PERIODS))} 之一，而非 {months[name]}",
                f"must be one of {', '.join(map(str, PERIODS))}, not {months[name]}",
            )
    return RepaymentConvention(interest_day=day, **months)


def _inspections(raw: Mapping[str, Any]) -> InspectionSchedule:
    figures = {name: _days(raw, name, "inspections") for name in FIGURES}
    return InspectionSchedule(
        **figures,
        business_products=frozenset(_members(Product, raw, "business_products", "inspections")),
        high_ratings=_ratings(raw, "high_ratings"),
        a_ratings=_ratings(raw, "a_ratings"),
        individual_production_products=frozenset(
            _members(Product, raw, "individual_production_products", "inspections")
        ),
        consumer_products=frozenset(_members(Product, raw, "consumer_products", "inspections")),
    )


def _ratings(raw: Mapping[str, Any], key: str) -> frozenset[str]:
    path = f"inspections.{key}"
    values = raw.get(key)
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise _fail(path, "须为评级（文本）数组", "must be an array of ratings (text)")
    return frozenset(v.strip().upper() for v in values)


def _members(kind: Any, raw: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """An array of members of the enum ``kind``, each once, in the order given."""
    path = f"{where}.{key}"
    values = raw.get(key)
    if not isinstance(values, list):
        raise _fail(path, "须为数组", "must be an array")
    found = [_enum(kind, v, f"{path}[{n}]") for n, v in enumerate(values)]
    if len(set(found)) != len(found):
        raise _fail(path, "有重复项", "names a member twice")
    return found


def _role(raw: Mapping[str, Any], key: str, where: str) -> Role:
    found: Role = _enum(Role, raw.get(key), f"{where}.{key}")
    return found


def _borrowing(raw: Mapping[str, Any]) -> BorrowingRules:
    escalation = tuple(
        (
            _days(rung, "days", f"borrowing.escalation[{n}]"),
            _role(rung, "role", f"borrowing.escalation[{n}]"),
        )
        for n, rung in enumerate(_list(raw, "escalation", "borrowing"))
    )
    approvers = _members(Role, raw, "approvers_originals", "borrowing")
    if not approvers:
        raise _fail(
            "borrowing.approvers_originals", "借出原件须至少一人审批", "name at least one approver"
        )
    tier_one = _members(Role, raw, "approvers_tier_one", "borrowing")
    shortfall = _role(raw, "shortfall_escalated_to", "borrowing")
    for key, roles, action in (
        ("approvers_originals", approvers, Action.APPROVE_BORROWING),
        ("approvers_tier_one", tier_one, Action.APPROVE_BORROWING),
        ("shortfall_escalated_to", [shortfall], Action.CLOSE_BORROWING),
    ):
        for role in roles:
            if role not in PERMISSIONS[action]:
                allowed = ", ".join(sorted(r.value for r in PERMISSIONS[action]))
                raise _fail(
                    f"borrowing.{key}",
                    f"{role.zh}无权{'审批' if action is Action.APPROVE_BORROWING else '结案'}"
                    f"借阅，允许：{allowed}",
                    f"{role.value} may not {action.value.replace('_', ' ')}s; allowed: {allowed}",
                )
    return BorrowingRules(
        default_days=_days(raw, "default_days", "borrowing"),
        approvers_originals=tuple(approvers),
        approvers_tier_one=tuple(tier_one),
        shortfall_escalated_to=shortfall,
        # Most overdue first: the first rung reached decides who is told.
        escalation=tuple(sorted(escalation, reverse=True)),
    )


def _sub_grades(raw: Mapping[str, Any]) -> SubGradeScheme:
    found: dict[str, tuple[Grade, str]] = {}
    for n, entry in enumerate(_list(raw, "sub_grades", "classification")):
        path = f"classification.sub_grades[{n}]"
        if not isinstance(entry, dict):
            raise _fail(path, "须为表", "must be a table")
        for key in ("code", "zh"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise _fail(f"{path}.{key}", "不能为空", "must not be blank")
        if entry["code"] in found:
            raise _fail(f"{path}.code", "细分等级重复", f"{entry['code']!r} appears twice")
        found[entry["code"]] = (_enum(Grade, entry.get("grade"), f"{path}.grade"), entry["zh"])
    return SubGradeScheme(MappingProxyType(found))


FLOOR_DAYS = {
    "substandard_after_days": Grade.SUBSTANDARD,
    "doubtful_after_days": Grade.DOUBTFUL,
    "loss_after_days": Grade.LOSS,
}
"""``[classification.floors]`` keys that bring an overdue floor forward (fewer days)."""

FLOOR_AT_LEAST = ("observation_min_periods", "observation_min_days", "npl_upgrade_min_repayments")
"""``[classification.floors]`` keys that may only grow."""


def _floors(raw: Mapping[str, Any]) -> FloorPolicy:
    """The statutory floors, tightened by ``[classification.floors]`` when it says so.

    A value looser than the regulation's (more days overdue before a floor, a larger share,
    a shorter observation, fewer repayments before an upgrade) is refused, naming its key.
    """
    if "floors" not in raw:
        return STATUTORY
    floors = _table(raw, "floors", "classification")
    where = "classification.floors"
    known = {*FLOOR_DAYS, "borrower_npl_share", *FLOOR_AT_LEAST}
    for key in floors:
        if key not in known:
            raise _fail(
                f"{where}.{key}",
                f"未知的下限，允许：{', '.join(sorted(known))}",
                f"unknown floor; known: {', '.join(sorted(known))}",
            )
    statutory = {grade: days for days, grade in STATUTORY.overdue_thresholds}
    thresholds = dict(statutory)
    for key, grade in FLOOR_DAYS.items():
        if key in floors:
            days = _days(floors, key, where)
            _not_looser(f"{where}.{key}", days, statutory[grade], days <= statutory[grade])
            thresholds[grade] = days
    ordered = [thresholds[g] for g in (Grade.SUBSTANDARD, Grade.DOUBTFUL, Grade.LOSS)]
    if not 0 < ordered[0] < ordered[1] < ordered[2]:
        raise _fail(
            where,
            "逾期天数下限须依次递增（次级 < 可疑 < 损失）",
            "the overdue floors must ascend (substandard < doubtful < loss)",
        )
    values: dict[str, Any] = {}
    for key in FLOOR_AT_LEAST:
        if key in floors:
            value = _days(floors, key, where)
            _not_looser(
                f"{where}.{key}", value, getattr(STATUTORY, key), value >= getattr(STATUTORY, key)
            )
            values[key] = value
    if "borrower_npl_share" in floors:
        share = floors["borrower_npl_share"]
        path = f"{where}.borrower_npl_share"
        if isinstance(share, bool) or not isinstance(share, int | float) or share <= 0:
            raise _fail(
                path, f"须为正数，而非 {share!r}", f"must be a positive number, not {share!r}"
            )
        values["borrower_npl_share"] = Decimal(str(share))
        _not_looser(
            path,
            values["borrower_npl_share"],
            STATUTORY.borrower_npl_share,
            values["borrower_npl_share"] <= STATUTORY.borrower_npl_share,
        )
    return FloorPolicy(
        overdue_thresholds=tuple(sorted((thresholds[grade], grade) for grade in thresholds)),
        **values,
    )


def _not_looser(path: str, value: Any, statutory: Any, tighter: bool) -> None:
    if not tighter:
        raise _fail(
            path,
            f"{value} 宽于监管标准 {statutory}（《商业银行金融资产风险分类办法》），只可从严",
            f"{value} is looser than the statutory {statutory} (R-CLASS, 商业银行金融资产风险"
            "分类办法): a rule set may only tighten it",
        )


def _task_owners(raw: Mapping[str, Any]) -> TaskOwners:
    where = "tasks.owners"
    names = [f.name for f in fields(TaskOwners)]
    for key in raw:
        if key not in names:
            raise _fail(
                f"{where}.{key}",
                f"未知的任务种类，允许：{', '.join(names)}",
                f"unknown kind of task; known: {', '.join(names)}",
            )
    return TaskOwners(**{name: _role(raw, name, where) for name in names})


B_POST_KEYS = frozenset({"borrower_type", "product", "min_principal"})
EVALUATION_OCCASIONS = ("handover", "in_post")


def _values_of(kind: Any, entry: Mapping[str, Any], key: str, path: str) -> frozenset[str] | None:
    """The values a condition lists (None when the entry does not name ``key``)."""
    if key not in entry:
        return None
    values = entry[key]
    if not isinstance(values, list) or not values:
        raise _fail(f"{path}.{key}", "须为非空数组", "must be a non-empty array")
    return frozenset(_enum(kind, v, f"{path}.{key}").value for v in values)


def _managers(raw: Mapping[str, Any]) -> ManagerRules:
    """``[managers]``: where a B岗 is required, and when duties are evaluated."""
    entries = raw.get("b_post_required")
    if not isinstance(entries, list):
        raise _fail("managers.b_post_required", "须为数组", "must be an array")
    conditions = []
    for n, entry in enumerate(entries):
        path = f"managers.b_post_required[{n}]"
        if not isinstance(entry, dict) or not entry:
            raise _fail(path, "须为非空表", "must be a non-empty table")
        unknown = set(entry) - B_POST_KEYS
        if unknown:
            raise _fail(
                path,
                f"未知条件 {sorted(unknown)}，允许：{', '.join(sorted(B_POST_KEYS))}",
                f"unknown conditions {sorted(unknown)}; known: {', '.join(sorted(B_POST_KEYS))}",
            )
        types = _values_of(BorrowerType, entry, "borrower_type", path)
        products = _values_of(Product, entry, "product", path)
        floor: Decimal | None = None
        if "min_principal" in entry:
            value = entry["min_principal"]
            try:
                floor = Decimal(value) if isinstance(value, str) else None
            except ArithmeticError:
                floor = None
            if floor is None or not floor.is_finite() or floor < 0:
                raise _fail(
                    f"{path}.min_principal",
                    f"须为金额字符串（元），而非 {value!r}",
                    f"must be an amount of yuan as a string, not {value!r}",
                )
        conditions.append(BPostCondition(types, products, floor))
    occasions = raw.get("evaluate_on")
    if not isinstance(occasions, list) or any(o not in EVALUATION_OCCASIONS for o in occasions):
        raise _fail(
            "managers.evaluate_on",
            f"须为 {', '.join(EVALUATION_OCCASIONS)} 组成的数组，而非 {occasions!r}",
            f"must be an array of {', '.join(EVALUATION_OCCASIONS)}, not {occasions!r}",
        )
    years = _days(raw, "evaluation_every_years", "managers")
    if not 1 <= years <= 10:
        raise _fail(
            "managers.evaluation_every_years",
            f"须为 1–10 年，而非 {years}",
            f"must be 1-10 years, not {years}",
        )
    return ManagerRules(
        b_post_required=tuple(conditions),
        evaluate_on=frozenset(occasions),
        evaluation_within_days=_days(raw, "evaluation_within_days", "managers"),
        evaluation_every_years=years,
        assistant_kinds=frozenset(_members(InspectionKind, raw, "assistant_kinds", "managers")),
    )


def _reference(raw: Mapping[str, Any]) -> ReferenceCodes:
    parts = {}
    for name in ("fonds", "category", "department"):
        value = raw.get(name)
        if not isinstance(value, str) or not CODE_PART.match(value):
            raise _fail(
                f"reference.{name}",
                f"须为 1–16 位大写字母或数字，而非 {value!r}",
                f"must be 1-16 capitals or digits, not {value!r}",
            )
        parts[name] = value
    return ReferenceCodes(**parts)


def _scope(raw: Mapping[str, Any]) -> dict[Role, RoleReach]:
    """``[scope]``: every business role's act and read scope, and the integration identity's
    (the core-banking feed it imports and reads); the administrator has none."""
    found: dict[Role, RoleReach] = {}
    for key, entry in raw.items():
        path = f"scope.{key}"
        role: Role = _enum(Role, key, path)
        if role is Role.ADMINISTRATOR:
            raise _fail(
                path,
                "系统管理员不查阅业务数据（三员分立），不设数据范围",
                "the administrator reads no business data (三员分立): it has no scope",
            )
        if not isinstance(entry, dict) or set(entry) != {"act", "read"}:
            raise _fail(path, "须为 { act = …, read = … }", "must be { act = …, read = … }")
        found[role] = RoleReach(
            act=_enum(Reach, entry["act"], f"{path}.act"),
            read=_enum(Reach, entry["read"], f"{path}.read"),
        )
    if found and Role.INTEGRATION not in found:
        # A rule set written before the core system's identity existed: it reads the bank's
        # whole feed, as the shipped rules have it.
        found[Role.INTEGRATION] = RoleReach(act=Reach.BANK, read=Reach.BANK)
    missing = [r.value for r in Role if r is not Role.ADMINISTRATOR and r not in found]
    if missing:
        raise _fail("scope", f"缺少岗位的数据范围：{', '.join(missing)}", f"no scope for {missing}")
    return found


def _hierarchy(raw: Any) -> Hierarchy:
    """``[[branches]]``: the bank's units, one head office at the top, each unit's parent of a
    higher level than itself (so there are no cycles)."""
    if not isinstance(raw, list):
        raise _fail("branches", "须为数组（[[branches]]）", "must be an array of tables")
    units: dict[str, Unit] = {}
    codes: set[str] = set()
    for n, entry in enumerate(raw):
        path = f"branches[{n}]"
        if not isinstance(entry, dict):
            raise _fail(path, "须为表", "must be a table")
        unknown = set(entry) - {"name", "code", "level", "parent"}
        if unknown:
            raise _fail(path, f"未知的键：{sorted(unknown)}", f"unknown keys {sorted(unknown)}")
        for key in ("name", "code"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip() or len(value) > 100:
                raise _fail(f"{path}.{key}", "须为 1–100 字的文本", "must be text of 1-100 chars")
            if value != value.strip() or not value.isprintable():
                raise _fail(f"{path}.{key}", "不得含空白或控制字符", "must be plain text")
        name, code = entry["name"], entry["code"]
        if name in units:
            raise _fail(f"{path}.name", f"机构重复：{name}", f"{name!r} appears twice")
        if code in codes:
            raise _fail(f"{path}.code", f"机构代码重复：{code}", f"code {code!r} appears twice")
        codes.add(code)
        parent = entry.get("parent")
        if parent is not None and (not isinstance(parent, str) or not parent.strip()):
            raise _fail(f"{path}.parent", "须为上级机构名称", "must name the unit above")
        units[name] = Unit(name, code, _enum(Level, entry.get("level"), f"{path}.level"), parent)
    roots = [u for u in units.values() if u.parent is None]
    if units and (len(roots) != 1 or roots[0].level is not Level.HEAD_OFFICE):
        raise _fail(
            "branches",
            '须有且只有一个总行（level = "head_office"，不设 parent）',
            'there must be exactly one head office (level = "head_office", no parent)',
        )
    for n, unit in enumerate(units.values()):
        if unit.parent is None:
            continue
        above = units.get(unit.parent)
        if above is None:
            raise _fail(
                f"branches[{n}].parent",
                f"上级机构 {unit.parent} 不存在",
                f"the unit above, {unit.parent!r}, is not listed",
            )
        if above.level.depth >= unit.level.depth:
            raise _fail(
                f"branches[{n}].level",
                f"{unit.name}（{unit.level.zh}）不能隶属于 {above.name}（{above.level.zh}）",
                f"{unit.name} ({unit.level.value}) cannot be under {above.name} "
                f"({above.level.value}): a unit is of a lower level than the one above it",
            )
    return Hierarchy(MappingProxyType(units))


def _enum(kind: Any, value: Any, path: str) -> Any:
    for member in kind:
        if value == member.value:
            return member
    allowed = ", ".join(m.value for m in kind)
    raise _fail(path, f"取值 {value!r} 无效，允许：{allowed}", f"{value!r} is not one of {allowed}")


def _type_defaults(raw: Mapping[str, Any]) -> TypeDefaults:
    return TypeDefaults(
        retention=_enum(RetentionClass, raw.get("retention"), "type_defaults.retention"),
        custody_tier=_tier(raw.get("custody_tier"), "type_defaults.custody_tier"),
    )


def _document_types(raw: Mapping[str, Any], defaults: TypeDefaults) -> dict[str, DocumentType]:
    found: dict[str, DocumentType] = {}
    for code, entry in raw.items():
        path = f"types.{code}"
        if not isinstance(entry, dict):
            raise _fail(path, "须为表", "must be a table")
        for key in ("zh", "en", "stage"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise _fail(f"{path}.{key}", "不能为空", "must not be blank")
        found[code] = DocumentType(
            code=code,
            zh=entry["zh"],
            en=entry["en"],
            stage=entry["stage"],
            retention=(
                _enum(RetentionClass, entry["retention"], f"{path}.retention")
                if "retention" in entry
                else defaults.retention
            ),
            custody_tier=(
                _tier(entry["custody_tier"], f"{path}.custody_tier")
                if "custody_tier" in entry
                else defaults.custody_tier
            ),
        )
    return found


def _tier(value: Any, path: str) -> int:
    if isinstance(value, bool) or value not in (1, 2):
        raise _fail(path, "须为 1 或 2", "must be 1 or 2")
    return int(value)


def _requirement(n: int, raw: Any, types: Mapping[str, DocumentType]) -> Requirement:
    path = f"requirements[{n}]"
    if not isinstance(raw, dict):
        raise _fail(path, "须为表", "must be a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise _fail(f"{path}.id", "须有规则编号", "needs an id")
    trigger = raw.get("on")
    if trigger not in TRIGGERS:
        allowed = ", ".join(TRIGGERS)
        raise _fail(
            f"{path}.on",
            f"事件 {trigger!r} 无效，允许：{allowed}",
            f"{trigger!r}: not one of {allowed}",
        )
    documents = raw.get("documents")
    if not isinstance(documents, list) or not documents:
        raise _fail(f"{path}.documents", "须列明文档类型", "must list document types")
    for code in documents:
        if code not in types:
            raise _fail(
                f"{path}.documents", f"未知文档类型 {code!r}", f"unknown document type {code!r}"
            )
    when_raw = raw.get("when", {})
    if not isinstance(when_raw, dict):
        raise _fail(f"{path}.when", "须为表", "must be a table")
    when: dict[str, frozenset[str]] = {}
    for name, allowed_values in when_raw.items():
        if name not in CONDITION_FIELDS:
            known = ", ".join(sorted(CONDITION_FIELDS))
            raise _fail(
                f"{path}.when.{name}",
                f"未知条件，允许：{known}",
                f"unknown condition; known: {known}",
            )
        values = allowed_values if isinstance(allowed_values, list) else [allowed_values]
        when[name] = frozenset(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
    within = raw.get("within_days", 0)
    return Requirement(
        rule_id=rule_id,
        trigger=str(trigger),
        documents=tuple(documents),
        when=MappingProxyType(when),
        within_days=_days({"within_days": within}, "within_days", path),
        text_zh=str(raw.get("text", "")),
    )


def _rung(n: int, raw: Any) -> CollectionRung:
    path = f"collection.ladder[{n}]"
    if not isinstance(raw, dict):
        raise _fail(path, "须为表", "must be a table")
    flags = {
        "responsibility": False,
        "adviser": False,
        "handover": False,
        "guarantors_only": False,
        "npl_plan": False,
    }
    for name in flags:
        value = raw.get(name, False)
        if not isinstance(value, bool):
            raise _fail(
                f"{path}.{name}",
                f"须为 true 或 false，而非 {value!r}",
                f"must be true or false, not {value!r}",
            )
        flags[name] = value
    taking_part = raw.get("participants", [])
    if not isinstance(taking_part, list):
        raise _fail(f"{path}.participants", "须为岗位数组", "must be an array of roles")
    notices = raw.get("notices", [])
    if not isinstance(notices, list) or not all(isinstance(n, str) for n in notices):
        raise _fail(f"{path}.notices", "须为文档类型数组", "must be an array of document types")
    return CollectionRung(
        days=_days(raw, "days", path),
        step=_enum(CollectionStepKind, raw.get("step"), f"{path}.step"),
        owner=_enum(Role, raw.get("owner"), f"{path}.owner"),
        participants=tuple(
            _enum(Role, r, f"{path}.participants[{i}]") for i, r in enumerate(taking_part)
        ),
        notices=tuple(notices),
        **flags,
    )


def _decision_levels(raw: Mapping[str, Any]) -> tuple[DecisionLevel, ...]:
    """``[collection] decision_levels``: ``{ above = "1000000.00", role = "branch_head" }``."""
    levels = raw.get("decision_levels")
    if not isinstance(levels, list):
        raise _fail("collection.decision_levels", "须为数组", "must be an array")
    parsed = []
    for n, level in enumerate(levels):
        path = f"collection.decision_levels[{n}]"
        if not isinstance(level, dict):
            raise _fail(path, "须为表", "must be a table")
        above = level.get("above")
        try:
            amount = Decimal(above) if isinstance(above, str) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0:
            raise _fail(
                f"{path}.above",
                f"须为非负金额字符串（元），而非 {above!r}",
                "must be a non-negative amount in 元, as a string",
            )
        parsed.append(DecisionLevel(amount, _enum(Role, level.get("role"), f"{path}.role")))
    return tuple(sorted(parsed, key=lambda level: level.above))


def _guarantor_months(raw: Mapping[str, Any]) -> Mapping[GuarantorKind, int]:
    """``[guarantors] reassess_every_months``: months between re-assessments, by kind."""
    where = "guarantors.reassess_every_months"
    table = raw.get("reassess_every_months")
    if not isinstance(table, dict):
        raise _fail(where, "须为表（按保证人类型）", "must be a table by kind of guarantor")
    found: dict[GuarantorKind, int] = {}
    for key, months in table.items():
        kind = _enum(GuarantorKind, key, f"{where}.{key}")
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60:
            raise _fail(
                f"{where}.{key}",
                f"须为 1–60 的整数（月），而非 {months!r}",
                f"must be 1-60 months, not {months!r}",
            )
        found[kind] = months
    return MappingProxyType(found)


# ------------------------------------------------------------------ the record of adoption
RULES_ID = uuid5(NAMESPACE_URL, "dossier:rules")


class RulesInForce(Aggregate):
    """The rules in force over time: ``Adopted`` first, then ``Replaced`` at each new version."""

    @classmethod
    def create_id(cls) -> UUID:
        return RULES_ID

    @classmethod
    def first(cls, rules: RuleSet, *, source: str) -> RulesInForce:
        return cls(version=rules.version, rules=dict(rules.source), source=source)

    @event("Adopted")
    def __init__(self, *, version: str, rules: dict[str, Any], source: str) -> None:
        self.rules_version = version
        self.adoptions = 1

    def adopt(self, rules: RuleSet, *, source: str) -> bool:
        """Record ``rules`` if they differ from those in force; True when an event was made."""
        if rules.version == self.rules_version:
            return False
        self._adopted(version=rules.version, rules=dict(rules.source), source=source)
        return True

    @event("Replaced")
    def _adopted(self, *, version: str, rules: dict[str, Any], source: str) -> None:
        self.rules_version = version
        self.adoptions += 1


def parse_adopted(rules: Mapping[str, Any]) -> RuleSet:
    """The rule set an ``Adopted`` or ``Replaced`` event carries (its version recomputed, so
    unforgeable), parsed once per content."""
    return adopted_rules(canonical_json(rules))
