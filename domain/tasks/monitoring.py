"""Key-customer monitoring tasks (重点客户监测): on-site inspections on schedule, the month's
off-site monitoring, and the flags awaiting the second and third layer of the filter.

* ``top_customer_on_site`` — a top-N customer (五十大贷款客户) inspected on site every
  ``monitoring.top_on_site_months`` from its last on-site inspection (of any of its loans), or
  from its earliest loan's value date; the account manager's of its largest loan;
* ``lead_on_site`` — a group or ≥ ``large_balance`` customer inspected on site, led by its
  lead unit, every ``monitoring.lead_on_site_months`` from the last such led inspection: the
  task of the lead unit (its branch), owned by its head (行长), who forms the team;
* ``monthly_monitoring`` — every key customer monitored off site in each calendar month, by
  its month's end: the online monitor's designated that day for the customer's unit or the
  nearest above it (none designated: any post-loan officer's of the unit);
* ``flag_verification`` — a record judged 关注/预警 awaits the account manager's verification,
  due ``monitoring.flag_verify_days`` after it; ``flag_decision`` — a verified flag awaits a
  risk manager's confirmation or dismissal, due ``monitoring.flag_decide_days`` after it.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from domain.monitoring import Basis, KeyCustomer, month_text
from domain.rules import RuleSet
from domain.schedules import add_months
from domain.tasks.task import Task, TaskKind
from domain.values import Role
from domain.watch import month_end


@dataclass(frozen=True)
class CustomerFacts:
    """A key customer on the day judged, with what its schedules hang on."""

    customer: KeyCustomer
    since: date
    """The earliest value date of its loans on the books: the schedules' start."""
    last_on_site_on: date | None
    last_led_on_site_on: date | None
    monitored_months: frozenset[str]


@dataclass(frozen=True)
class MonitorFacts:
    """A designated online monitor: their unit, role and spells."""

    staff_id: UUID
    branch: str
    role: Role
    spells: tuple[tuple[date, date | None], ...]

    def on(self, day: date) -> bool:
        return any(s <= day and (u is None or day <= u) for s, u in self.spells)


@dataclass(frozen=True)
class FlagFacts:
    """A monitoring record judged 关注 or 预警, not yet decided."""

    record_id: UUID
    customer: str
    branch: str
    month: str
    monitored_on: date
    verified_on: date | None
    manager_id: UUID | None


def _customer(c: KeyCustomer) -> str:
    return f"{c.borrower_name}（{c.borrower_id}）"


def monitoring_tasks(
    customers: Sequence[CustomerFacts],
    monitors: Sequence[MonitorFacts],
    flags: Sequence[FlagFacts],
    rules: RuleSet,
    today: date,
) -> list[Task]:
    """The monitoring tasks open on ``today``."""
    mon = rules.monitoring
    found: list[Task] = []

    def task(kind: TaskKind, subject: str, **values: object) -> Task:
        due = values["due_on"]
        assert isinstance(due, date)
        return Task(
            kind=kind,
            subject=subject,
            loan_no=None,
            overdue=today > due,
            rules_version=rules.version,
            **values,  # type: ignore[arg-type]
        )

    path = rules.scope.hierarchy.path
    for facts in customers:
        c = facts.customer
        manager = c.managers[0] if c.managers else None
        if Basis.TOP in c.bases and mon.top_on_site_months is not None:
            base = facts.last_on_site_on or facts.since
            found.append(
                task(
                    TaskKind.TOP_CUSTOMER_ON_SITE,
                    c.borrower_id,
                    branch=c.branch,
                    owner_role=Role.ACCOUNT_MANAGER,
                    owner_id=manager,
                    opens_on=base + timedelta(days=1) if facts.last_on_site_on else base,
                    due_on=add_months(base, mon.top_on_site_months),
                    rule=f"monitoring.top_on_site_months = {mon.top_on_site_months} "
                    f"(rank {c.rank} of top {mon.top_customers})",
                    customer=_customer(c),
                )
            )
        if c.lead_required and c.lead_unit is not None and mon.lead_on_site_months is not None:
            base = facts.last_led_on_site_on or facts.since
            why = "、".join(b.zh for b in c.bases if b is not Basis.TOP)
            found.append(
                task(
                    TaskKind.LEAD_ON_SITE,
                    c.borrower_id,
                    branch=c.lead_unit,
                    owner_role=Role.BRANCH_HEAD,
                    owner_id=None,
                    opens_on=base + timedelta(days=1) if facts.last_led_on_site_on else base,
                    due_on=add_months(base, mon.lead_on_site_months),
                    rule=f"monitoring.lead_on_site_months = {mon.lead_on_site_months} "
                    f"({why}, led by {c.lead_unit})",
                    customer=_customer(c),
                )
            )
        month = month_text(today)
        if month not in facts.monitored_months:
            units = list(reversed(path(c.branch)))
            on_duty = sorted(
                (m for m in monitors if m.on(today) and m.branch in units),
                key=lambda m: (units.index(m.branch), str(m.staff_id)),
            )
            monitor = on_duty[0] if on_duty else None
            found.append(
                task(
                    TaskKind.MONTHLY_MONITORING,
                    f"{c.borrower_id}:{month}",
                    branch=c.branch,
                    owner_role=monitor.role if monitor else Role.POST_LOAN_OFFICER,
                    owner_id=monitor.staff_id if monitor else None,
                    opens_on=max(today.replace(day=1), facts.since),
                    due_on=month_end(today),
                    rule=f"monitoring: monthly off-site monitoring of {month}"
                    + ("" if monitor else " (no online monitor designated)"),
                    customer=_customer(c),
                )
            )
    for flag in flags:
        if flag.verified_on is None:
            days = mon.flag_verify_days
            if days is None:
                continue
            found.append(
                task(
                    TaskKind.FLAG_VERIFICATION,
                    f"{flag.record_id}",
                    branch=flag.branch,
                    owner_role=Role.ACCOUNT_MANAGER,
                    owner_id=flag.manager_id,
                    opens_on=flag.monitored_on,
                    due_on=flag.monitored_on + timedelta(days=days),
                    rule=f"monitoring.flag_verify_days = {days} ({flag.month})",
                    customer=flag.customer,
                )
            )
        elif mon.flag_decide_days is not None:
            days = mon.flag_decide_days
            found.append(
                task(
                    TaskKind.FLAG_DECISION,
                    f"{flag.record_id}",
                    branch=flag.branch,
                    owner_role=Role.RISK_MANAGER,
                    owner_id=None,
                    opens_on=flag.verified_on,
                    due_on=flag.verified_on + timedelta(days=days),
                    rule=f"monitoring.flag_decide_days = {days} ({flag.month})",
                    customer=flag.customer,
                )
            )
    return found
