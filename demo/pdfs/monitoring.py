"""Post-loan monitoring (贷后): inspection reports, site photographs, classification and warning forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Spacer,
)

from demo.pdfs.blocks import (
    doc_header,
    doc_title,
    heading,
    item_paras,
    opinion,
    signoff,
    table_of,
)
from demo.pdfs.drawings import photo
from demo.pdfs.facts import Facts
from demo.pdfs.figures import money
from demo.pdfs.style import WIDTH, Flowables, by_type, para


def _first_inspection_report(f: Facts) -> Flowables:
    out = doc_title(f, "first_inspection_report", sub="（放款后首次跟踪检查）")
    out += doc_header(f, "检查日期", [("检查人", f.inspector), ("检查方式", "现场检查")])
    out.append(heading("一、贷款资金使用情况"))
    amount = f.number("amount")
    shares = (Decimal("0.45"), Decimal("0.35"), Decimal("0.20"))
    rows: list[list[Any]] = [["支付日期", "收款人", "金额（元）", "用途", "与约定用途是否相符"]]
    suppliers = ("供销有限公司", "贸易有限公司", "物资经营部")
    for i, share in enumerate(shares):
        rows.append(
            [
                f.start_cn,
                f.t("{county}") + ("兴旺", "长丰", "利民")[i] + suppliers[i],
                money(amount * share),
                f.purpose[:14],
                "相符",
            ]
        )
    out.append(table_of(rows, [30 * mm, 46 * mm, 30 * mm, 40 * mm, 24 * mm], header=True))
    out.append(heading("二、检查情况"))
    out.append(
        para(
            f.findings
            or f.t(
                "检查人于{date_cn}对借款人进行了现场检查。贷款于{start_cn}发放，采用受托支付方式"
                "支付至交易对手账户，已取得购销合同、发票及入库单等凭证，资金用途与借款合同约定"
                "一致，未发现挪用、回流情况。借款人生产经营正常，库存充足，主要管理人员稳定。"
            )
        )
    )
    out.append(heading("三、担保落实情况"))
    out.append(
        para(
            f.t(
                "抵押登记已办妥（证明号{registration_no}），押品保险单（{policy_no}）已入库保管；"
                "保证人{guarantor}经营及收入情况正常，担保能力未发生不利变化。"
            )
        )
    )
    out.append(heading("四、检查结论"))
    out.append(
        para(
            "贷款资金按约定用途使用，借款人及担保人情况正常，维持五级分类“正常”，"
            "按规定频率进行后续检查。"
        )
    )
    out.append(
        signoff(
            f,
            [("检查人", f.inspector), ("复核人", f.reviewer), ("部门负责人", f.branch_head)],
        )
    )
    return out


def _inspection_report(f: Facts) -> Flowables:
    out = doc_title(f, "inspection_report", sub="（常规检查）")
    out += doc_header(
        f,
        "检查日期",
        [
            ("检查人", f.inspector),
            ("复核人", f.reviewer),
            ("贷款余额", f.balance_num + "元"),
            ("检查方式", "现场检查"),
        ],
    )
    items = [
        ("借款人生产经营情况", "生产正常，订单饱和，开工率约85%", "否"),
        ("财务状况", "销售收入同比增长，应收账款略有增加", "否"),
        ("贷款资金使用情况", "按约定用途使用", "否"),
        ("还本付息情况", "利息按月结清，无欠息", "否"),
        ("征信及涉诉情况", "征信无新增逾期，未查询到涉诉信息", "否"),
        ("实际控制人及主要管理人员", "稳定，无异常", "否"),
        ("保证人情况", "经营正常，担保能力未下降", "否"),
        ("抵押物状况", "实物完好，未出租、未被查封", "否"),
        ("押品保险", "在有效期内，第一受益人为本行", "否"),
        ("预警信号", "未发现预警信号", "否"),
    ]
    out.append(heading("一、检查事项"))
    out.append(
        table_of(
            [["检查项目", "检查情况", "是否异常"], *[list(i) for i in items]],
            [50 * mm, 96 * mm, 24 * mm],
            header=True,
        )
    )
    out.append(heading("二、检查发现及分析"))
    out.append(
        para(
            f.findings
            or f.t(
                "本次检查对借款人经营场所、存货、账户流水及押品进行了现场核实。借款人本期主营"
                "收入保持稳定，结算账户资金往来正常，贷款资金用途符合约定。押品现状良好，"
                "周边同类房地产价格基本稳定。综合判断借款人具备按期还款能力。"
            )
        )
    )
    out.append(heading("三、风险分类建议及后续措施"))
    out.append(
        para(
            f.t(
                "建议维持五级分类“{previous_grade}”。后续按月监测账户资金流向，按季收集财务报表，"
                "在贷款到期前两个月提前落实还款资金来源。"
            )
        )
    )
    out.append(
        signoff(
            f,
            [("检查人", f.inspector), ("复核人", f.reviewer), ("部门负责人", f.branch_head)],
        )
    )
    return out


def _site_photo(f: Facts, seed: int) -> Flowables:
    subjects = (
        f.t("{borrower}经营场所大门及外景"),
        "生产车间内部及设备运转情况",
    )
    return _photos(f, seed, "site_photo", "（贷后现场检查影像资料）", subjects)


def _controller_photo(f: Facts, seed: int) -> Flowables:
    subjects = (
        f.t("检查人与{borrower}实际控制人{legal_rep}于经营场所合影"),
        f.t("检查人与实际控制人{legal_rep}于生产车间合影"),
    )
    return _photos(f, seed, "controller_photo", "（现场回访影像资料）", subjects)


def _photos(f: Facts, seed: int, doc_type: str, sub: str, subjects: tuple[str, ...]) -> Flowables:
    out = doc_title(f, doc_type, sub=sub)
    out += doc_header(f, "拍摄日期", [("拍摄人", f.inspector), ("见证人", f.reviewer)])
    for i, subject in enumerate(subjects):
        stamp = f"{f.date}  {9 + i:02d}:{(seed * 7 + 13 * i) % 60:02d}"
        out.append(
            KeepTogether(
                [
                    photo(subject, stamp, seed * 31 + i, interior=i == 1),
                    table_of(
                        [
                            [f"照片编号：{f.loan_no}-P{i + 1:02d}", f"拍摄时间：{stamp}"],
                            [f"拍摄地点：{f.collateral_location}", f"拍摄内容：{subject}"],
                        ],
                        [WIDTH / 2, WIDTH / 2],
                    ),
                    Spacer(1, 3 * mm),
                ]
            )
        )
    out.append(para("说明：照片为现场检查时拍摄，未经任何修改，拍摄人对照片真实性负责。", "small"))
    out.append(
        signoff(f, [("拍摄人", f.inspector), ("见证人", f.reviewer), ("审核人", f.branch_head)])
    )
    return out


def _classification_form(f: Facts) -> Flowables:
    out = doc_title(f, "classification_form", sub="（信贷资产风险分类）")
    out += doc_header(
        f,
        "认定日期",
        [
            ("贷款余额", f.balance_num + "元"),
            ("逾期天数", f.overdue_days + "天"),
            ("上次分类结果", f.previous_grade),
            ("本次认定结果", f.grade),
        ],
    )
    out.append(heading("一、分类依据"))
    out.append(
        table_of(
            [
                ["分类因素", "具体情况"],
                [
                    "逾期情况",
                    f.t(
                        "本金逾期{overdue_days}天，逾期本金{overdue_principal_num}元，"
                        "欠息{overdue_interest_num}元"
                    ),
                ],
                ["还款能力", "主营收入下降，经营性现金流不足以覆盖到期债务"],
                ["还款意愿", "借款人配合催收，承诺分期归还"],
                ["担保状况", f.t("抵押物{collateral}，评估价值{collateral_value_num}元，足值")],
                ["财务状况", "资产负债率上升至68%，流动比率降至0.9"],
            ],
            [36 * mm, WIDTH - 36 * mm],
            header=True,
            labels=(0,),
        )
    )
    out.append(heading("二、分类理由"))
    out.append(
        para(
            f.reason
            or f.t(
                "借款人本金逾期{overdue_days}天，依据《商业银行金融资产风险分类办法》，本金、利息"
                "或收益逾期的金融资产至少归为关注类。考虑到抵押担保足值、借款人仍在正常经营，"
                "建议由“{previous_grade}”调整为“{grade}”。"
            )
        )
    )
    out.append(
        opinion("客户经理初分意见", f.t("初分为“{grade}”类。"), f.account_manager, f.date_cn)
    )
    out.append(
        opinion(
            "风险管理部门认定意见",
            f.t("经审核分类依据，同意认定为“{grade}”类。"),
            f.risk_manager,
            f.date_cn,
        )
    )
    out.append(
        opinion(
            "审批意见", f.t("同意认定为“{grade}”类，按要求计提减值准备。"), f.approver, f.date_cn
        )
    )
    out.append(
        signoff(
            f, [("初分人", f.account_manager), ("认定人", f.risk_manager), ("审批人", f.approver)]
        )
    )
    return out


def _warning_form(f: Facts) -> Flowables:
    colour = f.signal_colour
    deadline = {"红色": 3, "橙色": 7, "黄色": 15}.get(colour[:2], 7)
    out = doc_title(f, "warning_form", sub="（风险预警信号发现、处置与解除）")
    out += doc_header(
        f,
        "发现日期",
        [
            ("预警级别", colour),
            ("处置时限", f"{deadline}日内"),
            ("发现人", f.account_manager),
            ("贷款余额", f.balance_num + "元"),
        ],
    )
    out.append(heading("一、预警信号"))
    out.append(
        table_of(
            [
                ["信号编号及内容", "信息来源", "发现方式"],
                [f.signal, "贷后检查、征信查询、司法信息平台", "非现场监测后现场核实"],
            ],
            [90 * mm, 48 * mm, 32 * mm],
            header=True,
        )
    )
    out.append(heading("二、风险分析"))
    out.append(
        para(
            f.reason
            or f.t(
                "上述信号可能影响借款人按期偿还本行贷款本息。经分析，借款人当前仍有部分经营收入，"
                "抵押物价值可覆盖贷款本息，但须防止借款人转移资产，及时采取风险缓释措施。"
            )
        )
    )
    out.append(heading("三、处置措施"))
    measures = (
        f.measures.split("；")
        if f.measures
        else [
            "约见借款人实际控制人及保证人，核实情况并签署还款计划。",
            "停止发放新的贷款，冻结借款人在本行的结算账户可用额度。",
            "对抵押物进行现场查看并重新评估，必要时追加担保。",
            "每周跟踪一次处置进展，报告风险管理部。",
        ]
    )
    out += item_paras(measures)
    out.append(
        opinion(
            "风险管理部意见",
            "同意上述处置措施，按时限落实并报送处置结果。",
            f.risk_manager,
            f.date_cn,
        )
    )
    out.append(opinion("预警解除意见（解除时填写）", "", "", "　　年　　月　　日"))
    out.append(
        signoff(
            f,
            [
                ("报告人", f.account_manager),
                ("复核人", f.risk_manager),
                ("分管行长", f.branch_head),
            ],
        )
    )
    return out


DOCUMENTS = by_type(
    _first_inspection_report, _inspection_report, _classification_form, _warning_form
)
"""The documents drawn here, by type."""

SEEDED_DOCUMENTS = by_type(_site_photo, _controller_photo)
"""The documents drawn here that draw on the seed too (scores, photographs)."""
