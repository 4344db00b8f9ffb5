"""The compliance report (合规检查报告): is every dossier complete, is the work on time, are the
grades at least their statutory floors, are the records kept as the rules say — for a branch,
a product or the whole portfolio, on a business date.

The report is built from facts the registers hold (the completeness register's requirements
and gaps, the work queue's facts and tasks, the archive catalogue's dossiers); this module
only counts and groups them, so the same facts always give the same figures. It names the
register position it was read at and every rules version behind its verdicts, so anyone can
build it again "as of" that point and get the same report.

What the figures mean, on the report date ``on``:

* a requirement is *due* when its filing deadline (``due_on``) is before ``on``; it is
  *filed* when the document was filed by the end of ``on`` (on time or late), *missing*
  otherwise. Requirements not yet due are counted apart (``pending``) and do not lower the
  rate;
* the *completeness rate* is filed ÷ due, over the documents; a *complete dossier* is a loan
  with no due document missing;
* an *overdue task* is a task of the work queue past its due date on ``on``;
* a loan *at a statutory floor* has days overdue that set a floor (监管下限) above 正常; it is
  ``at`` the floor when its grade equals it and ``below`` it when its grade is better than
  the floor allows (a breach, also a reclassification task);
* a *notice without receipt* is a collection notice served whose delivery receipt (送达回执)
  is missing past its deadline;
* a dossier *past retention, not appraised* is one whose retention ended before ``on`` with
  no appraisal (鉴定) decided since.

Pure: the standard library, ``eventsourcing``'s aggregates and ``domain`` only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.classification import FloorPolicy
from domain.errors import InvalidInputError
from domain.scope import RowScope
from domain.tasks import DossierFacts, LoanFacts, Task, TaskKind, overdue_floor
from domain.values import Actor, Grade, LabelledEnum, Product, Role, require_text

RECEIPT_RULE = "collection.notice"
RECEIPT_TYPE = "collection_receipt"
"""The requirement a served collection notice brings: its delivery receipt (送达回执)."""


class FloorStanding(LabelledEnum):
    """Where a loan's grade stands against the floor its days overdue set."""

    AT = ("at", "处于下限")
    BELOW = ("below", "低于下限")


@dataclass(frozen=True)
class Scope:
    """Which loans the report covers: one branch, one product, both, or the whole portfolio."""

    branch: str | None = None
    product: Product | None = None

    @property
    def zh(self) -> str:
        parts = [
            f"机构：{self.branch}" if self.branch else "",
            self.product.zh if self.product else "",
        ]
        return "，".join(p for p in parts if p) or "全部贷款"

    @property
    def en(self) -> str:
        parts = [f"branch {self.branch}" if self.branch else ""]
        parts.append(f"product {self.product.value}" if self.product else "")
        return ", ".join(p for p in parts if p) or "whole portfolio"

    def covers(self, branch: str | None, product: Product | None) -> bool:
        return (self.branch is None or branch == self.branch) and (
            self.product is None or product is self.product
        )


@dataclass(frozen=True)
class Requirement:
    """A document a loan event requires, as the completeness register holds it."""

    loan_id: UUID
    loan_no: str
    borrower_name: str
    branch: str | None
    stage: str
    stage_zh: str
    rule_id: str
    rules_version: str
    doc_type: str
    doc_type_zh: str
    required_since: date
    due_on: date
    filed_on: date | None

    def is_due(self, on: date) -> bool:
        return self.due_on < on

    def is_missing(self, on: date) -> bool:
        return self.is_due(on) and (self.filed_on is None or self.filed_on > on)


@dataclass(frozen=True)
class GapLine:
    """One document missing past its deadline."""

    loan_no: str
    borrower_name: str
    branch: str | None
    stage_zh: str
    doc_type: str
    doc_type_zh: str
    rule_id: str
    rules_version: str
    required_since: date
    due_on: date
    days_past_due: int


@dataclass(frozen=True)
class GapGroup:
    """The missing documents of one type at one stage."""

    stage: str
    stage_zh: str
    doc_type: str
    doc_type_zh: str
    count: int
    loans: int
    oldest_due_on: date


@dataclass(frozen=True)
class TaskGroup:
    """One owner's overdue tasks of one kind."""

    owner: str
    owner_id: UUID | None
    owner_role: Role
    kind: TaskKind
    count: int
    oldest_due_on: date


@dataclass(frozen=True)
class FloorLoan:
    """A loan whose days overdue set a statutory floor above 正常, and its grade against it."""

    loan_no: str
    branch: str | None
    product: Product
    days_overdue: int
    floor: Grade
    grade: Grade
    standing: FloorStanding
    reason_zh: str


@dataclass(frozen=True)
class RetentionLine:
    """A dossier whose retention ended with no appraisal decided since."""

    reference_code: str | None
    loan_no: str
    branch: str | None
    retention: str | None
    ended_on: date
    days_past: int


class Dimension(LabelledEnum):
    """What completeness is broken down by."""

    BRANCH = ("branch", "机构")
    PRODUCT = ("product", "产品")
    STAGE = ("stage", "阶段")


@dataclass(frozen=True)
class CompletenessLine:
    """Completeness of one branch, product or stage: the documents due, filed and missing
    of its loans on the report date, and how many of those loans miss none."""

    dimension: Dimension
    key: str
    """The branch's name, the product's or the stage's code ("" for loans with none)."""
    label_zh: str
    loans: int
    required: int
    filed: int
    missing: int
    loans_complete: int

    @property
    def rate(self) -> Decimal | None:
        """Documents filed ÷ documents due, a percentage to two places; None when none due."""
        return percent(self.filed, self.required)


@dataclass(frozen=True)
class ComplianceReport:
    """The figures and lists of the report; see the module docstring for their meaning."""

    on: date
    scope: Scope
    position: int
    rules_version: str
    rules_versions_cited: tuple[str, ...]
    loans: int
    required: int
    filed: int
    filed_late: int
    missing: int
    pending: int
    dossiers_complete: int
    gaps_by_type: tuple[GapGroup, ...]
    gaps: tuple[GapLine, ...]
    overdue_by_owner: tuple[TaskGroup, ...]
    overdue_tasks: tuple[Task, ...]
    floor_loans: tuple[FloorLoan, ...]
    notices_without_receipt: tuple[GapLine, ...]
    retention_unappraised: tuple[RetentionLine, ...]
    owner_names: Mapping[UUID, str]
    record_as_of: str | None = None
    """The record time the registers were read at, as asked ("2025-06-30"), if any."""
    data_scope: RowScope = field(default_factory=RowScope.everything)
    """The loans the report was read within: its reader's data scope (数据权限); a report that
    leaves loans out names it."""
    completeness_by: tuple[CompletenessLine, ...] = ()
    """Completeness by branch, by product and by stage, for drilling down to the gaps."""

    def owner_of(self, task: Task) -> str:
        """How the report names a task's owner: the person, else the role that owns it."""
        if task.owner_id is not None:
            return self.owner_names.get(task.owner_id, str(task.owner_id))
        return f"（{task.owner_role.zh}）"

    @property
    def completeness_rate(self) -> Decimal | None:
        """Documents filed ÷ documents due, as a percentage to two places; None when none due."""
        return percent(self.filed, self.required)

    @property
    def dossier_rate(self) -> Decimal | None:
        return percent(self.dossiers_complete, self.loans)

    @property
    def at_floor(self) -> int:
        return sum(1 for f in self.floor_loans if f.standing is FloorStanding.AT)

    @property
    def below_floor(self) -> int:
        return sum(1 for f in self.floor_loans if f.standing is FloorStanding.BELOW)


def percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def build_report(
    *,
    on: date,
    scope: Scope,
    position: int,
    rules_version: str,
    loans: Sequence[LoanFacts],
    loan_products: Mapping[UUID, Product],
    loan_branches: Mapping[UUID, str | None],
    requirements: Iterable[Requirement],
    tasks: Iterable[Task],
    dossiers: Iterable[DossierFacts],
    floor_policy: FloorPolicy,
    name_of: Callable[[UUID], str] = str,
    data_scope: RowScope = RowScope.everything(),
) -> ComplianceReport:
    """Count and group the facts of the loans in ``scope`` on ``on``.

    ``loan_products`` and ``loan_branches`` place every loan the completeness register knows
    (``loans`` are the work queue's, which may not hold a loan before its first event).
    """
    in_scope = {
        loan_id
        for loan_id, branch in loan_branches.items()
        if scope.covers(branch, loan_products.get(loan_id))
    }
    numbers_in_scope = {loan.loan_no for loan in loans if loan.loan_id in in_scope}
    chosen = [r for r in requirements if r.loan_id in in_scope]
    due = [r for r in chosen if r.is_due(on)]
    missing = [r for r in due if r.is_missing(on)]
    filed = [r for r in due if not r.is_missing(on)]
    late = [r for r in filed if r.filed_on is not None and r.filed_on > r.due_on]
    gaps = tuple(_gap_line(r, on) for r in sorted(missing, key=_gap_order))
    incomplete = {r.loan_id for r in missing}
    overdue = tuple(
        t for t in tasks if t.overdue and t.loan_no is not None and t.loan_no in numbers_in_scope
    )
    cited = {r.rules_version for r in chosen} | {t.rules_version for t in overdue}
    owners = {t.owner_id for t in overdue if t.owner_id is not None}
    names = {owner: name_of(owner) for owner in owners}  # one lookup a person
    return ComplianceReport(
        on=on,
        scope=scope,
        position=position,
        rules_version=rules_version,
        rules_versions_cited=tuple(sorted(cited)),
        loans=len(in_scope),
        required=len(due),
        filed=len(filed),
        filed_late=len(late),
        missing=len(missing),
        pending=len(chosen) - len(due),
        dossiers_complete=len(in_scope - incomplete),
        gaps_by_type=gap_groups(missing),
        gaps=gaps,
        overdue_by_owner=task_groups(overdue, names.__getitem__),
        overdue_tasks=overdue,
        floor_loans=floor_loans(
            [loan for loan in loans if loan.loan_id in in_scope], on, floor_policy
        ),
        notices_without_receipt=tuple(
            g for g in gaps if g.rule_id == RECEIPT_RULE and g.doc_type == RECEIPT_TYPE
        ),
        retention_unappraised=retention_unappraised(
            [d for d in dossiers if d.loan_no in numbers_in_scope], on
        ),
        data_scope=data_scope,
        owner_names=names,
        completeness_by=completeness_lines(
            due,
            on,
            {loan_id: loan_branches.get(loan_id) for loan_id in in_scope},
            {loan_id: loan_products.get(loan_id) for loan_id in in_scope},
        ),
    )


def completeness_lines(
    due: Sequence[Requirement],
    on: date,
    branches: Mapping[UUID, str | None],
    products: Mapping[UUID, Product | None],
) -> tuple[CompletenessLine, ...]:
    """Completeness of the loans in scope (``branches`` and ``products`` place each one) by
    branch, then product, then stage: every branch and product with loans is listed, even
    with nothing due; a stage is listed when something of it is due."""

    def line(
        dimension: Dimension, key: str, label: str, loans: set[UUID], rows: list[Requirement]
    ) -> CompletenessLine:
        missing = [r for r in rows if r.is_missing(on)]
        return CompletenessLine(
            dimension=dimension,
            key=key,
            label_zh=label,
            loans=len(loans),
            required=len(rows),
            filed=len(rows) - len(missing),
            missing=len(missing),
            loans_complete=len(loans - {r.loan_id for r in missing}),
        )

    lines: list[CompletenessLine] = []
    by_branch: dict[str, set[UUID]] = defaultdict(set)
    for loan_id, branch in branches.items():
        by_branch[branch or ""].add(loan_id)
    for branch in sorted(by_branch):
        loans = by_branch[branch]
        rows = [r for r in due if r.loan_id in loans]
        lines.append(line(Dimension.BRANCH, branch, branch or "（未登记机构）", loans, rows))
    by_product: dict[Product | None, set[UUID]] = defaultdict(set)
    for loan_id, product in products.items():
        by_product[product].add(loan_id)
    for product in sorted(by_product, key=lambda p: list(Product).index(p) if p else -1):
        loans = by_product[product]
        rows = [r for r in due if r.loan_id in loans]
        key, label = (product.value, product.zh) if product else ("", "（未登记产品）")
        lines.append(line(Dimension.PRODUCT, key, label, loans, rows))
    by_stage: dict[str, list[Requirement]] = defaultdict(list)
    for r in due:
        by_stage[r.stage].append(r)
    for stage in sorted(by_stage, key=lambda s: (-len(by_stage[s]), s)):
        rows = by_stage[stage]
        lines.append(
            line(Dimension.STAGE, stage, rows[0].stage_zh, {r.loan_id for r in rows}, rows)
        )
    return tuple(lines)


def _gap_order(r: Requirement) -> tuple[date, str, str, str]:
    return (r.due_on, r.loan_no, r.rule_id, r.doc_type)


def _gap_line(r: Requirement, on: date) -> GapLine:
    return GapLine(
        loan_no=r.loan_no,
        borrower_name=r.borrower_name,
        branch=r.branch,
        stage_zh=r.stage_zh,
        doc_type=r.doc_type,
        doc_type_zh=r.doc_type_zh,
        rule_id=r.rule_id,
        rules_version=r.rules_version,
        required_since=r.required_since,
        due_on=r.due_on,
        days_past_due=(on - r.due_on).days,
    )


def gap_groups(missing: Iterable[Requirement]) -> tuple[GapGroup, ...]:
    """The missing documents by stage and type, most first."""
    grouped: dict[tuple[str, str], list[Requirement]] = defaultdict(list)
    for r in missing:
        grouped[(r.stage, r.doc_type)].append(r)
    groups = [
        GapGroup(
            stage=stage,
            stage_zh=rows[0].stage_zh,
            doc_type=doc_type,
            doc_type_zh=rows[0].doc_type_zh,
            count=len(rows),
            loans=len({r.loan_id for r in rows}),
            oldest_due_on=min(r.due_on for r in rows),
        )
        for (stage, doc_type), rows in grouped.items()
    ]
    return tuple(sorted(groups, key=lambda g: (-g.count, g.stage, g.doc_type)))


def task_groups(overdue: Iterable[Task], name_of: Callable[[UUID], str]) -> tuple[TaskGroup, ...]:
    """Overdue tasks by owner (a person, else the role that owns it) and kind, most first."""
    grouped: dict[tuple[UUID | None, Role, TaskKind], list[Task]] = defaultdict(list)
    for t in overdue:
        grouped[(t.owner_id, t.owner_role, t.kind)].append(t)
    groups = [
        TaskGroup(
            owner=name_of(owner_id) if owner_id is not None else f"（{role.zh}）",
            owner_id=owner_id,
            owner_role=role,
            kind=kind,
            count=len(found),
            oldest_due_on=min(t.due_on for t in found),
        )
        for (owner_id, role, kind), found in grouped.items()
    ]
    return tuple(sorted(groups, key=lambda g: (-g.count, g.owner, g.kind.value)))


def floor_loans(loans: Iterable[LoanFacts], on: date, policy: FloorPolicy) -> tuple[FloorLoan, ...]:
    """Loans whose days overdue on ``on`` set a floor above 正常, at or below it, most overdue
    first. A loan graded worse than its floor is not held by it and is not listed."""
    found = []
    for loan in loans:
        if loan.closed_on is not None and loan.closed_on <= on:
            continue
        floor = overdue_floor(loan, on, policy)
        if floor is None or floor.grade is Grade.NORMAL:
            continue
        if loan.grade.severity > floor.grade.severity:
            continue
        found.append(
            FloorLoan(
                loan_no=loan.loan_no,
                branch=loan.branch,
                product=loan.product,
                days_overdue=loan.days_overdue_on(on),
                floor=floor.grade,
                grade=loan.grade,
                standing=FloorStanding.AT if loan.grade is floor.grade else FloorStanding.BELOW,
                reason_zh=floor.reason_zh,
            )
        )
    return tuple(sorted(found, key=lambda f: (-f.days_overdue, f.loan_no)))


def retention_unappraised(dossiers: Iterable[DossierFacts], on: date) -> tuple[RetentionLine, ...]:
    """Dossiers whose retention ended before ``on`` with no appraisal decided since."""
    found = [
        RetentionLine(
            reference_code=d.reference_code,
            loan_no=d.loan_no,
            branch=d.branch,
            retention=d.retention.value if d.retention is not None else None,
            ended_on=d.retention_ends_on,
            days_past=(on - d.retention_ends_on).days,
        )
        for d in dossiers
        if d.retention_ends_on is not None and d.retention_ends_on < on and not d.appraised
    ]
    return tuple(sorted(found, key=lambda r: (r.ended_on, r.loan_no)))


# ------------------------------------------------------------------------ issuing a report
class ReportFormat(LabelledEnum):
    """The file a report is handed out as."""

    PDF = ("pdf", "PDF")
    XLSX = ("xlsx", "Excel 工作簿")


FIRST_RENDERER = 1
"""The renderer of every report issued before the renderer was recorded."""


class IssuedReport(Aggregate):
    """A compliance report handed out (合规检查报告签发): to whom it may concern, what it covers,
    which record it was read from, and the SHA-256 of the very file handed out.

    The report is rendered without the clock from the registers at ``position``, so anyone can
    build it again from the same point — with the same ``renderer``, the version of the drawing
    code that made the file — and compare the hash with the one recorded here.
    """

    class Issued(Aggregate.Created):
        """A report handed out (version 2 records the renderer that drew it, version 3 the
        data scope it was read within).

        Version 1 did not record the renderer: every report issued then was drawn by renderer
        1, which the upcast says. Versions 1 and 2 did not record a data scope: every report
        then covered the whole bank (``None``).
        """

        class_version = 3

        report_id: UUID
        on: date
        branch: str | None
        product: str | None
        record_as_of: str | None
        position: int
        rules_version: str
        format: str
        renderer: int
        sha256: str
        size: int
        purpose: str
        data_scope: dict[str, Any] | None
        actor_id: UUID
        role: Role

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["renderer"] = FIRST_RENDERER

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["data_scope"] = None

    @classmethod
    def issue(
        cls,
        *,
        report_id: UUID,
        on: date,
        scope: Scope,
        record_as_of: str | None,
        position: int,
        rules_version: str,
        format: ReportFormat,
        renderer: int,
        sha256: str,
        size: int,
        purpose: str,
        actor: Actor,
        data_scope: RowScope = RowScope.everything(),
    ) -> IssuedReport:
        authorize(actor, Action.ISSUE_COMPLIANCE_REPORT)
        purpose = require_text(purpose, "purpose", max_length=500)
        if renderer < FIRST_RENDERER:
            raise InvalidInputError(
                "报告渲染器版本无效", "the report's renderer number is invalid", field="renderer"
            )
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256) or size <= 0:
            raise InvalidInputError(
                "报告文件的哈希或大小无效",
                "the report file's hash or size is invalid",
                field="sha256",
            )
        return cls(
            report_id=report_id,
            on=on,
            branch=scope.branch,
            product=scope.product.value if scope.product else None,
            record_as_of=record_as_of,
            position=position,
            rules_version=rules_version,
            format=format.value,
            renderer=renderer,
            sha256=sha256,
            size=size,
            purpose=purpose,
            data_scope=data_scope.to_record(),
            actor_id=actor.id,
            role=actor.role,
        )

    @event(Issued)
    def __init__(
        self,
        *,
        report_id: UUID,
        on: date,
        branch: str | None,
        product: str | None,
        record_as_of: str | None,
        position: int,
        rules_version: str,
        format: str,
        renderer: int,
        sha256: str,
        size: int,
        purpose: str,
        data_scope: dict[str, Any] | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.report_id = report_id
        self.on = on
        self.branch = branch
        self.product = product
        self.record_as_of = record_as_of
        self.position = position
        self.rules_version = rules_version
        self.format = format
        self.renderer = renderer
        self.sha256 = sha256
        self.size = size
        self.purpose = purpose
        self.data_scope = RowScope.from_record(data_scope)
        self.issued_by = actor_id
        self.role = role

    @staticmethod
    def create_id(report_id: UUID) -> UUID:
        return report_id
