"""``dossier postloan …``: post-loan work (贷后工作) at the console, with the caller's token.

Inspections (贷后检查), five-level classification (五级分类), warning signals (风险预警:
发布 → 处置 → 反馈 → 认定 → 消除), guarantors (保证人: a guarantee registered, the guarantor
re-assessed) and the evaluation of an account manager's post-loan duties (贷后管理履职评价). The
same commands as the HTTP routes (api/routers/inspections.py, classification.py, warnings.py,
guarantees.py, staff.py; archive/commands/), with the same field names; each command prints the
ids it handed out for the next one (``inspection_id``, ``proposal_id``, ``signal_id``,
``guarantee_id``, ``evaluation_id``), and a refusal exits 1 in Chinese and English with nothing
recorded.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from api.cli.common import (
    ActAs,
    Files,
    Id,
    LoanNo,
    Reason,
    Token,
    choice,
    choice_option,
    day_option,
    parse_id,
    run,
    values,
)
from api.cli.customers import customer_app
from api.cli.feedback import feedback_app
from api.cli.guanhu import guanhu_app
from api.cli.information import funds_app, info_app
from api.cli.losses import coverage, loss_app
from api.cli.monitoring import monitoring_app
from api.cli.papers import paper_app
from api.cli.partners import partner_app
from api.cli.risk_control import notice_app, suspension_app
from api.cli.supervision import supervise_app
from api.cli.watch import maturity_app, watch_app
from api.cli.zones import zone_app
from archive.commands.classification import (
    ApproveClassification,
    DetermineClassification,
    ProposeClassification,
    RejectClassification,
)
from archive.commands.duties import EvaluatePostLoanDuties
from archive.commands.guarantees import ReassessGuarantor, RegisterGuarantee
from archive.commands.inspections import (
    CorrectInspection,
    CountersignInspection,
    RecordInspection,
)
from archive.commands.warnings import (
    ClearWarning,
    DetermineWarning,
    GiveWarningFeedback,
    HandleWarning,
    RaiseWarning,
    RecordEmergencyProgress,
    ReportWarning,
    StartEmergencyPlan,
)
from domain.values import (
    DutyConclusion,
    EvaluationOccasion,
    Grade,
    GuarantorCapacity,
    GuarantorKind,
    InspectionKind,
    WarningColour,
)

postloan_app = typer.Typer(
    help="贷后工作：检查、五级分类、履职评价 / Post-loan work: inspections, classification, "
    "evaluations of duties.",
    no_args_is_help=True,
)
inspection_app = typer.Typer(help="贷后检查 / Inspections of the borrower.", no_args_is_help=True)
classify_app = typer.Typer(
    help="五级分类：初分 → 认定 → 审批 / Five-level classification.", no_args_is_help=True
)
guarantor_app = typer.Typer(
    help="保证人：登记、代偿能力重估 / Guarantors: register, re-assess.", no_args_is_help=True
)
postloan_app.add_typer(inspection_app, name="inspection")
postloan_app.add_typer(classify_app, name="classify")
postloan_app.add_typer(info_app, name="info")
postloan_app.add_typer(funds_app, name="funds")
postloan_app.add_typer(guarantor_app, name="guarantor")
postloan_app.add_typer(supervise_app, name="supervise")
postloan_app.add_typer(notice_app, name="notice")
postloan_app.add_typer(suspension_app, name="suspension")
postloan_app.add_typer(feedback_app, name="feedback")
postloan_app.add_typer(paper_app, name="paper")
postloan_app.add_typer(monitoring_app, name="monitoring")
postloan_app.add_typer(partner_app, name="partner")

StaffNo = Annotated[str, typer.Option(help="复核人工号 / the reviewer's staff number")]
Findings = Annotated[str, typer.Option(help="检查结论 / findings")]


# ------------------------------------------------------------------ inspections
def _answers(path: Path) -> dict[str, object]:
    """The ``--checklist`` file: one JSON object, in UTF-8."""
    try:
        answered = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise typer.BadParameter(
            f"不是 UTF-8 编码的 JSON：{exc} / not JSON in UTF-8: {exc}", param_hint="--checklist"
        ) from None
    if not isinstance(answered, dict):
        raise typer.BadParameter("须为 JSON 对象 / must be a JSON object", param_hint="--checklist")
    return answered


@inspection_app.command("record")
def record_inspection(
    loan_no: LoanNo,
    kind: Annotated[InspectionKind, choice_option(InspectionKind, "kind")],
    inspected_on: Annotated[date, day_option("--on", "--inspected-on", help="检查日 / day")],
    reviewer: StaffNo,
    findings: Findings,
    checklist: Annotated[
        Path | None,
        typer.Option(
            help="检查表答案（JSON：answers、figures、judgment、measures、counterpart）/ the "
            "checklist answered, as the JSON of POST /loans/{loan_no}/inspections (answers, "
            "figures, judgment, measures, counterpart — whom a return visit spoke to or met); "
            "GET …/inspection-checklist lists its items",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    assistant: Annotated[
        str | None,
        typer.Option(
            help="辅助检查人（B岗）工号 / the assistant inspector's staff number (B岗); you are "
            "the main inspector (A岗)"
        ),
    ] = None,
    joint: Annotated[
        list[str] | None,
        typer.Option(
            help="会同检查：部门:工号，可重复 / a department and person joining on site, as "
            "DEPARTMENT:STAFF_NO (repeat the option for each)"
        ),
    ] = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """登记贷后检查 / Record an inspection by you, naming the reviewer who countersigns it."""
    answered = _answers(checklist) if checklist is not None else {}
    people: dict[str, object] = {}
    if assistant:
        people["assistant_no"] = assistant
    if joint:
        people["joint"] = [_joint(j) for j in joint]
    fields = {
        k: answered[k]
        for k in ("answers", "figures", "judgment", "measures", "counterpart")
        if k in answered
    }
    command = RecordInspection.model_validate(
        {
            "loan_no": loan_no,
            "kind": kind,
            "inspected_on": inspected_on,
            "reviewer_no": reviewer,
            "findings": findings,
            **fields,
            **people,
        }
    )
    run(token, role, command, ("已登记检查", "inspection recorded"), file)


def _joint(given: str) -> dict[str, str]:
    """``部门:工号`` as one person joining (会同检查)."""
    department, sep, staff_no = given.replace("：", ":").rpartition(":")
    if not sep or not department.strip() or not staff_no.strip():
        raise typer.BadParameter(
            f"须为 部门:工号，而非 {given!r} / must be DEPARTMENT:STAFF_NO", param_hint="--joint"
        )
    return {"department": department.strip(), "staff_no": staff_no.strip()}


@inspection_app.command("correct")
def correct_inspection(
    loan_no: LoanNo,
    inspection_id: Id,
    findings: Findings,
    reason: Reason,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """更正检查记录 / Correct an inspection's findings by a new event that points at it."""
    command = CorrectInspection(
        loan_no=loan_no, inspection_id=inspection_id, findings=findings, reason=reason
    )
    run(token, role, command, ("已更正检查", "inspection corrected"), file)


@inspection_app.command("countersign")
def countersign_inspection(
    loan_no: LoanNo,
    inspection_id: Id,
    countersigned_on: Annotated[
        date, day_option("--on", "--countersigned-on", help="复核日 / day")
    ],
    opinion: Annotated[str, typer.Option(help="复核意见 / the reviewer's opinion")],
    measures: Annotated[
        str | None, typer.Option(help="建议措施 / measures proposed (optional)")
    ] = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """复核贷后检查 / Countersign an inspection as the reviewer it names (复核意见)."""
    command = CountersignInspection(
        loan_no=loan_no,
        inspection_id=inspection_id,
        countersigned_on=countersigned_on,
        opinion=opinion,
        measures=measures,
    )
    run(token, role, command, ("已复核检查", "inspection countersigned"), file)


# ------------------------------------------------------------------ classification
@classify_app.command("propose")
def propose(
    loan_no: LoanNo,
    grade: Annotated[Grade, choice_option(Grade, "grade")],
    reason: Reason,
    as_of: Annotated[date, day_option("--as-of", help="分类基准日 / base date")],
    sub_grade: Annotated[
        str | None, typer.Option(help="细分档次代码 / sub-grade code (rules.toml)")
    ] = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """初分 / Propose a grade for the loan."""
    command = ProposeClassification(
        loan_no=loan_no, grade=grade, sub_grade=sub_grade, reason=reason, as_of=as_of
    )
    run(token, role, command, ("已提出分类（初分）", "classification proposed"), file)


@classify_app.command("determine")
def determine(
    loan_no: LoanNo,
    proposal_id: Id,
    grade: Annotated[Grade, choice_option(Grade, "grade")],
    reason: Reason,
    sub_grade: Annotated[
        str | None, typer.Option(help="细分档次代码 / sub-grade code (rules.toml)")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """认定 / Determine a proposal: confirm its grade or set another, never above the floor;
    by the branch's credit management, never its proposer."""
    command = DetermineClassification(
        loan_no=loan_no, proposal_id=proposal_id, grade=grade, sub_grade=sub_grade, reason=reason
    )
    run(token, role, command, ("已认定分类", "classification determined"))


@classify_app.command("approve")
def approve(
    loan_no: LoanNo,
    proposal_id: Id,
    reason: Reason,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """审批 / Approve a proposal at its determined grade: never by its proposer nor its
    determiner, never above the statutory floor, not before 认定 where the rules require it."""
    command = ApproveClassification(loan_no=loan_no, proposal_id=proposal_id, reason=reason)
    run(token, role, command, ("已审批分类", "classification approved"), file)


@classify_app.command("reject")
def reject(
    loan_no: LoanNo,
    proposal_id: Id,
    reason: Reason,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """否决 / Reject a proposal, with the reason."""
    command = RejectClassification(loan_no=loan_no, proposal_id=proposal_id, reason=reason)
    run(token, role, command, ("已否决分类", "classification rejected"))


# ------------------------------------------------------------------ guarantors
Rating = Annotated[str | None, typer.Option(help="信用等级 / credit rating (e.g. AA)")]


@guarantor_app.command("add")
def add_guarantee(
    loan_no: LoanNo,
    name: Annotated[str, typer.Option(help="保证人名称 / the guarantor's name")],
    kind: Annotated[GuarantorKind, choice_option(GuarantorKind, "kind")],
    id_no: Annotated[
        str, typer.Option(help="身份证号或统一社会信用代码 / ID card no. or credit code")
    ],
    amount: Annotated[str, typer.Option(help="担保金额（元）/ amount guaranteed, 元")],
    contract_no: Annotated[str, typer.Option(help="保证合同编号 / guarantee contract no.")],
    registered_on: Annotated[date, day_option("--on", "--registered-on", help="登记日 / day")],
    rating: Rating = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """登记保证 / Register a guarantee on the loan, with its contract."""
    command = RegisterGuarantee.model_validate(
        {
            "loan_no": loan_no,
            "guarantor_name": name,
            "kind": kind,
            "id_no": id_no,
            "amount": amount,
            "contract_no": contract_no,
            "registered_on": registered_on,
            "rating": rating,
        }
    )
    run(token, role, command, ("已登记保证", "guarantee registered"), file)


@guarantor_app.command("reassess")
def reassess_guarantor(
    loan_no: LoanNo,
    guarantee_id: Id,
    assessed_on: Annotated[date, day_option("--on", "--assessed-on", help="评估日 / day")],
    capacity: Annotated[GuarantorCapacity, choice_option(GuarantorCapacity, "capacity")],
    findings: Annotated[str, typer.Option(help="评估结论 / findings")],
    rating: Rating = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """重估保证人代偿能力 / Re-assess the guarantor; weakened or lost raises GUA-03."""
    command = ReassessGuarantor(
        loan_no=loan_no,
        guarantee_id=guarantee_id,
        assessed_on=assessed_on,
        capacity=capacity,
        rating=rating,
        findings=findings,
    )
    run(token, role, command, ("已重估保证人", "guarantor re-assessed"), file)


# ------------------------------------------------------------------ evaluations of duties
@postloan_app.command("evaluate")
def evaluate(
    staff_no: Annotated[
        str, typer.Argument(help="被评价客户经理工号 / the account manager's staff number")
    ],
    occasion: Annotated[EvaluationOccasion, choice_option(EvaluationOccasion, "occasion")],
    period_from: Annotated[date, day_option("--from", help="评价期间起 / first day evaluated")],
    period_to: Annotated[date, day_option("--to", help="评价期间止 / last day evaluated")],
    evaluated_on: Annotated[date, day_option("--on", help="评价日期 / day of the evaluation")],
    conclusion: Annotated[DutyConclusion, choice_option(DutyConclusion, "conclusion")],
    findings: Annotated[str, typer.Option(help="评价意见 / findings")],
    loan: Annotated[
        list[str] | None,
        typer.Option(help="所评贷款借据号，可重复 / a loan reviewed; repeatable"),
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """履职评价 / Evaluate an account manager's post-loan duties, at handover or in post."""
    command = EvaluatePostLoanDuties(
        staff_no=staff_no,
        occasion=occasion,
        period_from=period_from,
        period_to=period_to,
        evaluated_on=evaluated_on,
        conclusion=conclusion,
        findings=findings,
        loan_nos=loan or [],
    )
    run(token, role, command, ("已登记履职评价", "evaluation of duties recorded"))


# ------------------------------------------------------------------ warning signals
warning_app = typer.Typer(
    help="风险预警：发布 → 处置 → 反馈 → 认定 → 消除 / Warning signals, through the closed loop.",
    no_args_is_help=True,
)
postloan_app.add_typer(warning_app, name="warning")
SignalId = Annotated[UUID, typer.Argument(parser=parse_id, metavar="SIGNAL_ID", show_default=False)]


@warning_app.command("raise")
def raise_warning(
    loan_no: LoanNo,
    code: Annotated[
        str, typer.Option(help="预警信号代码（GET /warning-catalogue）/ the catalogue's code")
    ],
    raised_on: Annotated[date, day_option("--on", "--raised-on", help="预警日 / day")],
    reason: Reason,
    colour: Annotated[
        WarningColour | None,
        typer.Option(
            parser=choice(WarningColour, "colour"),
            metavar="COLOUR",
            help="预警等级，可省略（取自指标库）/ the colour; leave out to take the catalogue's "
            f"({values(WarningColour)})",
        ),
    ] = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """发布 / Raise a warning signal by its catalogue code; it prints the signal_id."""
    command = RaiseWarning(
        loan_no=loan_no, code=code, raised_on=raised_on, reason=reason, colour=colour
    )
    run(token, role, command, ("已发出预警", "warning raised"), file)


@warning_app.command("report")
def report_warning(
    loan_no: LoanNo,
    signal_id: SignalId,
    reported_on: Annotated[date, day_option("--on", "--reported-on", help="签收日 / day")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """报告 / Acknowledge a signal reported to you on its colour's route."""
    command = ReportWarning(loan_no=loan_no, signal_id=signal_id, reported_on=reported_on)
    run(token, role, command, ("已签收预警报告", "warning report received"))


@warning_app.command("handle")
def handle_warning(
    loan_no: LoanNo,
    signal_id: SignalId,
    handled_on: Annotated[date, day_option("--on", "--handled-on", help="处置日 / day")],
    measures: Annotated[str, typer.Option(help="处置措施 / measures taken")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """处置 / Record the measures taken on a signal."""
    command = HandleWarning(
        loan_no=loan_no, signal_id=signal_id, handled_on=handled_on, measures=measures
    )
    run(token, role, command, ("已处置预警", "warning handled"), file)


@warning_app.command("feedback")
def feedback_warning(
    loan_no: LoanNo,
    signal_id: SignalId,
    feedback_on: Annotated[date, day_option("--on", "--feedback-on", help="反馈日 / day")],
    result: Annotated[str, typer.Option(help="处置结果 / the result of the measures")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """反馈 / Report the result of the measures taken on a signal."""
    command = GiveWarningFeedback(
        loan_no=loan_no, signal_id=signal_id, feedback_on=feedback_on, result=result
    )
    run(token, role, command, ("已反馈处置结果", "feedback given"), file)


@warning_app.command("determine")
def determine_warning(
    loan_no: LoanNo,
    signal_id: SignalId,
    determined_on: Annotated[date, day_option("--on", "--determined-on", help="认定日 / day")],
    opinion: Annotated[str, typer.Option(help="认定意见 / opinion")],
    confirmed: Annotated[
        bool,
        typer.Option(
            "--confirmed/--dismissed", help="风险属实 / 风险排除: the risk confirmed or dismissed"
        ),
    ] = True,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """认定 / Determine a signal after its feedback: never by its handler or feedback giver."""
    command = DetermineWarning(
        loan_no=loan_no,
        signal_id=signal_id,
        determined_on=determined_on,
        confirmed=confirmed,
        opinion=opinion,
    )
    run(token, role, command, ("已认定预警", "warning determined"), file)


@warning_app.command("clear")
def clear_warning(
    loan_no: LoanNo,
    signal_id: SignalId,
    cleared_on: Annotated[date, day_option("--on", "--cleared-on", help="消除日 / day")],
    reason: Reason,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """消除 / Clear a signal: after 认定 under the closed loop, never by its handler."""
    command = ClearWarning(
        loan_no=loan_no, signal_id=signal_id, cleared_on=cleared_on, reason=reason
    )
    run(token, role, command, ("已消除预警", "warning cleared"), file)


@warning_app.command("plan")
def start_emergency_plan(
    loan_no: LoanNo,
    signal_id: SignalId,
    started_on: Annotated[date, day_option("--on", "--started-on", help="启动日 / day")],
    measures: Annotated[str, typer.Option(help="应急措施 / the plan's measures")],
    owner: Annotated[str, typer.Option(help="责任人工号 / who carries it out (staff number)")],
    due_on: Annotated[date, day_option("--due", "--due-on", help="完成期限 / by when")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """启动应急预案 / Start a signal's emergency plan: measures, owner, deadline."""
    command = StartEmergencyPlan(
        loan_no=loan_no,
        signal_id=signal_id,
        started_on=started_on,
        measures=measures,
        owner_no=owner,
        due_on=due_on,
    )
    run(token, role, command, ("已启动应急预案", "emergency plan started"), file)


@warning_app.command("progress")
def record_emergency_progress(
    loan_no: LoanNo,
    signal_id: SignalId,
    progress_on: Annotated[date, day_option("--on", "--progress-on", help="进展日 / day")],
    progress: Annotated[str, typer.Option(help="落实情况 / how the plan stands")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """记录应急预案进展 / Record how a signal's emergency plan stands."""
    command = RecordEmergencyProgress(
        loan_no=loan_no, signal_id=signal_id, progress_on=progress_on, progress=progress
    )
    run(token, role, command, ("已记录应急预案进展", "emergency progress recorded"), file)


# ------------------------------------------------------------------ closer watch, maturities
postloan_app.add_typer(watch_app, name="watch")
postloan_app.add_typer(maturity_app, name="maturity")
postloan_app.add_typer(guanhu_app, name="guanhu")
guanhu_app.command("coverage")(coverage)
postloan_app.add_typer(loss_app, name="loss")
postloan_app.add_typer(customer_app, name="customer")
postloan_app.add_typer(zone_app, name="zone")
