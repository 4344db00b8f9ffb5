"""Collection and litigation (催收、诉讼): notice and receipt, lawyer's letter, claim, judgment, ruling."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from demo.pdfs.blocks import (
    bank_seal,
    court_sign,
    doc_header,
    doc_title,
    heading,
    item_paras,
    signoff,
    table_of,
)
from demo.pdfs.facts import Facts
from demo.pdfs.figures import CENT, cn_date, money, parse_date
from demo.pdfs.style import Flowables, by_type, para, paras


def _collection_notice(f: Facts) -> Flowables:
    out = doc_title(f, "collection_notice", org=f.bank + f.branch)
    out += doc_header(
        f, "通知日期", [("逾期天数", f.overdue_days + "天"), ("送达方式", "直接送达")]
    )
    out.append(para(f.t("{borrower}（借款人）、{guarantor}（保证人）："), "plain"))
    out += paras(
        [
            f.t(
                "借款人于{start_cn}与我行签订《借款合同》（编号{contract_no}），借款{amount_text}，"
                "借款到期日为{due_cn}。保证人{guarantor}为该笔借款提供连带责任保证。截至{date_cn}，"
                "借款人尚欠我行借款本金{overdue_principal_num}元、利息（含罚息）"
                "{overdue_interest_num}元，已逾期{overdue_days}天。"
            ),
            "请借款人于收到本通知书之日起七日内归还上述逾期本息；请保证人督促借款人履行还款义务"
            "并依约承担连带保证责任。逾期不还的，我行将依法采取诉讼等措施，由此产生的诉讼费、"
            "律师费、保全费等一切费用及法律后果由借款人和保证人承担。",
            "特此通知。",
        ]
    )
    out.append(para("（本通知书一式两份，送达后请在回执上签字或盖章；回执由我行留存。）", "small"))
    out.append(
        signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("负责人", f.branch_head)],
            seal=bank_seal(f, "业务专用章"),
        )
    )
    return out


def _collection_receipt(f: Facts) -> Flowables:
    out = doc_title(f, "collection_receipt", org=f.bank + f.branch)
    out += doc_header(f, "签收日期", [("送达地点", f.borrower_address), ("送达方式", "直接送达")])
    out.append(para(f.t("{bank}{branch}："), "plain"))
    out.append(
        para(
            f.t(
                "{self}已于{date_cn}收到贵行送达的《逾期催收通知书》（编号{doc_no}）。对通知书所列"
                "借款合同（编号{contract_no}）项下尚欠本金{overdue_principal_num}元、利息（含罚息）"
                "{overdue_interest_num}元的事实无异议，{self}将尽快筹集资金归还。"
            )
        )
    )
    out.append(
        table_of(
            [
                ["签收人", "身份", "签字（盖章）", "签收日期"],
                [f.borrower, "借款人", "", f.date_cn],
                [f.guarantor, "保证人", "", f.date_cn],
            ],
            [58 * mm, 26 * mm, 50 * mm, 36 * mm],
            header=True,
            extra=[("BOTTOMPADDING", (0, 1), (-1, -1), 14)],
        )
    )
    out.append(Spacer(1, 2 * mm))
    out.append(
        para("送达人声明：本通知书由下列送达人当面交付签收人，签收人当场签字确认。", "plain")
    )
    out.append(
        signoff(
            f,
            [
                ("送达人", f.account_manager),
                ("送达人", f.account_manager_b),
                ("复核人", f.reviewer),
            ],
        )
    )
    return out


def _situation_report(f: Facts) -> Flowables:
    out = doc_title(f, "situation_report", org=f.bank + f.branch)
    out += doc_header(f, "报告日期", [("逾期天数", f.overdue_days + "天"), ("走访方式", "上门")])
    out += paras(
        [
            f.t(
                "{date_cn}，客户经理{account_manager}上门走访借款人{borrower}，了解逾期原因。截至当日，"
                "借款人尚欠本金{overdue_principal_num}元、利息（含罚息）{overdue_interest_num}元，"
                "已逾期{overdue_days}天。"
            ),
            "经营情况：借款人经营场所正常开放，近期销售回款放缓，应收账款增加。",
            "负债情况：借款人在他行另有贷款，暂未发现新增逾期。",
            f.t("担保情况：保证人{guarantor}已知悉借款人逾期情况，表示将督促借款人还款。"),
            "处理意见：督促借款人七日内筹款归还逾期本息，已将逾期情况告知我行法律顾问。",
        ]
    )
    out.append(
        signoff(
            f, [("报告人", f.account_manager), ("复核人", f.reviewer), ("负责人", f.branch_head)]
        )
    )
    return out


def _guarantor_notice(f: Facts) -> Flowables:
    out = doc_title(f, "guarantor_notice", org=f.bank + f.branch)
    out += doc_header(
        f, "通知日期", [("逾期天数", f.overdue_days + "天"), ("送达方式", "直接送达")]
    )
    out.append(para(f.t("{guarantor}（保证人）："), "plain"))
    out += paras(
        [
            f.t(
                "借款人{borrower}于{start_cn}与我行签订《借款合同》（编号{contract_no}），您为该笔借款"
                "提供连带责任保证。截至{date_cn}，借款人尚欠我行本金{overdue_principal_num}元、"
                "利息（含罚息）{overdue_interest_num}元，已逾期{overdue_days}天。"
            ),
            "根据保证合同约定，请您于收到本通知书之日起十日内履行保证责任，代为清偿上述欠款。"
            "逾期不履行的，我行将依法向您主张权利。",
            "特此通知。",
        ]
    )
    out.append(
        signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("负责人", f.branch_head)],
            seal=bank_seal(f, "业务专用章"),
        )
    )
    return out


def _guarantor_assessment(f: Facts) -> Flowables:
    out = doc_title(f, "guarantor_assessment", org=f.bank + f.branch)
    out += doc_header(f, "评估日期", [("保证人", f.guarantor)])
    out += paras(
        [
            f.t("评估对象：保证人{guarantor}（为借款人{borrower}提供连带责任保证）。"),
            "评估内容：保证人的收入与资产、对外担保与负债、涉诉及征信情况。",
            "评估结论：见贷后管理系统登记的代偿能力与信用等级。",
        ]
    )
    out.append(signoff(f, [("评估人", f.account_manager), ("复核人", f.reviewer)]))
    return out


def _lawyers_letter(f: Facts) -> Flowables:
    f.prefer("doc_no", f.t("（{year}）律函字第{doc_seq}号"))
    out = doc_title(f, "lawyers_letter", org=f.law_firm)
    out += doc_header(f, "发函日期", [("委托人", f.bank + f.branch), ("承办律师", f.lawyer)])
    out.append(para(f.t("致：{borrower}、{guarantor}"), "plain"))
    out += paras(
        [
            f.t(
                "{law_firm}接受{bank}{branch}（以下称委托人）的委托，指派{lawyer}律师就你方拖欠"
                "借款本息一事，郑重致函如下："
            ),
            f.t(
                "根据委托人提供的《借款合同》（编号{contract_no}）、借据及保证合同等材料，委托人"
                "于{start_cn}向借款人发放贷款{amount_text}，约定到期日为{due_cn}。借款到期后，"
                "借款人未能按约归还，截至本函发出之日尚欠本金{overdue_principal_num}元及相应利息、"
                "罚息。委托人已多次催收，并书面送达逾期催收通知书，但你方至今未履行还款义务。"
            ),
            "根据《中华人民共和国民法典》第六百七十四条、第六百七十五条、第六百七十六条及第"
            "六百八十八条之规定，借款人应当按照约定期限返还借款并支付利息；连带责任保证的债务人"
            "不履行到期债务时，债权人可以请求保证人在保证范围内承担保证责任。",
            "现本律师受托函告：请你方于收到本函之日起五日内向委托人清偿全部欠款本息。逾期未予"
            "清偿的，本律师将依委托人授权提起诉讼并申请财产保全，届时你方除须偿还本息外，"
            "还将承担诉讼费、保全费、律师费等全部费用，并可能被列入失信被执行人名单。",
            "特此函告。",
        ]
    )
    out.append(
        signoff(
            f,
            [
                ("承办律师", f.lawyer),
                ("律所负责人", f.supervisor),
                ("委托人经办人", f.account_manager),
            ],
            seal=(f.law_firm, ""),
        )
    )
    return out


def _complaint(f: Facts) -> Flowables:
    f.prefer("doc_no", f.t("{bank_abbr}诉〔{year}〕{doc_seq}号"))
    out = doc_title(f, "complaint", sub="（金融借款合同纠纷）")
    out += doc_header(f, "起诉日期", [("受诉法院", f.court), ("委托诉讼代理人", f.lawyer)])
    out.append(para(f.t("原告：{bank}{branch}，住所{city}{county}{street}88号。"), "plain"))
    out.append(para(f.t("负责人：{branch_head}，职务：行长。"), "item"))
    out.append(para(f.t("委托诉讼代理人：{lawyer}，{law_firm}律师。"), "item"))
    rep = f.t("，法定代表人{legal_rep}") if f.corporate else ""
    out.append(
        para(
            f.t("被告一：{borrower}，{id_label}{borrower_id}，住所{borrower_address}") + rep + "。",
            "plain",
        )
    )
    out.append(para(f.t("被告二：{guarantor}，身份证号码{guarantor_id}。"), "plain"))
    out.append(heading("诉讼请求"))
    out += item_paras(
        [
            f.t(
                "判令被告一归还原告借款本金{overdue_principal_num}元，并支付截至{date_cn}的利息、"
                "罚息{overdue_interest_num}元，以及此后至实际清偿之日止的罚息、复利；"
            ),
            "判令原告对抵押物拍卖、变卖所得价款在上述债权范围内享有优先受偿权；",
            "判令被告二对上述债务承担连带清偿责任；",
            "本案诉讼费、保全费、律师费由二被告承担。",
        ]
    )
    out.append(heading("事实与理由"))
    out += paras(
        [
            f.t(
                "{start_cn}，原告与被告一签订《借款合同》（编号{contract_no}），约定被告一向原告"
                "借款{amount_text}，用于{purpose}，期限至{due_cn}，年利率{rate_pct}。同日，被告二"
                "与原告签订《保证合同》，为上述借款提供连带责任保证；被告一以其{collateral}提供"
                "抵押担保并办理了抵押登记（{registration_no}）。"
            ),
            "合同签订后，原告依约足额发放了贷款。借款到期后，被告一未按约还本付息，经原告多次"
            "催收仍未归还，被告二亦未履行保证责任。原告认为，被告一的行为已构成违约，被告二应"
            "依法承担连带保证责任。为维护原告合法权益，特依法提起诉讼，请贵院依法判决。",
        ]
    )
    out.append(para("此致", "plain"))
    out.append(para(f.court, "plain"))
    out.append(para("附：本诉状副本2份；证据材料目录及复印件1套。", "small"))
    out.append(
        signoff(
            f,
            [
                ("具状人代表", f.branch_head),
                ("委托诉讼代理人", f.lawyer),
                ("经办人", f.account_manager),
            ],
            seal=bank_seal(f, ""),
        )
    )
    return out


def _judgment(f: Facts) -> Flowables:
    f.prefer("doc_no", f.case_no)
    out = doc_title(f, "judgment", org=f.court)
    out += doc_header(f, "判决日期", [("案号*", f.case_no)])
    fee = max(Decimal(50), f.number("overdue_principal") * Decimal("0.005")).quantize(CENT)
    filing = parse_date(f.date) or date(2000, 1, 1)
    out += paras(
        [
            f.t("原告：{bank}{branch}，住所{city}{county}{street}88号。"),
            f.t("负责人：{branch_head}。委托诉讼代理人：{lawyer}，{law_firm}律师。"),
            f.t("被告：{borrower}，住所{borrower_address}。"),
            f.t("被告：{guarantor}，身份证号码{guarantor_id}。"),
        ],
        "plain",
    )
    out += paras(
        [
            f.t("原告{bank}{branch}与被告{borrower}、{guarantor}金融借款合同纠纷一案，本院于")
            + cn_date(filing - timedelta(days=75))
            + "立案后，依法适用简易程序，于"
            + cn_date(filing - timedelta(days=30))
            + f.t(
                "公开开庭进行了审理。原告的委托诉讼代理人{lawyer}到庭参加诉讼，被告经本院传票"
                "传唤无正当理由拒不到庭，本院依法缺席审理。本案现已审理终结。"
            ),
            f.t(
                "原告向本院提出诉讼请求：判令被告{borrower}归还借款本金{overdue_principal_num}元"
                "及利息、罚息；判令原告对抵押物享有优先受偿权；判令被告{guarantor}承担连带清偿"
                "责任。"
            ),
            f.t(
                "本院经审理认定事实如下：{start_cn}，原告与被告{borrower}签订《借款合同》，约定"
                "借款{amount_text}，到期日{due_cn}。原告依约发放了贷款，借款到期后被告未依约"
                "还款。上述事实，有借款合同、借据、保证合同、抵押合同、不动产登记证明、"
                "催收通知书及回执等证据在案为凭，本院予以确认。"
            ),
            "本院认为，原告与被告之间的借款合同、保证合同及抵押合同系双方真实意思表示，内容不"
            "违反法律、行政法规的强制性规定，合法有效。原告依约发放贷款后，借款人未按约还本"
            "付息，构成违约，应承担还本付息的民事责任；保证人应在保证范围内承担连带清偿责任；"
            "抵押权已依法登记设立，原告有权就抵押物优先受偿。依照《中华人民共和国民法典》"
            "第五百七十七条、第六百七十六条、第六百八十八条、第三百九十四条，《中华人民共和国"
            "民事诉讼法》第一百四十七条之规定，判决如下：",
        ]
    )
    out += item_paras(
        [
            f.t(
                "被告{borrower}于本判决生效之日起十日内归还原告借款本金{overdue_principal_num}元"
                "及利息、罚息（截至{date_cn}为{overdue_interest_num}元，此后按合同约定计算至"
                "实际清偿之日止）；"
            ),
            "原告有权以抵押物折价或者拍卖、变卖所得价款在上述债务范围内优先受偿；",
            f.t(
                "被告{guarantor}对上述债务承担连带清偿责任，其承担保证责任后有权向被告"
                "{borrower}追偿。"
            ),
        ]
    )
    out += paras(
        [
            "如果未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》"
            "第二百六十四条之规定，加倍支付迟延履行期间的债务利息。",
            f"案件受理费{money(fee)}元，减半收取，由被告负担。",
            f.t(
                "如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状，并按对方当事人"
                "的人数提出副本，上诉于{upper_court}。"
            ),
        ]
    )
    out.append(court_sign(f, [("审判员", f.judge)], clerk=f.clerk))
    out.append(
        signoff(
            f, [("收件经办人", f.account_manager), ("复核人", f.reviewer), ("归档人", f.archivist)]
        )
    )
    return out


def _enforcement_ruling(f: Facts) -> Flowables:
    f.prefer("doc_no", f.enforcement_no)
    out = doc_title(f, "enforcement_ruling", org=f.court)
    out += doc_header(f, "裁定日期", [("案号*", f.enforcement_no), ("执行依据", f.case_no)])
    out += paras(
        [
            f.t("申请执行人：{bank}{branch}，住所{city}{county}{street}88号。"),
            f.t("被执行人：{borrower}，住所{borrower_address}。"),
            f.t("被执行人：{guarantor}，身份证号码{guarantor_id}。"),
        ],
        "plain",
    )
    out += paras(
        [
            f.t(
                "本院在执行申请执行人{bank}{branch}与被执行人{borrower}、{guarantor}金融借款合同"
                "纠纷一案中，因被执行人未按执行通知书指定的期间履行生效法律文书确定的义务，本院"
                "已依法查封被执行人名下位于{collateral_location}的{collateral}（{collateral_cert}）。"
                "经本院委托评估，该财产评估价值为{appraised_value_num}元。"
            ),
            "本院认为，被执行人未履行生效法律文书确定的义务，本院有权拍卖被执行人的财产。依照"
            "《中华人民共和国民事诉讼法》第二百五十八条、第二百六十条，《最高人民法院关于人民"
            "法院民事执行中拍卖、变卖财产的规定》第一条之规定，裁定如下：",
        ]
    )
    out += item_paras(
        [
            f.t("拍卖被执行人{borrower}名下位于{collateral_location}的{collateral}。"),
            "拍卖所得价款在扣除执行费用后，由申请执行人在生效判决确定的债权范围内优先受偿。",
        ]
    )
    out.append(para("本裁定送达后立即生效。"))
    out.append(
        court_sign(
            f, [("审判长", f.judge), ("审判员", f.judge_b), ("审判员", f.judge_c)], clerk=f.clerk
        )
    )
    out.append(
        signoff(
            f, [("收件经办人", f.account_manager), ("复核人", f.reviewer), ("归档人", f.archivist)]
        )
    )
    return out


DOCUMENTS = by_type(
    _collection_notice,
    _collection_receipt,
    _situation_report,
    _guarantor_notice,
    _guarantor_assessment,
    _lawyers_letter,
    _complaint,
    _judgment,
    _enforcement_ruling,
)
"""The documents drawn here, by type."""
