"""Register of post-loan management papers (贷后管理文书登记簿): every paper of every unit, its
period, due date, where it stands in its chain, to whom it was submitted and who read it; and
the loans minutes discussed, each with the measures decided (逐户研究措施).

One row per paper (``papers``): its number, kind, unit, period, title, the author, the day it
is due (working days after its period, by the bank's calendar), the step of its chain awaited
(role and what the bank calls it), the last reviewer and their opinion, the times it was
returned, the unit it was submitted to, who read it there and when, and the state. One row per
loan a paper's minutes discussed (``paper_loans``): the loan, its borrower, the measures.
Papers are read within the reader's scope by the paper's unit; the loans of minutes by loan.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.papers import ManagementPaper, PaperState, PeriodKind
from domain.values import Role
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
PaperEvents: Any = ManagementPaper

PAPERS = TableSpec(
    "papers",
    [
        col("paper_id", sa.Uuid, "文书ID", "paper id", filter=True, nullable=False),
        col("paper_no", sa.String(40), "文书编号", "paper no.", filter=True),
        col("kind", sa.String(64), "文书种类代码", "kind", filter=True),
        col("kind_zh", sa.String(200), "文书种类", "kind (zh)"),
        col("branch", sa.String(100), "编写机构", "unit", filter=True),
        col("period_kind", sa.String(16), "期间类别", "period kind", labels=PeriodKind),
        col("period", sa.String(20), "所属期间", "period", filter=True),
        col("met_on", sa.Date, "会议日期", "meeting on"),
        col("title", sa.String(200), "标题", "title"),
        col("author_id", sa.Uuid, "起草人", "drafted by", shows=PERSON),
        col("drafted_on", sa.Date, "起草日期", "drafted on"),
        col("due_on", sa.Date, "应完成日期", "due on"),
        col("loans", sa.Integer, "研究贷款笔数", "loans discussed"),
        col("next_role", sa.String(32), "待审阅岗位", "review awaited from", labels=Role),
        col("next_step", sa.String(100), "待审阅环节", "step awaited"),
        col("last_reviewer_id", sa.Uuid, "最近审阅人", "last reviewed by", shows=PERSON),
        col("last_opinion", sa.Text, "最近审阅意见", "last opinion"),
        col("returned", sa.Integer, "退回次数", "times returned"),
        col("approved_on", sa.Date, "审定日期", "approved on"),
        col("submitted_to", sa.String(100), "报送机构", "submitted to", filter=True),
        col("submitted_on", sa.Date, "报送日期", "submitted on"),
        col("acknowledged_by", sa.Uuid, "阅知人", "acknowledged by", shows=PERSON),
        col("acknowledged_on", sa.Date, "阅知日期", "acknowledged on"),
        col("state", sa.String(24), "状态", "state", filter=True, labels=PaperState),
        col("chain", sa.Text, "审阅链", "review chain", export=False),
        col("loan_nos", sa.Text, "研究贷款", "loans", export=False),
    ],
    key=("paper_id",),
    indexes=(("branch",), ("due_on",)),
)

PAPER_LOANS = TableSpec(
    "paper_loans",
    [
        col("paper_id", sa.Uuid, "文书ID", "paper id", export=False, nullable=False),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True, nullable=False),
        col("paper_no", sa.String(40), "文书编号", "paper no.", filter=True),
        col("kind_zh", sa.String(200), "文书种类", "kind"),
        col("branch", sa.String(100), "编写机构", "unit"),
        col("met_on", sa.Date, "会议日期", "meeting on"),
        col("borrower_name", sa.String(200), "借款人", "borrower"),
        col("measures", sa.Text, "研究措施", "measures decided"),
        col("state", sa.String(24), "纪要状态", "state", labels=PaperState),
    ],
    key=("paper_id", "loan_no"),
)


def _await(row: dict[str, Any], step: int | None) -> None:
    chain = json.loads(row["chain"] or "[]")
    if step is None or step >= len(chain):
        row["next_role"] = row["next_step"] = None
    else:
        role, zh = chain[step]
        row["next_role"], row["next_step"] = str(role), str(zh)


class PaperRegister(Projection):
    """贷后管理文书登记簿: papers, their chains, submission upward and reading."""

    name = "paper_register"
    version = 1
    title_zh = "贷后管理文书登记簿"
    title_en = "Register of management papers"
    tables = (PAPERS, PAPER_LOANS)
    listings: ClassVar[dict[str, Listing]] = {
        "papers": Listing("papers", ("drafted_on", "paper_no"), title_zh, title_en),
        "paper_loans": Listing(
            "paper_loans", ("loan_no", "met_on", "paper_no"), "逐户研究措施", "Measures by loan"
        ),
    }

    handle = handlers()

    def _loans(self, changes: Changes, paper_id: Any, row: dict[str, Any], loans: Any) -> None:
        for loan_no in json.loads(row["loan_nos"] or "[]"):
            changes.end("paper_loans", paper_id, loan_no)
        for m in loans:
            changes.put(
                "paper_loans",
                (paper_id, m["loan_no"]),
                {
                    "paper_no": row["paper_no"],
                    "kind_zh": row["kind_zh"],
                    "branch": row["branch"],
                    "met_on": row["met_on"],
                    "borrower_name": m["borrower_name"],
                    "measures": m["measures"],
                    "state": row["state"],
                },
            )
        row["loans"] = len(loans)
        row["loan_nos"] = json.dumps([m["loan_no"] for m in loans], ensure_ascii=False)

    def _save(self, changes: Changes, paper_id: Any, row: dict[str, Any]) -> None:
        for loan_no in json.loads(row["loan_nos"] or "[]"):
            changes.update("paper_loans", (paper_id, loan_no), state=row["state"])
        changes.put("papers", (paper_id,), row)

    @handle.register(PaperEvents.PaperDrafted)
    def _(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(PAPERS.column_names)
        meeting = event.period_kind == PeriodKind.MEETING.value
        row |= {
            "paper_no": event.paper_no,
            "kind": event.kind,
            "kind_zh": event.kind_zh,
            "branch": event.branch,
            "period_kind": event.period_kind,
            "period": event.period,
            "met_on": event.period_start if meeting else None,
            "title": event.title,
            "author_id": event.actor_id,
            "drafted_on": event.drafted_on,
            "due_on": event.due_on,
            "returned": 0,
            "state": PaperState.IN_REVIEW.value,
            "chain": json.dumps([list(step) for step in event.chain], ensure_ascii=False),
        }
        _await(row, 0)
        self._loans(changes, event.originator_id, row, event.loans)
        self._save(changes, event.originator_id, row)

    @handle.register(PaperEvents.PaperReviewed)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("papers", event.originator_id)
        if row is None:
            return
        row |= {"last_reviewer_id": event.actor_id, "last_opinion": event.reason}
        last = len(json.loads(row["chain"] or "[]")) - 1
        if not event.approved:
            row["returned"] = (row["returned"] or 0) + 1
            row["state"] = PaperState.RETURNED.value
            _await(row, None)
        elif event.step >= last:
            row["approved_on"] = event.vetted_on
            row["state"] = PaperState.APPROVED.value
            _await(row, None)
        else:
            _await(row, event.step + 1)
        self._save(changes, event.originator_id, row)

    @handle.register(PaperEvents.PaperRevised)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("papers", event.originator_id)
        if row is None:
            return
        row["state"] = PaperState.IN_REVIEW.value
        _await(row, 0)
        if event.loans is not None:
            self._loans(changes, event.originator_id, row, event.loans)
        self._save(changes, event.originator_id, row)

    @handle.register(PaperEvents.PaperSubmitted)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("papers", event.originator_id)
        if row is None:
            return
        row |= {
            "submitted_to": event.submitted_to,
            "submitted_on": event.submitted_on,
            "state": PaperState.SUBMITTED.value,
        }
        self._save(changes, event.originator_id, row)

    @handle.register(PaperEvents.PaperAcknowledged)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("papers", event.originator_id)
        if row is None:
            return
        row |= {
            "acknowledged_by": event.actor_id,
            "acknowledged_on": event.acknowledged_on,
            "state": PaperState.ACKNOWLEDGED.value,
        }
        self._save(changes, event.originator_id, row)
