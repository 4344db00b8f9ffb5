"""Documents of the loan's origination (贷前): application, investigation, review, approval, rating."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from demo.pdfs.blocks import (
    bank_seal,
    doc_header,
    doc_title,
    heading,
    item_paras,
    kv,
    opinion,
    signoff,
    table_of,
)
from demo.pdfs.facts import Facts
from demo.pdfs.style import WIDTH, Flowables, by_type, para, paras


def _loan_application(f: Facts) -> Flowables:
    out = doc_title(f, "loan_application")
    out += doc_header(f, "申请日期", [("借款用途*", f.purpose)])
    out.append(para(f.t("{bank}{branch}："), "plain"))
    out += paras(
        [
            f.t(
                "{self}因{purpose}需要，特向贵行申请借款{amount_text}，借款期限{term_months}"
                "个月，自{start_cn}起至{due_cn}止，年利率按贵行核定的{rate_pct}执行，还款方式为"
                "{repayment_method}，担保方式为{guarantee_method}，由{guarantor}提供连带责任保证，"
                "并以{collateral_owner}名下位于{collateral_location}的{collateral}设定抵押。"
            ),
        ]
    )
    out.append(heading("一、借款人基本情况"))
    out.append(
        kv(
            [
                ("名称/姓名*", f.borrower),
                (f.id_label + "*", f.borrower_id),
                ("住所*", f.borrower_address),
                ("法定代表人" if f.corporate else "配偶", f.legal_rep if f.corporate else f.spouse),
                ("联系电话", f.phone),
                ("主营业务/职业*", f.business),
                ("年销售收入/年收入", f"{f.number('amount') * Decimal('3.2'):,.0f}元"),
                ("资产总额", f"{f.number('amount') * Decimal('4.1'):,.0f}元"),
                ("负债总额", f"{f.number('amount') * Decimal('1.7'):,.0f}元"),
                ("在他行借款余额", f"{f.number('amount') * Decimal('0.4'):,.0f}元"),
            ]
        )
    )
    out.append(heading("二、借款用途及还款来源"))
    out += paras(
        [
            f.t(
                "本次借款用于{purpose}。还款来源为{self}经营收入，第二还款来源为担保人代偿及"
                "抵押物处置所得。{self}近三年经营正常，销售回款稳定，能够按期足额归还借款本息。"
            )
        ]
    )
    out.append(heading("三、申请人承诺"))
    out += item_paras(
        [
            "所提供的营业执照、财务报表、产权证明等资料真实、完整、有效，无虚假记载。",
            "借款按约定用途使用，不挪作他用，不用于股本权益性投资、证券、期货及房地产投机。",
            "接受贵行对借款使用情况和经营、财务状况的检查与监督，按期报送财务报表。",
            "发生对外担保、重大诉讼、股权变更等可能影响偿债能力的事项时，及时书面通知贵行。",
        ]
    )
    out.append(Spacer(1, 4 * mm))
    out += paras(
        [
            f.t("申请人（签章）：{borrower}"),
            f.t(
                "法定代表人或授权代理人（签字）：{legal_rep}" if f.corporate else "申请人（签字）："
            ),
            f.t("{date_cn}"),
        ],
        "right",
    )
    out.append(heading("银行受理情况"))
    out.append(
        signoff(
            f,
            [
                ("受理人（经办人）", f.account_manager),
                ("复核人", f.account_manager_b),
                ("审批人", f.branch_head),
            ],
        )
    )
    return out


def _investigation_report(f: Facts) -> Flowables:
    out = doc_title(f, "investigation_report", sub="（流动资金贷款 · 实地调查）")
    out += doc_header(
        f,
        "调查日期",
        [("主调查人（A岗）", f.account_manager), ("协调查人（B岗）", f.account_manager_b)],
    )
    out.append(heading("一、借款人基本情况"))
    out.append(
        para(
            f.t(
                "{borrower}，{id_label}{borrower_id}，住所{borrower_address}，主营{business}。"
                "经查询人民银行征信系统，借款人无不良信用记录，无欠息，对外担保余额在合理范围内。"
                "经实地查看，借款人生产经营场所稳定，设备运转正常，员工在岗情况良好。"
            )
        )
    )
    out.append(heading("二、经营及财务状况"))
    a = f.number("amount")
    fin = [
        ("资产总额（万元）", a * Decimal("3.8"), a * Decimal("4.1")),
        ("负债总额（万元）", a * Decimal("1.9"), a * Decimal("1.7")),
        ("营业收入（万元）", a * Decimal("2.9"), a * Decimal("3.2")),
        ("净利润（万元）", a * Decimal("0.21"), a * Decimal("0.26")),
        ("经营活动现金净流量（万元）", a * Decimal("0.18"), a * Decimal("0.24")),
    ]
    rows: list[list[Any]] = [["项目", "上年末", "本期末", "变动"]]
    for label, prev, now in fin:
        change = (now - prev) / prev * 100 if prev else Decimal(0)
        rows.append([label, f"{prev / 10000:,.2f}", f"{now / 10000:,.2f}", f"{change:+.1f}%"])
    rows.append(["资产负债率", "50.0%", "41.5%", "-8.5个百分点"])
    out.append(table_of(rows, [56 * mm, 38 * mm, 38 * mm, 38 * mm], header=True, style="cellc"))
    out.append(heading("三、借款用途及还款来源分析"))
    out.append(
        para(
            f.t(
                "借款人申请借款{amount_text}用于{purpose}，与其经营规模和资金周转需求相匹配，"
                "用途合法合规。经核实购销合同及上下游往来凭证，交易背景真实。第一还款来源为"
                "经营收入，按近一年销售回款测算可覆盖借款本息；拟采用受托支付方式发放。"
            )
        )
    )
    out.append(heading("四、担保情况分析"))
    out.append(
        para(
            f.t(
                "保证人{guarantor}具有代偿能力，已同意提供连带责任保证。抵押物为{collateral_owner}"
                "名下{collateral}，坐落于{collateral_location}，建筑面积{collateral_area}平方米，"
                "权证号{collateral_cert}，经{valuation_firm}评估价值{collateral_value_num}元，"
                "抵押率控制在规定范围内，产权清晰，易于变现。"
            )
        )
    )
    out.append(heading("五、风险分析及防范措施"))
    out += item_paras(
        [
            "市场风险：原材料价格波动可能压缩利润空间，需关注借款人库存及订单变化。",
            "经营风险：借款人下游客户集中度较高，应按季了解主要客户回款情况。",
            "担保风险：抵押物需办理财产保险并以贷款人为第一受益人，按年重估押品价值。",
        ]
    )
    out.append(heading("六、调查结论"))
    out.append(
        para(
            f.findings
            or f.t(
                "经调查，借款人主体资格合法，经营正常，信用良好，借款用途真实，还款来源可靠，"
                "担保足值有效。建议给予借款人流动资金贷款{amount_text}，期限{term_months}个月，"
                "年利率{rate_pct}，还款方式为{repayment_method}。"
            )
        )
    )
    out.append(
        signoff(
            f,
            [
                ("主调查人", f.account_manager),
                ("协调查人", f.account_manager_b),
                ("部门负责人", f.reviewer),
            ],
        )
    )
    return out


def _review_report(f: Facts) -> Flowables:
    out = doc_title(f, "review_report", sub="（授信业务审查）")
    out += doc_header(f, "审查日期", [("审查人", f.reviewer), ("申报经办人", f.account_manager)])
    out.append(heading("一、申报方案"))
    out.append(
        kv(
            [
                ("业务品种", "流动资金贷款"),
                ("申报金额", f.amount_num + "元"),
                ("期限", f.term_months + "个月"),
                ("年利率", f.rate_pct),
                ("还款方式*", f.repayment_method),
                ("担保方式*", f.t("{guarantor}连带责任保证；{collateral}抵押")),
            ]
        )
    )
    out.append(heading("二、合规性审查"))
    checks = [
        ("借款人主体资格及授权文件", "合规", "营业执照、章程、股东会决议齐全"),
        ("申报资料完整性、真实性", "合规", "已与原件核对，加盖核对章"),
        ("借款用途合法合规性", "合规", "有购销合同支持"),
        ("担保主体资格及担保意愿", "合规", "保证人已面签"),
        ("押品权属及评估价值", "合规", "评估报告在有效期内"),
        ("关联交易及集中度", "未超限", "无关联关系"),
        ("审批权限", "在权限内", "按转授权文件执行"),
    ]
    out.append(
        table_of(
            [["审查事项", "审查结果", "说明"], *[list(c) for c in checks]],
            [70 * mm, 30 * mm, 70 * mm],
            header=True,
        )
    )
    out.append(heading("三、风险揭示"))
    out += paras(
        [
            f.t(
                "借款人所处行业竞争充分，毛利率偏低，对原材料价格较为敏感；应收账款周转天数较"
                "上年有所延长。审查认为上述风险总体可控，但应加强贷后资金流向监控，防止借款"
                "资金被挪用于{purpose}以外的用途。"
            )
        ]
    )
    out.append(heading("四、审查意见"))
    out.append(
        para(
            f.findings
            or f.t(
                "同意按申报方案提交有权审批人审批：向{borrower}发放流动资金贷款{amount_text}，"
                "期限{term_months}个月。放款前须落实以下条件："
            )
        )
    )
    out += item_paras(
        [
            "办妥抵押登记并取得抵押登记证明，押品保险以贷款人为第一受益人。",
            "保证人配偶出具同意担保的书面声明。",
            "借款资金采用受托支付方式支付至交易对手账户。",
        ]
    )
    out.append(
        signoff(
            f,
            [("审查人", f.reviewer), ("复核人", f.risk_manager), ("审查部门负责人", f.approver)],
        )
    )
    return out


def _approval(f: Facts) -> Flowables:
    out = doc_title(f, "approval", org=f.bank)
    out += doc_header(f, "审批日期", [("申报机构", f.branch), ("审批方式", "贷审会审议")])
    out.append(heading("一、批准的授信方案"))
    out.append(
        table_of(
            [
                ["项目", "批准内容"],
                ["业务品种", "流动资金贷款"],
                ["借款人", f.borrower],
                ["金额", f.amount_text],
                ["期限", f.t("{term_months}个月（{start_cn}至{due_cn}）")],
                ["年利率", f.rate_pct],
                ["还款方式", f.repayment_method],
                ["担保方式", f.t("{guarantor}连带责任保证；{collateral}抵押")],
                ["借款用途", f.purpose],
            ],
            [40 * mm, WIDTH - 40 * mm],
            header=True,
            labels=(0,),
        )
    )
    out.append(heading("二、贷款审查委员会审议情况"))
    out.append(
        para(
            f.t(
                "{date_cn}，贷款审查委员会召开会议审议本笔业务，应到委员7人，实到7人，符合议事"
                "规则。经无记名投票，同意6票，不同意1票，同意票数超过应到委员的三分之二，"
                "本笔业务审议通过。不同意意见已记录在案。"
            )
        )
    )
    out.append(heading("三、审批意见"))
    out.append(
        para(
            f.findings
            or "同意。经办机构须在落实全部放款条件后方可放款；本审批书自签发之日起三个月内有效。"
        )
    )
    out.append(heading("四、贷后管理要求"))
    out += item_paras(
        [
            "放款后15日内完成首次跟踪检查，核实贷款资金使用情况。",
            "按借款人信用等级确定的频率开展常规检查，按季收集财务报表。",
            "出现风险预警信号时，立即启动预警处置程序并报告风险管理部。",
        ]
    )
    out.append(
        signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)],
            seal=bank_seal(f, "信贷审批专用章"),
        )
    )
    return out


_RATING_ITEMS = (
    ("偿债能力", "资产负债率", 15, "≤50%得满分，每增加5个百分点扣2分"),
    ("偿债能力", "流动比率", 10, "≥1.5得满分，每降低0.1扣1分"),
    ("盈利能力", "销售利润率", 10, "≥8%得满分，按比例计分"),
    ("经营能力", "销售收入增长率", 10, "≥10%得满分，负增长不得分"),
    ("经营能力", "经营年限", 5, "5年以上得满分"),
    ("信用状况", "征信记录", 15, "近两年无逾期得满分"),
    ("信用状况", "本行还款记录", 10, "无欠本欠息得满分"),
    ("担保状况", "担保方式及足值性", 10, "足值抵质押得满分"),
    ("发展前景", "行业及市场前景", 5, "国家鼓励类行业得满分"),
    ("管理水平", "管理层素质及稳定性", 10, "综合评价"),
)


_RATING_BANDS = {"AAA": (90, 97), "AA": (80, 89), "A": (70, 79), "BBB": (60, 69), "BB": (50, 59)}


def _rating_form(f: Facts, seed: int) -> Flowables:
    out = doc_title(f, "rating_form", sub="（适用于小微企业及个体工商户）")
    out += doc_header(f, "评定日期", [("评定年度", f.start_year), ("拟评等级", f.rating)])
    rng = random.Random(seed * 7919 + 1)
    low, high = _RATING_BANDS.get(f.rating, (70, 79))
    target = rng.randint(low, high)
    scores = [
        max(1, min(m, round(m * target / 100 + rng.uniform(-1.2, 1.2))))
        for _, _, m, _ in _RATING_ITEMS
    ]
    for i in range(len(scores)):
        diff = target - sum(scores)
        if diff == 0:
            break
        m = _RATING_ITEMS[i][2]
        scores[i] = max(0, min(m, scores[i] + diff))
    rows: list[list[Any]] = [["类别", "评价指标", "标准分", "评分标准", "得分"]]
    for (cat, name, maxi, rule), score in zip(_RATING_ITEMS, scores, strict=True):
        rows.append([cat, name, str(maxi), rule, str(score)])
    rows.append(["合计", "", "100", "", str(sum(scores))])
    out.append(
        table_of(
            rows,
            [22 * mm, 40 * mm, 18 * mm, 72 * mm, 18 * mm],
            header=True,
            extra=[
                ("SPAN", (0, len(rows) - 1), (1, len(rows) - 1)),
                ("ALIGN", (2, 0), (2, -1), "CENTER"),
            ],
        )
    )
    out.append(Spacer(1, 2 * mm))
    out.append(
        para(
            "等级标准：90分及以上AAA；80—89分AA；70—79分A；60—69分BBB；60分以下BB及以下。", "small"
        )
    )
    out.append(Spacer(1, 3 * mm))
    out.append(
        opinion(
            "客户经理初评意见",
            f"经逐项测评，借款人综合得分{sum(scores)}分，初评信用等级为{f.rating}级。",
            f.account_manager,
            f.date_cn,
        )
    )
    out.append(
        opinion("部门复评意见", f.t("同意初评结果，评定为{rating}级。"), f.reviewer, f.date_cn)
    )
    out.append(
        opinion(
            "审批认定意见",
            f.t("认定借款人信用等级为{rating}级，有效期一年。"),
            f.approver,
            f.date_cn,
        )
    )
    out.append(
        signoff(f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)])
    )
    return out


DOCUMENTS = by_type(_loan_application, _investigation_report, _review_report, _approval)
"""The documents drawn here, by type."""

SEEDED_DOCUMENTS = by_type(_rating_form)
"""The documents drawn here that draw on the seed too (scores, photographs)."""
