"""Padding appendices: a repayment schedule and account statement, or meeting minutes.

They let a document reach a given size with realistic pages (``render_padded``).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Table,
    TableStyle,
)

from demo.pdfs.blocks import heading, schedule_rows, table_of
from demo.pdfs.facts import Facts
from demo.pdfs.figures import money, parse_date
from demo.pdfs.style import LABEL_BG, Flowables, para, registered_font

# Documents whose padding appendix is meeting minutes / interview notes (the rest get a
# repayment schedule and account statement).
_MINUTES_TYPES = frozenset(
    {
        "investigation_report",
        "review_report",
        "approval",
        "rating_form",
        "restructuring_approval",
        "extension_approval",
        "writeoff_investigation",
        "writeoff_application",
        "responsibility_record",
        "responsibility_determination",
        "appeal",
        "objection",
        "warning_form",
        "classification_form",
        "inspection_report",
        "first_inspection_report",
    }
)


# summary, direction, counterparties
_LEDGER_ENTRIES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("销售回款", 1, ("兴旺供销有限公司", "长丰贸易有限公司", "利民物资经营部")),
    ("货款收入", 1, ("华联超市有限公司", "恒通商贸有限公司")),
    ("往来款转入", 1, ("个人账户转入",)),
    ("支付原材料款", -1, ("鑫达物资有限公司", "金石原料经营部")),
    ("代发工资", -1, ("代发工资专户",)),
    ("缴纳税费", -1, ("税务局（电子缴税）",)),
    ("支付电费", -1, ("国网供电公司",)),
    ("支付运费", -1, ("顺达物流有限公司",)),
    ("贷款利息扣收", -1, ("本行（利息扣收）",)),
)


def _ledger_tables(f: Facts, rows: int, seed: int) -> Flowables:
    rng = random.Random(seed * 104729 + rows)
    day = parse_date(f.start_date) or date(2000, 1, 1)
    balance = f.number("amount") * Decimal("0.35")
    top = max(2000, int(f.number("amount") / 5))
    out: Flowables = [heading("附件二：借款人结算账户交易流水（摘录）")]
    header = ["交易日期", "摘要", "对方户名", "收入（元）", "支出（元）", "余额（元）"]
    widths = [24 * mm, 26 * mm, 46 * mm, 25 * mm, 25 * mm, 24 * mm]
    chunk: list[list[str]] = [header]
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), registered_font(), 8),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
            ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
    )
    for _ in range(rows):
        day += timedelta(days=rng.choice((0, 1, 1, 2, 3)))
        summary, sign, parties = rng.choice(_LEDGER_ENTRIES)
        amount = Decimal(rng.randint(500, top)) + Decimal(rng.randint(0, 99)) / 100
        if sign < 0 and amount > balance:
            summary, sign, parties = _LEDGER_ENTRIES[0]
        balance += amount * sign
        chunk.append(
            [
                day.isoformat(),
                summary,
                rng.choice(parties),
                money(amount) if sign > 0 else "",
                money(amount) if sign < 0 else "",
                money(balance),
            ]
        )
        if len(chunk) == 41:
            out.append(Table(chunk, colWidths=widths, style=style, repeatRows=1))
            chunk = [header]
    if len(chunk) > 1:
        out.append(Table(chunk, colWidths=widths, style=style, repeatRows=1))
    return out


def _schedule_appendix(f: Facts) -> Flowables:
    months = min(int(f.term_months), 60)
    start = parse_date(f.start_date) or date(2000, 1, 1)
    bullet = "到期" in f.repayment_method or "一次" in f.repayment_method
    sched = schedule_rows(f, months, start, f.number("amount"), bullet=bullet)
    return [
        CondPageBreak(60 * mm),
        heading("附件一：还款计划表"),
        table_of(
            [["期次", "还款日", "应还本金", "应还利息", "本息合计", "剩余本金"], *sched],
            [14 * mm, 34 * mm, 30 * mm, 30 * mm, 31 * mm, 31 * mm],
            header=True,
            style="cellr",
        ),
    ]


_MINUTE_SPEAKERS = ("主持人", "委员", "客户经理", "风险经理", "审查人", "记录人")


_MINUTE_TEMPLATES = (
    "{who}{name}发言：对{borrower}近三个月的结算账户流水进行了逐笔核对，月均销售回款约为"
    "借款金额的{pct}%，与报表反映的经营规模基本一致，未发现资金回流借款人关联方的情况。",
    "{who}{name}发言：抵押物{collateral}位于{collateral_location}，周边同类物业近期成交"
    "{n}宗，成交价格较评估时点下降约{pct2}%，建议在下次重估时予以关注并测算抵押率变化。",
    "{who}{name}发言：借款人实际控制人{legal_rep}近期在外地承接新项目，投入资金来源需要"
    "进一步核实；建议客户经理在{n}个工作日内补充提供项目合同及资金来源说明。",
    "{who}{name}发言：保证人{guarantor}名下经营实体本期纳税额同比增长{pct2}%，担保能力"
    "未见明显下降；但其对外担保户数增加至{n}户，需防范担保圈风险。",
    "{who}{name}发言：根据五级分类办法，结合借款人还款记录、财务状况和担保情况，同意维持"
    "现有分类，并要求按月报送经营数据，出现预警信号时立即启动处置程序。",
    "{who}{name}发言：本次会议形成意见如下：一是落实受托支付，严禁资金挪用；二是按季度开展"
    "现场检查并留存影像资料；三是对第{n}项问题由经办机构限期整改，整改结果报风险管理部。",
)


def _minutes(f: Facts, paragraphs: int, seed: int) -> Flowables:
    rng = random.Random(seed * 15485863 + paragraphs)
    staff = [
        f.account_manager,
        f.account_manager_b,
        f.reviewer,
        f.risk_manager,
        f.approver,
        f.supervisor,
        f.branch_head,
    ]
    out: Flowables = [
        CondPageBreak(40 * mm),
        heading("附件：会议纪要及调查访谈记录"),
        para(
            f.t("会议时间：{date_cn}　会议地点：{bank}{branch}三楼会议室　记录人：{supervisor}"),
            "plain",
        ),
    ]
    values = f.mapping()
    for k in range(paragraphs):
        if k % 12 == 0:
            out.append(
                heading(f"第{k // 12 + 1}部分　议题{k // 12 + 1}：{f.borrower}授信及贷后管理情况")
            )
        values.update(
            who=rng.choice(_MINUTE_SPEAKERS),
            name=rng.choice(staff),
            pct=str(rng.randint(18, 65)),
            pct2=str(rng.randint(2, 15)),
            n=str(rng.randint(2, 9)),
        )
        out.append(para(rng.choice(_MINUTE_TEMPLATES).format_map(values)))
    return out


def appendix(f: Facts, doc_type: str, units: int, seed: int) -> Flowables:
    if units <= 0:
        return []
    if doc_type in _MINUTES_TYPES:
        return _minutes(f, units, seed)
    return [*_schedule_appendix(f), *_ledger_tables(f, units * 4, seed)]
