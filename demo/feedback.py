"""Feedback from the operating branches (经办行反馈问题) in the demo.

In October 2026 the account manager 王晓东 of 城东支行 (0202) fed back that the seven days the
rules give a special inspection after a red signal leave too little time to inspect it jointly
with the risk department (INS-11); the risk department (0901) assigned it to the branch's
post-loan officer (0205), who answered with the measures taken, and the account manager closed
it. In November 城西支行's account manager 徐佳怡 (0302) fed back a disputed finding of a check; the
answer (胡海波, 0306) was sent back once, answered again with the measures taken, and closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from archive.application import DossierArchive
from archive.commands.feedback import (
    AnswerFeedback,
    AssignFeedback,
    ConcludeFeedback,
    RaiseFeedback,
)
from archive.core import CommandContext
from domain.values import FeedbackTopic

RISK = "0901"


def feed_back(archive: DossierArchive, contexts: Mapping[str, CommandContext]) -> int:
    """Record the demo's feedback and follow each to its closing; how many were raised."""
    first = archive.execute(
        contexts["0202"],
        RaiseFeedback(
            topic=FeedbackTopic.RULE,
            reference="INS-11",
            description="红色预警后7天内须会同风险管理部门现场检查，支行与上级部门协调时间不足，"
            "建议按工作日计算或延长至10个工作日。",
            raised_on=date(2026, 10, 12),
        ),
    ).aggregate_id
    archive.execute(
        contexts[RISK],
        AssignFeedback(feedback_id=first, handler_no="0205", assigned_on=date(2026, 10, 13)),
    )
    archive.execute(
        contexts["0205"],
        AnswerFeedback(
            feedback_id=first,
            answered_on=date(2026, 10, 15),
            answer="时限属制度规定，暂不调整；红色预警当日即通知风险管理部门预约会同检查。",
            measures="风险管理部门指定联系人，红色预警发出当日预约现场检查时间",
        ),
    )
    archive.execute(
        contexts["0202"],
        ConcludeFeedback(
            feedback_id=first,
            concluded_on=date(2026, 10, 16),
            opinion="已按预约机制执行，问题解决。",
        ),
    )
    second = archive.execute(
        contexts["0302"],
        RaiseFeedback(
            topic=FeedbackTopic.FINDING,
            reference="贷后检查〔2026〕第0001号",
            description="检查认定1户逾期超过90天仍列关注类，但该户逾期天数按宽限期应为85天，请复核。",
            raised_on=date(2026, 11, 2),
        ),
    ).aggregate_id
    archive.execute(
        contexts[RISK],
        AssignFeedback(feedback_id=second, handler_no="0306", assigned_on=date(2026, 11, 3)),
    )
    answer = {
        "answer": "经复核，逾期天数自首次逾期日起算，不含宽限期，认定无误。",
        "measures": "向支行说明逾期天数计算口径，并附合同条款",
    }
    archive.execute(
        contexts["0306"],
        AnswerFeedback(feedback_id=second, answered_on=date(2026, 11, 5), **answer),
    )
    archive.execute(
        contexts["0302"],
        ConcludeFeedback(
            feedback_id=second,
            concluded_on=date(2026, 11, 6),
            accepted=False,
            opinion="合同约定宽限期3天，请结合合同条款再答复。",
        ),
    )
    archive.execute(
        contexts["0306"],
        AnswerFeedback(
            feedback_id=second,
            answered_on=date(2026, 11, 10),
            answer="合同宽限期内不计罚息，但逾期天数仍自到期日起算，维持认定。",
            measures="将计算口径纳入下期贷后管理培训",
        ),
    )
    archive.execute(
        contexts["0302"],
        ConcludeFeedback(
            feedback_id=second, concluded_on=date(2026, 11, 11), opinion="已了解计算口径。"
        ),
    )
    return 2
