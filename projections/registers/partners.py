"""Partner register (合作机构台账): the institutions, the loans they guarantee or service, the
guarantors' compensations (代偿) and their recovery (追偿), the servicers' communications.

``partners``: one row per institution — type, unified social credit code, contact, the
cooperation period and limit (合作额度), the unit managing it, the status (合作中/暂停合作)
with the day and reason, the communications with it and the latest. ``status_changes``: every
suspension and resumption with its reason. ``loans``: the loans each institution guarantees
(a guarantee by a company or guarantee company names it by its code) or services (a
third-party service naming a registered servicer's code), from the day of the guarantee or
assignment; a servicer replaced ends its row. ``compensations``: each compensation with the
amount recovered from the borrower and the claim outstanding (追偿余额), as they stood on each
day; ``recoveries``: each step of the recovery. ``communications``: every communication with
a servicer (what was verified, the changes found, whether the borrower's information changed).
Its figures on a day — 合作机构不良率, 代偿率 — are counted with the loan ledger's
(:mod:`projections.partners`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.partners import Partner
from domain.values import GuarantorKind, PartnerKind, PartnerStatus, Role
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col, loan_columns, loan_values

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
PartnerEvents: Any = Partner
LoanEvents: Any = Loan

MONEY = sa.Numeric(18, 2)
CODE = "credit_code"


GUARANTOR = "guarantor"
"""A loan the institution guarantees (担保)."""
SERVICER = "servicer"
"""A loan the institution services (第三方服务)."""

PARTNERS = TableSpec(
    "partners",
    [
        col(CODE, sa.String(18), "统一社会信用代码", "credit code", filter=True, nullable=False),
        col("name", sa.String(200), "机构名称", "name", filter=True),
        col("kind", sa.String(24), "机构类型", "kind", filter=True, labels=PartnerKind),
        col("contact", sa.String(100), "联系人", "contact"),
        col("contact_phone", sa.String(200), "联系电话", "contact phone"),
        col("cooperation_from", sa.Date, "合作起始日", "cooperation from"),
        col("cooperation_to", sa.Date, "合作到期日", "cooperation to"),
        col("limit_amount", MONEY, "合作额度（元）", "limit (元)"),
        col("branch", sa.String(100), "管理机构", "managed by unit", filter=True),
        col("registered_on", sa.Date, "登记日期", "registered on"),
        col("registered_by", sa.Uuid, "登记人", "registered by", shows=PERSON),
        col("status", sa.String(16), "合作状态", "status", filter=True, labels=PartnerStatus),
        col("status_since", sa.Date, "状态日期", "status since"),
        col("status_reason", sa.Text, "暂停/恢复原因", "reason"),
        col("communications", sa.Integer, "沟通核实次数", "communications"),
        col("last_communicated_on", sa.Date, "最近沟通核实日", "last communication"),
    ],
    key=(CODE,),
)

STATUS_CHANGES = TableSpec(
    "status_changes",
    [
        col(CODE, sa.String(18), "统一社会信用代码", "credit code", filter=True),
        col("name", sa.String(200), "机构名称", "name"),
        col("status", sa.String(16), "合作状态", "status", labels=PartnerStatus),
        col("changed_on", sa.Date, "日期", "on"),
        col("reason", sa.Text, "原因", "reason"),
        col("actor_id", sa.Uuid, "经办人", "by", shows=PERSON),
    ],
    indexes=((CODE,),),
)

LOANS = TableSpec(
    "loans",
    [
        col(CODE, sa.String(18), "统一社会信用代码", "credit code", filter=True, nullable=False),
        *loan_columns(),
        col("role", sa.String(16), "合作方式", "role", filter=True),
        col("since", sa.Date, "起始日", "since"),
        col("guarantee_id", sa.Uuid, "保证ID", "guarantee id", export=False),
        col("guaranteed", MONEY, "担保金额（元）", "guaranteed (元)"),
    ],
    key=(CODE, "loan_id", "role"),
    indexes=(("loan_no",),),
)

COMPENSATIONS = TableSpec(
    "compensations",
    [
        col("compensation_id", sa.Uuid, "代偿ID", "compensation id", nullable=False),
        *loan_columns(),
        col(CODE, sa.String(18), "保证人证件号码", "guarantor's code", filter=True),
        col("guarantor_name", sa.String(200), "保证人", "guarantor"),
        col("amount", MONEY, "代偿金额（元）", "compensated (元)"),
        col("compensated_on", sa.Date, "代偿日期", "compensated on"),
        col("note", sa.Text, "代偿说明", "note"),
        col("recovered", MONEY, "已追回（元）", "recovered (元)"),
        col("claim", MONEY, "追偿余额（元）", "claim outstanding (元)"),
        col("last_progress_on", sa.Date, "最近追偿进展日", "last progress"),
        col("recorded_by", sa.Uuid, "登记人", "recorded by", shows=PERSON),
    ],
    key=("compensation_id",),
    indexes=(("loan_no",),),
)

RECOVERIES = TableSpec(
    "recoveries",
    [
        col("compensation_id", sa.Uuid, "代偿ID", "compensation id", filter=True),
        *loan_columns(),
        col("guarantor_name", sa.String(200), "保证人", "guarantor"),
        col("recovered_on", sa.Date, "追偿进展日期", "on"),
        col("recovered", MONEY, "本次追回（元）", "recovered (元)"),
        col("progress", sa.Text, "追偿进展", "progress"),
        col("actor_id", sa.Uuid, "登记人", "recorded by", shows=PERSON),
    ],
    indexes=(("loan_no",),),
)

COMMUNICATIONS = TableSpec(
    "communications",
    [
        col("communication_id", sa.Uuid, "沟通ID", "communication id", export=False),
        col(CODE, sa.String(18), "统一社会信用代码", "credit code", filter=True),
        col("partner", sa.String(200), "服务机构", "servicer"),
        col("communicated_on", sa.Date, "沟通核实日期", "communicated on"),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
        col("verified", sa.Text, "核实内容", "verified"),
        col("changes_found", sa.Text, "发现的变化", "changes found"),
        col("information_changed", sa.Boolean, "已维护借款人信息", "information changed"),
        col("actor_id", sa.Uuid, "经办人", "by", shows=PERSON),
        col("role", sa.String(32), "经办人岗位", "role", labels=Role),
    ],
    indexes=((CODE,),),
)

LOAN_NAMES = TableSpec(
    "loan_names",
    [*loan_columns()],
    key=("loan_id",),
)
"""Internal helper: each loan's number, borrower and branch, for the rows naming a loan."""

PARTNER_CODES = TableSpec(
    "partner_codes",
    [
        col("partner_id", sa.Uuid, "合作机构ID", "partner id", export=False, nullable=False),
        col(CODE, sa.String(18), "统一社会信用代码", "credit code"),
    ],
    key=("partner_id",),
)
"""Internal helper: each institution's code by its id, for the events that name only the id."""

LOAN_SERVICERS = TableSpec(
    "loan_servicers",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col(CODE, sa.String(18), "统一社会信用代码", "credit code"),
    ],
    key=("loan_id",),
)
"""Internal helper: the registered servicer a loan is serviced by now, by its code."""


class PartnerRegister(Projection):
    """合作机构台账: institutions, their loans, compensations, recoveries, communications."""

    name = "partner_register"
    version = 1
    title_zh = "合作机构台账"
    title_en = "Partner register"
    tables = (
        PARTNERS,
        STATUS_CHANGES,
        LOANS,
        COMPENSATIONS,
        RECOVERIES,
        COMMUNICATIONS,
        LOAN_NAMES,
        PARTNER_CODES,
        LOAN_SERVICERS,
    )
    listings: ClassVar[dict[str, Listing]] = {
        "partners": Listing("partners", ("kind", "name"), title_zh, title_en),
        "loans": Listing("loans", (CODE, "loan_no"), "合作机构贷款", "Loans by partner"),
        "compensations": Listing(
            "compensations", ("compensated_on", "loan_no"), "代偿及追偿台账", "Compensations"
        ),
        "recoveries": Listing("recoveries", ("recovered_on",), "追偿进展", "Recovery progress"),
        "communications": Listing(
            "communications", ("communicated_on",), "服务机构沟通核实记录", "Communications"
        ),
        "status_changes": Listing(
            "status_changes", ("changed_on",), "暂停与恢复合作", "Suspensions and resumptions"
        ),
    }

    handle = handlers()

    def _loan(self, changes: Changes, loan_id: Any) -> dict[str, Any]:
        found = changes.get("loan_names", loan_id) or {}
        return {k: found.get(k) for k in ("loan_no", "borrower_name", "branch")}

    # ------------------------------------------------------------- institutions
    @handle.register(PartnerEvents.PartnerRegistered)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("partner_codes", (event.originator_id,), {CODE: event.credit_code})
        changes.put(
            "partners",
            (event.credit_code,),
            {
                "name": event.name,
                "kind": event.kind.value,
                "contact": event.contact,
                "contact_phone": event.contact_phone,
                "cooperation_from": event.cooperation_from,
                "cooperation_to": event.cooperation_to,
                "limit_amount": event.limit,
                "branch": event.branch,
                "registered_on": event.registered_on,
                "registered_by": event.actor_id,
                "status": PartnerStatus.ACTIVE.value,
                "status_since": event.registered_on,
                "communications": 0,
            },
        )

    def _status(self, event: Any, changes: Changes, status: PartnerStatus, on: Any) -> None:
        code = self._code(event, changes)
        row = changes.get("partners", code) if code else None
        if row is None:
            return
        row.update(status=status.value, status_since=on, status_reason=event.reason)
        changes.put("partners", (code,), row)
        changes.append(
            "status_changes",
            {
                CODE: code,
                "name": row["name"],
                "status": status.value,
                "changed_on": on,
                "reason": event.reason,
                "actor_id": event.actor_id,
            },
        )

    def _code(self, event: Any, changes: Changes) -> str | None:
        found = changes.get("partner_codes", event.originator_id)
        return None if found is None else str(found[CODE])

    @handle.register(PartnerEvents.PartnerSuspended)
    def _(self, event: Any, changes: Changes) -> None:
        self._status(event, changes, PartnerStatus.SUSPENDED, event.suspended_on)

    @handle.register(PartnerEvents.PartnerResumed)
    def _(self, event: Any, changes: Changes) -> None:
        self._status(event, changes, PartnerStatus.ACTIVE, event.resumed_on)

    @handle.register(PartnerEvents.ServicerCommunicationRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        code = self._code(event, changes)
        row = changes.get("partners", code) if code else None
        if row is None:
            return
        last = row["last_communicated_on"]
        row.update(
            communications=(row["communications"] or 0) + 1,
            last_communicated_on=max(last, event.communicated_on)
            if last
            else event.communicated_on,
        )
        changes.put("partners", (code,), row)
        changes.append(
            "communications",
            {
                "communication_id": event.communication_id,
                CODE: code,
                "partner": row["name"],
                "communicated_on": event.communicated_on,
                "loan_no": event.loan_no,
                "verified": event.verified,
                "changes_found": event.changes_found,
                "information_changed": event.information_changed,
                "actor_id": event.actor_id,
                "role": event.role.value,
            },
        )

    # -------------------------------------------------------------------- loans
    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("loan_names", (event.originator_id,), loan_values(event))

    @handle.register(LoanEvents.BranchChanged)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("loan_names", (event.originator_id,), branch=event.branch)

    @handle.register(LoanEvents.GuaranteeRegistered)
    def _(self, event: Any, changes: Changes) -> None:
        if event.kind is GuarantorKind.PERSON:
            return
        changes.put(
            "loans",
            (event.id_no, event.originator_id, GUARANTOR),
            {
                **self._loan(changes, event.originator_id),
                "since": event.registered_on,
                "guarantee_id": event.guarantee_id,
                "guaranteed": event.amount,
            },
        )

    @handle.register(LoanEvents.ThirdPartyServiceAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        previous = changes.get("loan_servicers", loan_id)
        code = getattr(event, "servicer_code", None)
        if previous is not None and previous[CODE] != code:
            changes.end("loans", previous[CODE], loan_id, SERVICER)
        if code is None:
            changes.end("loan_servicers", loan_id)
            return
        changes.put("loan_servicers", (loan_id,), {CODE: code})
        if previous is None or previous[CODE] != code:
            changes.put(
                "loans",
                (code, loan_id, SERVICER),
                {**self._loan(changes, loan_id), "since": event.assigned_on},
            )

    # ------------------------------------------------------------ compensations
    @handle.register(LoanEvents.GuarantorCompensated)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "compensations",
            (event.compensation_id,),
            {
                "loan_id": event.originator_id,
                **self._loan(changes, event.originator_id),
                CODE: event.id_no,
                "guarantor_name": event.guarantor_name,
                "amount": event.amount,
                "compensated_on": event.compensated_on,
                "note": event.note,
                "recovered": Decimal("0.00"),
                "claim": event.amount,
                "recorded_by": event.actor_id,
            },
        )

    @handle.register(LoanEvents.CompensationRecoveryRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("compensations", event.compensation_id)
        if row is None:
            return
        recovered = Decimal(row["recovered"] or 0) + event.recovered
        row.update(
            recovered=recovered,
            claim=Decimal(row["amount"]) - recovered,
            last_progress_on=event.recovered_on,
        )
        changes.put("compensations", (event.compensation_id,), row)
        changes.append(
            "recoveries",
            {
                "compensation_id": event.compensation_id,
                "loan_id": event.originator_id,
                **self._loan(changes, event.originator_id),
                "guarantor_name": row["guarantor_name"],
                "recovered_on": event.recovered_on,
                "recovered": event.recovered,
                "progress": event.progress,
                "actor_id": event.actor_id,
            },
        )
