"""Feedback register (经办行反馈问题登记簿): every problem an operating branch raised, whom it
was assigned to, the answer and the measures taken, by when it was due, and how it ended.

One row per feedback: its number (反馈〔year〕第n号), the unit that raised it and who, what it is
about (a loan, a rule, a check's finding…), the deadline to answer, who answers it and when it
was assigned and answered (late or not), the measures taken, how many times it was sent back,
its escalation and its closing — read within the reader's data scope by the raising unit (and
by its raiser), exported in CSV or XLSX.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.feedback import BranchFeedback, FeedbackState
from domain.values import FeedbackTopic, Role
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
FeedbackEvents: Any = BranchFeedback

FEEDBACK = TableSpec(
    "feedback",
    [
        col("feedback_id", sa.Uuid, "反馈ID", "feedback id", filter=True, nullable=False),
        col("feedback_no", sa.String(40), "反馈编号", "feedback no.", filter=True),
        col("branch", sa.String(100), "反馈机构", "branch raising", filter=True),
        col("staff_id", sa.Uuid, "反馈人", "raised by", shows=PERSON),
        col("topic", sa.String(16), "问题类别", "topic", filter=True, labels=FeedbackTopic),
        col("about_loan_no", sa.String(64), "涉及借据号", "loan concerned", filter=True),
        col("reference", sa.String(200), "涉及制度或检查", "rule or check concerned"),
        col("description", sa.Text, "反馈问题", "problem"),
        col("raised_on", sa.Date, "反馈日期", "raised on"),
        col("answer_due", sa.Date, "答复期限", "answer due"),
        col("handler_id", sa.Uuid, "处理人", "handled by", shows=PERSON),
        col("assigned_on", sa.Date, "分派日期", "assigned on"),
        col("answered_on", sa.Date, "答复日期", "answered on"),
        col("answered_late", sa.Boolean, "超期答复", "answered late", filter=True),
        col("answer", sa.Text, "答复意见", "answer"),
        col("measures", sa.Text, "采取的措施", "measures taken"),
        col("returned", sa.Integer, "退回次数", "times sent back"),
        col("escalated_on", sa.Date, "升级日期", "escalated on"),
        col("escalated_to", sa.String(32), "升级对象", "escalated to", labels=Role),
        col("closed_on", sa.Date, "办结日期", "closed on"),
        col("opinion", sa.Text, "确认意见", "raiser's opinion"),
        col("state", sa.String(16), "状态", "state", filter=True, labels=FeedbackState),
    ],
    key=("feedback_id",),
    indexes=(("branch",), ("raised_on",)),
)


class FeedbackRegister(Projection):
    """经办行反馈问题登记簿: each feedback from its raising to its closing."""

    name = "feedback_register"
    version = 1
    title_zh = "经办行反馈问题登记簿"
    title_en = "Branch feedback register"
    tables = (FEEDBACK,)
    listings: ClassVar[dict[str, Listing]] = {
        "feedback": Listing("feedback", ("raised_on", "feedback_no"), title_zh, title_en)
    }

    handle = handlers()

    @handle.register(FeedbackEvents.FeedbackRaised)
    def _(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(FEEDBACK.column_names)
        row |= {
            "feedback_id": event.originator_id,
            "feedback_no": event.feedback_no,
            "branch": event.branch,
            "staff_id": event.actor_id,
            "topic": FeedbackTopic.parse(event.topic, "topic").value,
            "about_loan_no": event.loan_no,
            "reference": event.reference,
            "description": event.description,
            "raised_on": event.raised_on,
            "answer_due": event.answer_due,
            "returned": 0,
            "state": FeedbackState.RAISED.value,
        }
        changes.put("feedback", (event.originator_id,), row)

    @handle.register(FeedbackEvents.FeedbackAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("feedback", event.originator_id)
        if row is None:
            return
        row |= {"handler_id": event.handler_id, "assigned_on": event.assigned_on}
        if event.answer_due is not None:
            row["answer_due"] = event.answer_due
        if row["state"] == FeedbackState.RAISED.value:
            row["state"] = FeedbackState.ASSIGNED.value
        changes.put("feedback", (event.originator_id,), row)

    @handle.register(FeedbackEvents.FeedbackAnswered)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "feedback",
            (event.originator_id,),
            answered_on=event.answered_on,
            answered_late=event.late,
            answer=event.answer,
            measures=event.measures,
            state=FeedbackState.ANSWERED.value,
        )

    @handle.register(FeedbackEvents.FeedbackConcluded)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("feedback", event.originator_id)
        if row is None:
            return
        row["opinion"] = event.opinion
        if event.accepted:
            row |= {"closed_on": event.concluded_on, "state": FeedbackState.CLOSED.value}
        else:
            row |= {
                "returned": (row["returned"] or 0) + 1,
                "answer_due": event.answer_due or row["answer_due"],
                "state": FeedbackState.RETURNED.value,
            }
        changes.put("feedback", (event.originator_id,), row)

    @handle.register(FeedbackEvents.FeedbackEscalated)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "feedback",
            (event.originator_id,),
            escalated_on=event.escalated_on,
            escalated_to=Role.parse(event.escalated_to, "escalated_to").value,
        )
