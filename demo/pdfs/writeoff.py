"""Write-off (核销) and settlement (结清): application, investigation, evidence, certificate."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from demo.pdfs.blocks import bank_seal, doc_header, doc_title, heading, signoff, table_of
from demo.pdfs.facts import Facts
from demo.pdfs.style import Flowables, by_type, para, paras


def _writeoff_application(f: Facts) -> Flowables:
    out = doc_title(f, "writeoff_application", org=f.bank)
    out += doc_header(
        f,
        "申请日期",
        [
            ("申请核销本金", f.writeoff_amount_num + "元"),
            ("表内应收利息", f.overdue_interest_num + "元"),
            ("五级分类", "损失"),
            ("已计提减值准备", f.writeoff_amount_num + "元"),
        ],
    )
    out.append(heading("一、贷款形成及不良情况"))
    out.append(
        para(
            f.t(
                "{start_cn}，本行向{borrower}发放贷款{amount_text}，到期日{due_cn}，由{guarantor}"
                "提供连带责任保证并以{collateral}抵押。贷款到期后借款人未能归还，经催收、诉讼及"
                "强制执行，仍有本金{writeoff_amount_num}元未能收回。"
            )
        )
    )
    out.append(heading("二、核销依据"))
    out.append(
        para(
            f.reason
            or f.t(
                "依据《金融企业呆账核销管理办法》，借款人和担保人经人民法院强制执行后，确无"
                "财产可供执行，法院裁定终结本次执行程序，本行已依法追偿仍不能收回的债权，符合"
                "呆账认定条件。"
            )
        )
    )
    out.append(heading("三、追偿及责任认定情况"))
    out.append(
        para(
            f.t(
                "本行已通过拍卖抵押物受偿{recovered_num}元；对保证人的财产已穷尽查控措施。"
                "相关人员责任已由不良贷款责任认定委员会认定并处理完毕。"
            )
        )
    )
    out.append(heading("四、申请意见"))
    out.append(
        para(
            "申请对上述贷款本金予以核销，表内应收利息一并冲销。核销后实行“账销案存”，继续保留"
            "对借款人、保证人的追索权利，定期核查债务人财产状况并持续追偿。"
        )
    )
    out.append(
        signoff(
            f,
            [
                ("经办人", f.account_manager),
                ("资产保全部负责人", f.risk_manager),
                ("分管行长", f.branch_head),
            ],
            seal=bank_seal(f, ""),
        )
    )
    return out


def _writeoff_investigation(f: Facts) -> Flowables:
    out = doc_title(f, "writeoff_investigation", sub="（呆账核销专项调查）")
    out += doc_header(
        f,
        "调查日期",
        [
            ("调查组组长", f.risk_manager),
            ("调查组成员", f.t("{supervisor}、{account_manager_b}")),
            ("拟核销本金", f.writeoff_amount_num + "元"),
        ],
    )
    out.append(heading("一、调查方式"))
    out.append(
        para(
            "调查组采取查阅档案资料、走访借款人住所地及经营场所、向市场监督管理部门、不动产登记"
            "机构、人民法院调取资料等方式，对借款人及担保人的财产状况进行了全面核查。"
        )
    )
    out.append(heading("二、债务人及担保人现状"))
    out.append(
        para(
            f.findings
            or f.t(
                "{borrower}已于两年前停止经营，经营场所已由他人租用，名下无车辆、无存款、无"
                "其他不动产；保证人{guarantor}名下仅有一处被法院查封的自住房屋，已无其他可供"
                "执行的财产。"
            )
        )
    )
    out.append(heading("三、追偿过程"))
    out.append(
        table_of(
            [
                ["日期", "追偿措施", "结果"],
                [f.due_cn, "电话及上门催收，送达逾期催收通知书", "借款人签收回执，未还款"],
                ["起诉阶段", f.t("向{court}提起诉讼（{case_no}）"), "胜诉，判决生效"],
                [
                    "执行阶段",
                    f.t("申请强制执行（{enforcement_no}）"),
                    f.t("拍卖抵押物受偿{recovered_num}元"),
                ],
                ["执行终结", "法院裁定终结本次执行程序", "无其他可供执行财产"],
            ],
            [32 * mm, 80 * mm, 58 * mm],
            header=True,
        )
    )
    out.append(heading("四、调查结论"))
    out.append(
        para(
            f.t(
                "经调查，该笔贷款形成损失的事实清楚，追偿措施已穷尽，剩余本金{writeoff_amount_num}元"
                "符合呆账核销条件，建议予以核销，核销后继续追索。"
            )
        )
    )
    out.append(
        signoff(
            f, [("调查人", f.risk_manager), ("调查人", f.supervisor), ("复核人", f.branch_head)]
        )
    )
    return out


def _writeoff_evidence(f: Facts) -> Flowables:
    out = doc_title(f, "writeoff_evidence", sub="（证据材料目录）")
    out += doc_header(
        f, "整理日期", [("材料整理人", f.account_manager), ("复核人", f.risk_manager)]
    )
    rows = [
        ["序号", "材料名称", "出具单位", "日期", "页数", "原件/复印件"],
        ["1", "借款合同、借据", f.bank, f.start_cn, "8", "原件"],
        ["2", "保证合同、抵押合同", f.bank, f.start_cn, "10", "原件"],
        ["3", "逾期催收通知书及回执", f.bank + f.branch, f.due_cn, "4", "原件"],
        ["4", "民事判决书及生效证明", f.court, "—", "9", "原件"],
        ["5", "执行裁定书", f.court, "—", "3", "原件"],
        ["6", "终结本次执行程序裁定书", f.court, f.date_cn, "4", "原件"],
        ["7", "拍卖成交确认书及分配方案", f.court, "—", "5", "复印件"],
        ["8", "债务人财产状况查询结果", "市场监管、不动产登记机构", f.date_cn, "6", "原件"],
        ["9", "核销调查报告", f.bank, f.date_cn, "5", "原件"],
        ["10", "不良贷款责任认定书", f.bank, "—", "3", "复印件"],
    ]
    out.append(
        table_of(
            rows,
            [12 * mm, 52 * mm, 42 * mm, 28 * mm, 12 * mm, 24 * mm],
            header=True,
            extra=[("ALIGN", (0, 0), (0, -1), "CENTER")],
        )
    )
    out.append(Spacer(1, 3 * mm))
    out.append(
        para(
            f.t(
                "以上材料共计57页，复印件均已与原件核对一致，并加盖“与原件核对无误”章，作为"
                "{borrower}贷款呆账核销的证据材料归档保存。"
            )
        )
    )
    out.append(
        signoff(
            f,
            [("整理人", f.account_manager), ("复核人", f.risk_manager), ("审批人", f.branch_head)],
            seal=bank_seal(f, "与原件核对无误"),
        )
    )
    return out


def _settlement_certificate(f: Facts) -> Flowables:
    out = doc_title(f, "settlement_certificate", org=f.bank + f.branch)
    out += doc_header(
        f, "结清日期", [("结清本金", f.amount_num + "元"), ("证件号码", f.borrower_id)]
    )
    out.append(para(f.t("{borrower}："), "plain"))
    out += paras(
        [
            f.t(
                "兹证明{borrower}（{id_label}{borrower_id}）于{start_cn}在我行办理的借款（借据号"
                "{loan_no}，借款合同编号{contract_no}），借款金额{amount_text}，已于{date_cn}全部"
                "结清本金及利息。该笔借款项下借款人与我行之间的债权债务关系终结。"
            ),
            f.t(
                "该笔借款项下的抵押担保（不动产登记证明号{registration_no}）可凭本证明办理抵押登记"
                "注销手续，保证人{guarantor}的保证责任相应解除。"
            ),
            "特此证明。",
        ]
    )
    out.append(para("（本证明仅证明上述单笔借款已结清，不作为借款人其他债务的证明。）", "small"))
    out.append(
        signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("负责人", f.branch_head)],
            seal=bank_seal(f, "业务专用章"),
        )
    )
    return out


DOCUMENTS = by_type(
    _writeoff_application, _writeoff_investigation, _writeoff_evidence, _settlement_certificate
)
"""The documents drawn here, by type."""
