"""Portfolio metrics (资产质量指标) and the risk-monitoring report (风险监测报告).

The figures are counted from each loan's position on a business date — its balance, five-level
grade, days overdue and status as the loan ledger held them that day — grouped by branch,
product or account manager (docs/rules.md PFM-01 to PFM-07):

* **不良率** (NPL ratio): the balance graded 次级, 可疑 or 损失 ÷ the balance of every loan on the
  books (status 正常: neither settled nor written off) on the day;
* **逾期率** (overdue ratio): the balance of loans with any day overdue ÷ the balance;
* **关注类占比** (special-mention share): the balance graded 关注 ÷ the balance;
* **迁徙率** (migration rates, the regulator's definitions — 正常类/关注类/次级类/可疑类贷款迁徙率):
  for the loans in grade X at the start of the period, the balance that stands in a worse
  grade at its end ÷ (their balance at the start − what they lost during the period through
  repayment, settlement or write-off), i.e. ÷ their balance still on the books at the end;
  beside it the matrix, the share of that balance in each grade Y at the end;
* **收回率** (recovery rate of loans falling due): for the loans whose maturity, as known at the
  start, fell within the period, the principal repaid during it ÷ their balance at the start;
* **核销** (write-offs): the loans written off within the period and the balance written off.

A rate whose denominator is nothing is no rate (``None``, shown "—"). Rates are exact decimals
rounded half up to a hundredth of a percent; amounts are 元 as ``Decimal``.

The report handed out (:class:`IssuedRiskReport`) is recorded with the SHA-256 of its file and
the log position it was read at, so it can be drawn again byte for byte, like the compliance
report. 风险管理部 issues it (002-59 汇集信息，定期发布风险监测报告): a risk manager.

Pure: the standard library, ``eventsourcing``'s aggregates and ``domain`` only.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.compliance import ReportFormat
from domain.errors import InvalidInputError
from domain.industry import industry_label
from domain.portfolio_rules import PortfolioRules
from domain.scope import RowScope
from domain.values import Actor, Grade, LabelledEnum, Product, Role, require_text

ZERO = Decimal("0.00")
NPL: frozenset[Grade] = frozenset({Grade.SUBSTANDARD, Grade.DOUBTFUL, Grade.LOSS})
GRADES: tuple[Grade, ...] = (
    Grade.NORMAL,
    Grade.SPECIAL_MENTION,
    Grade.SUBSTANDARD,
    Grade.DOUBTFUL,
    Grade.LOSS,
)
"""The five grades, best first: a move to the right is a move down (向下迁徙)."""
MIGRATING: tuple[Grade, ...] = GRADES[:4]
"""The grades the regulator states a migration rate for (损失类 can fall no further)."""


class GroupBy(LabelledEnum):
    """What the metrics are grouped by."""

    BRANCH = ("branch", "机构")
    PRODUCT = ("product", "产品")
    MANAGER = ("manager", "客户经理")
    AMOUNT = ("amount", "金额档")
    INDUSTRY = ("industry", "行业")
    LINE = ("line", "业务条线")


CORPORATE_LINE = "公司信贷条线"
RETAIL_LINE = "个人信贷条线"


def business_line(product: str) -> str:
    """The business line (条线) a product belongs to: 个人信贷 for the retail products (个人生产
    经营、个人消费、个人住房按揭), 公司信贷 for the rest (SUS-02)."""
    try:
        found = Product.parse(product, "product")
    except InvalidInputError:
        return CORPORATE_LINE
    return RETAIL_LINE if found.is_retail else CORPORATE_LINE


class ReportPeriod(LabelledEnum):
    """How long a risk-monitoring report's period is (报告期)."""

    MONTH = ("month", "月度")
    QUARTER = ("quarter", "季度")

    @property
    def months(self) -> int:
        return 1 if self is ReportPeriod.MONTH else 3


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier; from a month's last day, that month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    at_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if at_end else min(day.day, last))


def _no_earlier(on: date) -> InvalidInputError:
    return InvalidInputError(
        f"统计日（on）{on} 之前没有可作期初的日子",
        f"the date (on) {on} leaves no day before it to start a period from",
        field="on",
    )


def period_start(on: date, period: ReportPeriod) -> date:
    """The day a period ending on ``on`` is counted from (期初, exclusive): a quarter ending on
    30 September starts from the evening of 30 June."""
    try:
        return _months_before(on, period.months)
    except (ValueError, OverflowError):
        raise _no_earlier(on) from None


def quarter_start(on: date) -> date:
    """The last day of the quarter before the one ``on`` lies in: the default start of the
    period the migration, recovery and write-off figures cover."""
    first = date(on.year, (on.month - 1) // 3 * 3 + 1, 1)
    try:
        return first - timedelta(days=1)
    except OverflowError:
        raise _no_earlier(on) from None


def check_period(since: date, on: date, today: date) -> None:
    """Refuse a period that ends after today or does not start before it ends."""
    if on > today:
        raise InvalidInputError(
            f"统计日（on）{on} 晚于今日 {today}：尚未到来的日子没有指标",
            f"the date (on) {on} is after today, {today}: a day not yet come has no figures",
            field="on",
        )
    if since >= on:
        raise InvalidInputError(
            f"期初日（since）{since} 须早于统计日（on）{on}",
            f"the start of the period (since) {since} must lie before its end (on) {on}",
            field="since",
        )


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` ÷ ``whole`` in percent, to a hundredth, half up; nothing of nothing is ``None``."""
    if whole == 0:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"), ROUND_HALF_UP)


def shown(rate: Decimal | None) -> str:
    """A rate as people read it: ``12.50%``, or ``—`` where there is nothing to divide by."""
    return "—" if rate is None else f"{rate}%"


@dataclass(frozen=True)
class LoanPosition:
    """One loan as the ledger held it on a day."""

    loan_id: UUID
    loan_no: str
    branch: str
    product: str
    manager: str
    balance: Decimal
    grade: Grade
    days_overdue: int
    on_book: bool
    maturity_date: date | None
    written_off_on: date | None
    principal: Decimal = ZERO
    industry: str | None = None
    borrower_id: str = ""
    manager_no: str = ""

    def key(self, by: GroupBy, rules: PortfolioRules | None = None) -> str:
        if by is GroupBy.INDUSTRY:
            return industry_label(self.industry)
        if by is GroupBy.LINE:
            return business_line(self.product)
        if by is GroupBy.AMOUNT:
            return (rules or PortfolioRules()).band(self.principal)
        if by is GroupBy.BRANCH:
            return self.branch
        if by is GroupBy.PRODUCT:
            try:
                return str(Product.parse(self.product, "product").zh)
            except InvalidInputError:
                return self.product
        return self.manager


@dataclass(frozen=True)
class Migration:
    """The loans in ``grade`` at the start of the period and where their balance went."""

    grade: Grade
    loans: int
    start_balance: Decimal
    decreased: Decimal
    to: Mapping[Grade, Decimal]

    @property
    def remaining(self) -> Decimal:
        """期初余额 − 期间减少: their balance on the books at the end."""
        return self.start_balance - self.decreased

    @property
    def downward(self) -> Decimal:
        """向下迁徙金额: the balance in a worse grade at the end."""
        below = GRADES[GRADES.index(self.grade) + 1 :]
        return sum((self.to.get(g, ZERO) for g in below), ZERO)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.downward, self.remaining)

    def share(self, grade: Grade) -> Decimal | None:
        return percent(self.to.get(grade, ZERO), self.remaining)


@dataclass(frozen=True)
class MetricsLine:
    """The figures of one group (or of the whole, ``key`` 合计)."""

    key: str
    loans: int
    balance: Decimal
    by_grade: Mapping[Grade, Decimal]
    overdue_balance: Decimal
    migrations: tuple[Migration, ...]
    due: Decimal
    recovered: Decimal
    written_off_loans: int
    written_off: Decimal
    provision: Decimal = ZERO
    """拨备: the balance of each grade times its rate (``[portfolio] provision_rates``)."""
    npl_ceiling: Decimal | None = None
    """The NPL ratio the group is to stay within (a branch's, or the whole's), percent."""
    npl_alert: Decimal | None = None
    """不良警戒线: the NPL ratio, percent, the group is flagged above (SUS-03)."""
    overdue_target: Decimal | None = None
    """逾期率考核线: the overdue ratio, percent, the group is flagged above (SUS-03)."""

    @property
    def npl_alert_breach(self) -> bool | None:
        """Whether the NPL ratio exceeds the 不良警戒线; None: no line or no balance."""
        if self.npl_alert is None or self.npl_rate is None:
            return None
        return self.npl_rate > self.npl_alert

    @property
    def overdue_breach(self) -> bool | None:
        """Whether the overdue ratio exceeds the 逾期率考核线; None: no line or no balance."""
        if self.overdue_target is None or self.overdue_rate is None:
            return None
        return self.overdue_rate > self.overdue_target

    @property
    def npl_breach(self) -> bool | None:
        """Whether the NPL ratio exceeds its ceiling (超标); None where there is no ceiling
        or no balance."""
        if self.npl_ceiling is None or self.npl_rate is None:
            return None
        return self.npl_rate > self.npl_ceiling

    @property
    def npl_balance(self) -> Decimal:
        return sum((self.by_grade.get(g, ZERO) for g in NPL), ZERO)

    @property
    def special_mention_balance(self) -> Decimal:
        return self.by_grade.get(Grade.SPECIAL_MENTION, ZERO)

    @property
    def npl_rate(self) -> Decimal | None:
        return percent(self.npl_balance, self.balance)

    @property
    def overdue_rate(self) -> Decimal | None:
        return percent(self.overdue_balance, self.balance)

    @property
    def special_mention_share(self) -> Decimal | None:
        return percent(self.special_mention_balance, self.balance)

    @property
    def recovery_rate(self) -> Decimal | None:
        return percent(self.recovered, self.due)

    def migration(self, grade: Grade) -> Migration:
        return next(m for m in self.migrations if m.grade is grade)


TOTAL = "合计"


@dataclass(frozen=True)
class PortfolioMetrics:
    """The metrics on ``on``, their period counted from ``since``, grouped ``by``, of the loans
    within ``data_scope`` (and ``branch`` when one was asked for), read at ``position``."""

    on: date
    since: date
    by: GroupBy
    branch: str | None
    position: int
    data_scope: RowScope
    lines: tuple[MetricsLine, ...]
    total: MetricsLine


def _migrations(
    pairs: Iterable[tuple[LoanPosition, LoanPosition | None]],
) -> tuple[Migration, ...]:
    found = []
    pairs = list(pairs)
    for grade in MIGRATING:
        start = ZERO
        decreased = ZERO
        to: dict[Grade, Decimal] = {}
        loans = 0
        for before, after in pairs:
            if before.grade is not grade:
                continue
            loans += 1
            start += before.balance
            remaining = after.balance if after is not None and after.on_book else ZERO
            remaining = min(remaining, before.balance)
            decreased += before.balance - remaining
            if after is not None and remaining > 0:
                to[after.grade] = to.get(after.grade, ZERO) + remaining
        found.append(Migration(grade, loans, start, decreased, to))
    return tuple(found)


def _line(
    key: str,
    end: list[LoanPosition],
    pairs: list[tuple[LoanPosition, LoanPosition | None]],
    written: list[tuple[LoanPosition, Decimal]],
    since: date,
    on: date,
    rules: PortfolioRules,
    ceiling: Decimal | None,
    lines_key: str | None = None,
) -> MetricsLine:
    book = [p for p in end if p.on_book]
    by_grade: dict[Grade, Decimal] = {}
    for p in book:
        by_grade[p.grade] = by_grade.get(p.grade, ZERO) + p.balance
    due = recovered = ZERO
    for before, after in pairs:
        if before.maturity_date is not None and since < before.maturity_date <= on:
            due += before.balance
            left = after.balance if after is not None else before.balance
            recovered += max(before.balance - left, ZERO)
    return MetricsLine(
        key=key,
        loans=len(book),
        balance=sum((p.balance for p in book), ZERO),
        by_grade=by_grade,
        overdue_balance=sum((p.balance for p in book if p.days_overdue > 0), ZERO),
        migrations=_migrations(pairs),
        due=due,
        recovered=recovered,
        written_off_loans=len(written),
        written_off=sum((amount for _, amount in written), ZERO),
        provision=sum(
            (
                (amount * rules.provision_rates.get(grade, ZERO) / 100).quantize(
                    Decimal("0.01"), ROUND_HALF_UP
                )
                for grade, amount in by_grade.items()
            ),
            ZERO,
        ),
        npl_ceiling=ceiling,
        npl_alert=rules.lines(lines_key)[0],
        overdue_target=rules.lines(lines_key)[1],
    )


def build_metrics(
    *,
    on: date,
    since: date,
    by: GroupBy,
    branch: str | None,
    position: int,
    data_scope: RowScope,
    start: Mapping[UUID, LoanPosition],
    end: Mapping[UUID, LoanPosition],
    written_off: Mapping[UUID, Decimal],
    rules: PortfolioRules | None = None,
) -> PortfolioMetrics:
    """Count the metrics from the loans' positions at the start and the end of the period and
    the balance each loan written off within it had when it was written off."""
    on_book_at_start = [p for p in start.values() if p.on_book]
    pairs = [(p, end.get(p.loan_id)) for p in on_book_at_start]
    written = [(end[i], amount) for i, amount in written_off.items() if i in end]

    rules = rules or PortfolioRules()

    def group_of(p: LoanPosition) -> str:
        return (end.get(p.loan_id) or p).key(by, rules)

    def ceiling(key: str) -> Decimal | None:
        if by is GroupBy.BRANCH:
            return rules.ceiling(key)
        return rules.ceiling(branch) if branch else None

    product_codes: dict[str, str] = {str(p.zh): str(p.value) for p in Product}

    def lines_key(key: str) -> str | None:
        """Whose lines a group is judged by: its branch, its product, else the whole's."""
        if by is GroupBy.BRANCH:
            return key
        if by is GroupBy.PRODUCT:
            return product_codes.get(key, key)
        return branch

    keys = sorted(
        {group_of(p) for p in end.values() if p.on_book}
        | {group_of(before) for before, _ in pairs}
        | {group_of(p) for p, _ in written},
        key=(lambda k: (rules.band_order(k), k)) if by is GroupBy.AMOUNT else None,
    )
    lines = tuple(
        _line(
            key,
            [p for p in end.values() if group_of(p) == key],
            [(b, a) for b, a in pairs if group_of(b) == key],
            [(p, amount) for p, amount in written if group_of(p) == key],
            since,
            on,
            rules,
            ceiling(key),
            lines_key(key),
        )
        for key in keys
    )
    whole = rules.ceiling(branch) if branch else rules.npl_ceiling.get("*")
    total = _line(TOTAL, list(end.values()), pairs, written, since, on, rules, whole, branch)
    return PortfolioMetrics(on, since, by, branch, position, data_scope, lines, total)


class IssuedRiskReport(Aggregate):
    """A risk-monitoring report handed out (风险监测报告签发): its period, the branch it covers
    (or the whole within the issuer's data scope), the log position it was read at, the
    renderer that drew it and the SHA-256 of the very file handed out."""

    class Issued(Aggregate.Created):
        report_id: UUID
        period: str
        since: date
        on: date
        branch: str | None
        position: int
        format: str
        renderer: int
        sha256: str
        size: int
        purpose: str
        data_scope: dict[str, Any] | None
        actor_id: UUID
        role: Role

    @classmethod
    def issue(
        cls,
        *,
        report_id: UUID,
        period: ReportPeriod,
        since: date,
        on: date,
        branch: str | None,
        position: int,
        format: ReportFormat,
        renderer: int,
        sha256: str,
        size: int,
        purpose: str,
        actor: Actor,
        data_scope: RowScope,
    ) -> IssuedRiskReport:
        authorize(actor, Action.ISSUE_RISK_REPORT)
        purpose = require_text(purpose, "purpose", max_length=500)
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256) or size <= 0:
            raise InvalidInputError(
                "报告文件的哈希或大小无效",
                "the report file's hash or size is invalid",
                field="sha256",
            )
        return cls(
            report_id=report_id,
            period=period.value,
            since=since,
            on=on,
            branch=branch,
            position=position,
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
        period: str,
        since: date,
        on: date,
        branch: str | None,
        position: int,
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
        self.period = period
        self.since = since
        self.on = on
        self.branch = branch
        self.position = position
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


@dataclass(frozen=True)
class Downgrade:
    """A loan moved to a worse grade within the period, with the reason recorded for it."""

    loan_no: str
    branch: str
    from_grade: Grade
    to_grade: Grade
    as_of: date
    reason: str


@dataclass(frozen=True)
class Causes:
    """What lies behind the period's figures, from the registers (PFM-13): the warning signals
    raised within it by branch and category (预警信号类别), how many were handled with measures
    (处警措施), the downgrades approved within it with their recorded reasons, and the
    non-performing loans on the books at its end by disposal route (处置方式) with their
    balance and what was recovered after write-off."""

    warnings: Mapping[tuple[str, str], int]
    handled: Mapping[str, int]
    downgrades: tuple[Downgrade, ...]
    disposal: Mapping[str, tuple[int, Decimal, Decimal]]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted({category for _, category in self.warnings}))

    @property
    def branches(self) -> tuple[str, ...]:
        return tuple(sorted({b for b, _ in self.warnings} | set(self.handled)))


NO_CAUSES = Causes({}, {}, (), {})
