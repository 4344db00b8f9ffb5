"""Supervision of post-loan work (贷后管理检查) in the demo.

In September 2026 the head office's risk department (梁雪梅, 0902) checked the post-loan work of
the account manager 马俊杰 (0303) of 城西支行 on the scoring sheet of the rules (《贷后管理日常检查
评分表》): routine inspections late, a classification not moved down, originals not handed to the
archive — 76 points, below 80. The rectification notice (限期整改通知书) went out with a month to
rectify; the account manager reported the rectification in October, the checker accepted it
(验收) and the check closed; the 300 元 the sheet proposes was decided as his penalty. The same
month the risk department checked 营业部 and found it up to the mark.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from archive.application import DossierArchive
from archive.commands.supervision import (
    AcceptRectification,
    DeductionIn,
    RecordPenalty,
    RecordSupervisionCheck,
    ReportRectification,
)
from archive.core import CommandContext
from domain.values import CheckSubject

CHECKER, CHECKED, BRANCH_CHECKER = "0902", "0303", "0901"
CHECKED_ON = date(2026, 9, 21)


def supervise(archive: DossierArchive, contexts: Mapping[str, CommandContext]) -> int:
    """Record the demo's checks and follow the one below the mark to closure; how many checks."""
    period = {"period_from": date(2026, 1, 1), "period_to": date(2026, 8, 31)}
    made = archive.execute(
        contexts[CHECKER],
        RecordSupervisionCheck(
            subject=CheckSubject.ACCOUNT_MANAGER,
            staff_no=CHECKED,
            checked_on=CHECKED_ON,
            deductions=[
                DeductionIn(
                    item="routine_inspection",
                    points=12,
                    finding="抽查8户，3户常规检查超过规定频率，检查报告未分析资金流向",
                ),
                DeductionIn(
                    item="classification",
                    points=7,
                    finding="1户逾期超过90天仍列关注类，未及时下调",
                ),
                DeductionIn(item="dossier", points=5, finding="2户合同原件未按期移交档案室"),
            ],
            findings="贷后管理制度落实不到位，得分低于80分，限期一个月整改，整改情况书面报告检查人。",
            **period,
        ),
    )
    check_id = made.aggregate_id
    archive.execute(
        contexts[CHECKED],
        ReportRectification(
            check_id=check_id,
            reported_on=date(2026, 10, 15),
            report="已补做3户常规检查并补充资金流向分析；逾期贷款已提交风险分类调整；"
            "2户合同原件已移交档案室。",
        ),
    )
    archive.execute(
        contexts[CHECKER],
        AcceptRectification(
            check_id=check_id,
            accepted_on=date(2026, 10, 20),
            opinion="经抽查核实，所列问题均已整改到位，同意销号。",
        ),
    )
    archive.execute(
        contexts[CHECKER],
        RecordPenalty(
            check_id=check_id,
            staff_no=CHECKED,
            amount=Decimal("300.00"),
            reason="贷后管理日常检查得分76分，低于80分，按评分表扣减",
            decided_on=date(2026, 10, 20),
        ),
    )
    archive.execute(
        contexts[BRANCH_CHECKER],
        RecordSupervisionCheck(
            subject=CheckSubject.BRANCH,
            branch="营业部",
            checked_on=CHECKED_ON,
            deductions=[
                DeductionIn(item="funds_use", points=3, finding="1户贷款用途跟踪记录不完整"),
            ],
            findings="贷后管理工作总体规范，得分达标。",
            **period,
        ),
    )
    return 2
