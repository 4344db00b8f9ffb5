"""The account managers' post-loan duties evaluated (贷后管理履职评价) in the demo.

Every account manager has held the role since the demo's history began (3 January 2023), so
three years in post fell on 3 January 2026: each branch head evaluated their account managers
that month — but for 蒋立新 (0304) of 城西支行, whose evaluation is still due (a task of the work
queue). And the first account manager to hand a loan over was evaluated a week later, as the
handing party (岗位变动); the others who handed loans over are still owed theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from archive.application import DossierArchive
from archive.commands.duties import EvaluatePostLoanDuties
from archive.core import CommandContext
from demo.plan import FIRST_VALUE_DATE, TODAY, LoanPlan
from demo.staff import CREWS
from domain.schedules import add_months
from domain.values import DutyConclusion, EvaluationOccasion

STILL_DUE = "0304"
"""The account manager whose evaluation after three years in post is left due."""

IN_POST_FINDINGS = {
    DutyConclusion.COMPETENT: "任职期间按规定频率开展贷后检查，检查报告要素齐全，"
    "及时识别并报告风险信号，贷后档案移交及时，评定为称职。",
    DutyConclusion.BASICALLY_COMPETENT: "任职期间贷后检查基本按期开展，但部分检查报告对借款人"
    "资金流向和经营变化分析不足，个别预警信号报告滞后，评定为基本称职，责成限期整改。",
}


def evaluate_duties(
    archive: DossierArchive, plans: Sequence[LoanPlan], contexts: Mapping[str, CommandContext]
) -> int:
    """Record the demo's evaluations; how many."""
    heads = {am: crew.head for crew in CREWS for am in crew.account_managers}
    made = 0
    handover = next(
        (
            (plan, step)
            for plan in plans
            for step in plan.steps
            if step.command == "hand_over" and step.on + timedelta(days=7) <= TODAY
        ),
        None,
    )
    if handover is not None:
        plan, step = handover
        handing = plan.steps[0].actor  # the account manager who disbursed it
        _evaluate(
            archive,
            contexts[heads[handing]],
            handing,
            EvaluationOccasion.HANDOVER,
            FIRST_VALUE_DATE,
            step.on,
            step.on + timedelta(days=7),
            DutyConclusion.COMPETENT,
            f"移交贷款 {plan.loan_no} 前，贷后检查、风险分类与档案移交均按规定完成，"
            "移交清单与实物相符，评定为称职。",
            [plan.loan_no],
        )
        made += 1
    in_post = add_months(FIRST_VALUE_DATE, 36)
    for n, (staff_no, head) in enumerate(sorted(heads.items())):
        if staff_no == STILL_DUE:
            continue
        conclusion = DutyConclusion.BASICALLY_COMPETENT if n % 4 == 3 else DutyConclusion.COMPETENT
        _evaluate(
            archive,
            contexts[head],
            staff_no,
            EvaluationOccasion.IN_POST,
            FIRST_VALUE_DATE,
            in_post,
            in_post + timedelta(days=12),
            conclusion,
            IN_POST_FINDINGS[conclusion],
            [],
        )
        made += 1
    return made


def _evaluate(
    archive: DossierArchive,
    ctx: CommandContext,
    staff_no: str,
    occasion: EvaluationOccasion,
    period_from: date,
    period_to: date,
    evaluated_on: date,
    conclusion: DutyConclusion,
    findings: str,
    loan_nos: list[str],
) -> None:
    archive.execute(
        ctx,
        EvaluatePostLoanDuties(
            staff_no=staff_no,
            occasion=occasion,
            period_from=period_from,
            period_to=period_to,
            evaluated_on=evaluated_on,
            conclusion=conclusion,
            findings=findings,
            loan_nos=loan_nos,
        ),
    )
