"""Responsibility (责任认定): records and determinations, appeals, objections, handovers."""

from __future__ import annotations

from reportlab.lib.units import mm

from demo.pdfs.blocks import (
    bank_seal,
    doc_header,
    doc_title,
    heading,
    item_paras,
    opinion,
    signoff,
    table_of,
)
from demo.pdfs.facts import Facts
from demo.pdfs.style import Flowables, by_type, para, paras


def _responsibility_rows(f: Facts) -> list[list[str]]:
    return [
        ["环节", "责任人", "岗位", "认定结果", "处理意见"],
        ["贷前调查", f.account_manager, "客户经理（A岗）", f.finding, f.sanction],
        ["贷前调查", f.account_manager_b, "客户经理（B岗）", "次要责任", "批评教育"],
        ["审查", f.reviewer, "审查人", "尽职免责", "—"],
        ["审批", f.approver, "有权审批人", "尽职免责", "—"],
        ["贷后管理", f.handover_to, "客户经理（接管）", "次要责任", "诫勉谈话"],
    ]


def _responsibility_record(f: Facts) -> Flowables:
    out = doc_title(f, "responsibility_record", sub="（呆账核销后责任追究）")
    out += doc_header(
        f, "处理日期", [("核销金额", f.writeoff_amount_num + "元"), ("认定机构", "责任认定委员会")]
    )
    out.append(heading("一、认定及处理情况"))
    out.append(
        table_of(
            _responsibility_rows(f), [24 * mm, 24 * mm, 34 * mm, 26 * mm, 62 * mm], header=True
        )
    )
    out.append(heading("二、处理执行情况"))
    out.append(
        para(
            f.t(
                "上述处理意见已书面送达各责任人。{person}于收到认定书后提出复议申请，经委员会复议"
                "维持原认定。经济处罚已从当年绩效工资中扣减，处理结果已记入员工履职档案。"
            )
        )
    )
    out.append(heading("三、整改措施"))
    out += item_paras(
        [
            "组织信贷条线人员学习本案例，强化贷前调查中对关联企业及民间借贷的核查。",
            "完善押品重估机制，对价值波动较大的押品按季重估。",
        ]
    )
    out.append(
        signoff(
            f,
            [("记录人", f.supervisor), ("复核人", f.risk_manager), ("委员会主任", f.branch_head)],
            seal=bank_seal(f, ""),
        )
    )
    return out


def _handover_record(f: Facts) -> Flowables:
    out = doc_title(f, "handover_record", sub="（客户经理变更）")
    out += doc_header(
        f,
        "交接日期",
        [
            ("移交人", f.handover_from),
            ("接收人", f.handover_to),
            ("监交人", f.supervisor),
            ("贷款余额", f.balance_num + "元"),
        ],
    )
    rows = [
        ["序号", "交接事项", "数量", "状态", "备注"],
        ["1", "借款人信贷档案（调查报告、审批书、合同）", "1卷", "完整", "原件已入档案室"],
        ["2", "贷后检查报告及现场照片", "4份", "完整", "—"],
        ["3", "押品权证复印件及保险单", "1套", "完整", "原件在押品库"],
        ["4", "借款人财务报表", "6期", "完整", "—"],
        ["5", "催收记录及回执", "0份", "—", "未发生逾期"],
        ["6", "风险预警及处置记录", "0份", "—", "—"],
        ["7", "客户联系信息及实际控制人情况说明", "1份", "完整", "—"],
    ]
    out.append(
        table_of(
            rows,
            [12 * mm, 78 * mm, 18 * mm, 20 * mm, 42 * mm],
            header=True,
            extra=[("ALIGN", (0, 0), (0, -1), "CENTER")],
        )
    )
    out.append(heading("交接说明"))
    out += paras(
        [
            f.t(
                "经监交人现场监督，移交人{handover_from}已将上述客户资料完整移交接收人{handover_to}。"
                "接收人自交接之日起负责该户贷后管理。"
            ),
            "本次交接不转移移交人对交接前已发生业务的调查、管理责任；交接中发现的问题已在备注"
            "中载明，由移交人负责说明。",
        ]
    )
    out.append(
        signoff(
            f, [("移交人", f.handover_from), ("接收人", f.handover_to), ("监交人", f.supervisor)]
        )
    )
    return out


def _asset_preservation_transfer(f: Facts) -> Flowables:
    out = doc_title(f, "asset_preservation_transfer", org=f.bank)
    out += doc_header(
        f,
        "移交日期",
        [
            ("移交部门", f.branch),
            ("接收部门", "资产保全部"),
            ("五级分类", "次级"),
            ("逾期天数", f.overdue_days + "天"),
        ],
    )
    out.append(heading("一、移交贷款明细"))
    out.append(
        table_of(
            [
                ["借据号", "借款人", "本金余额", "欠息", "担保方式", "到期日"],
                [
                    f.loan_no,
                    f.borrower,
                    f.balance_num,
                    f.overdue_interest_num,
                    f.guarantee_method,
                    f.due_cn,
                ],
            ],
            [36 * mm, 40 * mm, 24 * mm, 22 * mm, 24 * mm, 24 * mm],
            header=True,
        )
    )
    out.append(heading("二、移交材料"))
    out += item_paras(
        [
            "信贷档案全卷（含借款合同、借据、担保合同原件）",
            "抵押登记证明及押品保险单（押品库出库单随附）",
            "贷后检查报告、风险预警处理表、五级分类认定表",
            "逾期催收通知书及回执、律师函",
            "借款人、保证人最新财产线索及联系方式",
        ]
    )
    out.append(heading("三、移交说明"))
    out.append(
        para(
            f.t(
                "该笔贷款逾期已超过90天，经催收未果，根据不良资产集中管理要求移交资产保全部清收。"
                "移交后原经办客户经理{account_manager}仍负有配合清收的义务，原管理责任不因移交"
                "而免除。"
            )
        )
    )
    out.append(
        signoff(
            f,
            [("移交人", f.account_manager), ("接收人", f.risk_manager), ("监交人", f.supervisor)],
            seal=bank_seal(f, ""),
        )
    )
    return out


def _responsibility_determination(f: Facts) -> Flowables:
    f.prefer("doc_no", f.t("{bank_abbr}责认〔{year}〕第{doc_seq}号"))
    out = doc_title(f, "responsibility_determination", org=f.bank)
    out += doc_header(f, "认定日期", [("不良余额", f.balance_num + "元"), ("五级分类", "次级")])
    out.append(heading("一、贷款基本情况"))
    out.append(
        para(
            f.t(
                "{borrower}于{start_cn}在{branch}取得贷款{amount_text}，到期日{due_cn}。贷款到期后"
                "借款人未能归还，现已逾期{overdue_days}天，划分为不良贷款。"
            )
        )
    )
    out.append(heading("二、责任认定"))
    out.append(
        para("责任认定委员会根据调查组对各环节履职情况的调查，经集体审议，对相关人员认定如下：")
    )
    out.append(
        table_of(
            _responsibility_rows(f), [24 * mm, 24 * mm, 34 * mm, 26 * mm, 62 * mm], header=True
        )
    )
    out.append(heading("三、认定理由"))
    out.append(
        para(
            f.reason
            or f.t(
                "{account_manager}在贷前调查中未核实借款人对外民间借贷情况，调查报告对借款人"
                "负债的反映与实际不符，对贷款形成不良负有责任；审查、审批人员按规定履行了"
                "职责，且无证据表明其明知风险而同意，认定尽职免责。"
            )
        )
    )
    out.append(
        para(
            "被认定人如对本认定不服，可以在收到本认定书之日起十个工作日内向责任认定委员会书面申请"
            "复议一次；复议期间不停止处理决定的执行。"
        )
    )
    out.append(
        signoff(
            f,
            [("调查人", f.supervisor), ("复核人", f.risk_manager), ("委员会主任", f.branch_head)],
            seal=bank_seal(f, ""),
        )
    )
    return out


def _appeal(f: Facts) -> Flowables:
    out = doc_title(f, "appeal", sub="（不良贷款责任认定复议）")
    out += doc_header(
        f, "申请日期", [("申请人*", f.t("{person}（{position}）")), ("原认定结果", f.finding)]
    )
    out.append(para(f.t("{bank}不良贷款责任认定委员会："), "plain"))
    out.append(heading("复议请求"))
    out.append(
        para(
            f.t(
                "请求撤销认定书中对申请人“{finding}”的认定，改为“尽职免责”，并撤销“{sanction}”的"
                "处理决定。"
            )
        )
    )
    out.append(heading("事实与理由"))
    out += paras(
        [
            f.reason
            or f.t(
                "申请人在对{borrower}的贷前调查中，已按操作规程查询征信、实地查看经营场所并"
                "核实了主要财务数据。借款人对外民间借贷系在贷款发放后发生，贷前无任何渠道"
                "可以查知。"
            ),
            "贷款发放后，申请人按规定频率开展了贷后检查，在发现预警信号后当日即书面报告并提出"
            "停止续贷、追加担保的建议。上述工作均有检查报告及预警处理表为证。",
            "综上，申请人已勤勉尽职，依照尽职免责的有关规定，恳请委员会予以复议。",
        ]
    )
    out.append(para("此致", "plain"))
    out.append(para("附：贷后检查报告、风险预警信号处理表复印件各一份。", "small"))
    out.append(
        signoff(f, [("申请人", f.person), ("收件人", f.supervisor), ("登记人", f.archivist)])
    )
    return out


def _objection(f: Facts) -> Flowables:
    out = doc_title(f, "objection", sub="（贷款审查委员会委员异议意见）")
    out += doc_header(
        f, "提出日期", [("异议人*", f.t("{person}（{position}）")), ("审议事项", "授信申请")]
    )
    out.append(para(f.t("贷款审查委员会："), "plain"))
    out.append(
        para(
            f.t(
                "对{borrower}申请流动资金贷款{amount_text}一事，本人持不同意见，现书面提出异议"
                "如下："
            )
        )
    )
    out += item_paras(
        (f.reason.split("；") if f.reason else [])
        or [
            "借款人近两年资产负债率持续上升，对外担保金额较大，存在较高的或有负债风险。",
            "借款人实际控制人涉及民间借贷，调查报告未予充分披露，还款来源存在不确定性。",
            "抵押物为专用工业厂房，变现能力较弱，评估价值偏高，抵押率实际可能超过上限。",
        ]
    )
    out.append(
        para(
            "本人建议：暂缓审批，补充调查借款人对外负债情况；如坚持发放，应压降金额并追加"
            "足值担保。请将本异议附入审批档案。"
        )
    )
    out.append(
        opinion(
            "委员会处理情况",
            "经审议，本异议未被采纳，会议按多数意见表决通过。",
            f.approver,
            f.date_cn,
        )
    )
    out.append(
        signoff(f, [("异议人", f.person), ("会议记录人", f.supervisor), ("主任委员", f.approver)])
    )
    return out


DOCUMENTS = by_type(
    _responsibility_record,
    _handover_record,
    _asset_preservation_transfer,
    _responsibility_determination,
    _appeal,
    _objection,
)
"""The documents drawn here, by type."""
