"""The contracts (合同) and the drawdown receipt (借据): loan, guarantee, mortgage, pledge."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from demo.pdfs.blocks import (
    bank_party,
    bank_seal,
    borrower_party,
    clause_paras,
    contract_sign,
    doc_header,
    doc_title,
    heading,
    parties,
    parties_sign,
    signoff,
    table_of,
)
from demo.pdfs.facts import Facts
from demo.pdfs.style import Flowables, by_type, para


def _loan_contract(f: Facts) -> Flowables:
    out = doc_title(f, "loan_contract", sub="（流动资金借款合同）")
    out += doc_header(f, "签订日期", [("签订地点", f.t("{county}{branch}"))])
    out += parties([bank_party(f, "贷款人（甲方）"), borrower_party(f, "借款人（乙方）")])
    out.append(
        para("甲乙双方根据《中华人民共和国民法典》等法律法规，经平等协商，订立本合同，共同遵守。")
    )
    out += clause_paras(
        f,
        [
            ("借款金额", "乙方向甲方借款{amount_text}。"),
            ("借款用途", "本合同项下借款用于{purpose}。未经甲方书面同意，乙方不得改变借款用途。"),
            (
                "借款期限",
                "借款期限为{term_months}个月，自{start_cn}起至{due_cn}止。实际放款日与"
                "到期日以借据记载为准，借据是本合同的组成部分，与本合同具有同等法律效力。",
            ),
            (
                "借款利率和计息",
                "年利率为{rate_pct}，按日计息，日利率=年利率/360。逾期贷款自逾期"
                "之日起按本合同约定利率加收50%计收罚息；挪用贷款按约定利率加收100%计收罚息；对不能"
                "按时支付的利息按罚息利率计收复利。",
            ),
            (
                "放款与支付",
                "甲方在乙方满足放款条件后发放贷款。单笔支付金额超过规定标准的，采用"
                "甲方受托支付方式，乙方应提供交易合同等证明材料。",
            ),
            (
                "还款",
                "还款方式为{repayment_method}。乙方应于还款日前将足额款项存入还款账户，"
                "并授权甲方直接扣收。",
            ),
            (
                "担保",
                "本合同项下债务由{guarantor}提供连带责任保证（保证合同编号"
                "{guarantee_contract_no}），并以{collateral}提供抵押担保（抵押合同编号"
                "{mortgage_contract_no}）。",
            ),
            (
                "甲方的权利和义务",
                "甲方有权了解乙方的生产经营和财务状况，有权对借款使用情况进行"
                "检查和监督；甲方应按约定发放贷款，并对乙方的商业秘密保密。",
            ),
            (
                "乙方的权利和义务",
                "乙方应按约定用途使用借款，按期还本付息，配合甲方的贷后检查，"
                "发生可能影响偿债能力的重大事项时应于五个工作日内书面通知甲方。",
            ),
            (
                "违约责任",
                "乙方未按期还款、挪用借款或提供虚假资料的，甲方有权停止发放尚未发放的"
                "借款，宣布已发放的借款全部提前到期，并要求乙方承担甲方为实现债权支出的诉讼费、"
                "律师费、保全费等费用。",
            ),
            (
                "争议解决",
                "因本合同引起的争议，由双方协商解决；协商不成的，向甲方所在地人民法院起诉。",
            ),
            (
                "其他",
                "本合同自双方签字盖章之日起生效，一式三份，甲乙双方及担保人各执一份，"
                "具有同等法律效力。乙方确认已仔细阅读并理解本合同全部条款，甲方已应乙方要求对"
                "有关条款作了充分说明。",
            ),
        ],
    )
    out.append(contract_sign(f, "贷款人", "借款人", f.borrower))
    out.append(
        signoff(f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)])
    )
    return out


def _drawdown_receipt(f: Facts) -> Flowables:
    out = doc_title(f, "drawdown_receipt", org=f.bank, sub="（第二联　贷款人留存　会计记账凭证）")
    out += doc_header(f, "放款日期", [("借款账号", f.t("{region}01{seq}0001{start_year}"))])
    rows: list[list[Any]] = [
        ["借据编号", f.loan_no, "借款合同号", f.contract_no],
        [
            "借款人名称",
            f.borrower,
            "贷款种类",
            "短期流动资金贷款" if f.term_months == "12" else "中期流动资金贷款",
        ],
        ["借款金额（大写）", "人民币" + f.amount_upper, "", ""],
        ["借款金额（小写）", "¥" + f.amount_num, "年利率", f.rate_pct],
        ["发放日期", f.start_cn, "到期日期", f.due_cn],
        ["借款用途", f.purpose, "", ""],
        ["还款方式", f.repayment_method, "担保方式", f.guarantee_method],
        ["支付方式", "受托支付", "入账账号", f.t("{region}0188{seq}2")],
    ]
    out.append(
        table_of(
            rows,
            [30 * mm, 55 * mm, 30 * mm, 55 * mm],
            labels=(0, 2),
            extra=[("SPAN", (1, 2), (3, 2)), ("SPAN", (1, 5), (3, 5))],
        )
    )
    out.append(Spacer(1, 3 * mm))
    out.append(
        para(
            f.t(
                "借款人声明：上述借款已如数收到，{self}将按照借款合同（编号{contract_no}）的约定"
                "按期归还借款本息。本借据为借款合同的组成部分。"
            ),
            "plain",
        )
    )
    out.append(
        parties_sign(
            ["借款人（签章）：", f.borrower, f.t("{date_cn}")],
            ["贷款人（盖章）：", f.bank + f.branch, f.t("{date_cn}")],
            right_seal=bank_seal(f, "业务专用章"),
        )
    )
    out.append(
        signoff(f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)])
    )
    return out


def _guarantee_contract(f: Facts) -> Flowables:
    f.prefer("doc_no", f.guarantee_contract_no)
    out = doc_title(f, "guarantee_contract", sub="（最高额以外的一般保证合同 · 连带责任保证）")
    out += doc_header(f, "签订日期", [("保证人*", f.guarantor)])
    out += parties(
        [
            bank_party(f, "债权人（甲方）"),
            (
                "保证人（乙方）",
                f.guarantor,
                f.t("{city}{county}{street}"),
                f.t("身份证号码：{guarantor_id}"),
            ),
        ]
    )
    out.append(
        para(
            f.t(
                "为确保{borrower}（以下称债务人）与甲方签订的《借款合同》（编号{contract_no}，"
                "以下称主合同）项下债务的履行，乙方自愿提供保证担保。双方经协商订立本合同。"
            )
        )
    )
    out += clause_paras(
        f,
        [
            (
                "被保证的主债权",
                "被保证的主债权为甲方依主合同向债务人发放的贷款本金{amount_text}，"
                "主债务履行期限自{start_cn}至{due_cn}。",
            ),
            (
                "保证方式",
                "乙方提供连带责任保证。债务人未按主合同约定履行债务的，甲方有权直接要求"
                "乙方在保证范围内承担保证责任。",
            ),
            (
                "保证范围",
                "主债权本金、利息、罚息、复利、违约金、损害赔偿金以及甲方为实现债权"
                "而发生的诉讼费、律师费、保全费、公告费、执行费等费用。",
            ),
            (
                "保证期间",
                "保证期间为主合同约定的债务履行期限届满之日起三年。甲方依约宣布主债务"
                "提前到期的，保证期间自提前到期之日起计算。",
            ),
            (
                "主合同变更",
                "甲方与债务人协议变更主合同的，除展期或增加债务金额外，无须征得乙方"
                "同意，乙方仍在原保证范围内承担保证责任；展期的，应当取得乙方书面同意。",
            ),
            (
                "乙方承诺",
                "乙方具有代偿能力，提供的财产、收入证明真实；乙方发生住所、联系方式变更"
                "或财产状况重大变化的，应在十日内通知甲方。",
            ),
            ("争议解决", "因本合同发生的争议，向甲方所在地人民法院起诉。"),
            ("合同生效", "本合同自双方签字盖章之日起生效，至保证责任履行完毕时终止。"),
        ],
    )
    out.append(contract_sign(f, "债权人", "保证人", f.guarantor))
    out.append(
        signoff(
            f,
            [
                ("经办人", f.account_manager),
                ("复核人", f.reviewer),
                ("面签见证人", f.account_manager_b),
            ],
        )
    )
    return out


def _collateral_table(f: Facts) -> Any:
    ratio = (
        f.number("amount") / f.number("collateral_value") * 100
        if f.number("collateral_value")
        else Decimal(0)
    )
    return table_of(
        [
            ["抵押物名称", "坐落", "权属证书编号", "面积（㎡）", "评估价值（元）", "抵押率"],
            [
                f.collateral,
                f.collateral_location,
                f.collateral_cert,
                f.collateral_area,
                f.collateral_value_num,
                f"{ratio:.1f}%",
            ],
        ],
        [36 * mm, 34 * mm, 36 * mm, 18 * mm, 28 * mm, 18 * mm],
        header=True,
    )


def _mortgage_contract(f: Facts) -> Flowables:
    f.prefer("doc_no", f.mortgage_contract_no)
    out = doc_title(f, "mortgage_contract")
    out += doc_header(f, "签订日期", [("抵押人*", f.collateral_owner)])
    out += parties([bank_party(f, "抵押权人（甲方）"), borrower_party(f, "抵押人（乙方）")])
    out.append(
        para(
            f.t(
                "为担保{borrower}在《借款合同》（编号{contract_no}）项下债务的履行，乙方愿以其"
                "有权处分的财产向甲方提供抵押担保。甲乙双方经协商一致，订立本合同。"
            )
        )
    )
    out += clause_paras(
        f,
        [
            ("被担保的主债权", "主债权本金为{amount_text}，债务履行期限自{start_cn}至{due_cn}。"),
            (
                "抵押物",
                "抵押物详见本合同所附《抵押物清单》。抵押物的价值以双方认可的评估价值为"
                "准，不作为甲方处分抵押物时的估价依据。",
            ),
            ("担保范围", "主债权本金、利息、罚息、复利、违约金、损害赔偿金和实现抵押权的费用。"),
            (
                "抵押登记",
                "双方应于本合同签订后五个工作日内到{registry}办理抵押登记，抵押权自"
                "登记时设立。不动产登记证明由甲方保管。",
            ),
            (
                "抵押物的占管与保险",
                "抵押期间抵押物由乙方占有、使用，乙方应妥善保管，并以甲方为"
                "第一受益人投保财产保险，保险期间不短于主债务履行期限。",
            ),
            (
                "抵押物的处分",
                "未经甲方书面同意，乙方不得转让、出租、赠与或重复抵押抵押物。抵押物"
                "价值减少的，乙方应恢复原状或提供相应担保。",
            ),
            (
                "抵押权的实现",
                "债务人未按期履行债务的，甲方有权与乙方协议以抵押物折价，或依法"
                "申请拍卖、变卖抵押物，并以所得价款优先受偿。",
            ),
            (
                "争议解决与生效",
                "因本合同发生的争议向甲方所在地人民法院起诉。本合同自双方签字盖章之日起生效。",
            ),
        ],
    )
    out.append(heading("附：抵押物清单"))
    out.append(_collateral_table(f))
    out.append(contract_sign(f, "抵押权人", "抵押人", f.collateral_owner))
    out.append(
        signoff(f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)])
    )
    return out


def _pledge_contract(f: Facts) -> Flowables:
    f.prefer("doc_no", f.pledge_contract_no)
    out = doc_title(f, "pledge_contract", sub="（权利质押）")
    out += doc_header(f, "签订日期", [("出质人*", f.borrower)])
    out += parties([bank_party(f, "质权人（甲方）"), borrower_party(f, "出质人（乙方）")])
    out.append(
        para(
            f.t(
                "为担保《借款合同》（编号{contract_no}）项下债务的履行，乙方以其合法拥有的权利"
                "出质给甲方。双方经协商一致，订立本合同。"
            )
        )
    )
    out += clause_paras(
        f,
        [
            ("被担保的主债权", "主债权本金为{amount_text}，债务履行期限自{start_cn}至{due_cn}。"),
            ("质押财产", "乙方出质的财产为{pledge_item}，详见《质押财产清单》。"),
            (
                "质权的设立",
                "乙方应于本合同签订之日将权利凭证交付甲方，并配合甲方办理止付、冻结"
                "手续。质权自权利凭证交付甲方时设立。",
            ),
            (
                "质押期间",
                "质押期间乙方不得挂失、转让或以其他方式处分质押财产。质押存单到期早于"
                "主债务的，到期款项转存为保证金继续作为担保。",
            ),
            (
                "质权的实现",
                "债务人未按期履行债务的，甲方有权直接兑现质押存单，以所得款项优先受偿。",
            ),
            ("其他", "本合同自双方签字盖章且权利凭证交付之日起生效。"),
        ],
    )
    out.append(heading("附：质押财产清单"))
    out.append(
        table_of(
            [
                ["质押财产", "凭证号码", "户名", "金额（元）", "到期日"],
                [f.pledge_item, f.t("DQ{region}{seq}08"), f.borrower, f.amount_num, f.due_cn],
            ],
            [48 * mm, 30 * mm, 40 * mm, 28 * mm, 24 * mm],
            header=True,
        )
    )
    out.append(contract_sign(f, "质权人", "出质人", f.borrower))
    out.append(
        signoff(
            f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("押品保管人", f.archivist)]
        )
    )
    return out


DOCUMENTS = by_type(
    _loan_contract, _drawdown_receipt, _guarantee_contract, _mortgage_contract, _pledge_contract
)
"""The documents drawn here, by type."""
