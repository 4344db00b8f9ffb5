"""Reading the central monitoring register: the key customers on a business date and the
facts their monitoring tasks hang on.

:func:`read` reads the register's tables as they stood at ``as_of``; :func:`customers_on`
computes every customer's balance on a business date (principal on the books that day less
the principal repaid by then) and the key customers (:func:`domain.monitoring.key_customers`)
— the ranking is always the whole bank's; who may see which is the caller's filter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from domain.monitoring import Exposure, FlagState, key_customers
from domain.rules import RuleSet
from domain.scope import RowScope
from domain.tasks import CustomerFacts, FlagFacts, MonitorFacts
from domain.values import Role
from projections.projection import Projection
from projections.query import AsOf, visible
from projections.store import RegisterStore

Rows = Mapping[str, list[dict[str, Any]]]


def read(store: RegisterStore, register: Projection, as_of: AsOf | None = None) -> Rows:
    """Every table of the register as it stood at ``as_of`` (now by default)."""
    point = (as_of or AsOf()).recorded
    found: dict[str, list[dict[str, Any]]] = {}
    with store.reading() as conn:
        tables = store.live_tables(conn, register)
        for spec in register.tables:
            table = tables[spec.name]
            query = sa.select(*[table.c[c] for c in spec.column_names]).where(
                *visible(table, spec, point)
            )
            found[spec.name] = [dict(r._mapping) for r in conn.execute(query)]
    return found


def _managers(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(m for m in (row["a_manager_id"], row["b_manager_id"]) if m is not None)


def customers_on(rows: Rows, rules: RuleSet, on: date) -> list[CustomerFacts]:
    """The key customers on ``on``, by rank, with what their schedules hang on."""
    repaid: dict[Any, Decimal] = defaultdict(Decimal)
    for r in rows["repayments"]:
        if r["paid_on"] is not None and r["paid_on"] <= on:
            repaid[r["loan_id"]] += Decimal(r["principal"] or 0)
    exposures: list[Exposure] = []
    value_dates: dict[str, list[date]] = defaultdict(list)
    loans_of: dict[str, set[Any]] = defaultdict(set)
    for e in rows["exposures"]:
        loans_of[e["borrower_id"]].add(e["loan_id"])
        if e["value_date"] > on or (e["closed_on"] is not None and e["closed_on"] <= on):
            continue
        balance = Decimal(e["principal"]) - repaid[e["loan_id"]]
        exposures.append(
            Exposure(
                borrower_id=e["borrower_id"],
                borrower_name=e["borrower_name"],
                branch=e["branch"],
                balance=balance,
                managers=_managers(e),
                loan_no=e["loan_no"],
            )
        )
        if balance > 0:
            value_dates[e["borrower_id"]].append(e["value_date"])
    groups = {g["borrower_id"]: g["group_name"] for g in rows["groups"]}
    listed = key_customers(exposures, groups, rules.monitoring, rules.scope.hierarchy)
    inspected: dict[Any, list[tuple[date, str | None]]] = defaultdict(list)
    for i in rows["on_site"]:
        if i["inspected_on"] <= on:
            inspected[i["loan_id"]].append((i["inspected_on"], i["lead_unit"]))
    months: dict[str, set[str]] = defaultdict(set)
    for r in rows["records"]:
        months[r["borrower_id"]].add(r["month"])
    found = []
    for c in listed:
        visits = [v for loan in loans_of[c.borrower_id] for v in inspected[loan]]
        led = [d for d, unit in visits if unit is not None]
        found.append(
            CustomerFacts(
                customer=c,
                since=min(value_dates[c.borrower_id]),
                last_on_site_on=max((d for d, _ in visits), default=None),
                last_led_on_site_on=max(led, default=None),
                monitored_months=frozenset(months[c.borrower_id]),
            )
        )
    return found


def monitors(rows: Rows) -> list[MonitorFacts]:
    """The designated online monitors with their units and spells."""
    units = {p["staff_id"]: p["branch"] for p in rows["people"]}
    spells: dict[Any, list[tuple[date, date | None]]] = defaultdict(list)
    roles: dict[Any, str] = {}
    for m in rows["monitors"]:
        spells[m["staff_id"]].append((m["since"], m["until"]))
        roles[m["staff_id"]] = m["monitor_role"]
    return [
        MonitorFacts(
            staff_id=staff_id,
            branch=units.get(staff_id, ""),
            role=Role.parse(roles[staff_id], "monitor_role"),
            spells=tuple(sorted(found)),
        )
        for staff_id, found in spells.items()
    ]


def flags(rows: Rows) -> list[FlagFacts]:
    """The flags not yet decided, with the account manager of the customer's loan."""
    managers = {e["loan_no"]: e["a_manager_id"] for e in rows["exposures"]}
    return [
        FlagFacts(
            record_id=r["record_id"],
            customer=f"{r['borrower_name']}（{r['borrower_id']}）",
            branch=r["branch"],
            month=r["month"],
            monitored_on=r["monitored_on"],
            verified_on=r["verified_on"],
            manager_id=managers.get(r["loan_no"]),
        )
        for r in rows["records"]
        if r["state"] in (FlagState.RAISED.value, FlagState.VERIFIED.value)
    ]


@dataclass(frozen=True)
class MonitoringFacts:
    """What the work queue adds for key-customer monitoring, within a reader's scope."""

    customers: list[CustomerFacts]
    monitors: list[MonitorFacts]
    flags: list[FlagFacts]


def facts_for(
    store: RegisterStore,
    register: Projection,
    rules: RuleSet,
    on: date,
    *,
    scope: RowScope,
    as_of: AsOf | None = None,
) -> MonitoringFacts:
    """The key customers on ``on`` and the flags open, those ``scope`` reaches: a customer by
    its unit or managers, or — for the inspection its lead unit leads — by that unit."""
    rows = read(store, register, as_of)
    customers = [
        c
        for c in customers_on(rows, rules, on)
        if scope.covers(c.customer.branch, c.customer.managers)
        or (c.customer.lead_unit is not None and scope.covers(c.customer.lead_unit, ()))
    ]
    open_flags = [
        f
        for f in flags(rows)
        if scope.covers(f.branch, () if f.manager_id is None else (f.manager_id,))
    ]
    return MonitoringFacts(customers, monitors(rows), open_flags)
