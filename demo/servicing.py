"""Servicing a loan (贷后管理) while it is paid as agreed.

Disbursement with its credit file, the repayment schedule, the first follow-up and routine
inspections at the frequency docs/rules.md sets (INS-02 to INS-09), warnings raised and cleared, five-level
classification changes, extension, handover of the account manager, and settlement.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any
from uuid import UUID

from demo.plan import TODAY, DocSpec, Planner, add_months, cents, workday
from demo.staff import NAMES
from demo.texts import (
    FIRST_FINDINGS,
    HANDLING_DAYS,
    RETAIL_FINDINGS,
    ROUTINE_FINDINGS,
    SIGNALS,
)
from domain.rules import shipped_rules
from domain.transfers import add_working_days
from domain.values import (
    BorrowerType,
    Grade,
    GuaranteeType,
    InspectionKind,
    Product,
    RepaymentMethod,
    WarningColour,
)

Row = tuple[date, Decimal, Decimal]
"""One due date of a schedule: when, principal, interest."""

_CORPORATE_PRODUCTS = (Product.CORPORATE_WORKING_CAPITAL, Product.SMALL_BUSINESS)
_RULES = shipped_rules()
_SCHEDULE = _RULES.inspections
_CHECKLISTS = _RULES.checklists
"""The demo keeps to the shipped rules' inspection schedule (docs/rules.md INS-02 to INS-09)."""
_HANDOVER_REASONS = (
    "原客户经理岗位调整，管户客户按支行安排移交",
    "原客户经理轮岗交流，办理管户移交",
    "按客户分层管理要求调整管户客户经理",
    "原客户经理休产假，客户移交其他客户经理管理",
)
_EXTENSION_REASONS = (
    "借款人下游客户回款周期延长，到期还款资金暂时不足，生产经营正常，申请展期",
    "受季节性因素影响，借款人销售回笼推迟，经营及担保情况未发生不利变化，同意展期",
    "借款人在建项目投产推迟，现金流暂时紧张，经调查还款意愿良好，同意展期",
)


# ------------------------------------------------------------------------ disbursement
def disburse(p: Planner) -> None:
    """The loan's booking: the core system reports it (loans.csv), and the account manager files
    its origination record with the credit file (放款资料, 贷前资料补录) — demo.core_feed.

    The account manager investigated the loan (调查), the branch's reviewer reviewed it (审查)
    and the branch head approved it (审批): the people its review report and approval name.
    """
    s, b = p.shape, p.shape.borrower
    docs = tuple(p.doc(doc_type, None) for doc_type in _credit_file(p))
    p.add(
        s.value_date,
        s.account_manager,
        "disburse",
        docs=docs,
        rank=0,
        loan_no=s.loan_no,
        borrower_id=b.borrower_id,
        borrower_name=b.name,
        borrower_type=b.kind,
        borrower_rating=s.rating,
        product=s.product,
        principal=s.principal,
        interest_rate=s.rate,
        value_date=s.value_date,
        maturity_date=s.maturity,
        repayment_method=s.method,
        guarantee_type=s.guarantee,
        branch=s.crew.branch,
        purpose=b.purpose,
        investigator_no=s.account_manager,
        origination_reviewer_no=s.crew.reviewer,
        approver_no=s.crew.head,
    )


def _credit_file(p: Planner) -> list[str]:
    s = p.shape
    types = ["loan_application", "investigation_report"]
    if s.product is Product.CORPORATE_WORKING_CAPITAL:
        types.append("review_report")
    types.append("approval")
    if s.product in _CORPORATE_PRODUCTS:
        types.append("rating_form")
    types += ["loan_contract", "drawdown_receipt"]
    if s.guarantee is GuaranteeType.GUARANTEE:
        types.append("guarantee_contract")
    elif s.guarantee is GuaranteeType.PLEDGE:
        types.append("pledge_contract")
    elif s.guarantee is GuaranteeType.MORTGAGE:
        # The valuation report, the registration certificate and the insurance policy come
        # with the collateral's own records (demo.collateral).
        types.append("mortgage_contract")
    return types


# ------------------------------------------------------------------------- repayments
def schedule(
    p: Planner, start: date, balance: Decimal, dues: list[date], method: RepaymentMethod
) -> list[Row]:
    """What falls due on each date if the borrower pays as agreed."""
    rows: list[Row] = []
    previous, remaining = start, balance
    instalment = cents(balance / len(dues))
    for index, due in enumerate(dues):
        last = index == len(dues) - 1
        if last:
            principal = remaining
        elif method is RepaymentMethod.INSTALMENT:
            principal = min(instalment, remaining)
        else:
            principal = Decimal("0.00")
        interest = cents(remaining * p.rate * (due - previous).days / 360)
        rows.append((due, principal, interest))
        remaining -= principal
        previous = due
    return rows


def contract_schedule(p: Planner, maturity: date | None = None) -> list[Row]:
    s = p.shape
    return schedule(p, s.value_date, s.principal, s.due_dates(maturity), s.method)


def pay_on_time(p: Planner, rows: list[Row], first: date, last: date) -> None:
    """Record each instalment due in ``[first, last]`` as paid on its due date."""
    for due, principal, interest in rows:
        if first <= due <= last:
            p.repay(due, principal, interest)


# ------------------------------------------------------------------------- inspections
def inspection_papers(
    p: Planner, on: date, kind: InspectionKind, findings: str
) -> tuple[DocSpec, ...]:
    """The report of an inspection made on ``on`` (and its photos, when on site)."""
    report = (
        "first_inspection_report" if kind is InspectionKind.FIRST_FOLLOW_UP else "inspection_report"
    )
    fields = {
        "inspector": NAMES[p.account_manager_at(on)],
        "findings": findings,
        "previous_grade": p.grade_at(on).zh,
    }
    docs = [p.doc(report, on, **fields)]
    if kind is InspectionKind.ON_SITE:
        docs.append(p.doc("site_photo", on, **fields))
    return tuple(docs)


def inspect(
    p: Planner,
    on: date,
    kind: InspectionKind,
    findings: str,
    *,
    optional: int = 0,
    docs: tuple[DocSpec, ...] | None = None,
) -> None:
    """An inspection by the account manager, countersigned by the branch's reviewer.

    It files its own report (:func:`inspection_papers`) unless ``docs`` says what it files.
    """
    if p.closed_on is not None and on > p.closed_on:
        return
    inspector = p.account_manager_at(on)
    answered = checklist_answered(p, kind)
    if docs is None:
        docs = inspection_papers(p, on, kind, findings)
        if answered:  # the report is the form generated from the answers; photos still filed
            docs = tuple(d for d in docs if d.doc_type == "site_photo")
    inspection_id = p.new_id("inspection")
    people: dict[str, Any] = {}
    assistant = assistant_inspector(p, on, kind, inspector)
    if assistant is not None:
        people["assistant_no"] = assistant
    if kind is InspectionKind.SPECIAL and any(red <= on for red in p.red_signals):
        # 重大风险事项会同有关部门现场检查: the risk department joins on site.
        people["joint"] = [{"department": "风险管理部", "staff_no": p.risk_manager}]
    p.add(
        on,
        inspector,
        "record_inspection",
        docs=docs,
        optional=optional,
        kind=kind,
        inspected_on=on,
        reviewer_no=p.crew.reviewer,
        findings=findings,
        inspection_id=inspection_id,
        **answered,
        **people,
    )
    countersign(p, on, inspection_id)


def assistant_inspector(p: Planner, on: date, kind: InspectionKind, inspector: str) -> str | None:
    """The assistant inspector (辅助检查人, B岗) an inspection of a loan the shipped rules say
    needs a B岗 names: the loan's B岗 (:func:`assign_b_post`; after a handover, the former
    account manager), or another account manager of the branch. No draw of the random
    sequence."""
    s = p.shape
    managers = shipped_rules().managers
    rule = managers.b_post_rule(
        borrower_type=s.borrower.kind.value, product=s.product.value, principal=s.principal
    )
    if rule is None or kind not in managers.assistant_kinds:
        return None
    if p.handover is not None and on > p.handover[0]:
        return s.account_manager
    others = [m for m in p.crew.account_managers if m != inspector]
    return others[s.seed % len(others)]


_PUNCTUAL = frozenset({"first_report_late", "first_inspection_missed"})
"""The deliberate gaps' scenarios (demo.gaps): their reviewers countersign on time, so that each
loan shows its one fault only."""

COUNTERSIGN_WAIT = 7
"""Inspections this close to the demo's today still await their countersign (复核意见)."""


def countersign(p: Planner, inspected_on: date, inspection_id: UUID) -> None:
    """The branch's reviewer countersigns (复核意见) within the rules' working days — one in
    twelve late — unless the inspection is too recent: then it awaits her on the demo's today.

    The delay is drawn from the inspection's own id, so the loan's other draws do not move.
    """
    punctual = p.shape.scenario in _PUNCTUAL or "missing_receipt" in p.shape.features
    if inspected_on > TODAY - timedelta(days=COUNTERSIGN_WAIT) and not punctual:
        return
    draw = Random(str(inspection_id))
    limit = _RULES.countersign_days or 5
    days = draw.randint(1, limit)
    if draw.random() < 1 / 12 and not punctual:
        days = limit + draw.randint(2, 8)
    on = add_working_days(inspected_on, days, _RULES.calendar)
    late = days > limit
    p.add(
        on,
        p.crew.reviewer,
        "countersign_inspection",
        rank=6,
        inspection_id=inspection_id,
        opinion=draw.choice(COUNTERSIGN_OPINIONS_LATE if late else COUNTERSIGN_OPINIONS),
        countersigned_on=on,
    )


COUNTERSIGN_OPINIONS = (
    "同意检查结论，资料齐全，按期跟踪。",
    "同意。请继续关注借款人经营及回款情况。",
    "检查内容真实完整，同意报告意见。",
)
COUNTERSIGN_OPINIONS_LATE = (
    "补签：同意检查结论，复核延误已说明。",
    "同意检查结论；复核因出差延后，已补签。",
)


def checklist_answered(p: Planner, kind: InspectionKind) -> dict[str, Any]:
    """The answers to the checklist the shipped rules have for an inspection of ``kind`` of the
    loan (none when none applies): mostly normal; now and then an item found abnormal with its
    note, judged 关注 with the measures taken; a special inspection finds the repayment
    capacity weakened and judges 预警."""
    s = p.shape
    facts = {
        "product": s.product.value,
        "borrower_type": s.borrower.kind.value,
        "guarantee_type": s.guarantee.value,
    }
    checklist = _CHECKLISTS.for_inspection(kind.value, facts)
    if checklist is None:
        return {}
    # Drawn apart from the loan's own random sequence, which the rest of its life follows.
    rng = random.Random(f"{s.borrower.borrower_id}:{len(p.steps)}:{kind.value}")
    abnormal: dict[str, str] = {}
    if kind is InspectionKind.SPECIAL:
        abnormal["X-02"] = "经营收入下降，现金流不足以按期还本付息"
    elif rng.random() < 0.12:
        item = rng.choice(checklist.items)
        abnormal[item.code] = ABNORMAL_NOTES.get(item.area, "情况较上次检查有不利变化，需跟踪")
    answers = [
        {"item": i.code, "result": "abnormal", "note": abnormal[i.code]}
        if i.code in abnormal
        else {"item": i.code, "result": "normal"}
        for i in checklist.items
    ]
    principal = s.principal
    figures = {
        "total_assets": cents(principal * Decimal("12.5")),
        "total_liabilities": cents(principal * Decimal("7.2")),
        "sales_revenue": cents(principal * Decimal("9.8")),
        "net_profit": cents(principal * Decimal("0.45")),
        "operating_cash_flow": cents(principal * Decimal("0.8")),
        "other_bank_financing": cents(principal * Decimal("2")),
        "external_guarantees": cents(principal * Decimal("0.5")),
    }
    body: dict[str, Any] = {
        "answers": answers,
        "figures": {f.code: str(figures[f.code]) for f in checklist.figures},
        "judgment": "normal",
    }
    if kind is InspectionKind.SPECIAL:
        body |= {"judgment": "warning", "measures": "压缩授信，追加担保，按周跟踪回款"}
    elif abnormal:
        body |= {"judgment": "watch", "measures": "要求借款人说明情况，下次检查重点复核"}
    return body


ABNORMAL_NOTES = {
    "财务状况": "应收账款较上季增加三成，回款放缓",
    "生产经营": "主要原材料涨价，毛利下降",
    "担保情况": "保证人涉及一起买卖合同纠纷",
    "客户及内部管理": "财务负责人更换",
    "借款人信息": "借款人收入较上次检查下降",
    "资金使用": "部分资金用于归还他行借款，已要求纠正",
    "还款情况": "本期还款延迟两日",
    "抵押房产": "抵押房产已出租，未告知本行",
}
"""What an abnormal answer notes, by the area of its item."""


def first_follow_up(p: Planner) -> date:
    """首次跟踪检查: within the days the shipped rules give (15 for business loans, 30 others)."""
    s = p.shape
    limit: int = getattr(_SCHEDULE, _SCHEDULE.first_follow_up_rule(s.borrower.kind, s.product))
    days = p.rng.randint(limit // 3, limit)
    if p.rng.random() < 0.06:
        days = limit + p.rng.randint(3, 20)  # a late first inspection: a real-world gap
    on = workday(s.value_date + timedelta(days=days))
    inspect(p, on, InspectionKind.FIRST_FOLLOW_UP, first_findings(p))
    return on


def first_findings(p: Planner) -> str:
    """What the first follow-up inspection finds: the funds used as the contract says."""
    s = p.shape
    if s.product in _CORPORATE_PRODUCTS:
        template = FIRST_FINDINGS["corporate"]
    elif s.product is Product.INDIVIDUAL_PRODUCTION:
        template = FIRST_FINDINGS["production"]
    elif s.product is Product.CONSUMER:
        template = FIRST_FINDINGS["consumer"]
    else:
        template = FIRST_FINDINGS["mortgage"]
    return template.format(
        start=f"{s.value_date:%Y年%m月%d日}",
        purpose=s.borrower.purpose,
        business=s.borrower.business,
    )


def routine_interval(p: Planner) -> int | None:
    """Months between routine inspections by the shipped rules; None when the repayment
    record is the monitor."""
    s = p.shape
    return _SCHEDULE.routine_months(s.rating, s.product, s.method)


def routine_inspections(p: Planner, after: date, before: date, *, optional: int = 3) -> None:
    """Routine inspections on schedule between two dates; a few are late.

    They are the first steps given up when a loan's record would grow past the demo's limit
    (a missed inspection is a gap the task board and the auditors will see).
    """
    months = routine_interval(p)
    if months is None:
        return
    s = p.shape
    before = min(before, p.closed_on or before)
    previous, step = after, 1
    while (due := add_months(s.value_date, months * step)) < before:
        step += 1
        if due <= after + timedelta(days=10):
            continue
        on = due + timedelta(days=p.rng.randint(-6, 4))
        if p.rng.random() < 0.08:
            on = due + timedelta(days=p.rng.randint(10, 35))  # late
        on = workday(on)
        if on >= before or on <= previous:
            continue
        kind = p.rng.choices(
            (InspectionKind.ROUTINE, InspectionKind.ON_SITE, InspectionKind.OFF_SITE), (7, 2, 1)
        )[0]
        if s.product in _CORPORATE_PRODUCTS:
            findings = p.rng.choice(ROUTINE_FINDINGS)
        else:
            findings = p.rng.choice(RETAIL_FINDINGS).format(business=s.borrower.business)
        inspect(p, on, kind, findings, optional=optional)
        previous = on


# ---------------------------------------------------------------------- classification
def classify(
    p: Planner,
    proposed: date,
    approved: date,
    grade: Grade,
    sub_grade: str | None,
    reason: str,
    *,
    overdue: tuple[int, Decimal, Decimal] = (0, Decimal(0), Decimal(0)),
) -> bool:
    """The account manager proposes a grade (初分), the branch's reviewer determines it (认定)
    and a risk manager approves it (审批): three people."""
    if p.closed_on is not None and approved > p.closed_on:
        return False
    proposer = p.account_manager_at(proposed)
    proposal_id = p.new_id("proposal")
    p.add(
        proposed,
        proposer,
        "propose_classification",
        grade=grade,
        sub_grade=sub_grade,
        reason=reason,
        as_of=proposed,
        proposal_id=proposal_id,
    )
    determine(p, proposed + (approved - proposed) // 2, proposal_id, grade, sub_grade)
    days, principal, interest = overdue
    form = p.doc(
        "classification_form",
        approved,
        grade=grade.zh,
        previous_grade=p.grade_at(approved).zh,
        reason=reason,
        overdue_days=str(days),
        overdue_principal=str(principal),
        overdue_interest=str(interest),
        account_manager=NAMES[proposer],
    )
    p.add(
        approved,
        p.risk_manager,
        "approve_classification",
        docs=(form,),
        proposal_id=proposal_id,
        reason=f"经审核分类依据，同意认定为{grade.zh}类。",
    )
    p.grades.append((approved, grade))
    return True


def determine(p: Planner, on: date, proposal_id: UUID, grade: Grade, sub_grade: str | None) -> None:
    """The branch's reviewer (复核人) determines the proposal (认定), confirming its grade."""
    p.add(
        on,
        p.crew.reviewer,
        "determine_classification",
        proposal_id=proposal_id,
        grade=grade,
        sub_grade=sub_grade,
        reason=f"经复核分类依据及借款人经营、还款情况，认定为{grade.zh}类，报风险管理部审批。",
    )


# ------------------------------------------------------------------------------ warnings
def handling_day(p: Planner, raised: date, code: str) -> date:
    """When the risk manager handles a signal: within the colour's deadline, now and then late."""
    deadline = HANDLING_DAYS[SIGNALS[code].colour]
    days = p.rng.randint(0, deadline)
    if p.rng.random() < 0.1:
        days = deadline + p.rng.randint(2, 10)
    return raised + timedelta(days=days)


def warn(
    p: Planner,
    code: str,
    raised: date,
    *,
    raiser: str,
    handled: date | None,
    cleared: date | None = None,
) -> None:
    """A signal raised with its handling form, then handled and perhaps cleared (解除)."""
    signal, s = SIGNALS[code], p.shape
    detail = signal.detail.format(
        pct=p.rng.randint(20, 45),
        days=p.rng.randint(5, 60),
        guarantor=s.borrower.guarantor,
        amount=p.rng.randint(50, 800),
    )
    signal_id = p.new_id("signal")
    form = p.doc(
        "warning_form",
        raised,
        signal=signal.label,
        signal_colour=signal.colour.zh,
        reason=detail,
        measures=signal.measures,
    )
    p.add(
        raised,
        raiser,
        "raise_warning",
        docs=(form,),
        colour=signal.colour,
        code=signal.code,
        raised_on=raised,
        reason=f"{signal.name}：{detail}",
        signal_id=signal_id,
    )
    if signal.colour in shipped_rules().warnings.emergency_plan_colours:
        # 一旦发现风险迹象立即启动应急预案: the risk manager starts it the day it is raised.
        p.red_signals.append(raised)
        p.add(
            raised,
            p.risk_manager,
            "start_emergency_plan",
            rank=6,
            signal_id=signal_id,
            started_on=raised,
            measures=signal.measures,
            owner_no=p.account_manager_at(raised),
            due_on=raised + timedelta(days=30),
        )
    # Reported on its route (报告路线): red to the branch head, orange to the risk manager,
    # yellow to the reviewer (archive/rules.toml [warnings.reporting]).
    to = {
        WarningColour.RED: p.crew.head,
        WarningColour.ORANGE: p.risk_manager,
        WarningColour.YELLOW: p.crew.reviewer,
    }[signal.colour]
    reported = raised + timedelta(days=p.rng.randint(0, 1))
    if reported <= TODAY:
        p.add(reported, to, "report_warning", signal_id=signal_id, reported_on=reported)
    if handled is None:
        return
    p.add(
        handled,
        p.risk_manager,
        "handle_warning",
        signal_id=signal_id,
        handled_on=handled,
        measures=signal.measures,
    )
    if cleared is not None and cleared >= handled:
        # 反馈 by the post-loan officer, 认定 by the reviewer, 消除 by the branch head: the
        # risk manager who handled it does neither (发布→处置→反馈→认定→消除).
        span = (cleared - handled).days
        fed_back = handled + timedelta(days=span // 3)
        p.add(
            fed_back,
            p.crew.post_loan_officer,
            "give_warning_feedback",
            signal_id=signal_id,
            feedback_on=fed_back,
            result=f"处置措施已落实：{signal.cleared}",
        )
        determined = handled + timedelta(days=2 * span // 3)
        p.add(
            determined,
            p.crew.reviewer,
            "determine_warning",
            signal_id=signal_id,
            determined_on=determined,
            confirmed=True,
            opinion="经核实，预警信号属实，处置措施有效，风险已得到控制。",
        )
        p.add(
            cleared,
            p.crew.head,
            "clear_warning",
            signal_id=signal_id,
            cleared_on=cleared,
            reason=signal.cleared,
        )


def yellow_signal(p: Planner) -> str:
    s = p.shape
    if s.borrower.kind is BorrowerType.CORPORATE:
        return p.rng.choice(("BEH-04", "FIN-03", "FIN-08", "OPS-03"))
    if s.guarantee is GuaranteeType.MORTGAGE and s.product is Product.MORTGAGE:
        return p.rng.choice(("FIN-08", "GUA-07"))
    return "FIN-08"


def orange_signal(p: Planner) -> str:
    s = p.shape
    choices = ["BEH-05"] if s.borrower.kind is BorrowerType.CORPORATE else []
    if s.guarantee is GuaranteeType.GUARANTEE:
        choices.append("GUA-03")
    if s.guarantee is GuaranteeType.MORTGAGE:
        choices.append("GUA-01")
    if s.product is not Product.CONSUMER:
        choices.append("OPS-01")
    return p.rng.choice(choices or ["GUA-03"])


def cleared_warning(p: Planner, first: date, last: date) -> None:
    """A yellow signal that is raised, handled and, after a while, cleared."""
    if (last - first).days < 40:
        return
    raised = workday(p.between(first, last - timedelta(days=35)))
    code = yellow_signal(p)
    handled = handling_day(p, raised, code)
    cleared = p.between(handled + timedelta(days=20), min(last, handled + timedelta(days=120)))
    raiser = p.rng.choice((p.crew.post_loan_officer, p.account_manager_at(raised)))
    warn(p, code, raised, raiser=raiser, handled=handled, cleared=cleared)


def watch(p: Planner, first: date, last: date) -> None:
    """An orange signal on a performing loan: special inspection, 关注, then back to 正常."""
    if (last - first).days < 260:
        return
    raised = workday(p.between(first, last - timedelta(days=250)))
    code = orange_signal(p)
    handled = handling_day(p, raised, code)
    inspect(
        p,
        workday(raised + timedelta(days=p.rng.randint(1, 7))),
        InspectionKind.SPECIAL,
        f"因预警信号“{SIGNALS[code].label}”开展专项检查：信号属实，借款人仍能按期付息，"
        "已要求落实风险缓释措施，建议下调为关注类并加强监测。",
    )
    proposed = workday(raised + timedelta(days=p.rng.randint(3, 10)))
    classify(
        p,
        proposed,
        proposed + timedelta(days=p.rng.randint(1, 4)),
        Grade.SPECIAL_MENTION,
        "special_mention_1",
        f"出现橙色预警信号（{SIGNALS[code].label}），还款能力可能受到不利影响，审慎下调为关注类。",
    )
    cleared = handled + timedelta(days=p.rng.randint(60, 150))
    warn(p, code, raised, raiser=p.risk_manager, handled=handled, cleared=cleared)
    upgraded = workday(cleared + timedelta(days=p.rng.randint(10, 40)))
    classify(
        p,
        upgraded,
        upgraded + timedelta(days=p.rng.randint(1, 4)),
        Grade.NORMAL,
        "normal_3",
        "预警信号已解除，风险缓释措施落实到位，借款人按期还本付息，调回正常类。",
    )


# ------------------------------------------------------------------- account managers
def assign_b_post(p: Planner) -> None:
    """双人管户: a loan the shipped rules say needs a B岗 gets one, the branch's next account
    manager, on its value date — but one in six, whose branch head has yet to name one (配置B岗,
    a task of the work queue). Deterministic: no draw of the loan's random sequence."""
    s = p.shape
    rule = shipped_rules().managers.b_post_rule(
        borrower_type=s.borrower.kind.value, product=s.product.value, principal=s.principal
    )
    others = [m for m in p.crew.account_managers if m != s.account_manager]
    if rule is None or not others or s.seed % 6 == 0:
        return
    p.add(
        s.value_date,
        p.crew.head,
        "assign_account_managers",
        rank=1,
        a_manager_no=s.account_manager,
        b_manager_no=others[s.seed % len(others)],
        assigned_on=s.value_date,
        reason="授信金额较大，实行双人管户，配置B岗",
    )


# ------------------------------------------------------------------- changes of terms
def plan_handover(p: Planner, first: date, last: date) -> None:
    """Decide now (it changes who acts afterwards) that the loan changes account manager."""
    others = [m for m in p.crew.account_managers if m != p.shape.account_manager]
    if (last - first).days < 10 or not others:
        return
    p.handover = (workday(p.between(first, last)), p.rng.choice(others))


def record_handover(p: Planner) -> None:
    """客户经理变更, supervised by the branch head or the reviewer (监交人)."""
    if p.handover is None:
        return
    on, receiving = p.handover
    supervisor = p.crew.head if p.rng.random() < 0.6 else p.crew.reviewer
    record = p.doc(
        "handover_record",
        on,
        handover_from=NAMES[p.shape.account_manager],
        handover_to=NAMES[receiving],
        supervisor=NAMES[supervisor],
    )
    p.add(
        on,
        supervisor,
        "hand_over",
        docs=(record,),
        rank=4,
        handed_over_on=on,
        receiving_no=receiving,
        reason=p.rng.choice(_HANDOVER_REASONS),
    )
    # 双人管户: the former account manager stays beside the new one as B岗, so the papers
    # they signed (the archive office's transfer lists) remain theirs to act on (数据权限).
    p.add(
        on,
        p.crew.head,
        "assign_account_managers",
        rank=4,
        a_manager_no=receiving,
        b_manager_no=p.shape.account_manager,
        assigned_on=on,
        reason="原客户经理转任B岗，双人管户",
    )


def extend(p: Planner, approved: date, new_maturity: date) -> None:
    """展期, approved by the branch head before the loan falls due."""
    months = round((new_maturity - p.maturity_at(approved)).days / 30.4)
    reason = f"{p.rng.choice(_EXTENSION_REASONS)}{months}个月。"
    fields = {"new_due_date": new_maturity.isoformat(), "reason": reason}
    docs = (
        p.doc("extension_agreement", approved, **fields),
        p.doc("extension_approval", approved, **fields),
    )
    p.add(
        approved,
        p.crew.head,
        "extend",
        docs=docs,
        approved_on=approved,
        new_maturity_date=new_maturity,
        reason=reason,
    )
    p.maturities.append((approved + timedelta(days=1), new_maturity))


def settle(p: Planner, on: date) -> None:
    """结清: nothing owed; the settlement certificate is filed."""
    p.add(
        on,
        p.account_manager_at(on),
        "settle",
        docs=(p.doc("settlement_certificate", on),),
        rank=8,
        settled_on=on,
    )
