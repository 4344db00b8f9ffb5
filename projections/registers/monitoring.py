"""Central monitoring register (重点客户监测台账): what the key-customer list and the monitoring
tasks are computed from, and every month's off-site monitoring record with its flag's outcome.

* ``exposures``: one row per loan — customer, unit, account managers, principal, value date,
  the day it left the books (settled or written off); ``repayments``: the principal repaid,
  dated — so a customer's balance is known on any business date;
* ``groups``: the group (集团客户) a customer was recorded in when assigned to a manager (管户);
* ``on_site``: each on-site inspection of a loan, with the unit that led it, if any;
* ``monitors``: each spell of a designated online monitor (专职信贷在线监测员), with their unit;
* ``records``: each customer's monitoring of a month (非现场监测): the figures looked at, the
  findings, the judgment, and the three-layer filter (raised by the monitor, verified by the
  account manager, confirmed or dismissed by a risk manager) — the bank-wide register of flags
  and outcomes (批量监管), exported like every register.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.monitoring import FlagState, Judgment, MonitoringRecord
from domain.staff import Staff
from domain.values import InspectionKind, Role
from projections.changes import Changes
from projections.fed import repayment_change
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
StaffEvents: Any = Staff
RecordEvents: Any = MonitoringRecord
MONEY = sa.Numeric(18, 2)

EXPOSURES = TableSpec(
    "exposures",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
        col("borrower_id", sa.String(64), "客户号", "customer id", filter=True),
        col("borrower_name", sa.String(200), "客户名称", "customer"),
        col("branch", sa.String(100), "经营机构", "branch", filter=True),
        col("a_manager_id", sa.Uuid, "客户经理", "account manager", shows=PERSON),
        col("b_manager_id", sa.Uuid, "B岗客户经理", "B岗 account manager", shows=PERSON),
        col("principal", MONEY, "贷款金额", "principal"),
        col("value_date", sa.Date, "起息日", "value date"),
        col("closed_on", sa.Date, "结清或核销日", "settled or written off on"),
    ],
    key=("loan_id",),
    dated=False,  # the balance on a day is computed from the dates, not the version
)

REPAYMENTS = TableSpec(
    "repayments",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("seq", sa.Integer, "序号", "sequence", nullable=False),
        col("paid_on", sa.Date, "还款日", "paid on"),
        col("principal", MONEY, "归还本金", "principal repaid"),
    ],
    key=("loan_id", "seq"),
    dated=False,
)

GROUPS = TableSpec(
    "groups",
    [
        col("borrower_id", sa.String(64), "客户号", "customer id", nullable=False),
        col("group_name", sa.String(200), "所属集团", "group"),
    ],
    key=("borrower_id",),
    dated=False,
)

ON_SITE = TableSpec(
    "on_site",
    [
        col("inspection_id", sa.Uuid, "检查ID", "inspection id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False),
        col("inspected_on", sa.Date, "检查日期", "inspected on"),
        col("lead_unit", sa.String(100), "牵头机构", "lead unit"),
        col("led_by", sa.Uuid, "牵头人", "led by", shows=PERSON),
        col("inspector_id", sa.Uuid, "检查人", "inspector", shows=PERSON),
    ],
    key=("inspection_id",),
    dated=False,
)

PEOPLE = TableSpec(
    "people",
    [
        col("staff_id", sa.Uuid, "人员ID", "staff id", nullable=False),
        col("branch", sa.String(100), "所属机构", "unit"),
    ],
    key=("staff_id",),
    dated=False,
)

MONITORS = TableSpec(
    "monitors",
    [
        col("staff_id", sa.Uuid, "在线监测员", "online monitor", shows=PERSON, nullable=False),
        col("since", sa.Date, "起始日", "since", nullable=False),
        col("until", sa.Date, "截止日", "until"),
        col("monitor_role", sa.String(32), "岗位", "role", labels=Role),
        col("reason", sa.Text, "指定理由", "reason"),
        col("designated_by", sa.Uuid, "指定人", "designated by", shows=PERSON),
    ],
    key=("staff_id", "since"),
    dated=False,
)

RECORDS = TableSpec(
    "records",
    [
        col("record_id", sa.Uuid, "监测记录ID", "record id", filter=True, nullable=False),
        col("month", sa.String(7), "监测月份", "month", filter=True),
        col("borrower_id", sa.String(64), "客户号", "customer id", filter=True),
        col("borrower_name", sa.String(200), "客户名称", "customer"),
        col("loan_no", sa.String(64), "主要借据号", "main loan no."),
        col("branch", sa.String(100), "经营机构", "branch", filter=True),
        col("monitored_on", sa.Date, "监测日期", "monitored on"),
        col("monitor_id", sa.Uuid, "在线监测员", "online monitor", shows=PERSON),
        col("figures", sa.Text, "监测指标", "figures looked at"),
        col("findings", sa.Text, "监测发现", "findings"),
        col("judgment", sa.String(16), "监测结论", "judgment", filter=True, labels=Judgment),
        col("signal_code", sa.String(32), "拟提预警信号", "signal proposed"),
        col("state", sa.String(16), "疑点状态", "flag state", filter=True, labels=FlagState),
        col("verified_on", sa.Date, "核实日期", "verified on"),
        col("verifier_id", sa.Uuid, "核实客户经理", "verified by", shows=PERSON),
        col("substantiated", sa.Boolean, "核实属实", "borne out"),
        col("verification", sa.Text, "核实意见", "verification"),
        col("decided_on", sa.Date, "认定日期", "decided on"),
        col("decider_id", sa.Uuid, "认定风险经理", "decided by", shows=PERSON),
        col("decision", sa.Text, "认定意见", "decision"),
        col("signal_id", sa.Uuid, "已提预警信号ID", "signal raised"),
    ],
    key=("record_id",),
    indexes=(("month",), ("branch",)),
)


class MonitoringRegister(Projection):
    """重点客户监测台账: exposures, groups, on-site inspections, online monitors and the monthly
    off-site monitoring records with their flags."""

    name = "monitoring_register"
    version = 2  # 2: the core system's corrections and new amounts
    title_zh = "重点客户监测台账"
    title_en = "Central monitoring register"
    tables = (EXPOSURES, REPAYMENTS, GROUPS, ON_SITE, PEOPLE, MONITORS, RECORDS)
    listings: ClassVar[dict[str, Listing]] = {
        "records": Listing(
            "records", ("month", "borrower_id"), "非现场监测台账", "Off-site monitoring records"
        ),
        "monitors": Listing("monitors", ("since",), "在线监测员名册", "Online monitors"),
    }

    handle = handlers()

    # ------------------------------------------------------------------ loans
    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "exposures",
            (event.originator_id,),
            {
                "loan_no": event.loan_no,
                "borrower_id": event.borrower_id,
                "borrower_name": event.borrower_name,
                "branch": event.branch,
                "a_manager_id": event.account_manager_id,
                "b_manager_id": None,
                "principal": event.principal,
                "value_date": event.value_date,
                "closed_on": None,
            },
        )

    @handle.register(LoanEvents.RepaymentRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        if changes.get("exposures", event.originator_id) is None:
            return
        changes.put(
            "repayments",
            (event.originator_id, event.originator_version),
            {"paid_on": event.paid_on, "principal": event.principal},
        )

    @handle.register(LoanEvents.RepaymentCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        """A repayment the core system corrected: the difference, as a repayment of its own
        (negative when it repaid less), so that the balance is the corrected one."""
        principal, _interest, _penalty = repayment_change(event)
        if changes.get("exposures", event.originator_id) is None or not principal:
            return
        changes.put(
            "repayments",
            (event.originator_id, event.originator_version),
            {"paid_on": event.paid_on, "principal": principal},
        )

    @handle.register(LoanEvents.MasterDataChanged)
    def _(self, event: Any, changes: Changes) -> None:
        if "principal" in event.changes and changes.get("exposures", event.originator_id):
            principal = Decimal(event.changes["principal"][1])
            changes.update("exposures", (event.originator_id,), principal=principal)

    @handle.register(LoanEvents.SettlementCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        if changes.get("exposures", event.originator_id) is not None:
            changes.update("exposures", (event.originator_id,), closed_on=event.settled_on)

    @handle.register(LoanEvents.WrittenOff)
    def _(self, event: Any, changes: Changes) -> None:
        # 核销: off the books, out of the balance.
        self._closed(changes, event.originator_id, event.written_off_on)

    @handle.register(LoanEvents.Settled)
    def _(self, event: Any, changes: Changes) -> None:
        self._closed(changes, event.originator_id, event.settled_on)

    @staticmethod
    def _closed(changes: Changes, loan_id: Any, on: Any) -> None:
        row = changes.get("exposures", loan_id)
        if row is not None and row["closed_on"] is None:
            changes.update("exposures", (loan_id,), closed_on=on)

    @handle.register(LoanEvents.BranchChanged)
    def _(self, event: Any, changes: Changes) -> None:
        if changes.get("exposures", event.originator_id) is not None:
            changes.update("exposures", (event.originator_id,), branch=event.branch)

    @handle.register(LoanEvents.AccountManagersAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        if changes.get("exposures", event.originator_id) is not None:
            changes.update(
                "exposures",
                (event.originator_id,),
                a_manager_id=event.a_manager_id,
                b_manager_id=event.b_manager_id,
            )

    @handle.register(LoanEvents.AccountManagerHandedOver)
    def _(self, event: Any, changes: Changes) -> None:
        if changes.get("exposures", event.originator_id) is not None:
            changes.update("exposures", (event.originator_id,), a_manager_id=event.receiving_id)

    @handle.register(LoanEvents.InspectionRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        if getattr(event.kind, "value", event.kind) != InspectionKind.ON_SITE.value:
            return
        changes.put(
            "on_site",
            (event.inspection_id,),
            {
                "loan_id": event.originator_id,
                "inspected_on": event.inspected_on,
                "lead_unit": getattr(event, "lead_unit", None),
                "led_by": getattr(event, "led_by", None),
                "inspector_id": event.inspector_id,
            },
        )

    # ------------------------------------------------------------------ people
    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("people", (event.originator_id,), {"branch": event.branch})

    @handle.register(StaffEvents.Transferred)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("people", (event.originator_id,), {"branch": event.branch})

    @handle.register(StaffEvents.CustomerAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        # A customer's group is a fact about the customer: kept when it changes hands.
        if event.group:
            changes.put("groups", (event.borrower_id,), {"group_name": event.group})

    @handle.register(StaffEvents.OnlineMonitorDesignated)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "monitors",
            (event.originator_id, event.since),
            {
                "until": event.until,
                "monitor_role": event.monitor_role,
                "reason": event.reason,
                "designated_by": event.actor_id,
            },
        )

    @handle.register(StaffEvents.OnlineMonitorEnded)
    def _(self, event: Any, changes: Changes) -> None:
        if changes.get("monitors", event.originator_id, event.since) is not None:
            changes.update("monitors", (event.originator_id, event.since), until=event.ended_on)

    # ------------------------------------------------------------------ records
    @handle.register(RecordEvents.Recorded)
    def _(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(RECORDS.column_names)
        row |= {
            "month": event.month,
            "borrower_id": event.borrower_id,
            "borrower_name": event.borrower_name,
            "loan_no": event.loan_no,
            "branch": event.branch,
            "monitored_on": event.monitored_on,
            "monitor_id": event.actor_id,
            "figures": "；".join(f"{f['name']}：{f['value']}" for f in event.figures),
            "findings": event.findings,
            "judgment": event.judgment,
            "signal_code": event.signal_code,
            "state": (
                FlagState.NONE if event.judgment == Judgment.NORMAL.value else FlagState.RAISED
            ).value,
        }
        changes.put("records", (event.originator_id,), row)

    @handle.register(RecordEvents.Verified)
    def _(self, event: Any, changes: Changes) -> None:
        if changes.get("records", event.originator_id) is None:
            return
        changes.update(
            "records",
            (event.originator_id,),
            verified_on=event.verified_on,
            verifier_id=event.actor_id,
            substantiated=event.substantiated,
            verification=event.opinion,
            state=FlagState.VERIFIED.value,
        )

    @handle.register(RecordEvents.Decided)
    def _(self, event: Any, changes: Changes) -> None:
        if changes.get("records", event.originator_id) is None:
            return
        state = FlagState.CONFIRMED if event.confirmed else FlagState.DISMISSED
        changes.update(
            "records",
            (event.originator_id,),
            decided_on=event.decided_on,
            decider_id=event.actor_id,
            decision=event.reason,
            signal_id=event.signal_id,
            state=state.value,
        )
