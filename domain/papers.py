"""Post-loan management papers (贷后管理文书): written by a unit, reviewed, sent up, read.

The papers a branch writes about its post-loan work — the work report (贷后管理工作报告), the
periodic monitoring report (定期监控报告), the risk department's monthly risk guidance (风险指引),
the month's credit-work priorities (本月信贷工作重点), the yearly targets and plan (贷后管理工作目标
和规划) and the minutes of the risk-and-quality analysis meeting (风险状况及质量分析会纪要) and of the
post-loan meeting (贷后管理例会纪要) — are kinds named as data (``[papers]`` of ``rules.toml``;
docs/rules.md PAP-01 to PAP-08): the period each covers (a month, a quarter, a year, or a
meeting), the working days after the period (or its start, or the meeting) by which it is due,
counted in the bank's calendar, who may write it, the chain of roles that review it in turn
(e.g. 团队经理 → 风控部 → 行长 as reviewer → risk_manager → branch_head) and whether it is sent
up to the unit above (报送上级行).

A paper is drafted by its author with its document (a PDF, stored under the paper's own key
with its SHA-256 in the event); each step of the chain approves it or returns it with a reason,
each step a different person, never the author (审阅人不得为起草人); a returned paper is
revised with a new document and goes through the chain again from its first step. Through the
chain, a paper the kind sends up is submitted to the unit above its author's unit and read
(阅知) there by a head of that unit; any other is final (已审定). Minutes list the loans the
meeting discussed with the measures it decided for each (逐户研究措施).

Pure: the standard library, ``domain`` and ``eventsourcing.domain`` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.values import Actor, DocumentRef, LabelledEnum, Role, require_text
from domain.workdays import WorkingCalendar

Fail = Callable[[str, str, str], Exception]

MAX_LOANS = 200
PAPER_DOC_TYPE = "management_paper"
"""The document type (``[types]``) a paper's document is uploaded as."""


class PeriodKind(LabelledEnum):
    """What a paper covers (期间)."""

    MONTH = ("month", "月度")
    QUARTER = ("quarter", "季度")
    YEAR = ("year", "年度")
    MEETING = ("meeting", "会议")


class DueFrom(LabelledEnum):
    """What a paper's due date counts from."""

    END = ("end", "期末")
    START = ("start", "期初")


class PaperState(LabelledEnum):
    """Where a paper stands (文书状态)."""

    IN_REVIEW = ("in_review", "审阅中")
    RETURNED = ("returned", "退回修改")
    APPROVED = ("approved", "已审定")
    SUBMITTED = ("submitted", "已报送上级")
    ACKNOWLEDGED = ("acknowledged", "上级已阅知")


# ------------------------------------------------------------------------- the kinds
@dataclass(frozen=True)
class PaperKind:
    """One kind of paper (``[papers.kinds.<code>]``)."""

    code: str
    zh: str
    periods: tuple[PeriodKind, ...]
    due_working_days: int
    due_from: DueFrom
    drafted_by: frozenset[Role]
    chain: tuple[tuple[Role, str], ...]
    """The review steps in order: the role of each and what the bank calls it (团队经理)."""
    upward: bool
    """Through the chain, it is submitted to the unit above (报送上级行) and read there."""
    lists_loans: bool
    """Minutes: the loans discussed, each with the measures decided (逐户研究措施)."""


@dataclass(frozen=True)
class PaperRules:
    """``[papers]``: the kinds of paper and the working days a head above has to read one sent
    up. No kinds (a rule set adopted before it): no paper can be drafted."""

    kinds: Mapping[str, PaperKind] = field(default_factory=dict)
    acknowledge_working_days: int | None = None

    def kind(self, code: str) -> PaperKind:
        found = self.kinds.get(code)
        if found is None:
            known = ", ".join(self.kinds) or "—"
            raise InvalidInputError(
                f"现行规则没有文书种类 {code!r}（[papers]：{known}）",
                f"the rules in force have no kind of paper {code!r} ([papers]: {known})",
                field="kind",
            )
        return found


EARLIER_PAPERS: Mapping[str, Any] = {"kinds": {}, "acknowledge_working_days": None}
"""``[papers]`` of a rule set adopted before it: no kind of paper."""

KIND_KEYS = {
    "zh",
    "periods",
    "due_working_days",
    "due_from",
    "drafted_by",
    "chain",
    "upward",
    "lists_loans",
}


def _roles(raw: Any, path: str, fail: Fail) -> list[Role]:
    if not isinstance(raw, list) or not raw:
        raise fail(path, "须为非空的岗位数组", "must be a non-empty array of roles")
    roles: list[Role] = []
    for n, value in enumerate(raw):
        try:
            role = Role.parse(value, f"{path}[{n}]")
        except InvalidInputError:
            raise fail(f"{path}[{n}]", f"未知的岗位 {value!r}", f"unknown role {value!r}") from None
        if role in (Role.ADMINISTRATOR,):
            raise fail(f"{path}[{n}]", "系统管理员不办理业务", "the administrator does no business")
        roles.append(role)
    return roles


def parse_papers(raw: Any, fail: Fail) -> PaperRules:
    """The ``[papers]`` table of a rule set."""
    if not isinstance(raw, dict):
        raise fail("papers", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_PAPERS))
    if unknown:
        raise fail(f"papers.{unknown[0]}", "未知的键", "unknown key")
    days = raw.get("acknowledge_working_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise fail("papers.acknowledge_working_days", "须为正整数", "must be a positive integer")
    raw_kinds = raw.get("kinds", {})
    if not isinstance(raw_kinds, dict):
        raise fail("papers.kinds", "须为表", "must be a table")
    kinds: dict[str, PaperKind] = {}
    for code, entry in raw_kinds.items():
        path = f"papers.kinds.{code}"
        if not code.isidentifier():
            raise fail(path, "须为标识符", "must be an identifier")
        if not isinstance(entry, dict):
            raise fail(path, "须为表", "must be a table")
        extra = sorted(set(entry) - KIND_KEYS)
        if extra:
            raise fail(f"{path}.{extra[0]}", "未知的键", "unknown key")
        zh = entry.get("zh")
        if not isinstance(zh, str) or not zh.strip():
            raise fail(f"{path}.zh", "不能为空", "must not be blank")
        periods_raw = entry.get("periods")
        if not isinstance(periods_raw, list) or not periods_raw:
            raise fail(f"{path}.periods", "须为非空数组", "must be a non-empty array")
        periods: list[PeriodKind] = []
        for n, value in enumerate(periods_raw):
            try:
                periods.append(PeriodKind.parse(value, f"{path}.periods[{n}]"))
            except InvalidInputError:
                raise fail(
                    f"{path}.periods[{n}]",
                    "须为 month、quarter、year 或 meeting",
                    "must be month, quarter, year or meeting",
                ) from None
        if PeriodKind.MEETING in periods and len(periods) > 1:
            raise fail(f"{path}.periods", "会议纪要不另设期间", "minutes cover a meeting only")
        due = entry.get("due_working_days")
        if isinstance(due, bool) or not isinstance(due, int) or not 0 <= due <= 250:
            raise fail(f"{path}.due_working_days", "须为 0–250 的整数", "must be an integer 0-250")
        try:
            due_from = DueFrom.parse(entry.get("due_from", "end"), f"{path}.due_from")
        except InvalidInputError:
            raise fail(f"{path}.due_from", "须为 end 或 start", "must be end or start") from None
        drafted_by = _roles(entry.get("drafted_by"), f"{path}.drafted_by", fail)
        chain_raw = entry.get("chain")
        if not isinstance(chain_raw, list) or not chain_raw or len(chain_raw) > 6:
            raise fail(f"{path}.chain", "须为 1–6 个审阅环节", "must have 1-6 review steps")
        chain: list[tuple[Role, str]] = []
        for n, step in enumerate(chain_raw):
            if not isinstance(step, dict) or set(step) != {"role", "zh"}:
                raise fail(f"{path}.chain[{n}]", "须有 role、zh 两键", "must have role and zh")
            (role,) = _roles([step["role"]], f"{path}.chain[{n}].role", fail)
            if not isinstance(step["zh"], str) or not step["zh"].strip():
                raise fail(f"{path}.chain[{n}].zh", "不能为空", "must not be blank")
            chain.append((role, step["zh"].strip()))
        upward = entry.get("upward", False)
        lists_loans = entry.get("lists_loans", False)
        if not isinstance(upward, bool):
            raise fail(f"{path}.upward", "须为布尔值", "must be a boolean")
        if not isinstance(lists_loans, bool):
            raise fail(f"{path}.lists_loans", "须为布尔值", "must be a boolean")
        kinds[code] = PaperKind(
            code,
            zh.strip(),
            tuple(periods),
            due,
            due_from,
            frozenset(drafted_by),
            tuple(chain),
            upward,
            lists_loans,
        )
    if kinds and days is None:
        raise fail(
            "papers.acknowledge_working_days",
            "有文书种类时须写明上级阅知的工作日数",
            "name the working days a unit above has to read a paper",
        )
    return PaperRules(kinds, days)


# ------------------------------------------------------------------------- periods
PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$")


def period_bounds(
    kind: PaperKind, period: str | None, met_on: date | None
) -> tuple[PeriodKind, date, date, str]:
    """The period a paper covers: its kind, first and last day and label (``2026-Q3``).

    ``period`` is ``2026`` (a year), ``2026-Q3`` (a quarter) or ``2026-09`` (a month), one the
    kind allows; minutes name the day of their meeting instead (``met_on``).
    """
    if PeriodKind.MEETING in kind.periods:
        if met_on is None or period is not None:
            raise InvalidInputError(
                f"{kind.zh}写明会议日期（met_on），不写期间",
                f"{kind.code} names the meeting's day (met_on), not a period",
                field="met_on",
            )
        return PeriodKind.MEETING, met_on, met_on, met_on.isoformat()
    if met_on is not None or period is None:
        raise InvalidInputError(
            f"{kind.zh}写明所属期间（period，如 2026、2026-Q3、2026-09），不写会议日期",
            f"{kind.code} names its period (period: 2026, 2026-Q3 or 2026-09), not met_on",
            field="period",
        )
    found = PERIOD.match(period)
    year = int(found.group(1)) if found else 0
    if found is None or not 2000 <= year <= 2100:
        raise InvalidInputError(
            f"期间 {period!r} 无效：写作 2026、2026-Q3 或 2026-09",
            f"period {period!r} is malformed: write 2026, 2026-Q3 or 2026-09",
            field="period",
        )
    part = found.group(2)
    if part is None:
        which, first, last = PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31)
    elif part.startswith("Q"):
        q = int(part[1])
        which, first = PeriodKind.QUARTER, date(year, 3 * q - 2, 1)
        last = _month_end(year, 3 * q)
    else:
        month = int(part)
        if not 1 <= month <= 12:
            raise InvalidInputError(
                f"期间 {period!r} 的月份无效", f"period {period!r}: no such month", field="period"
            )
        which, first, last = PeriodKind.MONTH, date(year, month, 1), _month_end(year, month)
    if which not in kind.periods:
        allowed = "、".join(p.zh for p in kind.periods)
        raise InvalidInputError(
            f"{kind.zh}按{allowed}编写，不按{which.zh}",
            f"{kind.code} covers {', '.join(p.value for p in kind.periods)}, not a {which.value}",
            field="period",
        )
    return which, first, last, period


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def due_date(kind: PaperKind, first: date, last: date, calendar: WorkingCalendar) -> date:
    """The day a paper is due: the kind's working days after its period's end (or start), by
    the bank's calendar."""
    start = first if kind.due_from is DueFrom.START else last
    return calendar.add_working_days(start, kind.due_working_days)


# ------------------------------------------------------------------------- the paper
@dataclass(frozen=True)
class LoanMeasures:
    """A loan a meeting discussed, with the measures it decided (逐户研究措施)."""

    loan_no: str
    borrower_name: str
    measures: str


@dataclass
class Review:
    """One step of the chain as taken."""

    step: int
    role: Role
    approved: bool
    reason: str
    on: date
    by: UUID
    round: int


class ManagementPaper(Aggregate):
    """One post-loan management paper (贷后管理文书) of a unit, through its review chain."""

    @classmethod
    def draft(
        cls,
        *,
        paper_id: UUID,
        paper_no: str,
        kind: PaperKind,
        branch: str,
        parent: str | None,
        period: str | None,
        met_on: date | None,
        title: str,
        drafted_on: date,
        document: DocumentRef,
        loans: Sequence[LoanMeasures],
        calendar: WorkingCalendar,
        rules_version: str,
        actor: Actor,
    ) -> Self:
        """Draft a paper of ``kind`` for the author's unit, with its document (a PDF)."""
        authorize(actor, Action.DRAFT_PAPER)
        if actor.role not in kind.drafted_by:
            allowed = "、".join(r.zh for r in sorted(kind.drafted_by, key=lambda r: r.value))
            raise InvalidInputError(
                f"{kind.zh}由{allowed}起草，不由{actor.role.zh}",
                f"{kind.code} is drafted by {', '.join(r.value for r in kind.drafted_by)}, "
                f"not {actor.role.value}",
                field="kind",
            )
        which, first, last, label = period_bounds(kind, period, met_on)
        if which is not PeriodKind.MEETING and kind.due_from is DueFrom.END:
            check_not_before(drafted_on, last, field="drafted_on", since_field="period_end")
        if met_on is not None:
            check_not_before(drafted_on, met_on, field="drafted_on", since_field="met_on")
        _check_document(document)
        loans = _check_loans(kind, loans)
        return cls(
            paper_id=paper_id,
            paper_no=paper_no,
            kind=kind.code,
            kind_zh=kind.zh,
            branch=branch,
            parent=parent if kind.upward else None,
            period_kind=which.value,
            period=label,
            period_start=first,
            period_end=last,
            due_on=due_date(kind, first, last, calendar),
            title=require_text(title, "title", max_length=200),
            drafted_on=drafted_on,
            document=document,
            chain=[(role.value, zh) for role, zh in kind.chain],
            loans=[_loan_dict(m) for m in loans],
            rules_version=rules_version,
            actor_id=actor.id,
            role=actor.role,
        )

    @staticmethod
    def create_id(paper_id: UUID) -> UUID:
        return paper_id

    @event("PaperDrafted")
    def __init__(
        self,
        *,
        paper_id: UUID,
        paper_no: str,
        kind: str,
        kind_zh: str,
        branch: str,
        parent: str | None,
        period_kind: str,
        period: str,
        period_start: date,
        period_end: date,
        due_on: date,
        title: str,
        drafted_on: date,
        document: DocumentRef,
        chain: list[tuple[str, str]],
        loans: list[dict[str, str]],
        rules_version: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.paper_no = paper_no
        self.kind = kind
        self.kind_zh = kind_zh
        self.branch = branch
        self.parent = parent
        self.period_kind = PeriodKind.parse(period_kind, "period_kind")
        self.period = period
        self.period_start = period_start
        self.period_end = period_end
        self.due_on = due_on
        self.title = title
        self.drafted_on = drafted_on
        self.documents: list[DocumentRef] = [document]
        self.chain: list[tuple[Role, str]] = [(Role.parse(r, "chain"), zh) for r, zh in chain]
        self.loans = [LoanMeasures(**m) for m in loans]
        self.rules_version = rules_version
        self.author_id = actor_id
        self.author_role = role
        self.round = 1
        self.reviews: list[Review] = []
        self.returned = False
        self.approved_on: date | None = None
        self.submitted_to: str | None = None
        self.submitted_on: date | None = None
        self.acknowledged_on: date | None = None
        self.acknowledged_by: UUID | None = None
        self.acknowledgement: str | None = None

    # ----------------------------------------------------------------------- reading
    @property
    def document(self) -> DocumentRef:
        """The document as it now stands (the latest revision)."""
        return self.documents[-1]

    def holds(self, sha256: str) -> bool:
        return any(d.sha256 == sha256 for d in self.documents)

    @property
    def this_round(self) -> list[Review]:
        return [r for r in self.reviews if r.round == self.round]

    @property
    def next_step(self) -> int | None:
        """The index of the step awaited, or None when the chain is through or the paper is
        returned."""
        if self.returned or self.approved_on is not None:
            return None
        return len(self.this_round)

    @property
    def state(self) -> PaperState:
        if self.acknowledged_on is not None:
            return PaperState.ACKNOWLEDGED
        if self.submitted_on is not None:
            return PaperState.SUBMITTED
        if self.approved_on is not None:
            return PaperState.APPROVED
        if self.returned:
            return PaperState.RETURNED
        return PaperState.IN_REVIEW

    def _last_date(self) -> date:
        dates = [self.drafted_on, *(r.on for r in self.reviews)]
        return max(dates)

    # ----------------------------------------------------------------------- review
    def review(self, *, approved: bool, reason: str, reviewed_on: date, actor: Actor) -> None:
        """The step awaited approves the paper or returns it with a reason (退回修改); the last
        step's approval submits a paper sent up to the unit above."""
        authorize(actor, Action.REVIEW_PAPER)
        step = self.next_step
        if step is None:
            raise InvalidTransitionError(
                f"{self.paper_no} 不在审阅中（{self.state.zh}）",
                f"{self.paper_no} awaits no review ({self.state.value})",
            )
        role, step_zh = self.chain[step]
        if actor.role is not role:
            raise InvalidInputError(
                f"{self.paper_no} 待{step_zh}（{role.zh}）审阅，不由{actor.role.zh}",
                f"{self.paper_no} awaits the {role.value}'s review ({step_zh}), not the "
                f"{actor.role.value}'s",
                field="role",
            )
        if actor.id == self.author_id:
            raise SegregationOfDutiesError(
                "起草人不得审阅本人起草的文书", "nobody reviews a paper they drafted"
            )
        if any(r.by == actor.id for r in self.this_round):
            raise SegregationOfDutiesError(
                "同一人不得审阅同一文书的两个环节",
                "each step of the chain is taken by a different person",
            )
        check_not_before(
            reviewed_on, self._last_date(), field="vetted_on", since_field="drafted_on"
        )
        self._reviewed(
            step=step,
            step_role=role,
            approved=approved,
            reason=require_text(reason, "reason"),
            vetted_on=reviewed_on,
            actor_id=actor.id,
            role=actor.role,
        )
        if approved and self.approved_on is not None and self.parent is not None:
            self._submitted(
                submitted_to=self.parent,
                submitted_on=reviewed_on,
                actor_id=actor.id,
                role=actor.role,
            )

    @event("PaperReviewed")
    def _reviewed(
        self,
        *,
        step: int,
        step_role: Role,
        approved: bool,
        reason: str,
        vetted_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.reviews.append(
            Review(step, step_role, approved, reason, vetted_on, actor_id, self.round)
        )
        if not approved:
            self.returned = True
        elif step == len(self.chain) - 1:
            self.approved_on = vetted_on

    @event("PaperSubmitted")
    def _submitted(
        self, *, submitted_to: str, submitted_on: date, actor_id: UUID, role: Role
    ) -> None:
        self.submitted_to = submitted_to
        self.submitted_on = submitted_on

    def revise(
        self,
        *,
        document: DocumentRef,
        note: str,
        revised_on: date,
        loans: Sequence[LoanMeasures] | None,
        kind: PaperKind | None,
        actor: Actor,
    ) -> None:
        """The author revises a returned paper with a new document; the chain starts again."""
        authorize(actor, Action.DRAFT_PAPER)
        if not self.returned:
            raise InvalidTransitionError(
                f"{self.paper_no} 未被退回，无需修改", f"{self.paper_no} was not returned"
            )
        if actor.id != self.author_id:
            raise SegregationOfDutiesError(
                "退回的文书由起草人修改", "a returned paper is revised by its author"
            )
        _check_document(document)
        if self.holds(document.sha256):
            raise InvalidInputError(
                "修改稿与已提交的文书相同",
                "the revision is a document already submitted",
                field="documents",
            )
        changed: list[dict[str, str]] | None = None
        if loans is not None:
            if kind is None or not kind.lists_loans:
                raise InvalidInputError(
                    "此类文书不列示贷款", "this kind of paper lists no loans", field="loans"
                )
            changed = [_loan_dict(m) for m in _check_loans(kind, loans)]
        check_not_before(revised_on, self._last_date(), field="revised_on", since_field="vetted_on")
        self._revised(
            document=document,
            note=require_text(note, "note"),
            revised_on=revised_on,
            loans=changed,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("PaperRevised")
    def _revised(
        self,
        *,
        document: DocumentRef,
        note: str,
        revised_on: date,
        loans: list[dict[str, str]] | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.documents.append(document)
        if loans is not None:
            self.loans = [LoanMeasures(**m) for m in loans]
        self.returned = False
        self.round += 1

    # ------------------------------------------------------------------ acknowledgement
    def acknowledge(
        self, *, acknowledged_on: date, opinion: str, actor: Actor, actor_branch: str
    ) -> None:
        """A head of the unit above reads the paper submitted to it (阅知)."""
        authorize(actor, Action.ACKNOWLEDGE_PAPER)
        if self.submitted_to is None or self.submitted_on is None:
            raise InvalidTransitionError(
                f"{self.paper_no} 尚未报送上级", f"{self.paper_no} has not been submitted up"
            )
        if self.acknowledged_on is not None:
            raise InvalidTransitionError(
                f"{self.paper_no} 已阅知", f"{self.paper_no} is already acknowledged"
            )
        if actor_branch != self.submitted_to:
            raise SegregationOfDutiesError(
                f"{self.paper_no} 报送{self.submitted_to}，由该机构负责人阅知",
                f"{self.paper_no} went to {self.submitted_to}: a head of that unit reads it",
            )
        if actor.id == self.author_id or any(r.by == actor.id for r in self.reviews):
            raise SegregationOfDutiesError(
                "起草人、审阅人不得阅知本文书",
                "neither the author nor a reviewer acknowledges the paper",
            )
        check_not_before(
            acknowledged_on,
            self.submitted_on,
            field="acknowledged_on",
            since_field="submitted_on",
        )
        self._acknowledged(
            acknowledged_on=acknowledged_on,
            opinion=require_text(opinion, "opinion"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("PaperAcknowledged")
    def _acknowledged(
        self, *, acknowledged_on: date, opinion: str, actor_id: UUID, role: Role
    ) -> None:
        self.acknowledged_on = acknowledged_on
        self.acknowledged_by = actor_id
        self.acknowledgement = opinion


def _check_document(document: DocumentRef) -> None:
    if document.doc_type != PAPER_DOC_TYPE or document.media_type != "application/pdf":
        raise InvalidInputError(
            f"文书须以 PDF 上传，文档类型 {PAPER_DOC_TYPE}",
            f"a paper is uploaded as a PDF of document type {PAPER_DOC_TYPE}",
            field="documents",
        )


def _check_loans(kind: PaperKind, loans: Sequence[LoanMeasures]) -> list[LoanMeasures]:
    if not kind.lists_loans:
        if loans:
            raise InvalidInputError(
                f"{kind.zh}不列示贷款", f"{kind.code} lists no loans", field="loans"
            )
        return []
    if not loans:
        raise InvalidInputError(
            f"{kind.zh}须逐户列明所研究的贷款及措施",
            f"{kind.code} lists each loan discussed with the measures decided",
            field="loans",
        )
    if len(loans) > MAX_LOANS:
        raise InvalidInputError(
            f"至多 {MAX_LOANS} 笔贷款", f"at most {MAX_LOANS} loans", field="loans"
        )
    seen: set[str] = set()
    checked: list[LoanMeasures] = []
    for m in loans:
        if m.loan_no in seen:
            raise InvalidInputError(
                f"贷款 {m.loan_no} 重复列示", f"loan {m.loan_no} is listed twice", field="loans"
            )
        seen.add(m.loan_no)
        checked.append(
            LoanMeasures(m.loan_no, m.borrower_name, require_text(m.measures, "loans.measures"))
        )
    return checked


def _loan_dict(m: LoanMeasures) -> dict[str, str]:
    return {"loan_no": m.loan_no, "borrower_name": m.borrower_name, "measures": m.measures}
