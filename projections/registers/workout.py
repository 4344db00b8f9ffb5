"""Non-performing loan register (不良贷款台账), by disposal route.

``npl_loans`` has a row for a loan while its approved grade is non-performing (次级, 可疑,
损失), and for every written-off loan from then on (账销案存: recovery continues, and what is
recovered after the write-off is summed). A loan upgraded out of non-performing leaves it; one
that is settled while non-performing leaves it too, unless it was written off.

The disposal route (处置方式) is that of the latest disposal action, whenever it was taken
(a suit filed at 90 days, before the downgrade was approved, already makes the route
litigation): a litigation or enforcement step → 诉讼; a transfer to asset preservation or a
preservation step → 保全; a debt-for-asset step → 以资抵债; a restructuring while the loan is
non-performing → 盘活; none of these → 清收. A write-off is final: 核销 stays, whatever
recovery steps follow. A loan that is upgraded out of non-performing forgets its route.

``loans`` is an internal helper holding every loan's descriptive fields, balance, arrears,
grade and route, and the as-of date of its pending classification proposal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.values import (
    CENT,
    CollectionStepKind,
    DisposalRoute,
    Grade,
    LabelledEnum,
    LoanStatus,
    LossKind,
)
from projections.changes import Changes
from projections.fed import repayment_change
from projections.projection import Listing, Projection, handlers
from projections.query import AsOf, visible
from projections.store import RegisterStore
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

STEP_ROUTES = {
    CollectionStepKind.LITIGATION: DisposalRoute.LITIGATION,
    CollectionStepKind.ENFORCEMENT: DisposalRoute.LITIGATION,
    CollectionStepKind.PRESERVATION: DisposalRoute.PRESERVATION,
    CollectionStepKind.DEBT_FOR_ASSET: DisposalRoute.DEBT_FOR_ASSET,
}
"""The collection steps that set a disposal route; the other steps are 清收 as it stands."""

LOANS = TableSpec(
    "loans",
    [
        *loan_columns(),
        *loan_facts("product", "grade", "status"),
        col("balance", MONEY, "贷款余额", "balance"),
        *loan_facts("days_overdue"),
        col(
            "route",
            sa.String(20),
            "处置方式",
            "disposal route",
            export=False,
            labels=DisposalRoute,
        ),
        col("route_on", sa.Date, "处置方式确定日", "route since", export=False),
        col("proposal_id", sa.Uuid, "待审分类申请", "pending proposal", export=False),
        col("proposal_as_of", sa.Date, "待审分类基准日", "pending proposal as of", export=False),
        col("arrears_as_of", sa.Date, "最近逾期登记截至日", "arrears last as of", export=False),
    ],
    key=("loan_id",),
)

NPL_LOANS = TableSpec(
    "npl_loans",
    [
        *loan_columns(),
        *loan_facts("product", "grade", "status"),
        col("balance", MONEY, "贷款余额", "balance"),
        *loan_facts("days_overdue"),
        col("became_npl_on", sa.Date, "认定不良日", "became NPL on"),
        col(
            "disposal_route",
            sa.String(20),
            "处置方式",
            "disposal route",
            filter=True,
            labels=DisposalRoute,
        ),
        col("route_on", sa.Date, "处置方式确定日", "route since"),
        *loan_facts("written_off_on"),
        col("written_off_amount", MONEY, "核销金额", "written-off amount"),
        col("recovered", MONEY, "核销后收回", "recovered after write-off"),
        col("settled_on", sa.Date, "结清/终结日", "settled on"),
    ],
    key=("loan_id",),
    indexes=(("loan_no",), ("disposal_route",)),
)


class ReviewStatus(LabelledEnum):
    """Where a loss review (三个不放过) stands."""

    OWED = ("owed", "待分析")
    RECORDING = ("recording", "分析中")
    TO_CLOSE = ("to_close", "待办结")
    CLOSED = ("closed", "已办结")


LOSS_REVIEWS = TableSpec(
    "loss_reviews",
    [
        *loan_columns(),
        col("loss_key", sa.String(40), "损失编号", "loss key", export=False, nullable=False),
        col("loss", sa.String(32), "损失类型", "loss", filter=True, labels=LossKind),
        col("loss_on", sa.Date, "损失发生日期", "loss on"),
        col("amount", MONEY, "损失金额（当时余额）", "amount (balance then)"),
        col(
            "status",
            sa.String(16),
            "三个不放过办理状态",
            "status",
            filter=True,
            labels=ReviewStatus,
        ),
        col("review_id", sa.Uuid, "损失分析ID", "review id", export=False),
        col("cause", sa.Text, "损失原因", "cause"),
        col("responsible", sa.String(400), "责任人", "persons responsible", shows=PEOPLE),
        col("determinations", sa.Integer, "关联责任认定数", "responsibility determinations linked"),
        col("measures", sa.Text, "整改及清收保全措施", "remedial and preservation measures"),
        col("measures_owner", sa.Uuid, "措施责任人", "measures owned by", shows=PERSON),
        col("recorded_by", sa.String(400), "分析记录人", "recorded by", shows=PEOPLE),
        col("analysed_on", sa.Date, "最近分析日期", "last analysed on"),
        col("closed_on", sa.Date, "办结日期", "closed on"),
        col("closed_by", sa.Uuid, "办结人", "closed by", shows=PERSON),
        col("opinion", sa.Text, "办结意见", "closing opinion"),
    ],
    key=("loan_id", "loss_key"),
    indexes=(("loan_no",), ("status",)),
)
"""三个不放过台账: each loss with its cause, persons responsible, measures and closure."""

_COPIED = ("loan_no", "borrower_name", "branch", "product", "grade", "status", "balance")


class NonPerformingRegister(Projection):
    """不良贷款台账: non-performing and written-off loans by disposal route."""

    name = "npl_register"
    version = 4  # 2: rows dated by business date (业务日期), read on a day (on=); 3: the
    # losses and their reviews (三个不放过台账); 4: the core system's corrections
    title_zh = "不良贷款台账"
    title_en = "Non-performing loan register"
    tables = (LOANS, NPL_LOANS, LOSS_REVIEWS)
    listings: ClassVar[dict[str, Listing]] = {
        "npl_loans": Listing("npl_loans", ("disposal_route", "loan_no"), title_zh, title_en),
        "loss_reviews": Listing(
            "loss_reviews",
            ("loss_on", "loan_no"),
            "三个不放过台账",
            "Loss reviews (three no-lets)",
        ),
    }

    handle = handlers()

    @staticmethod
    def _loss(changes: Changes, loan_id: Any, kind: LossKind, on: Any, amount: Any) -> None:
        """A loss of the loan: its review is owed from now (三个不放过)."""
        loan = changes.get("loans", loan_id)
        if loan is None or on is None:
            return
        changes.put(
            "loss_reviews",
            (loan_id, f"{kind.value}:{on.isoformat()}"),
            {
                "loan_no": loan["loan_no"],
                "borrower_name": loan["borrower_name"],
                "branch": loan["branch"],
                "loss": kind.value,
                "loss_on": on,
                "amount": amount,
                "status": ReviewStatus.OWED.value,
            },
        )

    @handle.register(LoanEvents.LossReviewRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        key = (event.originator_id, f"{event.loss.value}:{event.loss_on.isoformat()}")
        row = changes.get("loss_reviews", *key)
        if row is None:
            return
        recorders = [r for r in (row["recorded_by"] or "").split(",") if r]
        if str(event.actor_id) not in recorders:
            recorders.append(str(event.actor_id))
        if event.responsible:
            row["responsible"] = ",".join(map(str, event.responsible))
            row["determinations"] = len(event.determinations or ())
        row.update(
            review_id=event.review_id,
            cause=event.cause or row["cause"],
            measures=event.measures or row["measures"],
            measures_owner=event.measures_owner or row["measures_owner"],
            recorded_by=",".join(recorders),
            analysed_on=event.analysed_on,
        )
        done = all(row[c] for c in ("cause", "responsible", "measures", "measures_owner"))
        row["status"] = (ReviewStatus.TO_CLOSE if done else ReviewStatus.RECORDING).value
        changes.put("loss_reviews", key, row)

    @handle.register(LoanEvents.LossReviewClosed)
    def _(self, event: Any, changes: Changes) -> None:
        key = (event.originator_id, f"{event.loss.value}:{event.loss_on.isoformat()}")
        if changes.get("loss_reviews", *key) is not None:
            changes.update(
                "loss_reviews",
                key,
                status=ReviewStatus.CLOSED.value,
                closed_on=event.closed_on,
                closed_by=event.actor_id,
                opinion=event.opinion,
            )

    def _both(self, changes: Changes, loan_id: Any, **values: Any) -> None:
        """Change the helper row, and the register's row if the loan has one."""
        changes.update("loans", (loan_id,), **values)
        changes.update("npl_loans", (loan_id,), **values)

    def _route(self, changes: Changes, loan_id: Any, route: DisposalRoute, on: Any) -> None:
        loan = changes.get("loans", loan_id)
        if loan is None or loan["status"] != LoanStatus.ACTIVE.value:
            return  # a write-off is final; a settled loan has no route to change
        changes.update("loans", (loan_id,), route=route.value, route_on=on)
        changes.update("npl_loans", (loan_id,), disposal_route=route.value, route_on=on)

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "loans",
            (event.originator_id,),
            loan_values(
                event,
                product=event.product.value,
                grade=Grade.NORMAL.value,
                status=LoanStatus.ACTIVE.value,
                balance=event.principal,
                days_overdue=0,
            ),
        )

    @handle.register(LoanEvents.RepaymentRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        loan = changes.get("loans", loan_id)
        if loan is None:
            return
        balance = loan["balance"] - event.principal
        changes.update("loans", (loan_id,), balance=balance)
        row = changes.get("npl_loans", loan_id)
        if row is not None:
            row["balance"] = balance
            if event.recovery:
                row["recovered"] = (row["recovered"] or 0) + event.principal + event.interest
            changes.put("npl_loans", (loan_id,), row)

    def _balance_moved(self, changes: Changes, loan_id: Any, by: Any) -> None:
        """The balance moved by ``by`` without a repayment (a correction, a new amount)."""
        loan = changes.get("loans", loan_id)
        if loan is not None and by:
            self._both(changes, loan_id, balance=loan["balance"] + by)

    @handle.register(LoanEvents.RepaymentCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        principal, _interest, _penalty = repayment_change(event)
        self._balance_moved(changes, event.originator_id, -principal)

    @handle.register(LoanEvents.MasterDataChanged)
    def _(self, event: Any, changes: Changes) -> None:
        if "principal" in event.changes:
            old, new = event.changes["principal"]
            self._balance_moved(changes, event.originator_id, Decimal(new) - Decimal(old))

    @handle.register(LoanEvents.ArrearsCorrected)
    @handle.register(LoanEvents.OverdueStatusRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("loans", event.originator_id)
        if hasattr(event, "previous") and (loan or {}).get("arrears_as_of") != event.as_of:
            return  # a day since followed by later arrears: the loan's arrears are those
        changes.update("loans", (event.originator_id,), arrears_as_of=event.as_of)
        self._both(changes, event.originator_id, days_overdue=event.days_overdue)

    @handle.register(LoanEvents.SettlementCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("npl_loans", event.originator_id)
        if row is not None and row["status"] == LoanStatus.SETTLED.value:
            changes.update("npl_loans", (event.originator_id,), settled_on=event.settled_on)

    @handle.register(LoanEvents.ClassificationProposed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "loans",
            (event.originator_id,),
            proposal_id=event.proposal_id,
            proposal_as_of=event.as_of,
        )

    @handle.register(LoanEvents.ClassificationApproved)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        loan = changes.get("loans", loan_id)
        if loan is None:
            return
        loan["grade"] = event.grade.value
        as_of = loan["proposal_as_of"] if loan["proposal_id"] == event.proposal_id else None
        if event.grade in (Grade.DOUBTFUL, Grade.LOSS) and (
            event.grade.severity > event.previous_grade.severity
        ):
            on = getattr(event, "as_of", None)
            self._loss(changes, loan_id, LossKind.DOWNGRADE, on, loan["balance"])
        if event.previous_grade.is_non_performing and not event.grade.is_non_performing:
            loan.update(route=None, route_on=None)  # upgraded: its disposal is over
        changes.put("loans", (loan_id,), loan)
        row = changes.get("npl_loans", loan_id)
        if row is not None:
            if event.grade.is_non_performing:
                changes.put("npl_loans", (loan_id,), {**row, "grade": event.grade.value})
            else:
                changes.end("npl_loans", loan_id)
        elif event.grade.is_non_performing:
            changes.put(
                "npl_loans",
                (loan_id,),
                {
                    **{name: loan[name] for name in _COPIED},
                    "days_overdue": loan["days_overdue"],
                    "became_npl_on": as_of,
                    "disposal_route": loan["route"] or DisposalRoute.COLLECTION.value,
                    "route_on": loan["route_on"] or as_of,
                    "recovered": 0,
                },
            )

    @handle.register(LoanEvents.ClassificationRejected)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("loans", (event.originator_id,), proposal_id=None, proposal_as_of=None)

    @handle.register(LoanEvents.CollectionStepTaken)
    def _(self, event: Any, changes: Changes) -> None:
        route = STEP_ROUTES.get(event.kind)
        if route is not None:
            self._route(changes, event.originator_id, route, event.taken_on)

    @handle.register(LoanEvents.TransferredToAssetPreservation)
    def _(self, event: Any, changes: Changes) -> None:
        self._route(changes, event.originator_id, DisposalRoute.PRESERVATION, event.transferred_on)

    @handle.register(LoanEvents.Restructured)
    def _(self, event: Any, changes: Changes) -> None:
        if event.grade_at_restructuring.is_non_performing:
            self._route(
                changes, event.originator_id, DisposalRoute.REVITALISATION, event.restructured_on
            )

    @handle.register(LoanEvents.WrittenOff)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        loan = changes.get("loans", loan_id)
        if loan is None:
            return
        route = {"route": DisposalRoute.WRITTEN_OFF.value, "route_on": event.written_off_on}
        loan.update(status=LoanStatus.WRITTEN_OFF.value, **route)
        changes.put("loans", (loan_id,), loan)
        row = changes.get("npl_loans", loan_id) or {
            **{name: loan[name] for name in _COPIED},
            "days_overdue": loan["days_overdue"],
            "recovered": 0,
        }
        row.update(
            status=LoanStatus.WRITTEN_OFF.value,
            disposal_route=route["route"],
            route_on=route["route_on"],
            written_off_on=event.written_off_on,
            written_off_amount=event.amount,
        )
        changes.put("npl_loans", (loan_id,), row)
        self._loss(changes, loan_id, LossKind.WRITE_OFF, event.written_off_on, event.amount)

    @handle.register(LoanEvents.Settled)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        loan = changes.get("loans", loan_id)
        written_off = loan is not None and loan["status"] == LoanStatus.WRITTEN_OFF.value
        changes.update("loans", (loan_id,), status=LoanStatus.SETTLED.value)
        if written_off and event.outstanding > 0:  # what recovery did not bring back is lost
            kind = LossKind.SETTLED_WITH_LOSS
            self._loss(changes, loan_id, kind, event.settled_on, event.outstanding)
        if written_off:  # 账销案存: the written-off loan stays, its recovery ended
            changes.update(
                "npl_loans",
                (loan_id,),
                status=LoanStatus.SETTLED.value,
                settled_on=event.settled_on,
            )
        else:
            changes.end("npl_loans", loan_id)


def npl_summary(
    store: RegisterStore,
    projection: Projection,
    as_of: AsOf = AsOf(),
) -> list[dict[str, Any]]:
    """Count, balance and recoveries of the register's loans per disposal route, as of.

    One entry per route, in the order of :class:`DisposalRoute`, routes without loans included
    (count 0): ``route``, ``route_zh``, ``count``, ``balance``, ``recovered``.
    """
    spec = projection.specs()["npl_loans"]
    with store.reading() as conn:
        table = store.live_tables(conn, projection)["npl_loans"]
        found = conn.execute(
            sa.select(
                table.c.disposal_route,
                sa.func.count(),
                sa.func.sum(table.c.balance),
                sa.func.sum(table.c.recovered),
            )
            .where(*visible(table, spec, as_of))
            .group_by(table.c.disposal_route)
        ).all()
    by_route = {route: (count, balance, recovered) for route, count, balance, recovered in found}
    summary = []
    for route in DisposalRoute:
        count, balance, recovered = by_route.get(route.value, (0, None, None))
        summary.append(
            {
                "route": route.value,
                "route_zh": route.zh,
                "count": int(count),
                "balance": _money(balance),
                "recovered": _money(recovered),
            }
        )
    return summary


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)
