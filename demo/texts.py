"""The words of the demo portfolio: warning catalogue, findings, outcomes and reasons.

Only data lives here, so that the lifecycle modules read as procedures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from domain.rules import shipped_rules
from domain.values import WarningColour, WriteOffCriterion


@dataclass(frozen=True)
class Signal:
    """A signal of the risk-warning catalogue (预警信号指标库, archive/rules.toml) as the demo
    tells it: its code there, with the details, measures and clearing it is told with."""

    code: str
    colour: WarningColour
    name: str
    detail: str
    measures: str
    cleared: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


_Y, _O, _R = WarningColour.YELLOW, WarningColour.ORANGE, WarningColour.RED
_SIGNALS = (
    Signal(
        "BEH-04",
        _Y,
        "经营性现金流下降",
        "近两个季度经营活动现金净流量为负，结算账户流水较上年同期下降约{pct}%。",
        "要求借款人按月报送财务报表；加强结算账户资金流向监测；约谈实际控制人了解经营情况",
        "借款人近三个月销售回款恢复，结算流水回升至正常水平，经复核信号解除。",
    ),
    Signal(
        "FIN-03",
        _Y,
        "主营业务收入下降",
        "主营业务收入较上年同期下降{pct}%，主要客户订单减少。",
        "收集最新财务报表及订单合同；提高贷后检查频率至每月一次；到期前两个月落实还款资金",
        "借款人新增两家稳定客户，最近一季度收入已恢复增长，经复核信号解除。",
    ),
    Signal(
        "FIN-08",
        _Y,
        "在他行出现逾期",
        "征信报告显示借款人在他行有一笔贷款逾期{days}天。",
        "核实他行逾期原因；要求借款人限期结清他行欠款；按月查询征信",
        "经查询征信，他行逾期款项已结清，征信无新增逾期，信号解除。",
    ),
    Signal(
        "GUA-07",
        _Y,
        "押品保险到期未续保",
        "抵押物财产保险已到期，借款人尚未续保。",
        "通知借款人限期续保；续保后将保单正本交我行保管",
        "借款人已续保，新保单第一受益人为我行，保单正本已入库，信号解除。",
    ),
    Signal(
        "OPS-03",
        _Y,
        "主要管理人员变动",
        "公司财务负责人及分管生产的副总经理相继离职，管理层变动较大。",
        "约谈新任管理人员；核实生产经营是否受影响；重新签署账户监管协议",
        "新任管理团队已稳定，生产经营未受明显影响，经复核信号解除。",
    ),
    Signal(
        "OPS-01",
        _O,
        "停产或半停产",
        "借款人因订单不足、资金紧张处于半停产状态，开工率不足30%。",
        "停止发放新贷款；对抵押物进行现场核查并重新评估；要求保证人出具继续履行担保责任的"
        "承诺书；每周跟踪一次处置进展",
        "借款人已恢复正常生产，开工率回升至80%以上，经现场核实信号解除。",
    ),
    Signal(
        "GUA-01",
        _O,
        "抵押物价值明显下降",
        "押品重估价值较初评下降约{pct}%，抵押率超过规定上限。",
        "要求借款人追加抵押物或提前归还部分本金；按季重估押品价值",
        "借款人已追加抵押房产一处并办妥登记，抵押率恢复至规定范围内，信号解除。",
    ),
    Signal(
        "GUA-03",
        _O,
        "担保人代偿能力下降",
        "保证人{guarantor}经营出现亏损，对外担保过多，代偿能力明显下降。",
        "要求借款人追加保证人或补充抵押；对保证人开展现场调查；暂停借款人新增用信",
        "借款人已追加保证人并签订保证合同，担保能力恢复，信号解除。",
    ),
    Signal(
        "BEH-05",
        _O,
        "贷款资金被挪用",
        "检查发现部分贷款资金转入关联企业账户，未按约定用途使用。",
        "要求借款人限期纠正并收回被挪用资金；暂停用信；报风险管理部备案",
        "被挪用资金已全部回流并按约定用途使用，经复核信号解除。",
    ),
    Signal(
        "OPS-02",
        _R,
        "实际控制人下落不明",
        "借款人实际控制人已失联多日，电话无法接通，经营场所关闭。",
        "立即宣布贷款提前到期；申请诉前财产保全，查封抵押物及借款人名下财产；通知保证人履行"
        "保证责任",
        "",
    ),
    Signal(
        "EXT-05",
        _R,
        "涉诉/被执行",
        "司法信息平台显示借款人涉及多起民间借贷诉讼，已被列为被执行人，涉案金额约{amount}万元。",
        "立即宣布贷款提前到期；对借款人提起诉讼并申请财产保全；向执行法院申报债权",
        "",
    ),
    Signal(
        "OPS-08",
        _R,
        "主要资产被查封",
        "借款人主要生产设备及厂房被其他债权人申请查封。",
        "立即宣布贷款提前到期；申请轮候查封；通知保证人履行保证责任",
        "",
    ),
)
SIGNALS: Mapping[str, Signal] = MappingProxyType({s.code: s for s in _SIGNALS})

# Days within which a signal must be handled (docs/rules.md WRN-04): the shipped rules'.
HANDLING_DAYS: Mapping[WarningColour, int] = shipped_rules().warning_handling_days

FIRST_FINDINGS: Mapping[str, str] = MappingProxyType(
    {
        "corporate": "贷款已于{start}以受托支付方式支付至交易对手账户，已取得购销合同、增值税发票及"
        "入库单等凭证，资金用途与借款合同约定一致，未发现挪用、回流。借款人生产经营正常，"
        "主要管理人员稳定。",
        "production": "贷款资金已用于{purpose}，现场查看借款人{business}经营正常，资金用途与约定"
        "一致，家庭收入稳定。",
        "consumer": "贷款资金已按约定用途支付（{purpose}），已收集支付凭证；借款人工作单位及收入"
        "稳定，按期还款意愿良好。",
        "mortgage": "贷款已按约定划入售房人监管账户，购房合同已网签备案，抵押登记已办妥，"
        "借款人收入稳定，首期月供已按期归还。",
    }
)
ROUTINE_FINDINGS = (
    "借款人生产经营正常，销售回款稳定，结算账户流水与经营规模相符；利息按期支付，无欠息；"
    "担保情况未发生不利变化。",
    "现场查看借款人经营场所，开工正常，存货充足；征信无新增不良记录；保证人经营正常，"
    "担保能力未下降。",
    "借款人本期主营收入保持稳定，应收账款周转正常；抵押物现状良好，未出租、未被查封；"
    "押品保险在有效期内。",
    "非现场监测结算账户流水及征信信息，未发现异常；借款人按期付息，经营情况与上期基本一致。",
)
RETAIL_FINDINGS = (
    "借款人{business}经营正常，家庭收入稳定，按期付息，未发现异常。",
    "电话及实地回访借款人，经营及家庭情况无重大变化，征信无新增逾期，还款来源有保障。",
    "借款人经营规模较上期略有扩大，资金周转正常，保证人情况稳定。",
)

PHONE_CALL = (
    "电话联系借款人，告知已逾期{days}天，借款人称资金周转暂时困难，承诺于{promised}前归还。"
)
SECOND_CALL = "贷后管理岗与客户经理再次电话催收，借款人承诺于{promised}前归还，已列入关注台账。"
VISIT = "客户经理上门催收，了解到借款人{cause}，已形成书面情况报告。"
JOINT_VISIT = "客户经理与贷后管理岗联合上门，约见借款人及保证人，督促其筹措资金归还逾期本息。"
PLAN_REVISED = "会同营销主管修订催收方案：{plan}。"
NOTICE = "向借款人及保证人直接送达《逾期催收通知书》，借款人已在回执上签字确认欠款。"
NOTICE_UNSIGNED = "向借款人送达《逾期催收通知书》，借款人称回执需交其法定代表人签字后交回。"
GUARANTOR = "向保证人{guarantor}送达履行保证责任通知书，保证人表示将督促借款人还款。"
ON_SITE = "现场调查借款人经营及资产状况：{status}，已提出资产保全建议。"
LAWYERS_LETTER = "委托律师事务所向借款人及保证人发送律师函，要求于十五日内归还全部欠款本息。"
LITIGATION = (
    "向青禾县人民法院提起诉讼，要求借款人归还全部借款本息，保证人承担连带清偿责任；法院已立案受理。"
)
PRESERVATION = "申请诉讼财产保全，法院已查封借款人名下房产一处并冻结其银行存款。"
JUDGMENT = "一审判决我行胜诉，判令借款人归还借款本息及罚息，保证人承担连带责任；判决已生效。"
ENFORCEMENT = "判决生效后借款人未履行，已向法院申请强制执行，法院已立案执行并启动拍卖程序。"
AFTER_WRITE_OFF = "核销后继续追索（账销案存）：{action}。"

CAUSES = (
    "下游客户货款拖欠，资金回笼缓慢",
    "原材料价格上涨，经营利润下降，资金周转困难",
    "主要客户订单减少，库存积压",
    "家庭成员患病，医疗支出较大",
    "养殖遭遇疫病，出栏减少",
    "对外担保被代偿，资金被占用",
)
PLANS = (
    "每周上门一次，督促借款人处置存货回笼资金，同时要求保证人代偿",
    "与借款人签订分期还款承诺书，约定三个月内结清欠款，并考虑重组方案",
    "催收无果即启动诉讼程序，提前收集财产线索",
)
STATUSES = (
    "借款人已半停产，存货价值约为贷款余额的四成",
    "经营场所已转租他人，借款人名下有房产一处",
    "借款人仍在经营但收入锐减，抵押物完好",
)
RECOVERY_ACTIONS = (
    "法院拍卖被查封房产，扣除费用后划回部分款项",
    "保证人履行部分代偿义务，已划回款项",
    "借款人家属代为偿还部分欠款",
)

WRITE_OFF_REASONS: Mapping[WriteOffCriterion, str] = MappingProxyType(
    {
        WriteOffCriterion.BANKRUPTCY: "借款人经法院裁定宣告破产，破产财产分配完毕后仍有余额"
        "无法受偿，取得法院终结破产程序裁定书。",
        WriteOffCriterion.DEATH_OR_DISAPPEARANCE: "借款人已被法院宣告失踪，其财产及保证人代偿"
        "后仍无法清偿，取得法院宣告失踪判决书及追偿记录。",
        WriteOffCriterion.UNINSURED_DISASTER: "借款人养殖场遭受特大洪涝灾害全部损毁且未投保，"
        "经追偿仍无法收回，取得乡镇政府及民政部门灾情证明。",
        WriteOffCriterion.LICENCE_REVOKED: "借款人被市场监督管理部门吊销营业执照，经清算及向"
        "保证人追偿后仍无法收回，取得吊销决定书及清算报告。",
        WriteOffCriterion.ENFORCEMENT_EXHAUSTED: "经诉讼及强制执行，借款人及保证人无可供执行"
        "财产，法院裁定终结本次执行程序，取得终结执行裁定书。",
    }
)
