"""Workout (重组、展期): restructuring and extension agreements and their approvals."""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm

from demo.pdfs.blocks import (
    bank_party,
    bank_seal,
    borrower_party,
    clause_paras,
    contract_sign,
    doc_header,
    doc_title,
    heading,
    item_paras,
    opinion,
    parties,
    schedule_rows,
    signoff,
    table_of,
)
from demo.pdfs.facts import Facts
from demo.pdfs.figures import add_months, parse_date
from demo.pdfs.style import Flowables, by_type, para


def _three_parties(f: Facts) -> Flowables:
    """The parties of a workout agreement: the bank, the borrower and the guarantor."""
    return parties(
        [
            bank_party(f, "贷款人（甲方）"),
            borrower_party(f, "借款人（乙方）"),
            (
                "保证人（丙方）",
                f.guarantor,
                f.t("{city}{county}"),
                f.t("身份证号码：{guarantor_id}"),
            ),
        ]
    )


def _restructuring_agreement(f: Facts) -> Flowables:
    out = doc_title(f, "restructuring_agreement")
    out += doc_header(
        f, "签订日期", [("重组方式", "调整还款计划、延长期限"), ("重组后到期日", f.new_due_cn)]
    )
    out += _three_parties(f)
    out.append(
        para(
            f.reason
            or f.t(
                "鉴于乙方因经营困难未能按《借款合同》（编号{contract_no}）约定按期还款，截至本协议"
                "签订日尚欠本金{balance_num}元、利息{overdue_interest_num}元，为帮助乙方恢复还款"
                "能力，三方经协商一致，就上述贷款重组事宜达成如下协议："
            )
        )
    )
    out += clause_paras(
        f,
        [
            (
                "重组贷款金额",
                "重组贷款本金为{balance_num}元，乙方应于本协议签订之日结清全部欠息"
                "{overdue_interest_num}元。",
            ),
            (
                "还款计划",
                "重组后贷款到期日调整为{new_due_cn}，乙方按附表所列还款计划分期归还本息。",
            ),
            ("利率", "重组后年利率为{rate_pct}，逾期罚息按原合同约定执行。"),
            (
                "追加担保",
                "乙方追加其应收账款质押作为补充担保；原抵押、保证继续有效，担保范围及于"
                "重组后的全部债务。",
            ),
            (
                "观察期",
                "重组观察期自重组后第一个还款日起算，至少包含连续两个还款期且不少于一年。"
                "观察期内乙方发生逾期的，观察期重新起算，甲方有权宣布贷款提前到期。",
            ),
            (
                "丙方确认",
                "丙方确认知悉并同意本次重组，继续按原保证合同对重组后债务承担连带保证"
                "责任，保证期间自重组后债务履行期届满之日起三年。",
            ),
            (
                "其他",
                "本协议未约定事项仍按原借款合同及担保合同执行。本协议一式四份，自三方签字"
                "盖章之日起生效。",
            ),
        ],
    )
    out.append(heading("附表：重组后还款计划"))
    start = parse_date(f.date) or date(2000, 1, 1)
    end = parse_date(f.new_due_date) or add_months(start, 12)
    months = max(3, min(36, (end.year - start.year) * 12 + end.month - start.month))
    sched = schedule_rows(f, months, start, f.number("balance"))
    out.append(
        table_of(
            [["期次", "还款日", "应还本金", "应还利息", "本息合计", "剩余本金"], *sched],
            [14 * mm, 34 * mm, 30 * mm, 30 * mm, 31 * mm, 31 * mm],
            header=True,
            style="cellr",
        )
    )
    out.append(contract_sign(f, "甲方", "乙方", f.borrower))
    out.append(para(f.t("丙方（签字）：{guarantor}　　　　日期：{date_cn}"), "right"))
    out.append(
        signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.risk_manager), ("审批人", f.branch_head)],
        )
    )
    return out


def _restructuring_approval(f: Facts) -> Flowables:
    out = doc_title(f, "restructuring_approval", org=f.bank)
    out += doc_header(
        f,
        "审批日期",
        [
            ("重组前分类", f.previous_grade),
            ("重组后分类", f.grade),
            ("申报机构", f.branch),
            ("贷款余额", f.balance_num + "元"),
        ],
    )
    out.append(heading("一、重组原因"))
    out.append(
        para(
            f.reason
            or f.t(
                "借款人受主要客户回款延迟影响，出现暂时性流动性困难，贷款本金逾期{overdue_days}"
                "天。借款人仍在正常生产，有重组意愿和还款能力，担保足值有效。"
            )
        )
    )
    out.append(heading("二、重组方案"))
    out.append(
        table_of(
            [
                ["项目", "重组前", "重组后"],
                ["本金（元）", f.balance_num, f.balance_num],
                ["到期日", f.due_cn, f.new_due_cn],
                ["还款方式", f.repayment_method, "按月等额本息"],
                ["年利率", f.rate_pct, f.rate_pct],
                ["担保", "抵押+保证", "抵押+保证+应收账款质押"],
            ],
            [40 * mm, 65 * mm, 65 * mm],
            header=True,
            labels=(0,),
        )
    )
    out.append(heading("三、风险分类及观察期安排"))
    out.append(
        para(
            "依据《商业银行金融资产风险分类办法》，重组资产分类不得高于关注类；重组前为不良的，"
            "观察期内不得上调分类。观察期自重组后第一个还款日起至少连续两个还款期且不少于一年。"
        )
    )
    out.append(
        opinion(
            "贷审会审议意见",
            "应到委员7人，实到6人，同意5票，不同意1票。同意重组。",
            f.risk_manager,
            f.date_cn,
        )
    )
    out.append(
        opinion(
            "有权审批人意见",
            f.findings or "同意按上述方案重组，观察期内按月检查。",
            f.branch_head,
            f.date_cn,
        )
    )
    out.append(
        signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.risk_manager), ("审批人", f.branch_head)],
            seal=bank_seal(f, "信贷审批专用章"),
        )
    )
    return out


def _extension_agreement(f: Facts) -> Flowables:
    out = doc_title(f, "extension_agreement", sub="（借款展期协议）")
    out += doc_header(
        f, "签订日期", [("展期金额", f.balance_num + "元"), ("展期到期日", f.new_due_cn)]
    )
    out += _three_parties(f)
    out.append(
        para(
            f.t(
                "乙方因{purpose}项目回款周期延长，不能按期归还《借款合同》（编号{contract_no}）项下"
                "借款，在到期日前向甲方申请展期。经甲方审查同意，三方协商达成如下协议："
            )
        )
    )
    out += clause_paras(
        f,
        [
            (
                "展期金额及期限",
                "展期金额为{balance_num}元，展期期限自{due_cn}起至{new_due_cn}止。"
                "展期期限不超过原贷款期限。",
            ),
            ("展期利率", "展期期间年利率为{rate_pct}，按月结息。"),
            (
                "担保",
                "原抵押担保继续有效，丙方同意对展期后的债务继续承担连带保证责任，保证期间"
                "自展期后的债务履行期届满之日起三年。甲方将据此办理抵押登记变更手续。",
            ),
            ("还款", "乙方应在展期期间按月付息，于{new_due_cn}前归还全部本金。"),
            ("违约", "乙方在展期期间发生违约的，甲方有权宣布贷款立即到期并依法追偿。"),
            ("效力", "本协议为原借款合同的补充，自三方签字盖章之日起生效。"),
        ],
    )
    out.append(contract_sign(f, "甲方", "乙方", f.borrower))
    out.append(para(f.t("丙方（签字）：{guarantor}　　　　日期：{date_cn}"), "right"))
    out.append(
        signoff(
            f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.branch_head)]
        )
    )
    return out


def _extension_approval(f: Facts) -> Flowables:
    out = doc_title(f, "extension_approval", org=f.bank)
    out += doc_header(
        f,
        "审批日期",
        [
            ("展期金额", f.balance_num + "元"),
            ("展期到期日", f.new_due_cn),
            ("当前分类", f.previous_grade),
            ("申报机构", f.branch),
        ],
    )
    out.append(heading("一、展期申请理由"))
    out.append(
        para(
            f.reason
            or "借款人主营项目工期延长，销售回款较原计划推迟约六个月，借款人于贷款到期前提出"
            "展期申请，并已按期支付全部利息，无欠息。"
        )
    )
    out.append(heading("二、审查要点"))
    out += item_paras(
        [
            "借款人在到期日前提出申请，展期期限未超过原贷款期限，符合展期规定。",
            "借款人生产经营正常，展期后还款来源有保障。",
            "保证人已书面同意继续担保，抵押物价值足额覆盖贷款本息。",
            "本笔贷款此前未办理过展期。",
        ]
    )
    out.append(opinion("审查意见", "同意展期，提交有权审批人审批。", f.reviewer, f.date_cn))
    out.append(
        opinion(
            "审批意见",
            f.findings or f.t("同意展期至{new_due_cn}，展期期间按月检查。"),
            f.branch_head,
            f.date_cn,
        )
    )
    out.append(
        signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.branch_head)],
            seal=bank_seal(f, "信贷审批专用章"),
        )
    )
    return out


DOCUMENTS = by_type(
    _restructuring_agreement, _restructuring_approval, _extension_agreement, _extension_approval
)
"""The documents drawn here, by type."""
