"""Branch feedback through the console (row 000-45): the account manager's feedback, assigned
to the post-loan officer and answered, is listed on the feedback page with its raiser, handler
and state by name, and shown with the answer and the measures taken."""

from __future__ import annotations

from datetime import date

from archive.commands.feedback import AnswerFeedback, AssignFeedback, RaiseFeedback
from archive.core import CommandContext
from domain.values import FeedbackTopic, Role
from tests.api.console_harness import PEOPLE, Console


def test_the_feedback_page_lists_a_branch_s_feedback_and_shows_its_answer(
    console: Console,
) -> None:
    def ctx(role: Role) -> CommandContext:
        return CommandContext(console.archive.staff(PEOPLE[role][0]).id)

    manager_no, manager = PEOPLE[Role.ACCOUNT_MANAGER]
    officer_no, officer = PEOPLE[Role.POST_LOAN_OFFICER]
    raised = console.archive.execute(
        ctx(Role.ACCOUNT_MANAGER),
        RaiseFeedback(
            topic=FeedbackTopic.RULE,
            reference="INS-11",
            description="专项检查时限过短",
            raised_on=date(2025, 6, 2),
        ),
    )
    feedback_id = raised.aggregate_id
    console.archive.execute(
        ctx(Role.RISK_MANAGER),
        AssignFeedback(
            feedback_id=feedback_id, handler_no=officer_no, assigned_on=date(2025, 6, 3)
        ),
    )
    answered = console.archive.execute(
        ctx(Role.POST_LOAN_OFFICER),
        AnswerFeedback(
            feedback_id=feedback_id,
            answered_on=date(2025, 6, 4),
            answer="将评估时限",
            measures="提交制度修订建议",
        ),
    )
    console.registers.wait(["feedback_register"], answered.position, 30)
    console.as_role(Role.BRANCH_HEAD)
    listing = console.get("/feedback")
    assert listing.status_code == 200
    assert "反馈〔2025〕第0001号" in listing.text
    assert f"{manager}（{manager_no}）" in listing.text
    assert f"{officer}（{officer_no}）" in listing.text
    assert "已答复待确认" in listing.text
    assert f'href="/feedback/{feedback_id}"' in listing.text
    shown = console.get(f"/feedback/{feedback_id}")
    assert shown.status_code == 200
    assert "提交制度修订建议" in shown.text
    assert "制度规则" in shown.text
