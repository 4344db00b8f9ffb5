"""Assessment register (贷后管理考核结果): each person's and each unit's post-loan assessment,
as the credit approval reads it for reference (作为信贷审批的重要参考).

Built from what the archive already records, dated by business date so that it is read "on" a
day: the supervision checks (贷后管理检查, SUP-07: how many, how many below the pass score, the
last score against the pass score, rectifications open), the penalties decided (处罚, in 元),
the evaluations of post-loan duties (履职评价: the last conclusion, how many 不称职), and the
responsibility determinations (不良贷款责任认定: how many found responsible, full or main, and
how many exempt as diligent — an appeal's amended finding counts instead of the first).

* ``people``: one row per person assessed (a check of their work, a penalty on them, an
  evaluation of their duties, a determination about them) — in their unit as it is now;
* ``units``: one row per unit — its own checks, rectifications and penalties, and the totals of
  its people (penalties on them, 不称职 evaluations, findings of responsibility).

``staff``, ``checks`` and ``determinations`` are internal helpers (who is in which unit; which
unit or person a check concerns; what each determination found).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa

from domain.loan import Loan
from domain.staff import Staff
from domain.supervision import SupervisionCheck
from domain.values import DutyConclusion, ResponsibilityFinding
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col

MONEY = sa.Numeric(18, 2)
ZERO = Decimal("0.00")
# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
StaffEvents: Any = Staff
CheckEvents: Any = SupervisionCheck


def _check_columns() -> list[sa.Column[Any]]:
    return [
        col("checks", sa.Integer, "检查次数", "checks"),
        col("checks_below_pass", sa.Integer, "不达标次数", "checks below the pass score"),
        col("last_checked_on", sa.Date, "最近检查日期", "last checked on"),
        col("last_score", sa.Integer, "最近得分", "last score"),
        col("last_pass_score", sa.Integer, "合格分", "pass score"),
        col("last_passed", sa.Boolean, "最近检查达标", "last check passed", filter=True),
        col("open_rectifications", sa.Integer, "未验收整改", "rectifications open"),
        col("penalties", sa.Integer, "处罚次数", "penalties"),
        col("penalty_total", MONEY, "处罚金额（元）", "penalties (元)"),
    ]


STAFF = TableSpec(
    "staff",
    [
        col("staff_id", sa.Uuid, "人员ID", "staff id", nullable=False),
        col("staff_no", sa.String(32), "工号", "staff no."),
        col("branch", sa.String(100), "机构", "branch"),
    ],
    key=("staff_id",),
    dated=False,
)

CHECKS = TableSpec(
    "checks",
    [
        col("check_id", sa.Uuid, "检查ID", "check id", nullable=False),
        col("branch", sa.String(100), "被检查机构", "branch checked"),
        col("person", sa.Uuid, "被检查人", "person checked"),
    ],
    key=("check_id",),
    dated=False,
)

DETERMINATIONS = TableSpec(
    "determinations",
    [
        col("determination_id", sa.Uuid, "认定ID", "determination id", nullable=False),
        col("person", sa.Uuid, "被认定人", "person"),
        col("finding", sa.String(32), "认定结论", "finding"),
    ],
    key=("determination_id",),
    dated=False,
)

PEOPLE = TableSpec(
    "people",
    [
        col("staff_id", sa.Uuid, "被考核人", "person", nullable=False, shows=PERSON),
        col("staff_no", sa.String(32), "工号", "staff no.", filter=True),
        col("branch", sa.String(100), "机构", "branch", filter=True),
        *_check_columns(),
        col("evaluations", sa.Integer, "履职评价次数", "evaluations of duties"),
        col("last_evaluated_on", sa.Date, "最近评价日期", "last evaluated on"),
        col(
            "last_conclusion",
            sa.String(32),
            "最近评价结论",
            "last conclusion",
            filter=True,
            labels=DutyConclusion,
        ),
        col("incompetent", sa.Integer, "不称职次数", "evaluated incompetent"),
        col("responsible", sa.Integer, "认定负有责任次数", "found responsible"),
        col("responsible_full_or_main", sa.Integer, "全部或主要责任", "full or main"),
        col("exempt", sa.Integer, "尽职免责次数", "exempt as diligent"),
    ],
    key=("staff_id",),
    indexes=(("branch",),),
)

UNITS = TableSpec(
    "units",
    [
        col("branch", sa.String(100), "机构", "branch", filter=True, nullable=False),
        *_check_columns(),
        col("people_penalty_total", MONEY, "人员处罚金额（元）", "penalties on its people (元)"),
        col("people_incompetent", sa.Integer, "人员不称职次数", "its people evaluated incompetent"),
        col(
            "people_responsible", sa.Integer, "人员认定负有责任次数", "its people found responsible"
        ),
    ],
    key=("branch",),
)

COUNTS = (
    "checks",
    "checks_below_pass",
    "open_rectifications",
    "penalties",
    "evaluations",
    "incompetent",
    "responsible",
    "responsible_full_or_main",
    "exempt",
    "people_incompetent",
    "people_responsible",
)
SUMS = ("penalty_total", "people_penalty_total")
RESPONSIBLE = frozenset({ResponsibilityFinding.FULL.value, ResponsibilityFinding.MAIN.value})


def _plain(value: Any) -> str:
    return str(getattr(value, "value", value))


class AssessmentRegister(Projection):
    """贷后管理考核结果: per person and per unit, checks, penalties, evaluations and findings."""

    name = "assessment_register"
    version = 1
    title_zh = "贷后管理考核结果"
    title_en = "Post-loan assessment"
    tables = (STAFF, CHECKS, DETERMINATIONS, PEOPLE, UNITS)
    listings: ClassVar[dict[str, Listing]] = {
        "people": Listing("people", ("branch", "staff_no"), "人员考核结果", "People assessed"),
        "units": Listing("units", ("branch",), "机构考核结果", "Units assessed"),
    }

    handle = handlers()

    # ----------------------------------------------------------------- rows
    def _person(self, changes: Changes, staff_id: UUID, **delta: Any) -> None:
        """Add ``delta`` to the person's row (counts and sums added, other values set)."""
        staff = changes.get("staff", staff_id) or {}
        row = changes.get("people", staff_id) or self._fresh(PEOPLE)
        row |= {"staff_id": staff_id, "staff_no": staff.get("staff_no")}
        row["branch"] = staff.get("branch")
        changes.put("people", (staff_id,), self._added(row, delta))

    def _unit(self, changes: Changes, branch: str | None, **delta: Any) -> None:
        if not branch:
            return
        row = changes.get("units", branch) or self._fresh(UNITS)
        row["branch"] = branch
        changes.put("units", (branch,), self._added(row, delta))

    @staticmethod
    def _fresh(spec: TableSpec) -> dict[str, Any]:
        row: dict[str, Any] = dict.fromkeys(spec.column_names)
        for name in COUNTS:
            if name in row:
                row[name] = 0
        for name in SUMS:
            if name in row:
                row[name] = ZERO
        return row

    @staticmethod
    def _added(row: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
        for name, value in delta.items():
            if name in COUNTS or name in SUMS:
                row[name] = (row[name] or 0) + value
            else:
                row[name] = value
        return row

    def _branch_of(self, changes: Changes, staff_id: UUID | None) -> str | None:
        if staff_id is None:
            return None
        found = changes.get("staff", staff_id)
        return found.get("branch") if found else None

    # ---------------------------------------------------------------- staff
    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "staff",
            (event.originator_id,),
            {"staff_id": event.originator_id, "staff_no": event.staff_no, "branch": event.branch},
        )

    @handle.register(StaffEvents.Transferred)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("staff", (event.originator_id,), branch=event.branch)
        if changes.get("people", event.originator_id) is not None:
            self._person(changes, event.originator_id)

    @handle.register(StaffEvents.PostLoanDutiesEvaluated)
    def _(self, event: Any, changes: Changes) -> None:
        conclusion = _plain(event.conclusion)
        incompetent = int(conclusion == DutyConclusion.INCOMPETENT.value)
        self._person(
            changes,
            event.originator_id,
            evaluations=1,
            last_evaluated_on=event.evaluated_on,
            last_conclusion=conclusion,
            incompetent=incompetent,
        )
        if incompetent:
            self._unit(changes, self._branch_of(changes, event.originator_id), people_incompetent=1)

    # ----------------------------------------------------------- supervision
    @handle.register(CheckEvents.Checked)
    def _(self, event: Any, changes: Changes) -> None:
        person = event.staff_id if event.staff_id is not None else None
        changes.put(
            "checks",
            (event.originator_id,),
            {"check_id": event.originator_id, "branch": event.branch, "person": person},
        )
        scored = {
            "checks": 1,
            "checks_below_pass": int(not event.passed),
            "last_checked_on": event.checked_on,
            "last_score": event.score,
            "last_pass_score": event.pass_score,
            "last_passed": event.passed,
        }
        if person is not None:
            self._person(changes, person, **scored)
        else:
            self._unit(changes, event.branch, **scored)

    def _rectification(self, event: Any, changes: Changes, delta: int) -> None:
        check = changes.get("checks", event.originator_id)
        if check is None:
            return
        if check["person"] is not None:
            self._person(changes, check["person"], open_rectifications=delta)
        else:
            self._unit(changes, check["branch"], open_rectifications=delta)

    @handle.register(CheckEvents.NoticeIssued)
    def _(self, event: Any, changes: Changes) -> None:
        self._rectification(event, changes, 1)

    @handle.register(CheckEvents.RectificationAccepted)
    def _(self, event: Any, changes: Changes) -> None:
        if event.accepted:
            self._rectification(event, changes, -1)

    @handle.register(CheckEvents.PenaltyRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        check = changes.get("checks", event.originator_id)
        if check is None:
            return
        amount = Decimal(event.amount)
        if event.penalised_id is not None:
            self._person(changes, event.penalised_id, penalties=1, penalty_total=amount)
            branch = self._branch_of(changes, event.penalised_id)
            self._unit(changes, branch, people_penalty_total=amount)
        else:
            self._unit(changes, check["branch"], penalties=1, penalty_total=amount)

    # ----------------------------------------------------------- responsibility
    def _finding(self, changes: Changes, person: UUID, finding: str, sign: int) -> None:
        exempt = finding == ResponsibilityFinding.EXEMPT.value
        self._person(
            changes,
            person,
            responsible=0 if exempt else sign,
            responsible_full_or_main=sign if finding in RESPONSIBLE else 0,
            exempt=sign if exempt else 0,
        )
        if not exempt:
            self._unit(changes, self._branch_of(changes, person), people_responsible=sign)

    @handle.register(LoanEvents.ResponsibilityDetermined)
    def _(self, event: Any, changes: Changes) -> None:
        finding = _plain(event.finding)
        changes.put(
            "determinations",
            (event.determination_id,),
            {
                "determination_id": event.determination_id,
                "person": event.person_id,
                "finding": finding,
            },
        )
        self._finding(changes, event.person_id, finding, 1)

    @handle.register(LoanEvents.AppealDecided)
    def _(self, event: Any, changes: Changes) -> None:
        found = changes.get("determinations", event.determination_id)
        finding = _plain(event.finding)
        if found is None or found["finding"] == finding:
            return
        self._finding(changes, found["person"], found["finding"], -1)
        self._finding(changes, found["person"], finding, 1)
        changes.update("determinations", (event.determination_id,), finding=finding)
