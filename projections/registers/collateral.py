"""Collateral and certificate register (押品/权证台账): every collateral, its value, its title
certificate's whereabouts and custodians, and its insurance; plus every certificate movement;
and every guarantee (保证人台账): the guarantor, the amount guaranteed and the guarantor's
capacity (代偿能力) and rating as last assessed."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.collateral import Collateral
from domain.loan import Loan
from domain.values import (
    CertificateStatus,
    CollateralKind,
    CollateralStatus,
    GuarantorCapacity,
    GuarantorKind,
    LabelledEnum,
)
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PEOPLE, PERSON, TableSpec, col, loan_facts


class Movement(LabelledEnum):
    """A certificate's movement in or out of the vault (权证出入库)."""

    LODGED = ("lodged", "入库")
    TAKEN_OUT = ("taken_out", "出库")
    RETURNED = ("returned", "归还")


MONEY = sa.Numeric(18, 2)
# Event classes made by the @event decorator exist at run time but are invisible to mypy.
CollateralEvents: Any = Collateral
LoanEvents: Any = Loan

COLLATERAL = TableSpec(
    "collateral",
    [
        col("collateral_id", sa.Uuid, "押品ID", "collateral id", export=False, nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False),
        *loan_facts("loan_no"),
        col("collateral_no", sa.String(64), "押品编号", "collateral no.", filter=True),
        col("kind", sa.String(32), "押品类型", "kind", filter=True, labels=CollateralKind),
        col("description", sa.String(500), "押品描述", "description"),
        col("owner_name", sa.String(200), "所有权人", "owner"),
        col("value", MONEY, "评估价值", "value"),
        col("valued_on", sa.Date, "评估日", "valued on"),
        col("revaluations", sa.Integer, "重估次数", "revaluations"),
        col("registration_no", sa.String(100), "抵押登记证明号", "registration no."),
        col("registered_on", sa.Date, "登记日", "registered on"),
        col("certificate_no", sa.String(100), "权证编号", "certificate no."),
        col(
            "certificate_status",
            sa.String(16),
            "权证状态",
            "certificate status",
            filter=True,
            labels=CertificateStatus,
        ),
        col("certificate_moved_on", sa.Date, "权证最近出入库日", "certificate last moved"),
        col("custodians", sa.String(200), "保管人", "custodians", shows=PEOPLE),
        col("out_purpose", sa.String(500), "出库用途", "taken out for"),
        col("policy_no", sa.String(100), "保单号", "policy no."),
        col("insurer", sa.String(200), "保险公司", "insurer"),
        col("insurance_expires_on", sa.Date, "保险到期日", "insurance expires"),
        col("insurance_lapsed_on", sa.Date, "保险失效日", "insurance lapsed"),
        col("status", sa.String(16), "押品状态", "status", filter=True, labels=CollateralStatus),
        col("released_on", sa.Date, "注销日", "released on"),
    ],
    key=("collateral_id",),
    indexes=(("loan_no",),),
)

MOVEMENTS = TableSpec(
    "movements",
    [
        col("collateral_id", sa.Uuid, "押品ID", "collateral id", export=False),
        *loan_facts("loan_no"),
        col("collateral_no", sa.String(64), "押品编号", "collateral no.", filter=True),
        col("movement", sa.String(16), "出入库", "movement", filter=True, labels=Movement),
        col("moved_on", sa.Date, "日期", "date"),
        col("certificate_no", sa.String(100), "权证编号", "certificate no."),
        col("purpose", sa.String(500), "用途", "purpose"),
        col("custodians", sa.String(200), "保管人", "custodians", shows=PEOPLE),
        col("actor_id", sa.Uuid, "经办人", "recorded by", shows=PERSON),
        col("documents", sa.Text, "凭证哈希", "document hashes"),
    ],
    indexes=(("collateral_id",),),
)


GUARANTORS = TableSpec(
    "guarantors",
    [
        col("guarantee_id", sa.Uuid, "保证ID", "guarantee id", export=False, nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False),
        *loan_facts("loan_no"),
        col("guarantor_name", sa.String(200), "保证人", "guarantor", filter=True),
        col("kind", sa.String(32), "保证人类型", "kind", filter=True, labels=GuarantorKind),
        col("id_no", sa.String(32), "证件号/统一社会信用代码", "ID / credit code"),
        col("amount", MONEY, "担保金额", "amount guaranteed"),
        col("contract_no", sa.String(64), "保证合同编号", "contract no."),
        col("registered_on", sa.Date, "登记日", "registered on"),
        col(
            "capacity",
            sa.String(16),
            "代偿能力",
            "repayment capacity",
            filter=True,
            labels=GuarantorCapacity,
        ),
        col("rating", sa.String(16), "信用等级", "rating"),
        col("assessed_on", sa.Date, "最近评估日", "last assessed on"),
        col("reassessments", sa.Integer, "重估次数", "re-assessments"),
        col("assessed_by", sa.Uuid, "评估人", "assessed by", shows=PERSON),
    ],
    key=("guarantee_id",),
    indexes=(("loan_no",),),
)


def _ids(ids: list[Any]) -> str:
    return ",".join(str(i) for i in ids)


class CollateralRegister(Projection):
    """押品/权证台账: what secures each loan, what it is worth, where its certificate is."""

    name = "collateral_register"
    version = 3  # 2: rows dated by business date (业务日期), read on a day (on=); 3: guarantors
    title_zh = "押品/权证台账"
    title_en = "Collateral and certificate register"
    tables = (COLLATERAL, MOVEMENTS, GUARANTORS)
    listings: ClassVar[dict[str, Listing]] = {
        "collateral": Listing("collateral", ("loan_no", "collateral_no"), title_zh, title_en),
        "movements": Listing("movements", (), "权证出入库登记", "Certificate movements"),
        "guarantors": Listing(
            "guarantors", ("loan_no", "registered_on", "contract_no"), "保证人台账", "Guarantors"
        ),
    }

    handle = handlers()

    def _change(self, changes: Changes, collateral_id: Any, **values: Any) -> dict[str, Any] | None:
        return changes.update("collateral", (collateral_id,), **values)

    def _move(
        self, changes: Changes, event: Any, movement: str, moved_on: Any, purpose: str
    ) -> None:
        row = self._change(
            changes,
            event.originator_id,
            certificate_moved_on=moved_on,
            custodians=_ids(event.custodian_ids),
        )
        if row is None:
            return
        changes.append(
            "movements",
            {
                "collateral_id": event.originator_id,
                "loan_no": row["loan_no"],
                "collateral_no": row["collateral_no"],
                "movement": movement,
                "moved_on": moved_on,
                "certificate_no": row["certificate_no"],
                "purpose": purpose,
                "custodians": _ids(event.custodian_ids),
                "actor_id": event.actor_id,
                "documents": ",".join(d.sha256 for d in event.documents),
            },
        )

    @handle.register(CollateralEvents.Registered)
    def _(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(COLLATERAL.column_names)
        row |= {
            "loan_id": event.loan_id,
            "loan_no": event.loan_no,
            "collateral_no": event.collateral_no,
            "kind": event.kind.value,
            "description": event.description,
            "owner_name": event.owner_name,
            "value": event.appraised_value,
            "valued_on": event.appraised_on,
            "revaluations": 0,
            "registration_no": event.registration_no,
            "registered_on": event.registered_on,
            "certificate_status": CertificateStatus.NOT_LODGED.value,
            "status": CollateralStatus.REGISTERED.value,
        }
        changes.put("collateral", (event.originator_id,), row)

    @handle.register(CollateralEvents.CertificateLodged)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            certificate_no=event.certificate_no,
            certificate_status=CertificateStatus.IN_VAULT.value,
            out_purpose=None,
        )
        self._move(changes, event, Movement.LODGED.value, event.lodged_on, "")

    @handle.register(CollateralEvents.CertificateTakenOut)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            certificate_status=CertificateStatus.OUT.value,
            out_purpose=event.purpose,
        )
        self._move(changes, event, Movement.TAKEN_OUT.value, event.taken_out_on, event.purpose)

    @handle.register(CollateralEvents.CertificateReturned)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            certificate_status=CertificateStatus.IN_VAULT.value,
            out_purpose=None,
        )
        self._move(changes, event, Movement.RETURNED.value, event.returned_on, "")

    @handle.register(CollateralEvents.Revalued)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("collateral", event.originator_id)
        if row is not None:
            self._change(
                changes,
                event.originator_id,
                value=event.value,
                valued_on=event.revalued_on,
                revaluations=row["revaluations"] + 1,
            )

    @handle.register(CollateralEvents.InsuranceRenewed)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            policy_no=event.policy_no,
            insurer=event.insurer,
            insurance_expires_on=event.expires_on,
            insurance_lapsed_on=None,
        )

    @handle.register(CollateralEvents.InsuranceLapsed)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(changes, event.originator_id, insurance_lapsed_on=event.lapsed_on)

    @handle.register(CollateralEvents.Released)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            status=CollateralStatus.RELEASED.value,
            certificate_status=CertificateStatus.RELEASED.value,
            released_on=event.released_on,
        )

    # ------------------------------------------------------------------ guarantors
    @handle.register(LoanEvents.GuaranteeRegistered)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "guarantors",
            (event.guarantee_id,),
            {
                "loan_id": event.originator_id,
                "loan_no": event.loan_no,
                "guarantor_name": event.guarantor_name,
                "kind": event.kind.value,
                "id_no": event.id_no,
                "amount": event.amount,
                "contract_no": event.contract_no,
                "registered_on": event.registered_on,
                "capacity": event.capacity.value,
                "rating": event.rating,
                "assessed_on": event.registered_on,
                "reassessments": 0,
                "assessed_by": event.actor_id,
            },
        )

    @handle.register(LoanEvents.GuarantorReassessed)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("guarantors", event.guarantee_id)
        if row is None:
            return
        changes.update(
            "guarantors",
            (event.guarantee_id,),
            capacity=event.capacity.value,
            rating=event.rating or row["rating"],
            assessed_on=event.assessed_on,
            reassessments=(row["reassessments"] or 0) + 1,
            assessed_by=event.actor_id,
        )
