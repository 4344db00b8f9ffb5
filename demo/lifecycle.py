"""The life of each demo loan, by scenario, from disbursement to the demo's today.

- performing: repaid as agreed, inspected on schedule; settled at maturity when that has come;
  now and then extended, handed over, warned about (and cleared) or watched.
- cured: misses one due date, goes up the first rungs of the ladder, pays, recovers its grade.
- overdue: in arrears today, not yet past 90 days.
- restructured: misses, is downgraded and collected, then restructured by the branch head.
- npl / npl_determined / written_off: past every floor, sued, handed to asset preservation,
  responsibility determined, written off and still pursued.
- first_inspection_missed / first_report_late: the lives of two loans with deliberate gaps
  (:mod:`demo.gaps`).

Loans secured by a mortgage or a pledge also register their collateral and keep its title
certificate in the vault (:mod:`demo.collateral`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from demo.arrears import Arrears
from demo.collateral import secure
from demo.gaps import first_inspection_missed, first_report_late
from demo.information import plan_information
from demo.plan import TODAY, LoanPlan, Planner, Shape, add_months, cents, due_dates, workday
from demo.servicing import (
    assign_b_post,
    classify,
    cleared_warning,
    contract_schedule,
    disburse,
    extend,
    first_follow_up,
    handling_day,
    pay_on_time,
    plan_handover,
    record_handover,
    routine_inspections,
    schedule,
    settle,
    warn,
    watch,
    yellow_signal,
)
from domain.values import Grade, Product, RepaymentMethod

_DAY = timedelta(days=1)


def plan_loan(shape: Shape, seed: int) -> LoanPlan:
    """Every step of one loan's life up to the demo's today, its collateral's included."""
    p = Planner(shape, seed)
    disburse(p)
    assign_b_post(p)
    _SCENARIOS[shape.scenario](p)
    plan_information(p)
    secure(p)
    return p.finish()


def _maybe_handover(p: Planner, share: float, last: date) -> None:
    if p.rng.random() < share:
        plan_handover(p, p.shape.value_date + timedelta(days=60), last - timedelta(days=10))


def _performing(p: Planner) -> None:
    s, rng = p.shape, p.rng
    final = s.maturity
    extension: date | None = None
    if (
        s.method is RepaymentMethod.BULLET
        and s.product is not Product.MORTGAGE
        and "settled" not in s.features
        and rng.random() < 0.08
    ):
        approved = workday(final - timedelta(days=rng.randint(5, 25)))
        if s.value_date + timedelta(days=150) < approved <= min(final, TODAY):
            extension, final = approved, add_months(final, rng.choice((6, 12)))
    settled_on = final if final <= TODAY else None
    p.closed_on = settled_on
    end = settled_on or TODAY
    _maybe_handover(p, 0.07, end)
    pay_on_time(p, contract_schedule(p, final), s.value_date, TODAY)
    if extension is not None:
        extend(p, extension, final)
    first = first_follow_up(p)
    routine_inspections(p, first, end)
    if "cleared_warning" in s.features or rng.random() < 0.12:
        cleared_warning(p, first + timedelta(days=20), end - timedelta(days=10))
    elif s.product is not Product.CONSUMER and rng.random() < 0.06:
        watch(p, first + timedelta(days=20), end - timedelta(days=20))
    if settled_on is not None:
        settle(p, settled_on)
    record_handover(p)


def _cured(p: Planner) -> None:
    s, rng = p.shape, p.rng
    missed, kind = _default(s)
    rows = contract_schedule(p)
    later = [due for due, _, _ in rows if due > missed]
    room = (later[0] - missed).days - 5 if later else 400
    length = rng.choices(
        (rng.randint(2, 10), rng.randint(11, 29), rng.randint(31, 58)), weights=(55, 30, 15)
    )[0]
    length = max(2, min(length, room, (TODAY - missed).days - 20))
    cured = missed + timedelta(days=length)
    final = rows[-1][0]
    if missed == final:  # the last instalment, paid late: settled the day it is paid
        settled_on: date | None = cured
    else:
        settled_on = final if final <= TODAY else None
    p.closed_on = settled_on
    end = settled_on or TODAY
    _maybe_handover(p, 0.05, missed)
    pay_on_time(p, rows, s.value_date, missed - _DAY)
    arrears = Arrears.at(p, rows, missed, kind)
    principal = next(r[1] for r in rows if r[0] == missed)
    p.repay(cured, principal, arrears.amounts(length)[1])
    pay_on_time(p, rows, cured + _DAY, TODAY)
    arrears.records(cured, ((1, 0), (30, 1)))
    arrears.ladder(cured)
    downgraded = arrears.special_mention(cured) if length > 7 else None
    if downgraded is None and kind != "interest":
        arrears.special_inspection(missed + _DAY, cured, "贷款本金逾期")
    arrears.cure(cured)
    raised = workday(missed + timedelta(days=rng.randint(2, 6)))
    if raised < cured and ("cleared_warning" in s.features or rng.random() < 0.5):
        code = yellow_signal(p)
        handled = min(handling_day(p, raised, code), cured)
        cleared = min(end, cured + timedelta(days=rng.randint(10, 45)))
        warn(p, code, raised, raiser=p.crew.post_loan_officer, handled=handled, cleared=cleared)
    if downgraded is not None:
        upgraded = workday(cured + timedelta(days=rng.randint(95, 200)))
        classify(
            p,
            upgraded,
            upgraded + timedelta(days=rng.randint(1, 3)),
            Grade.NORMAL,
            "normal_4",
            f"逾期本息已于{cured:%Y年%m月%d日}全部结清，此后按期还本付息，风险因素已消除，调回正常类。",
        )
    first = first_follow_up(p)
    routine_inspections(p, first, missed)
    routine_inspections(p, cured, end)
    if settled_on is not None:
        settle(p, settled_on)
    record_handover(p)


def _overdue(p: Planner) -> None:
    s, rng = p.shape, p.rng
    missed, kind = _default(s)
    rows = contract_schedule(p)
    _maybe_handover(p, 0.05, missed)
    pay_on_time(p, rows, s.value_date, missed - _DAY)
    arrears = Arrears.at(p, rows, missed, kind)
    if rng.random() < 0.3:
        arrears.early_signal(orange=rng.random() < 0.5)
    tomorrow = TODAY + _DAY
    arrears.records(tomorrow, ((1, 0), (30, 1), (60, 3)))
    arrears.record_latest()
    arrears.ladder(tomorrow, receipt=rng.random() > 0.25 and "missing_receipt" not in s.features)
    if arrears.special_mention(tomorrow) is None and kind != "interest":
        arrears.special_inspection(missed + _DAY, tomorrow, "贷款本金逾期")
    first = first_follow_up(p)
    routine_inspections(p, first, missed)
    record_handover(p)


def _restructured(p: Planner) -> None:
    s, rng = p.shape, p.rng
    missed, kind = _default(s)
    rows = contract_schedule(p)
    restructured = workday(missed + timedelta(days=rng.randint(25, 80)))
    months = rng.choice((24, 36))
    new_maturity = add_months(restructured, months)
    settled_on = new_maturity if new_maturity <= TODAY else None
    p.closed_on = settled_on
    end = settled_on or TODAY
    _maybe_handover(p, 0.05, missed)
    pay_on_time(p, rows, s.value_date, missed - _DAY)
    arrears = Arrears.at(p, rows, missed, kind)
    if rng.random() < 0.5:
        cleared = restructured + timedelta(days=rng.randint(90, 200))
        arrears.early_signal(cleared=cleared if cleared <= end else None)
    arrears.records(restructured, ((1, 0), (30, 1), (60, 3)))
    arrears.ladder(restructured)
    arrears.special_mention(restructured)
    new_rate = rng.choice((s.rate, f"{cents(p.rate * 100 + Decimal('0.5'))}%"))
    arrears.restructure(restructured, months, new_rate)
    balance = p.balance_at(restructured)
    dues = due_dates(restructured, new_maturity, RepaymentMethod.INSTALMENT, months=3)
    new_rows = schedule(p, restructured, balance, dues, RepaymentMethod.INSTALMENT)
    pay_on_time(p, new_rows, restructured + _DAY, TODAY)
    first = first_follow_up(p)
    routine_inspections(p, first, missed)
    routine_inspections(p, restructured, end)
    if settled_on is not None:
        settle(p, settled_on)
    record_handover(p)


def _distressed(p: Planner, *, write_off: bool, determine: bool) -> None:
    s, rng = p.shape, p.rng
    missed, kind = _default(s)
    overdue_days = (TODAY - missed).days
    written_off: date | None = None
    if write_off:
        written_off = workday(
            missed + timedelta(days=rng.randint(200, min(overdue_days - 20, 620)))
        )
    p.closed_on = written_off
    until = written_off or TODAY + _DAY
    _maybe_handover(p, 0.06, missed)
    rows = contract_schedule(p)
    pay_on_time(p, rows, s.value_date, missed - _DAY)
    arrears = Arrears.at(p, rows, missed, kind)
    if rng.random() < 0.6:
        arrears.early_signal(orange=rng.random() < 0.6)
    milestones = ((1, 0), (30, 1), (60, 3), (91, 0), (181, 3), (271, 0), (361, 0))
    arrears.records(until, milestones)
    if written_off is None:
        arrears.record_latest()
    missing_receipt = "missing_receipt" in s.features or rng.random() < 0.25
    filed = arrears.ladder(
        until, receipt=not missing_receipt, litigate=write_off or rng.random() < 0.7
    )
    if rng.random() < 0.5:
        arrears.red_signal(until)
    if arrears.special_mention(until) is None:
        arrears.special_inspection(missed + _DAY, until, "贷款本金逾期")
    npl_on = arrears.downgrades(until, reject_first=not write_off and rng.random() < 0.3)
    if npl_on is not None and rng.random() < (0.7 if write_off or determine else 0.4):
        arrears.transfer(npl_on, until)
    determined = False
    if npl_on is not None and (determine or (write_off and rng.random() < 0.7)):
        last = min(until - _DAY, TODAY)
        if npl_on + timedelta(days=20) <= last:
            on = p.between(npl_on + timedelta(days=20), last)
            arrears.responsibility(on, objection="objection" in s.features or rng.random() < 0.3)
            determined = True
    if written_off is not None:
        enforced = filed is not None and (written_off - missed).days > 200
        arrears.write_off(written_off, enforced=enforced, determined=determined)
        arrears.after_write_off(written_off)
    first = first_follow_up(p)
    routine_inspections(p, first, missed)
    record_handover(p)


def _default(s: Shape) -> tuple[date, str]:
    assert s.default_on is not None, f"{s.scenario} loans miss a due date"
    return s.default_on, s.missed


_SCENARIOS: dict[str, Callable[[Planner], None]] = {
    "performing": _performing,
    "cured": _cured,
    "overdue": _overdue,
    "restructured": _restructured,
    "npl": lambda p: _distressed(p, write_off=False, determine=False),
    "npl_determined": lambda p: _distressed(p, write_off=False, determine=True),
    "written_off": lambda p: _distressed(p, write_off=True, determine=False),
    "first_inspection_missed": first_inspection_missed,
    "first_report_late": first_report_late,
}
