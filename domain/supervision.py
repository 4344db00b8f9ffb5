"""Supervision of post-loan work (贷后管理检查): a check scored on a sheet, its rectification.

A unit above, or a risk manager, compliance or audit, checks a branch's or an account manager's
post-loan work against the scoring sheet of the rules in force (《贷后管理日常检查评分表》,
``[supervision]`` of ``rules.toml``; docs/rules.md SUP-01 to SUP-06): item by item, points
deducted with the finding behind each, the score computed — never entered — out of the sheet's
total (百分制). A score below ``pass_score`` issues a rectification notice (限期整改通知书) with a
deadline; the party checked reports the rectification (整改报告) and the checker accepts it
(验收) — closing the check — or sends it back. Penalties are recorded as decided (处罚: amount
in 元, on whom, why), the figure the sheet proposes (``penalty_below_pass``) being only that.

Segregation of duties: nobody checks themselves, nor the unit they belong to; the party checked
reports, the checker accepts; nobody is penalised on their own decision.

Pure: the standard library, ``domain`` and ``eventsourcing.domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.values import Actor, CheckSubject, LabelledEnum, Role, require_text

Fail = Callable[[str, str, str], Exception]

MAX_DEDUCTIONS = 200
MAX_PENALTY = Decimal("100000000")
CENTS = Decimal("0.01")


class CheckState(LabelledEnum):
    """Where a supervision check stands (检查状态)."""

    PASSED = ("passed", "达标")
    RECTIFYING = ("rectifying", "限期整改中")
    REPORTED = ("reported", "整改待验收")
    CLOSED = ("closed", "整改已验收")


# ------------------------------------------------------------------------- the sheet
@dataclass(frozen=True)
class SheetItem:
    """One item of the scoring sheet (评分项目): its code, its text and the points it is worth."""

    code: str
    zh: str
    points: int


@dataclass(frozen=True)
class SupervisionRules:
    """``[supervision]``: the scoring sheet, the pass score, the penalty it proposes below it and
    the days given to rectify. No items (a rule set adopted before it): no check can be scored."""

    items: tuple[SheetItem, ...] = ()
    pass_score: int | None = None
    penalty_below_pass: Decimal | None = None
    rectification_days: int | None = None

    @property
    def total(self) -> int:
        return sum(i.points for i in self.items)

    def item(self, code: str) -> SheetItem:
        found = next((i for i in self.items if i.code == code), None)
        if found is None:
            raise InvalidInputError(
                f"评分表中没有项目 {code!r}",
                f"the scoring sheet has no item {code!r}",
                field="deductions",
            )
        return found


EARLIER_SUPERVISION: Mapping[str, Any] = {
    "items": [],
    "pass_score": None,
    "penalty_below_pass": None,
    "rectification_days": None,
}
"""``[supervision]`` of a rule set adopted before it: no scoring sheet."""


def parse_supervision(raw: Any, fail: Fail) -> SupervisionRules:
    """The ``[supervision]`` table of a rule set."""
    if not isinstance(raw, dict):
        raise fail("supervision", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_SUPERVISION))
    if unknown:
        raise fail(f"supervision.{unknown[0]}", "未知的键", "unknown key")
    items: list[SheetItem] = []
    raw_items = raw.get("items", [])
    if not isinstance(raw_items, list):
        raise fail("supervision.items", "须为数组", "must be an array")
    for n, entry in enumerate(raw_items):
        path = f"supervision.items[{n}]"
        if not isinstance(entry, dict) or set(entry) != {"code", "zh", "points"}:
            raise fail(path, "须有 code、zh、points 三键", "must have code, zh and points")
        code, zh, points = entry["code"], entry["zh"], entry["points"]
        if not isinstance(code, str) or not code or not code.isidentifier():
            raise fail(f"{path}.code", "须为标识符", "must be an identifier")
        if not isinstance(zh, str) or not zh.strip():
            raise fail(f"{path}.zh", "不能为空", "must not be blank")
        if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= 100:
            raise fail(f"{path}.points", "须为 1–100 的整数", "must be an integer 1-100")
        if any(i.code == code for i in items):
            raise fail(f"{path}.code", f"重复的项目 {code}", f"duplicate item {code}")
        items.append(SheetItem(code, zh.strip(), points))
    total = sum(i.points for i in items)
    pass_score = raw.get("pass_score")
    if items:
        if isinstance(pass_score, bool) or not isinstance(pass_score, int):
            raise fail("supervision.pass_score", "须为整数", "must be an integer")
        if not 1 <= pass_score <= total:
            raise fail(
                "supervision.pass_score",
                f"须在 1 与评分表总分 {total} 之间",
                f"must lie between 1 and the sheet's total, {total}",
            )
    elif pass_score is not None:
        raise fail("supervision.pass_score", "评分表无项目", "the sheet has no items")
    penalty = raw.get("penalty_below_pass")
    amount: Decimal | None = None
    if penalty is not None:
        try:
            amount = Decimal(penalty) if isinstance(penalty, str) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0:
            raise fail(
                "supervision.penalty_below_pass",
                f"须为非负金额字符串（元），而非 {penalty!r}",
                "must be an amount in 元, as a string",
            )
    days = raw.get("rectification_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise fail("supervision.rectification_days", "须为正整数", "must be a positive integer")
    if amount is not None:
        amount = amount.quantize(CENTS)
    return SupervisionRules(tuple(items), pass_score, amount, days)


# ------------------------------------------------------------------------ scoring
@dataclass(frozen=True)
class Deduction:
    """Points deducted on one item of the sheet, with the finding behind them (扣分及问题)."""

    item: str
    points: int
    finding: str


def score_sheet(
    sheet: SupervisionRules, deductions: Sequence[Deduction]
) -> tuple[int, list[dict[str, Any]]]:
    """The score (the sheet's total less the points deducted) and each item as scored.

    Refused: an item the sheet lacks, a deduction of no points or more than the item is worth
    (all deductions on one item together), a blank finding.
    """
    if not sheet.items:
        raise InvalidInputError(
            "现行规则没有贷后管理检查评分表（[supervision]），无法评分",
            "the rules in force have no scoring sheet ([supervision]): nothing to score against",
            field="deductions",
        )
    if len(deductions) > MAX_DEDUCTIONS:
        raise InvalidInputError(
            f"扣分项至多 {MAX_DEDUCTIONS} 条",
            f"at most {MAX_DEDUCTIONS} deductions",
            field="deductions",
        )
    taken: dict[str, int] = {}
    findings: dict[str, list[str]] = {}
    for d in deductions:
        item = sheet.item(d.item)
        if isinstance(d.points, bool) or d.points < 1:
            raise InvalidInputError(
                f"{item.zh}：扣分须为正整数，而非 {d.points}",
                f"{item.code}: points deducted must be a positive integer, not {d.points}",
                field="deductions",
            )
        taken[item.code] = taken.get(item.code, 0) + d.points
        if taken[item.code] > item.points:
            raise InvalidInputError(
                f"{item.zh}：扣分 {taken[item.code]} 超过该项分值 {item.points}",
                f"{item.code}: {taken[item.code]} points deducted exceed the item's {item.points}",
                field="deductions",
            )
        findings.setdefault(item.code, []).append(
            require_text(d.finding, "deductions.finding", max_length=2000)
        )
    scored = [
        {
            "item": i.code,
            "zh": i.zh,
            "points": i.points,
            "deducted": taken.get(i.code, 0),
            "findings": findings.get(i.code, []),
        }
        for i in sheet.items
    ]
    return sheet.total - sum(taken.values()), scored


# ------------------------------------------------------------------------ the check
@dataclass(frozen=True)
class Penalty:
    """A penalty recorded as decided (处罚): on whom, how much, why."""

    penalty_id: UUID
    staff_id: UUID | None
    """The person penalised; None: the unit checked (扣减发展费用)."""
    amount: Decimal
    reason: str
    decided_on: date
    decided_by: UUID


@dataclass
class Rectification:
    """The notice issued and where its rectification stands."""

    notice_no: str
    issued_on: date
    deadline: date
    sha256: str
    reports: list[tuple[date, str, UUID]] = field(default_factory=list)
    accepted_on: date | None = None
    returned: int = 0


class SupervisionCheck(Aggregate):
    """One check of a branch's or an account manager's post-loan work, scored on the sheet."""

    @classmethod
    def record(
        cls,
        *,
        check_id: UUID,
        check_no: str,
        subject: CheckSubject,
        branch: str,
        staff_id: UUID | None,
        checker_branch: str,
        checked_on: date,
        period_from: date,
        period_to: date,
        sheet: SupervisionRules,
        rules_version: str,
        deductions: Sequence[Deduction],
        findings: str,
        actor: Actor,
    ) -> Self:
        """Score a check (score computed from the deductions) by someone not checked."""
        authorize(actor, Action.SUPERVISE_POST_LOAN)
        if subject is CheckSubject.ACCOUNT_MANAGER:
            if staff_id is None:
                raise InvalidInputError(
                    "检查客户经理须写明其工号", "name the account manager checked", field="staff_no"
                )
            if staff_id == actor.id:
                raise SegregationOfDutiesError(
                    "不得检查本人的贷后管理工作", "nobody may check their own post-loan work"
                )
        elif checker_branch == branch:
            raise SegregationOfDutiesError(
                f"不得检查本机构（{branch}）的贷后管理工作：由上级行或风险、合规、审计部门检查",
                f"nobody checks the post-loan work of their own unit ({branch}): a unit above "
                "or risk, compliance or audit does",
            )
        check_not_before(period_to, period_from, field="period_to", since_field="period_from")
        check_not_before(checked_on, period_from, field="checked_on", since_field="period_from")
        score, items = score_sheet(sheet, deductions)
        pass_score = sheet.pass_score or 0
        return cls(
            check_id=check_id,
            check_no=check_no,
            subject=subject,
            branch=branch,
            staff_id=staff_id if subject is CheckSubject.ACCOUNT_MANAGER else None,
            checked_on=checked_on,
            period_from=period_from,
            period_to=period_to,
            items=items,
            total=sheet.total,
            score=score,
            pass_score=pass_score,
            passed=score >= pass_score,
            proposed_penalty=sheet.penalty_below_pass if score < pass_score else None,
            rules_version=rules_version,
            findings=require_text(findings, "findings"),
            actor_id=actor.id,
            role=actor.role,
        )

    @staticmethod
    def create_id(check_id: UUID) -> UUID:
        return check_id

    @event("Checked")
    def __init__(
        self,
        *,
        check_id: UUID,
        check_no: str,
        subject: CheckSubject,
        branch: str,
        staff_id: UUID | None,
        checked_on: date,
        period_from: date,
        period_to: date,
        items: list[dict[str, Any]],
        total: int,
        score: int,
        pass_score: int,
        passed: bool,
        proposed_penalty: Decimal | None,
        rules_version: str,
        findings: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.check_no = check_no
        self.subject = subject
        self.branch = branch
        self.staff_id = staff_id
        self.checked_on = checked_on
        self.period_from = period_from
        self.period_to = period_to
        self.items = [dict(i) for i in items]
        self.total = total
        self.score = score
        self.pass_score = pass_score
        self.passed = passed
        self.proposed_penalty = proposed_penalty
        self.rules_version = rules_version
        self.findings = findings
        self.checker_id = actor_id
        self.checker_role = role
        self.rectification: Rectification | None = None
        self.penalties: list[Penalty] = []

    @property
    def state(self) -> CheckState:
        r = self.rectification
        if r is None:
            return CheckState.PASSED
        if r.accepted_on is not None:
            return CheckState.CLOSED
        if len(r.reports) > r.returned:
            return CheckState.REPORTED
        return CheckState.RECTIFYING

    def default_deadline(self, days: int | None) -> date:
        return self.checked_on + timedelta(days=days or 30)

    def issue_notice(self, *, notice_no: str, deadline: date, sha256: str, actor: Actor) -> None:
        """The rectification notice (限期整改通知书) of a check scored below the pass score."""
        authorize(actor, Action.SUPERVISE_POST_LOAN)
        if self.passed:
            raise InvalidTransitionError(
                "检查得分达标，无需整改", "the check passed: nothing to rectify"
            )
        if self.rectification is not None:
            raise InvalidTransitionError("整改通知书已下发", "the notice is already issued")
        check_not_before(deadline, self.checked_on, field="deadline", since_field="checked_on")
        self._notice_issued(
            notice_no=notice_no,
            issued_on=self.checked_on,
            deadline=deadline,
            sha256=sha256,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("NoticeIssued")
    def _notice_issued(
        self,
        *,
        notice_no: str,
        issued_on: date,
        deadline: date,
        sha256: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.rectification = Rectification(notice_no, issued_on, deadline, sha256)

    def _open(self) -> Rectification:
        r = self.rectification
        if r is None:
            raise InvalidTransitionError(
                "此检查未下发整改通知书", "this check issued no rectification notice"
            )
        if r.accepted_on is not None:
            raise InvalidTransitionError("整改已验收", "the rectification is already accepted")
        return r

    def report_rectification(
        self, *, reported_on: date, report: str, actor: Actor, actor_branch: str
    ) -> None:
        """The party checked reports what was rectified (整改报告): the account manager checked,
        or someone of the branch checked."""
        authorize(actor, Action.REPORT_RECTIFICATION)
        r = self._open()
        if self.subject is CheckSubject.ACCOUNT_MANAGER:
            if actor.id != self.staff_id:
                raise SegregationOfDutiesError(
                    "整改情况由被检查的客户经理本人报告",
                    "the rectification is reported by the account manager checked",
                )
        elif actor_branch != self.branch:
            raise SegregationOfDutiesError(
                f"整改情况由被检查机构（{self.branch}）报告",
                f"the rectification is reported by the unit checked ({self.branch})",
            )
        if len(r.reports) > r.returned:
            raise InvalidTransitionError(
                "整改报告待验收", "a rectification report already awaits acceptance"
            )
        check_not_before(reported_on, r.issued_on, field="reported_on", since_field="issued_on")
        self._rectification_reported(
            reported_on=reported_on,
            report=require_text(report, "report"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("RectificationReported")
    def _rectification_reported(
        self, *, reported_on: date, report: str, actor_id: UUID, role: Role
    ) -> None:
        assert self.rectification is not None
        self.rectification.reports.append((reported_on, report, actor_id))

    def accept_rectification(
        self, *, accepted_on: date, accepted: bool, opinion: str, actor: Actor
    ) -> None:
        """The checker accepts the rectification reported (验收), closing the check, or sends it
        back to be rectified further."""
        authorize(actor, Action.SUPERVISE_POST_LOAN)
        r = self._open()
        if actor.id != self.checker_id:
            raise SegregationOfDutiesError(
                "整改由原检查人验收", "the rectification is accepted by the person who checked"
            )
        if len(r.reports) <= r.returned:
            raise InvalidTransitionError(
                "尚无待验收的整改报告", "no rectification report awaits acceptance"
            )
        check_not_before(
            accepted_on, r.reports[-1][0], field="accepted_on", since_field="reported_on"
        )
        self._rectification_accepted(
            accepted_on=accepted_on,
            accepted=accepted,
            opinion=require_text(opinion, "opinion"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("RectificationAccepted")
    def _rectification_accepted(
        self, *, accepted_on: date, accepted: bool, opinion: str, actor_id: UUID, role: Role
    ) -> None:
        assert self.rectification is not None
        if accepted:
            self.rectification.accepted_on = accepted_on
        else:
            self.rectification.returned += 1

    def record_penalty(
        self,
        *,
        penalty_id: UUID,
        staff_id: UUID | None,
        amount: Decimal,
        reason: str,
        decided_on: date,
        actor: Actor,
    ) -> None:
        """A penalty as decided (处罚), on the unit checked or on a person: never on oneself."""
        authorize(actor, Action.SUPERVISE_POST_LOAN)
        if staff_id is not None and staff_id == actor.id:
            raise SegregationOfDutiesError(
                "不得记录对本人的处罚", "nobody records a penalty on themselves"
            )
        if not amount.is_finite() or amount <= 0 or amount > MAX_PENALTY:
            raise InvalidInputError(
                "处罚金额须为正数（元）", "the amount must be positive (元)", field="amount"
            )
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidInputError(
                "处罚金额至多两位小数", "the amount has at most two decimals", field="amount"
            )
        if any(p.penalty_id == penalty_id for p in self.penalties):
            raise InvalidTransitionError("该处罚已登记", "this penalty is already recorded")
        check_not_before(decided_on, self.checked_on, field="decided_on", since_field="checked_on")
        self._penalty_recorded(
            penalty_id=penalty_id,
            penalised_id=staff_id,
            amount=amount.quantize(CENTS),
            reason=require_text(reason, "reason"),
            decided_on=decided_on,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("PenaltyRecorded")
    def _penalty_recorded(
        self,
        *,
        penalty_id: UUID,
        penalised_id: UUID | None,
        amount: Decimal,
        reason: str,
        decided_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.penalties.append(
            Penalty(penalty_id, penalised_id, amount, reason, decided_on, actor_id)
        )
