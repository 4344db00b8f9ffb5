"""Reading the compliance report's facts from the registers, at one consistent point.

The completeness register gives the requirements and the loans' products; the work queue gives
the facts the deadline engine judges and the rules in force; :func:`domain.compliance.build_report`
counts them. Both registers are read at the same log position — the lower of the two they have
applied, or the one asked for — and, if asked, no later than a record time, so the report can
be built again exactly as it was, and can show the record as it stood on a past evening.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.compliance import ComplianceReport, Requirement, Scope, build_report
from domain.values import Product
from projections.projection import Projection
from projections.query import AsOf, select_all
from projections.registers.filing.completeness.tables import (
    LOANS,
    REQUIREMENTS,
    RequirementStatus,
    Stage,
)
from projections.store import RegisterStore
from projections.tasks import judge

COMPLETENESS = "completeness"
WORK_QUEUE = "work_queue"
REGISTERS = (COMPLETENESS, WORK_QUEUE)
"""The registers the report reads."""


def compliance_report(
    store: RegisterStore,
    completeness: Projection,
    work_queue: Projection,
    *,
    on: date,
    position: int,
    at: datetime | None = None,
    scope: Scope = Scope(),
    name_of: Callable[[UUID], str] = str,
) -> ComplianceReport:
    """The report for ``scope`` on the business date ``on``, from the registers at
    ``position`` (and no later than ``at``, naive UTC, when given)."""
    as_of = AsOf(position=position, at=at)
    judged = judge(store, work_queue, on, as_of=as_of, branch=scope.branch)
    loans = select_all(store, completeness, LOANS.name, as_of=as_of)
    products = {
        row["loan_id"]: Product.parse(row["product"], "product")
        for row in loans
        if row["product"] is not None
    }
    branches = {row["loan_id"]: row["branch"] for row in loans}
    requirements = [
        _requirement(row) for row in select_all(store, completeness, REQUIREMENTS.name, as_of=as_of)
    ]
    return build_report(
        on=on,
        scope=scope,
        position=position,
        rules_version=judged.rules.version,
        loans=judged.facts.loans,
        loan_products=products,
        loan_branches=branches,
        requirements=requirements,
        tasks=judged.tasks,
        dossiers=judged.facts.dossiers,
        floor_policy=judged.rules.floor_policy,
        name_of=name_of,
    )


def _requirement(row: Mapping[str, Any]) -> Requirement:
    stage = Stage.parse(row["stage"], "stage")
    filed = row["status"] != RequirementStatus.MISSING.value
    return Requirement(
        loan_id=row["loan_id"],
        loan_no=str(row["loan_no"]),
        borrower_name=str(row["borrower_name"] or ""),
        branch=row["branch"],
        stage=stage.value,
        stage_zh=stage.zh,
        rule_id=str(row["rule_id"]),
        rules_version=str(row["rules_version"]),
        doc_type=str(row["doc_type"]),
        doc_type_zh=str(row["doc_type_zh"] or row["doc_type"]),
        required_since=row["required_since"],
        due_on=row["due_on"],
        filed_on=row["filed_on"] if filed else None,
    )
