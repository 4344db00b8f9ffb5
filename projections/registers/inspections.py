"""Inspection register (贷后检查登记簿): every post-loan inspection and who made it.

One row per inspection (贷后检查): its kind and date, the main inspector (主检查人, A岗) and the
assistant inspector (辅助检查人, B岗) where the record names one (贷后检查要设A、B岗), the reviewer
who countersigns, and — for a joint on-site inspection of a major risk matter (会同有关部门现场
检查) — the departments and the people who took part, each named. A correction replaces the
findings and counts; the countersign (复核) fills its date and whether it came late.
Inspections recorded before the assistant and the joint participants were have neither.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.loan import Loan
from domain.values import InspectionKind
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PEOPLE, PERSON, TableSpec, col, loan_columns, loan_values

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan

LOANS = TableSpec("loans", [*loan_columns()], key=("loan_id",))

INSPECTIONS = TableSpec(
    "inspections",
    [
        col("inspection_id", sa.Uuid, "检查ID", "inspection id", export=False, nullable=False),
        *loan_columns(id_nullable=True),
        col("kind", sa.String(32), "检查类型", "kind", filter=True, labels=InspectionKind),
        col("inspected_on", sa.Date, "检查日期", "inspected on"),
        col("inspector", sa.Uuid, "主检查人（A岗）", "main inspector", filter=True, shows=PERSON),
        col("assistant", sa.Uuid, "辅助检查人（B岗）", "assistant inspector", shows=PERSON),
        col("reviewer", sa.Uuid, "复核人", "reviewer", filter=True, shows=PERSON),
        col("joint", sa.Boolean, "会同检查", "joint inspection", filter=True),
        col("joint_departments", sa.Text, "会同部门", "departments joining"),
        col("joint_people", sa.Text, "会同检查人员", "people joining", shows=PEOPLE),
        col("checklist", sa.String(64), "检查表", "checklist"),
        col("judgment", sa.String(64), "总体风险判断", "judgment"),
        col("findings", sa.Text, "检查结论", "findings"),
        col("corrections", sa.Integer, "更正次数", "corrections"),
        col("countersigned_on", sa.Date, "复核日期", "countersigned on"),
        col("countersign_late", sa.Boolean, "超期复核", "countersigned late"),
    ],
    key=("inspection_id",),
    indexes=(("loan_no",), ("inspected_on",)),
)


class InspectionRegister(Projection):
    """贷后检查登记簿: inspections with their main and assistant inspectors, reviewer and the
    departments and people of a joint inspection."""

    name = "inspection_register"
    version = 1
    title_zh = "贷后检查登记簿"
    title_en = "Inspection register"
    tables = (LOANS, INSPECTIONS)
    listings: ClassVar[dict[str, Listing]] = {
        "inspections": Listing("inspections", ("inspected_on", "loan_no"), title_zh, title_en)
    }

    handle = handlers()

    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("loans", (event.originator_id,), loan_values(event))

    @handle.register(LoanEvents.InspectionRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("loans", event.originator_id) or {}
        joint = getattr(event, "joint", None) or []
        changes.put(
            "inspections",
            (event.inspection_id,),
            {
                "loan_id": event.originator_id,
                "loan_no": loan.get("loan_no"),
                "borrower_name": loan.get("borrower_name"),
                "branch": loan.get("branch"),
                "kind": InspectionKind.parse(event.kind, "kind").value,
                "inspected_on": event.inspected_on,
                "inspector": event.inspector_id,
                "assistant": getattr(event, "assistant_id", None),
                "reviewer": event.reviewer_id,
                "joint": bool(joint),
                "joint_departments": "；".join(j["department"] for j in joint) or None,
                "joint_people": ",".join(j["staff_id"] for j in joint) or None,
                "checklist": getattr(event, "checklist", None),
                "judgment": getattr(event, "judgment", None),
                "findings": event.findings,
                "corrections": 0,
                "countersigned_on": None,
                "countersign_late": None,
            },
        )

    @handle.register(LoanEvents.InspectionCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("inspections", event.inspection_id)
        if row is None:
            return
        changes.update(
            "inspections",
            (event.inspection_id,),
            findings=event.findings,
            corrections=(row["corrections"] or 0) + 1,
        )

    @handle.register(LoanEvents.InspectionCountersigned)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "inspections",
            (event.inspection_id,),
            countersigned_on=event.countersigned_on,
            countersign_late=event.late,
        )
