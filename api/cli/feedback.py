"""``dossier postloan feedback …``: the operating branches' feedback (经办行反馈问题) at the
console, with the caller's token.

The same commands as the HTTP routes (api/routers/feedback.py, archive/commands/feedback.py),
with the same field names: raised by the branch, assigned by a risk manager, answered with the
measures taken, closed or sent back by its raiser, escalated when late; ``show`` prints one. A
refusal exits 1 in Chinese and English with nothing recorded.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from api.cli.common import ActAs, Id, Token, choice_option, day_option, office, run
from api.routers.feedback import public
from archive.commands.feedback import (
    AnswerFeedback,
    AssignFeedback,
    ConcludeFeedback,
    EscalateFeedback,
    RaiseFeedback,
)
from domain.values import FeedbackTopic

feedback_app = typer.Typer(
    help="经办行反馈问题：反馈、分派、答复、办结、升级 / Branch feedback: raise, assign, answer, "
    "close, escalate.",
    no_args_is_help=True,
)


@feedback_app.command("raise")
def raise_feedback(
    topic: Annotated[FeedbackTopic, choice_option(FeedbackTopic, "topic")],
    raised_on: Annotated[date, day_option("--on", help="反馈日期 / day raised")],
    description: Annotated[str, typer.Option(help="反馈问题 / the problem")],
    loan_no: Annotated[
        str | None, typer.Option("--loan", help="涉及借据号 / the loan it is about")
    ] = None,
    reference: Annotated[
        str | None, typer.Option(help="涉及制度或检查编号 / a rule's id or a check's number")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """反馈问题 / Raise your unit's feedback to the post-loan and risk department."""
    command = RaiseFeedback(
        topic=topic,
        raised_on=raised_on,
        description=description,
        loan_no=loan_no,
        reference=reference,
    )
    run(token, role, command, ("已反馈", "feedback raised"))


@feedback_app.command("assign")
def assign(
    feedback_id: Id,
    handler: Annotated[str, typer.Option(help="处理人工号 / who answers it")],
    assigned_on: Annotated[date, day_option("--on", help="分派日期 / day assigned")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """分派 / Assign the feedback to a risk manager or a post-loan officer."""
    command = AssignFeedback(feedback_id=feedback_id, handler_no=handler, assigned_on=assigned_on)
    run(token, role, command, ("已分派", "feedback assigned"))


@feedback_app.command("answer")
def answer(
    feedback_id: Id,
    answered_on: Annotated[date, day_option("--on", help="答复日期 / day answered")],
    text: Annotated[str, typer.Option("--answer", help="答复意见 / the answer")],
    measures: Annotated[str, typer.Option(help="采取的措施 / the measures taken")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """答复 / Answer the feedback assigned to you, with the measures taken."""
    command = AnswerFeedback(
        feedback_id=feedback_id, answered_on=answered_on, answer=text, measures=measures
    )
    run(token, role, command, ("已答复", "feedback answered"))


@feedback_app.command("close")
def close(
    feedback_id: Id,
    concluded_on: Annotated[date, day_option("--on", help="办结日期 / day")],
    opinion: Annotated[str, typer.Option(help="确认意见 / why")],
    send_back: Annotated[
        bool, typer.Option("--send-back", help="退回重新处理 / send it back")
    ] = False,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """办结 / Close the feedback you raised, or send it back."""
    command = ConcludeFeedback(
        feedback_id=feedback_id,
        concluded_on=concluded_on,
        accepted=not send_back,
        opinion=opinion,
    )
    run(token, role, command, ("已确认", "feedback concluded"))


@feedback_app.command("escalate")
def escalate(
    feedback_id: Id,
    escalated_on: Annotated[date, day_option("--on", help="升级日期 / day")],
    reason: Annotated[str, typer.Option(help="升级理由 / why")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """升级 / Escalate the feedback you raised, late or sent back."""
    command = EscalateFeedback(feedback_id=feedback_id, escalated_on=escalated_on, reason=reason)
    run(token, role, command, ("已升级", "feedback escalated"))


@feedback_app.command("show")
def show(feedback_id: Id, token: Token = None) -> None:
    """查看反馈 / One feedback and where it stands."""
    with office(token, None) as (archive, ctx):
        answer = public(archive, archive.read_branch_feedback(ctx, feedback_id))
    typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
