"""Overdue and collection ledger (逾期/催收台账): the loans in arrears, and every step taken.

``overdue_loans`` has a row for a loan only while it is overdue (days overdue above zero), or
written off with recovery continuing (账销案存); the row ends when the loan is cured (an overdue
status of zero days) or settled, and a later arrears spell opens a fresh row, counting its own
steps from its own first overdue date; its ``promised_date`` is the latest repayment date the
borrower promised in the spell (a step without a promise keeps it). ``steps`` logs every
collection step ever taken, with the documents it cited (count and SHA-256s) and the legal
adviser it informed, if any. ``loans`` is an
internal helper: the descriptive fields of every loan, overdue or not.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.values import CollectionStepKind, Grade, LoanStatus, Role
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import (
    PEOPLE,
    PERSON,
    TableSpec,
    col,
    loan_columns,
    loan_facts,
    loan_values,
)

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan

MONEY = sa.Numeric(18, 2)

LOANS = TableSpec(
    "loans",
    [
        *loan_columns(),
        *loan_facts("product"),
        col(
            "account_manager_id",
            sa.Uuid,
            "客户经理",
            "account manager",
            filter=True,
            shows=PERSON,
        ),
        *loan_facts("grade", "status", "written_off_on"),
        col("arrears_as_of", sa.Date, "最近逾期登记截至日", "arrears last as of", export=False),
    ],
    key=("loan_id",),
)

OVERDUE_LOANS = TableSpec(
    "overdue_loans",
    [
        *loan_columns(),
        *loan_facts("product"),
        col(
            "account_manager_id",
            sa.Uuid,
            "客户经理",
            "account manager",
            filter=True,
            shows=PERSON,
        ),
        *loan_facts("status", "grade", "days_overdue"),
        col("overdue_principal", MONEY, "逾期本金", "overdue principal"),
        col("overdue_interest", MONEY, "欠息", "overdue interest"),
        *loan_facts("overdue_as_of"),
        col("first_overdue_on", sa.Date, "首次逾期登记日", "first overdue on"),
        col(
            "last_step_kind",
            sa.String(32),
            "最近催收方式",
            "last collection step",
            filter=True,
            labels=CollectionStepKind,
        ),
        col("last_step_on", sa.Date, "最近催收日", "last step on"),
        col("last_step_outcome", sa.Text, "最近催收结果", "last step outcome"),
        col("promised_date", sa.Date, "承诺还款日", "promised date"),
        col("steps_taken", sa.Integer, "催收次数", "steps taken"),
        *loan_facts("written_off_on"),
    ],
    key=("loan_id",),
    indexes=(("loan_no",),),
)

STEPS = TableSpec(
    "steps",
    [
        col("step_id", sa.Uuid, "催收ID", "step id", export=False),
        *loan_columns(id_nullable=True),
        col("kind", sa.String(32), "催收方式", "kind", filter=True, labels=CollectionStepKind),
        col("taken_on", sa.Date, "催收日期", "taken on"),
        col("days_overdue", sa.Integer, "催收时逾期天数", "days overdue"),
        col("outcome", sa.Text, "催收结果", "outcome"),
        col("promised_date", sa.Date, "承诺还款日", "promised date"),
        col("legal_adviser", sa.String(100), "告知的法律顾问", "legal adviser informed"),
        col("participants", sa.String(400), "参与人员", "taking part", shows=PEOPLE),
        col("servicer", sa.String(200), "追收服务机构", "servicer that chased"),
        col("actor_id", sa.Uuid, "经办人", "taken by", filter=True, shows=PERSON),
        col("role", sa.String(32), "经办人岗位", "role", labels=Role),
        col("documents", sa.Integer, "附件数", "documents"),
        col("document_sha256s", sa.Text, "附件SHA-256", "document SHA-256s"),
    ],
    indexes=(("loan_no",),),
)


class OverdueLedger(Projection):
    """逾期/催收台账: loans in arrears with their collection, and every collection step."""

    name = "overdue_ledger"
    version = 7  # 3: rows dated by business date (业务日期), read on a day (on=); 4: the
    # legal adviser informed (法律顾问); 5: who took part (参与人员: 风控人员介入); 6: the
    # servicer that chased (第三方服务机构追收); 7: the core system's corrections of arrears
    title_zh = "逾期催收台账"
    title_en = "Overdue and collection ledger"
    tables = (LOANS, OVERDUE_LOANS, STEPS)
    listings: ClassVar[dict[str, Listing]] = {
        "overdue_loans": Listing("overdue_loans", ("-days_overdue", "loan_no"), title_zh, title_en),
        "steps": Listing("steps", ("taken_on",), "催收记录", "Collection steps"),
    }

    handle = handlers()

    def _loan(self, changes: Changes, loan_id: Any) -> dict[str, Any]:
        return changes.get("loans", loan_id) or {}

    def _both(self, changes: Changes, loan_id: Any, **values: Any) -> None:
        """Change the helper row, and the overdue row if the loan has one."""
        changes.update("loans", (loan_id,), **values)
        changes.update("overdue_loans", (loan_id,), **values)

    def _open(self, changes: Changes, loan_id: Any, **values: Any) -> dict[str, Any]:
        """The loan's overdue row, opened (a new spell) if it has none."""
        row = changes.get("overdue_loans", loan_id)
        if row is None:
            loan = self._loan(changes, loan_id)
            row = {
                "loan_no": loan.get("loan_no"),
                "borrower_name": loan.get("borrower_name"),
                "branch": loan.get("branch"),
                "product": loan.get("product"),
                "account_manager_id": loan.get("account_manager_id"),
                "status": loan.get("status"),
                "grade": loan.get("grade"),
                "written_off_on": loan.get("written_off_on"),
                "days_overdue": 0,
                "overdue_principal": 0,
                "overdue_interest": 0,
                "steps_taken": 0,
            }
        row.update(values)
        return row

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "loans",
            (event.originator_id,),
            loan_values(
                event,
                product=event.product.value,
                account_manager_id=event.account_manager_id,
                grade=Grade.NORMAL.value,
                status=LoanStatus.ACTIVE.value,
            ),
        )

    @handle.register(LoanEvents.ArrearsCorrected)
    @handle.register(LoanEvents.OverdueStatusRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        corrects = hasattr(event, "previous")
        if corrects and self._loan(changes, loan_id).get("arrears_as_of") != event.as_of:
            return  # a day since followed by later arrears: the loan's arrears are those
        changes.update("loans", (loan_id,), arrears_as_of=event.as_of)
        written_off = self._loan(changes, loan_id).get("status") == LoanStatus.WRITTEN_OFF.value
        if event.days_overdue == 0 and not written_off:
            changes.end("overdue_loans", loan_id)  # cured: the spell is over
            return
        amounts = {
            "days_overdue": event.days_overdue,
            "overdue_principal": event.overdue_principal,
            "overdue_interest": event.overdue_interest,
            "overdue_as_of": event.as_of,
        }
        row = self._open(changes, loan_id, **amounts)
        if row.get("first_overdue_on") is None and event.days_overdue > 0:
            row["first_overdue_on"] = event.as_of
        changes.put("overdue_loans", (loan_id,), row)

    @handle.register(LoanEvents.CollectionStepTaken)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        loan = self._loan(changes, loan_id)
        changes.append(
            "steps",
            {
                "step_id": event.step_id,
                "loan_id": loan_id,
                "loan_no": loan.get("loan_no"),
                "borrower_name": loan.get("borrower_name"),
                "branch": loan.get("branch"),
                "kind": event.kind.value,
                "taken_on": event.taken_on,
                "days_overdue": event.days_overdue,
                "outcome": event.outcome,
                "promised_date": event.promised_date,
                "legal_adviser": getattr(event, "legal_adviser", None),
                "participants": ",".join(map(str, getattr(event, "participants", None) or ()))
                or None,
                "servicer": getattr(event, "servicer", None),
                "actor_id": event.actor_id,
                "role": event.role.value,
                "documents": len(event.documents),
                "document_sha256s": ",".join(d.sha256 for d in event.documents),
            },
        )
        row = changes.get("overdue_loans", loan_id)
        if row is None:  # the domain only collects overdue or written-off loans
            return
        row.update(
            last_step_kind=event.kind.value,
            last_step_on=event.taken_on,
            last_step_outcome=event.outcome,
            promised_date=event.promised_date or row["promised_date"],
            steps_taken=(row["steps_taken"] or 0) + 1,
        )
        changes.put("overdue_loans", (loan_id,), row)

    @handle.register(LoanEvents.ClassificationApproved)
    def _(self, event: Any, changes: Changes) -> None:
        self._both(changes, event.originator_id, grade=event.grade.value)

    @handle.register(LoanEvents.AccountManagerHandedOver)
    def _(self, event: Any, changes: Changes) -> None:
        self._both(changes, event.originator_id, account_manager_id=event.receiving_id)

    @handle.register(LoanEvents.AccountManagersAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        self._both(changes, event.originator_id, account_manager_id=event.a_manager_id)

    @handle.register(LoanEvents.BranchChanged)
    def _(self, event: Any, changes: Changes) -> None:
        self._both(changes, event.originator_id, branch=event.branch)

    @handle.register(LoanEvents.WrittenOff)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        values = {"status": LoanStatus.WRITTEN_OFF.value, "written_off_on": event.written_off_on}
        changes.update("loans", (loan_id,), **values)
        changes.put("overdue_loans", (loan_id,), self._open(changes, loan_id, **values))

    @handle.register(LoanEvents.SettlementCorrected)
    @handle.register(LoanEvents.Settled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("loans", (event.originator_id,), status=LoanStatus.SETTLED.value)
        changes.end("overdue_loans", event.originator_id)
