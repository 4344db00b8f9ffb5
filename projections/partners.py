"""Reading the partner institutions' figures and the repayment behaviour on a day.

The partner register holds the institutions, the loans each guarantees or services and the
compensations; the loan ledger each loan's balance, grade and arrears by business date. Read
at one log position and "on" one day, they give each institution's figures then
(:func:`domain.partners.partner_figures`): 合作机构不良率, 代偿率, the claim outstanding, the
flags. The institutions are the bank's list, shown to every reader; their loans are counted
only where the reader reaches them. The repayment register gives every loan's repayments and
arrears, from which the repayment-behaviour indicator of each loan on the day is counted
(:func:`domain.repayment_behaviour.behaviour`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.partners import ZERO, PartnerFigures, PartnerLoan, PartnerRules, partner_figures
from domain.portfolio import NPL
from domain.repayment_behaviour import Arrears, Behaviour, BehaviourRules, Repayment, behaviour
from domain.scope import RowScope
from domain.values import Grade, LoanStatus, PartnerKind, PartnerStatus
from projections.projection import Projection
from projections.query import AsOf, select_all
from projections.store import RegisterStore

PARTNER_REGISTER = "partner_register"
LOAN_LEDGER = "loan_ledger"
REPAYMENT_REGISTER = "repayment_register"
CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


@dataclass(frozen=True)
class PartnerLine:
    """One institution on the day: as registered, and its figures."""

    row: Mapping[str, Any]
    figures: PartnerFigures
    communication_due_on: date | None
    """When the next communication with the servicer falls due (None: none due)."""


def communication_due(row: Mapping[str, Any], rules: PartnerRules) -> date | None:
    """A servicer cooperating is talked to every ``communication_every_days`` from its
    registration or its last communication; None for another kind, or suspended."""
    every = rules.communication_every_days
    if (
        every is None
        or row["kind"] != PartnerKind.SERVICER.value
        or row["status"] != PartnerStatus.ACTIVE.value
    ):
        return None
    since: date = row["last_communicated_on"] or row["registered_on"]
    return since + timedelta(days=every)


def partner_lines(
    store: RegisterStore,
    projections: Mapping[str, Projection],
    *,
    on: date,
    position: int,
    data_scope: RowScope,
    rules: PartnerRules,
) -> list[PartnerLine]:
    """Every institution registered by ``on`` with its figures on ``on``."""
    as_of = AsOf(position=position, on=on)
    register = projections[PARTNER_REGISTER]
    partners = select_all(store, register, "partners", as_of=as_of)
    links = select_all(store, register, "loans", as_of=as_of, scope=data_scope)
    compensations = select_all(store, register, "compensations", as_of=as_of, scope=data_scope)
    ledger = {
        r["loan_id"]: r
        for r in select_all(store, projections[LOAN_LEDGER], "loans", as_of=as_of, scope=data_scope)
    }
    loans: dict[str, list[PartnerLoan]] = defaultdict(list)
    for link in links:
        row = ledger.get(link["loan_id"])
        if row is None or row["status"] != LoanStatus.ACTIVE.value:
            continue  # settled or written off: off the books
        loans[link["credit_code"]].append(
            PartnerLoan(
                loan_no=str(row["loan_no"]),
                balance=_money(row["balance"]),
                npl=Grade.parse(row["grade"] or Grade.NORMAL.value, "grade") in NPL,
                overdue=_money(row["overdue_principal"]) + _money(row["overdue_interest"]),
            )
        )
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    recovered: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for c in compensations:
        paid[c["credit_code"]] += _money(c["amount"])
        recovered[c["credit_code"]] += _money(c["recovered"])
    lines = []
    for p in sorted(partners, key=lambda r: (r["kind"], r["name"])):
        code = p["credit_code"]
        figures = partner_figures(
            kind=PartnerKind.parse(p["kind"], "kind"),
            limit=_money(p["limit_amount"]) if p["limit_amount"] is not None else None,
            loans=loans.get(code, ()),
            compensated=paid[code],
            recovered=recovered[code],
            rules=rules,
        )
        lines.append(PartnerLine(p, figures, communication_due(p, rules)))
    return lines


# ------------------------------------------------------------------ repayment behaviour
def loan_behaviour(
    store: RegisterStore,
    projections: Mapping[str, Projection],
    *,
    on: date,
    position: int,
    data_scope: RowScope,
    rules: BehaviourRules,
    loan_no: str | None = None,
) -> dict[UUID, tuple[Mapping[str, Any], Behaviour]]:
    """Each loan's repayment behaviour on ``on`` (the loans the reader reaches on the books,
    or only ``loan_no``), with its ledger row."""
    as_of = AsOf(position=position, on=on)
    register = projections[REPAYMENT_REGISTER]
    repayments: dict[UUID, list[Repayment]] = defaultdict(list)
    for r in select_all(store, register, "repayments", as_of=as_of, scope=data_scope):
        if loan_no is None or r["loan_no"] == loan_no:
            repayments[r["loan_id"]].append(
                Repayment(
                    r["paid_on"],
                    _money(r["principal"]) + _money(r["interest"]),
                    bool(r["on_time"]),
                    _money(r["overdue_then"]),
                )
            )
    arrears: dict[UUID, list[Arrears]] = defaultdict(list)
    for r in select_all(store, register, "arrears", as_of=as_of, scope=data_scope):
        if loan_no is None or r["loan_no"] == loan_no:
            arrears[r["loan_id"]].append(Arrears(r["as_of"], int(r["days_overdue"] or 0)))
    found: dict[UUID, tuple[Mapping[str, Any], Behaviour]] = {}
    for row in select_all(store, projections[LOAN_LEDGER], "loans", as_of=as_of, scope=data_scope):
        if loan_no is not None and row["loan_no"] != loan_no:
            continue
        if row["status"] != LoanStatus.ACTIVE.value:
            continue
        loan_id = row["loan_id"]
        found[loan_id] = (
            row,
            behaviour(repayments[loan_id], arrears[loan_id], on=on, rules=rules),
        )
    return found
