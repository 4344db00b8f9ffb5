"""三大区间台账: every customer's zone (优良, 正常, 限制, 严格限制, 坚决退出), its plan (一户一策:
measures, target, the person responsible, the deadline), its approval, and its last and next
review; a zone proposed and awaiting approval beside the one in force; what the last review found
of the credit record (征信) and the accounts watched (帐户监管); when the customer was last told
of its assessment (评测情况通知); and whether the customer is on the bank's internal control list
of bad-credit customers (不良信用客户内部控制名单), since when, why and by whom — the list itself,
circulated within each reader's scope, is this register filtered on ``bad_credit``.

The next review falls ``review_months`` of the zone (the rules in force at the approval or the
review) after the approval or the last review. A customer in a zone marked ``plan_required``
has a plan: no zone is approved without one (``domain.loan.zones``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.rules import RuleSet
from domain.schedules import add_months
from projections.changes import Changes
from projections.projection import Listing, Projection
from projections.rules_state import RULES_TABLE, FollowsRules, handlers_following_rules
from projections.tables import PERSON, TableSpec, col, loan_columns, loan_values

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan

LOANS = TableSpec("loans", [*loan_columns()], key=("loan_id",))

ZONES = TableSpec(
    "zones",
    [
        *loan_columns(),
        col("zone", sa.String(64), "客户区间代码", "zone code", filter=True),
        col("zone_zh", sa.String(64), "客户区间", "zone"),
        col("band", sa.String(16), "三大区间", "band", filter=True),
        col("since", sa.Date, "划分日期", "since"),
        col("approved_by", sa.Uuid, "审批人", "approved by", shows=PERSON),
        col("measures", sa.Text, "工作措施", "measures"),
        col("target", sa.Text, "目标", "target"),
        col("responsible_id", sa.Uuid, "责任人", "responsible", filter=True, shows=PERSON),
        col("deadline", sa.Date, "方案期限", "deadline"),
        col("last_reviewed_on", sa.Date, "上次评估日期", "last reviewed"),
        col("next_review_due", sa.Date, "下次评估日期", "next review due"),
        col("reviews", sa.Integer, "评估次数", "reviews"),
        col("last_progress", sa.Text, "最近进展", "latest progress"),
        col("pending_zone", sa.String(64), "待审批区间", "zone awaiting approval"),
        col("pending_proposed_on", sa.Date, "待审批区间提出日期", "proposed on"),
        col("pending_proposed_by", sa.Uuid, "提出人", "proposed by", shows=PERSON),
        col("last_credit_record", sa.Text, "最近征信记录", "latest credit record"),
        col("last_account_monitoring", sa.Text, "最近帐户监管情况", "latest account monitoring"),
        col("notified_on", sa.Date, "评测情况通知日期", "customer notified on"),
        col("notified_method", sa.String(200), "通知方式", "notified how"),
        col("bad_credit", sa.Boolean, "不良信用客户名单", "bad-credit list", filter=True),
        col("bad_credit_since", sa.Date, "列入名单日期", "on the list since"),
        col("bad_credit_reason", sa.Text, "列入名单原因", "why listed"),
        col("bad_credit_by", sa.Uuid, "列入人", "listed by", shows=PERSON),
    ],
    key=("loan_id",),
    indexes=(("loan_no",),),
)


PROPOSALS = TableSpec(
    "proposals",
    [
        col("proposal_id", sa.Uuid, "申请ID", "proposal id", export=False, nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False),
        col("zone", sa.String(64), "客户区间代码", "zone code"),
        col("measures", sa.Text, "工作措施", "measures"),
        col("target", sa.Text, "目标", "target"),
        col("responsible_id", sa.Uuid, "责任人", "responsible", shows=PERSON),
        col("deadline", sa.Date, "方案期限", "deadline"),
    ],
    key=("proposal_id",),
)
"""Each zone proposed with its plan: what an approval makes the customer's (internal)."""

PLAN = ("measures", "target", "responsible_id", "deadline")


class ZoneRegister(FollowsRules, Projection):
    """三大区间台账: each customer's zone, plan, approval and reviews."""

    name = "zone_register"
    version = 2
    title_zh = "三大区间台账"
    title_en = "Customer zones"
    tables = (LOANS, ZONES, PROPOSALS, RULES_TABLE)
    listings: ClassVar[dict[str, Listing]] = {
        "zones": Listing("zones", ("loan_no",), title_zh, title_en)
    }

    def __init__(self, default_rules: RuleSet | None = None) -> None:
        """``default_rules`` judge the log before its first adoption (default: the shipped)."""
        FollowsRules.__init__(self, default_rules)

    handle = handlers_following_rules()

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("loans", (event.originator_id,), loan_values(event))

    def _row(self, event: Any, changes: Changes) -> dict[str, Any] | None:
        row = changes.get("zones", event.originator_id)
        if row is not None:
            return row
        loan = changes.get("loans", event.originator_id)
        if loan is None:  # an event of a loan whose disbursement this register never saw
            return None
        return {**loan, "loan_id": event.originator_id, "reviews": 0, "bad_credit": False}

    def _next_due(self, row: dict[str, Any], changes: Changes) -> None:
        found = self.rules_at(changes).zones.zones.get(row["zone"]) if row.get("zone") else None
        last = row.get("last_reviewed_on")
        row["next_review_due"] = add_months(last, found.review_months) if found and last else None

    @handle.register(LoanEvents.ZoneProposed)
    def _(self, event: Any, changes: Changes) -> None:
        row = self._row(event, changes)
        if row is None:
            return
        row.update(
            pending_zone=event.zone,
            pending_proposed_on=event.proposed_on,
            pending_proposed_by=event.actor_id,
        )
        changes.put("zones", (event.originator_id,), row)
        changes.put(
            "proposals",
            (event.proposal_id,),
            {
                "loan_id": event.originator_id,
                "zone": event.zone,
                **{name: getattr(event, name, None) for name in PLAN},
            },
        )

    @handle.register(LoanEvents.ZoneApproved)
    def _(self, event: Any, changes: Changes) -> None:
        row = self._row(event, changes)
        if row is None:
            return
        zone = self.rules_at(changes).zones.zones.get(event.zone)
        proposed = changes.get("proposals", event.proposal_id) or {}
        row.update(
            zone=event.zone,
            zone_zh=zone.zh if zone else event.zone,
            band=zone.band if zone else None,
            since=event.approved_on,
            approved_by=event.actor_id,
            last_reviewed_on=event.approved_on,
            pending_zone=None,
            pending_proposed_on=None,
            pending_proposed_by=None,
            **{name: proposed.get(name) for name in PLAN},
        )
        self._next_due(row, changes)
        changes.put("zones", (event.originator_id,), row)

    @handle.register(LoanEvents.ZoneRejected)
    def _(self, event: Any, changes: Changes) -> None:
        row = self._row(event, changes)
        if row is None:
            return
        row.update(pending_zone=None, pending_proposed_on=None, pending_proposed_by=None)
        changes.put("zones", (event.originator_id,), row)

    @handle.register(LoanEvents.ZoneReviewed)
    def _(self, event: Any, changes: Changes) -> None:
        row = self._row(event, changes)
        if row is None:
            return
        row.update(
            last_reviewed_on=event.reviewed_on,
            reviews=int(row.get("reviews") or 0) + 1,
            last_progress=event.progress,
        )
        for name in ("credit_record", "account_monitoring"):
            found = getattr(event, name, None)
            if found is not None:
                row[f"last_{name}"] = found
        self._next_due(row, changes)
        changes.put("zones", (event.originator_id,), row)

    @handle.register(LoanEvents.ZoneNotified)
    def _(self, event: Any, changes: Changes) -> None:
        row = self._row(event, changes)
        if row is None:
            return
        row.update(notified_on=event.notified_on, notified_method=event.method)
        changes.put("zones", (event.originator_id,), row)

    @handle.register(LoanEvents.BadCreditListed)
    def _(self, event: Any, changes: Changes) -> None:
        row = self._row(event, changes)
        if row is None:
            return
        row.update(
            bad_credit=True,
            bad_credit_since=event.blacklisted_on,
            bad_credit_reason=event.reason,
            bad_credit_by=event.actor_id,
        )
        changes.put("zones", (event.originator_id,), row)

    @handle.register(LoanEvents.BadCreditDelisted)
    def _(self, event: Any, changes: Changes) -> None:
        row = self._row(event, changes)
        if row is None:
            return
        row.update(
            bad_credit=False, bad_credit_since=None, bad_credit_reason=None, bad_credit_by=None
        )
        changes.put("zones", (event.originator_id,), row)
