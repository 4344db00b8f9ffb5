"""The register of branches and account managers (贷款机构与管户登记簿): each loan's unit and its
A岗 and B岗, as they stand after each move, assignment and handover (with their history, so it
answers "as of").

Besides its own listing, it is what every other register is filtered by when a reader's data
scope is not the whole bank (:func:`projections.scoping.scope_clauses`): the loans of some
branches, and those a person manages (docs/rules.md SCP-05).
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.staff import Staff
from domain.values import dossier_id_for
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import TableSpec, col, loan_facts, loan_values, staff_names

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
StaffEvents: Any = Staff

LOANS = TableSpec(
    "loans",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        *loan_facts("loan_no"),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False),
        *loan_facts("borrower_name", "branch"),
        col("branch_since", sa.Date, "划入本机构日期", "in this branch since"),
        col("a_manager_id", sa.Uuid, "A岗ID", "A manager id", export=False),
        col("a_manager_no", sa.String(32), "A岗工号", "A manager no.", filter=True),
        col("a_manager", sa.String(100), "A岗客户经理", "A manager"),
        col("b_manager_id", sa.Uuid, "B岗ID", "B manager id", export=False),
        col("b_manager_no", sa.String(32), "B岗工号", "B manager no.", filter=True),
        col("b_manager", sa.String(100), "B岗客户经理", "B manager"),
        col("managers_since", sa.Date, "现管户起始日", "managers since"),
    ],
    key=("loan_id",),
    indexes=(("loan_no",), ("branch",), ("a_manager_id",), ("b_manager_id",), ("dossier_id",)),
)

# Who is who, so rows name people.
STAFF = staff_names()


class ScopeRegister(Projection):
    """贷款机构与管户登记簿: every loan's unit and account managers, over time."""

    name = "scope_register"
    version = 2  # 2: rows dated by business date (业务日期), read on a day (on=)
    title_zh = "贷款机构与管户登记簿"
    title_en = "Branches and account managers"
    tables = (LOANS, STAFF)
    listings: ClassVar[dict[str, Listing]] = {
        "loans": Listing("loans", ("branch", "loan_no"), title_zh, title_en)
    }

    handle = handlers()

    @staticmethod
    def _person(changes: Changes, prefix: str, staff_id: Any) -> dict[str, Any]:
        person = (changes.get("staff", staff_id) or {}) if staff_id is not None else {}
        return {
            f"{prefix}_id": staff_id,
            f"{prefix}_no": person.get("staff_no"),
            prefix: person.get("name"),
        }

    def _change(self, changes: Changes, loan_id: Any, **values: Any) -> None:
        row = changes.get("loans", loan_id)
        if row is None:  # an event of a loan whose disbursement this register never saw
            return
        row.update(values)
        changes.put("loans", (loan_id,), row)

    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "staff", (event.originator_id,), {"staff_no": event.staff_no, "name": event.name}
        )

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "loans",
            (event.originator_id,),
            loan_values(
                event,
                dossier_id=dossier_id_for(event.originator_id),
                branch_since=event.value_date,
                **self._person(changes, "a_manager", event.account_manager_id),
                **self._person(changes, "b_manager", None),
                managers_since=event.value_date,
            ),
        )

    @handle.register(LoanEvents.BranchChanged)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(changes, event.originator_id, branch=event.branch, branch_since=event.moved_on)

    @handle.register(LoanEvents.AccountManagersAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            **self._person(changes, "a_manager", event.a_manager_id),
            **self._person(changes, "b_manager", event.b_manager_id),
            managers_since=event.assigned_on,
        )

    @handle.register(LoanEvents.AccountManagerHandedOver)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("loans", event.originator_id)
        if row is None:
            return
        # The B岗 taking over as A岗 leaves the loan without a B岗 (as the loan itself does).
        b_id = None if row["b_manager_id"] == event.receiving_id else row["b_manager_id"]
        self._change(
            changes,
            event.originator_id,
            **self._person(changes, "a_manager", event.receiving_id),
            **self._person(changes, "b_manager", b_id),
            managers_since=event.handed_over_on,
        )
