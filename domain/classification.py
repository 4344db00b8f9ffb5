"""Five-level classification rules: sub-grade schemes and statutory floors.

The floors come from 《商业银行金融资产风险分类办法》 (中国银保监会、中国人民银行令〔2023〕第 1 号,
effective 2023-07-01; docs/rules.md R-CLASS, CLS-06 to CLS-17). Their statutory figures are
fixed here, in :class:`FloorPolicy`'s defaults: a bank's rule set may tighten them
(``[classification.floors]`` of ``archive/rules.toml``, checked by ``domain.rules``), never
loosen them. The sub-grade scheme is the bank's: ``classification.sub_grades`` of the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain.errors import InvalidInputError
from domain.values import Grade


@dataclass(frozen=True)
class SubGradeScheme:
    """A bank's refinement of the five grades, always mapped onto them
    (``classification.sub_grades`` of the rules in force; docs/rules.md CLS-02)."""

    sub_grades: Mapping[str, tuple[Grade, str]]
    """Sub-grade code → the grade it refines and its Chinese label, in the rules' order."""

    def check(self, grade: Grade, sub_grade: str | None) -> None:
        """Refuse a sub-grade that is unknown or belongs to another grade."""
        if sub_grade is None:
            return
        try:
            mapped, _label = self.sub_grades[sub_grade]
        except KeyError:
            known = ", ".join(self.sub_grades)
            raise InvalidInputError(
                f"未知的细分等级 {sub_grade!r}（可选：{known}）",
                f"unknown sub-grade {sub_grade!r}; known: {known}",
                field="sub_grade",
            ) from None
        if mapped is not grade:
            raise InvalidInputError(
                f"细分等级 {sub_grade} 属于{mapped.zh}类，与所选{grade.zh}类不符",
                f"sub-grade {sub_grade} belongs to {mapped.value}, not {grade.value}",
                field="sub_grade",
            )


@dataclass(frozen=True)
class FloorPolicy:
    """Thresholds of the statutory floors; the defaults are the regulation's own (R-CLASS).

    - ``overdue_thresholds``: more than N days overdue → at least this grade (逾期天数标准:
      any arrears 关注, more than 90 days 次级, 270 可疑, 360 损失; CLS-06 to CLS-09);
    - ``borrower_npl_share``: a non-retail borrower with more than this share of its claims
      non-performing has all of them non-performing (非零售债务人 10 %; CLS-10);
    - ``observation_min_periods`` / ``observation_min_days``: the observation period after a
      restructuring lasts at least two repayment periods and one year (重组观察期; CLS-14);
    - ``npl_upgrade_min_repayments``: a non-performing loan is upgraded only after its arrears
      are repaid and then two normal repayments (不良资产上调; CLS-17).

    A rule set may only tighten them: fewer days, a smaller share, a longer observation, more
    repayments (``domain.rules`` refuses a looser value, naming its key).
    """

    overdue_thresholds: tuple[tuple[int, Grade], ...] = (
        (0, Grade.SPECIAL_MENTION),
        (90, Grade.SUBSTANDARD),
        (270, Grade.DOUBTFUL),
        (360, Grade.LOSS),
    )
    borrower_npl_share: Decimal = Decimal("0.10")
    observation_min_periods: int = 2
    observation_min_days: int = 365
    npl_upgrade_min_repayments: int = 2


STATUTORY = FloorPolicy()
"""The floors of the regulation, untightened."""


@dataclass(frozen=True)
class Floor:
    """The minimum grade a loan may carry, and why (bilingual reasons)."""

    grade: Grade
    reasons: tuple[tuple[str, str], ...] = ()

    def raise_to(self, grade: Grade, zh: str, en: str) -> Floor:
        if grade.severity < self.grade.severity:
            return self
        if grade.severity > self.grade.severity:
            return Floor(grade, ((zh, en),))
        return Floor(grade, (*self.reasons, (zh, en)))

    @property
    def reason_zh(self) -> str:
        return "；".join(zh for zh, _ in self.reasons) or "无下限"

    @property
    def reason_en(self) -> str:
        return "; ".join(en for _, en in self.reasons) or "no floor"


@dataclass(frozen=True)
class Observation:
    """The observation period after a restructuring (重组观察期).

    It runs from the first repayment after restructuring for at least
    ``min_periods`` consecutive on-time repayments and at least ``min_days``;
    a missed payment while it runs restarts it. The thresholds are those in
    force at the restructuring, recorded in its event, so a later change of
    configuration never rewrites a loan's history.
    """

    restructured_count: int = 0
    grade_at_restructuring: Grade | None = None
    started_on: date | None = None
    periods_repaid: int = 0
    restructured_again_during: bool = False
    min_periods: int = STATUTORY.observation_min_periods
    min_days: int = STATUTORY.observation_min_days

    def is_running(self, as_of: date) -> bool:
        if self.restructured_count == 0:
            return False
        if self.started_on is None:
            return True
        long_enough = (as_of - self.started_on).days >= self.min_days
        return not (self.periods_repaid >= self.min_periods and long_enough)

    def on_repayment(self, paid_on: date, on_time: bool) -> Observation:
        if self.restructured_count == 0 or not self.is_running(paid_on):
            return self
        if not on_time:
            return self.restarted()
        return replace(
            self, started_on=self.started_on or paid_on, periods_repaid=self.periods_repaid + 1
        )

    def on_missed_payment(self, as_of: date) -> Observation:
        return self.restarted() if self.is_running(as_of) else self

    def restarted(self) -> Observation:
        return replace(self, started_on=None, periods_repaid=0)


@dataclass(frozen=True)
class FloorFacts:
    """What the floor depends on, as the loan stands on the as-of date."""

    days_overdue: int
    current_grade: Grade
    observation: Observation
    is_retail: bool
    borrower_npl_share: Decimal | None
    normal_repayments_since_arrears: int
    as_of: date


def statutory_floor(facts: FloorFacts, policy: FloorPolicy) -> Floor:
    """The worst of every floor that applies to the loan."""
    floor = Floor(Grade.NORMAL)
    for threshold, grade in policy.overdue_thresholds:
        if facts.days_overdue > threshold:
            floor = floor.raise_to(
                grade,
                f"逾期 {facts.days_overdue} 天（超过 {threshold} 天）至少为{grade.zh}",
                f"{facts.days_overdue} days overdue (more than {threshold}): "
                f"at least {grade.value}",
            )
    obs = facts.observation
    if obs.is_running(facts.as_of):
        if obs.restructured_again_during:
            floor = floor.raise_to(
                Grade.DOUBTFUL,
                "观察期内再次重组，至少为可疑",
                "restructured again during the observation period: at least doubtful",
            )
        at = obs.grade_at_restructuring
        if at is not None and at.is_non_performing:
            floor = floor.raise_to(
                facts.current_grade,
                "不良贷款重组后观察期内不得上调分类",
                "a restructured non-performing loan may not be upgraded during observation",
            )
        else:
            floor = floor.raise_to(
                Grade.SPECIAL_MENTION,
                "重组贷款观察期内至少为关注",
                "a restructured loan is at least special mention during observation",
            )
    if (
        not facts.is_retail
        and facts.borrower_npl_share is not None
        and facts.borrower_npl_share > policy.borrower_npl_share
    ):
        floor = floor.raise_to(
            Grade.SUBSTANDARD,
            f"借款人在本行债权不良占比超过 {policy.borrower_npl_share:.0%}，全部债权为不良",
            f"more than {policy.borrower_npl_share:.0%} of the borrower's claims are "
            "non-performing: all its claims are non-performing",
        )
    if (
        facts.current_grade.is_non_performing
        and facts.normal_repayments_since_arrears < policy.npl_upgrade_min_repayments
    ):
        floor = floor.raise_to(
            facts.current_grade,
            f"不良贷款上调须先结清欠款并连续正常还款 {policy.npl_upgrade_min_repayments} 期",
            "upgrading a non-performing loan needs arrears repaid and "
            f"{policy.npl_upgrade_min_repayments} normal repayments since",
        )
    return floor
