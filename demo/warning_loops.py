"""Warning signals walked through the closed loop (发布 → 处置 → 反馈 → 认定 → 消除) in the demo.

On three performing loans of different branches, one signal of each colour from the catalogue
(预警信号指标库): raised by the post-loan officer, reported on its colour's route (红 to the
branch head, 橙 to the risk manager, 黄 to the reviewer), handled by the risk manager, its result
reported (反馈) by the post-loan officer, determined (认定) by the reviewer, cleared (消除) by the
branch head. The red one leaves its re-classification task in the work queue (a red signal
opens it; nobody has proposed a grade since). A fourth signal, yellow, raised a few days before
the demo's today, is left handled and awaiting its feedback, for the console's next step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import NAMESPACE_URL, uuid5

from archive.application import DossierArchive
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
from archive.core import CommandContext
from archive.documents.ingest import from_bytes
from demo.gaps import DELIBERATE_LOAN_NOS
from demo.pdfs.render import render_document
from demo.plan import TODAY, LoanPlan, workday
from demo.staff import CREWS, RISK_MANAGERS, Crew


@dataclass(frozen=True)
class Loop:
    """One signal of the demo's loops and how far it goes."""

    code: str
    reason: str
    measures: str
    result: str
    opinion: str
    confirmed: bool
    raised_days_ago: int
    complete: bool = True
    form_late: bool = False
    """The handling form (风险预警信号处理表) came in with the feedback, after the handling it
    documents: the completeness register shows it filed late."""


LOOPS: tuple[Loop, ...] = (
    Loop(
        "GUA-05",
        "抵押登记查询显示抵押房产已被借款人擅自出租并办理第二顺位抵押。",
        "约见借款人责令解除第二顺位抵押；通知承租人租金直接付至我行监管账户；暂停用信",
        "第二顺位抵押已于本月注销，租赁合同已备案，租金按月进入监管账户。",
        "经现场核实，风险属实，处置措施已落实，押品权利恢复完整；建议调整风险分类。",
        True,
        60,
        form_late=True,
    ),
    Loop(
        "BEH-05",
        "结算账户流水显示贷款资金120万元转入关联企业账户，未按约定用途使用。",
        "要求借款人限期收回被挪用资金；暂停用信；报风险管理部备案",
        "被挪用资金已全部回流并按约定用途支付至供货商，取得购销合同及发票。",
        "经核实，挪用属实，资金已回流，风险已得到控制。",
        True,
        45,
    ),
    Loop(
        "EXT-04",
        "本地媒体报道借款人所在园区环保整改，借款人被列入整改名单。",
        "走访借款人了解整改进度；收集环保部门整改验收材料",
        "借款人已通过环保部门整改验收，生产经营未受影响。",
        "经核实，报道所涉问题已整改完毕，对还款能力无实质影响，风险排除。",
        False,
        30,
    ),
    Loop(
        "FIN-04",
        "季度财务报表显示应收账款较年初增加六成，存货周转天数明显延长。",
        "收集应收账款明细及账龄分析；约谈财务负责人；按月跟踪回款",
        "",
        "",
        True,
        5,
        complete=False,
    ),
)

FORBIDDEN = frozenset(
    {
        "hand_over",
        "settle",
        "write_off",
        "record_overdue",
        "transfer_to_asset_preservation",
        "record_funds_use",
    }
)
"""A loan with any of these steps is not used: it must be performing and with its first crew,
and no use of its funds may have raised BEH-05 (贷款用途) already. A loan whose plan raises
signals of its own is used when none of them has a loop's code."""

LOOP_CODES = frozenset(loop.code for loop in LOOPS)


def walk_warning_loops(
    archive: DossierArchive,
    plans: Sequence[LoanPlan],
    contexts: Mapping[str, CommandContext],
    *,
    seed: int,
) -> int:
    """Record the demo's closed loops; how many documents they filed (each handling files
    its 风险预警信号处理表, drawn from ``seed``)."""
    crews = {am: crew for crew in CREWS for am in crew.account_managers}
    chosen: list[tuple[LoanPlan, Crew]] = []
    for plan in plans:
        if len(chosen) == len(LOOPS):
            break
        if plan.loan_no in DELIBERATE_LOAN_NOS:
            continue  # they hold their one planned fault and nothing more (demo.gaps)
        if any(step.command in FORBIDDEN for step in plan.steps):
            continue
        if any(
            step.command == "raise_warning" and step.kwargs.get("code") in LOOP_CODES
            for step in plan.steps
        ):
            continue
        crew = crews.get(plan.steps[0].actor)
        if crew is None or plan.steps[0].on > TODAY - timedelta(days=120):
            continue
        if sum(c is crew for _, c in chosen) >= 2:
            continue
        chosen.append((plan, crew))
    for n, ((plan, crew), loop) in enumerate(zip(chosen, LOOPS, strict=False)):
        _walk(
            archive,
            contexts,
            plan.loan_no,
            crew,
            RISK_MANAGERS[n % len(RISK_MANAGERS)],
            loop,
            seed=seed + n,
        )
    return len(chosen)


def _walk(
    archive: DossierArchive,
    contexts: Mapping[str, CommandContext],
    loan_no: str,
    crew: Crew,
    risk_manager: str,
    loop: Loop,
    *,
    seed: int,
) -> None:
    raised = workday(TODAY - timedelta(days=loop.raised_days_ago))
    signal_id = uuid5(NAMESPACE_URL, f"dossier-demo/warning/{loan_no}/{loop.code}")
    archive.execute(
        contexts[crew.post_loan_officer],
        RaiseWarning(
            loan_no=loan_no,
            code=loop.code,
            raised_on=raised,
            reason=loop.reason,
            signal_id=signal_id,
        ),
    )
    entry = archive.rule_set().warnings.catalogue[loop.code]
    colour = entry.colour.value
    form = render_document(
        "warning_form",
        {
            "loan_no": loan_no,
            "signal": entry.name,
            "signal_colour": entry.colour.zh,
            "reason": loop.reason,
            "measures": loop.measures,
        },
        seed=seed,
    )
    form_upload = from_bytes("warning_form", f"风险预警信号处理表-{loan_no}-{loop.code}.pdf", form)
    receiver = {"red": crew.head, "orange": risk_manager, "yellow": crew.reviewer}[colour]
    common = {"loan_no": loan_no, "signal_id": signal_id}
    planned = entry.colour in archive.rule_set().warnings.emergency_plan_colours
    if planned:
        # 一旦发现风险迹象立即启动应急预案: started by the risk manager the day it is raised.
        archive.execute(
            contexts[risk_manager],
            StartEmergencyPlan(
                **common,
                started_on=raised,
                measures=loop.measures,
                owner_no=crew.account_managers[0],
                due_on=raised + timedelta(days=30),
            ),
        )
    archive.execute(contexts[receiver], ReportWarning(**common, reported_on=_day(raised, 1)))
    archive.execute(
        contexts[risk_manager],
        HandleWarning(**common, handled_on=_day(raised, 2), measures=loop.measures),
        [] if loop.form_late else [form_upload],
    )
    if planned:
        archive.execute(
            contexts[crew.post_loan_officer],
            RecordEmergencyProgress(
                **common, progress_on=_day(raised, 5), progress=f"应急措施落实中：{loop.measures}"
            ),
        )
    if not loop.complete:
        return
    archive.execute(
        contexts[crew.post_loan_officer],
        GiveWarningFeedback(**common, feedback_on=_day(raised, 10), result=loop.result),
        [form_upload] if loop.form_late else [],
    )
    archive.execute(
        contexts[crew.reviewer],
        DetermineWarning(
            **common,
            determined_on=_day(raised, 15),
            confirmed=loop.confirmed,
            opinion=loop.opinion,
        ),
    )
    archive.execute(
        contexts[crew.head],
        ClearWarning(
            **common,
            cleared_on=_day(raised, 20),
            reason="反馈及认定已完成，预警信号消除。",
        ),
    )


def _day(raised: date, days: int) -> date:
    return min(raised + timedelta(days=days), TODAY)
