"""Collateral documents (押品): valuation, registration, insurance, custody, revaluation, release."""

from __future__ import annotations

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
    signoff,
    table_of,
)
from demo.pdfs.facts import Facts
from demo.pdfs.figures import CENT, money
from demo.pdfs.style import WIDTH, Flowables, by_type, para, paras


def _valuation_report(f: Facts) -> Flowables:
    f.prefer("doc_no", f.t("{valuation_firm}估字〔{year}〕第{doc_seq}号"))
    out = doc_title(f, "valuation_report", org=f.valuation_firm, sub="（房地产抵押估价报告）")
    out += doc_header(
        f, "价值时点", [("委托方", f.bank + f.branch), ("估价对象权利人", f.collateral_owner)]
    )
    out.append(heading("一、估价目的"))
    out.append(para("为确定房地产抵押贷款额度提供参考依据而评估房地产抵押价值。"))
    out.append(heading("二、估价对象概况"))
    out.append(
        kv(
            [
                ("估价对象*", f.collateral),
                ("坐落*", f.collateral_location),
                ("权属证书*", f.collateral_cert),
                ("建筑面积", f.collateral_area + "平方米"),
                ("用途", "工业" if f.corporate else "住宅"),
                ("建成年份", str(int(f.start_year) - 9)),
                ("已抵押担保债权", "无"),
            ]
        )
    )
    out.append(heading("三、估价方法及比较实例"))
    out.append(
        para(
            "根据估价对象特点及当地房地产市场状况，选用比较法和收益法进行测算，并以两种方法"
            "测算结果的加权平均值作为估价结果；同时考虑法定优先受偿款及快速变现因素。"
        )
    )
    unit = (f.number("collateral_value") / max(Decimal(1), f.number("collateral_area"))).quantize(
        Decimal(1)
    )
    comps = [["实例", "坐落", "交易时间", "成交单价（元/㎡）", "修正后单价（元/㎡）"]]
    for i, (dx, name) in enumerate(
        ((Decimal("0.96"), "A"), (Decimal("1.03"), "B"), (Decimal("1.01"), "C"))
    ):
        comps.append(
            [
                f"实例{name}",
                f.t("{county}{street}") + f"{20 + 17 * i}号",
                f.t("{start_year}年") + f"{3 + 2 * i}月",
                f"{unit * dx:,.0f}",
                f"{unit:,.0f}",
            ]
        )
    out.append(table_of(comps, [18 * mm, 62 * mm, 28 * mm, 31 * mm, 31 * mm], header=True))
    out.append(heading("四、估价结果"))
    out.append(
        para(
            f.t(
                "经测算，估价对象于价值时点的抵押价值为人民币{collateral_value_upper}"
                "（¥{collateral_value_num}）。本报告使用期限自出具之日起一年。"
            )
        )
    )
    out.append(heading("五、估价师声明"))
    out += item_paras(
        [
            "注册房地产估价师已对估价对象进行了实地查勘，查勘日期为价值时点当日。",
            "估价师与估价对象及有关当事人没有利害关系，估价结果不受委托方影响。",
            "本报告仅用于办理抵押贷款，不得用于其他目的。",
        ]
    )
    out.append(_valuers_signoff(f))
    return out


def _registration_certificate(f: Facts) -> Flowables:
    f.prefer("doc_no", f.registration_no)
    out = doc_title(
        f, "registration_certificate", org="不动产登记证明", sub="中华人民共和国自然资源部监制"
    )
    out += doc_header(f, "登记时间", [("证明号*", f.registration_no)])
    out += _registry_certificate(
        f,
        [
            ["证明权利或事项", "抵押权"],
            ["权利人（申请人）", f.bank + f.branch],
            ["义务人", f.collateral_owner],
            ["坐落", f.collateral_location],
            ["不动产单元号", f.t("{region}00{seq}GB0001{start_year}F00010001")],
            [
                "其他",
                f.t(
                    "抵押方式：一般抵押\n担保债权数额：{amount_num}元\n"
                    "债务履行期限：{start_cn}起{due_cn}止\n抵押物：{collateral}"
                    "（原权证号{collateral_cert}）"
                ),
            ],
            ["附记", f.t("借款合同编号：{contract_no}；抵押合同编号：{mortgage_contract_no}")],
        ],
        "根据《中华人民共和国民法典》等法律法规，为保护申请人合法权益，对申请人申请登记的"
        "本证明所列不动产权利或登记事项，经审查核实，准予登记，颁发此证明。",
    )
    return out


def _registry_certificate(f: Facts, rows: list[list[str]], decision: str) -> Flowables:
    """The body of a certificate of the real-estate registry (不动产登记证明): its entries, its
    decision, and the registrar's signature under the registry's seal."""
    return [
        table_of(
            rows,
            [40 * mm, WIDTH - 40 * mm],
            labels=(0,),
            extra=[("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 7)],
        ),
        Spacer(1, 3 * mm),
        para(decision, "plain"),
        signoff(
            f,
            [
                ("登记员", f.registrar),
                ("银行经办人", f.account_manager),
                ("押品保管人", f.archivist),
            ],
            seal=(f.registry, "不动产登记专用章"),
        ),
    ]


def _valuers_signoff(f: Facts) -> Any:
    """Two registered valuers and the bank's clerk, under the valuation firm's seal."""
    return signoff(
        f,
        [
            ("注册房地产估价师", f.valuer),
            ("注册房地产估价师", f.valuer_b),
            ("银行经办人", f.account_manager),
        ],
        seal=(f.valuation_firm, "估价报告专用章"),
    )


def _insurance_policy(f: Facts) -> Flowables:
    f.prefer("doc_no", f.policy_no)
    out = doc_title(f, "insurance_policy", org=f.insurer, sub="财产基本险保险单（正本）")
    out += doc_header(f, "签单日期", [("保险单号*", f.policy_no)])
    premium = (f.number("insured_value") * Decimal("0.0012")).quantize(CENT)
    out.append(
        kv(
            [
                ("投保人", f.collateral_owner),
                ("被保险人", f.collateral_owner),
                ("第一受益人*", f.bank + f.branch),
                ("保险标的*", f.collateral),
                ("标的地址*", f.collateral_location),
                ("保险金额*", f.t("人民币{insured_value_upper}（¥{insured_value_num}）")),
                ("费率", "1.2‰"),
                ("保险费", f"¥{money(premium)}"),
                ("保险期间*", f.t("自{start_cn}零时起至{due_cn}二十四时止")),
            ]
        )
    )
    out.append(heading("特别约定"))
    out += item_paras(
        [
            f.t("本保单第一受益人为{bank}{branch}，保险事故发生后，保险赔款优先支付给第一受益人。"),
            "未经第一受益人书面同意，投保人不得退保、减保或变更保单内容。",
            "保险期间内保险标的发生抵押、转让等情况，投保人应及时书面通知保险人。",
            "其他事项以本公司《财产基本险条款》为准。",
        ]
    )
    out.append(
        para("收到本保险单后请立即核对，如有不符或疏漏，请及时通知保险人并办理变更手续。", "small")
    )
    out.append(
        signoff(
            f,
            [
                ("保险经办", f.insurance_agent),
                ("保险复核", f.insurance_checker),
                ("银行经办人", f.account_manager),
            ],
            seal=(f.insurer, "保险合同专用章"),
        )
    )
    return out


def _custody_form(f: Facts) -> Flowables:
    pledge = "质押" in f.guarantee_method and "抵押" not in f.guarantee_method
    f.prefer("movement", "入库")
    f.prefer("certificate_no", f.t("DQ{region}{seq}08") if pledge else f.registration_no)
    f.prefer("certificate_name", "定期存单（质押）" if pledge else "不动产登记证明（抵押权）")
    f.prefer("custodian", f.archivist)
    f.prefer("custodian_b", f.supervisor)
    f.prefer("out_purpose", "")
    f.prefer("doc_no", f.t("{bank_abbr}押管〔{year}〕{doc_seq}号"))
    out = doc_title(f, "custody_form", org=f.bank, sub=f.t("（权证{movement}）"))
    out += doc_header(
        f,
        "交接日期",
        [
            ("押品*", f.pledge_item if pledge else f.collateral),
            ("权属人", f.borrower if pledge else f.collateral_owner),
            ("交接事项", f.movement),
        ],
    )
    if pledge:
        papers = [
            ["2", "质押合同", f.pledge_contract_no, "1份", "核对无误"],
            ["3", "存单止付通知书（回执）", f.t("ZF{region}{seq}"), "1份", "核对无误"],
        ]
    else:
        papers = [
            ["2", "抵押合同", f.mortgage_contract_no, "1份", "核对无误"],
            ["3", "押品评估报告（复印件）", f.valuation_firm, "1份", "核对无误"],
        ]
    out.append(
        table_of(
            [
                ["序号", "权证名称", "权证编号", "份数", "交接状态"],
                ["1", f.certificate_name, f.certificate_no, "1份", f.t("原件{movement}")],
                *papers,
            ],
            [12 * mm, 44 * mm, 64 * mm, 14 * mm, 36 * mm],
            header=True,
            extra=[("ALIGN", (0, 0), (0, -1), "CENTER")],
        )
    )
    out.append(heading("交接说明"))
    texts = [
        f.t(
            "上述权证原件经两名押品保管人{custodian}、{custodian_b}共同在场，逐项核对权证名称、"
            "编号、权利人及抵押（质押）登记事项无误后办理{movement}手续，双人分别签字确认。"
        )
    ]
    if f.out_purpose:
        texts.append(
            f.t(
                "出库用途：{out_purpose}。权证出库期间由领用人负责妥善保管，用毕须于约定期限内"
                "归还押品库，不得转借、遗失或损毁。"
            )
        )
    texts.append("押品权证属一级保管物品，实行双人管理、双人交接，出入库须登记押品权证台账。")
    out += paras(texts)
    out.append(
        signoff(
            f,
            [
                ("保管人", f.custodian),
                ("保管人", f.custodian_b),
                ("客户经理", f.account_manager),
            ],
            seal=bank_seal(f, "押品管理专用章"),
        )
    )
    return out


def _revaluation_report(f: Facts) -> Flowables:
    f.prefer("doc_no", f.t("{valuation_firm}重估字〔{year}〕第{doc_seq}号"))
    out = doc_title(f, "revaluation_report", org=f.valuation_firm, sub="（押品价值重估）")
    out += doc_header(
        f, "重估基准日", [("委托方", f.bank + f.branch), ("押品权利人", f.collateral_owner)]
    )
    before, after = f.number("appraised_value"), f.number("collateral_value")
    change = (after - before) / before * 100 if before else Decimal(0)
    ratio = f.number("balance") / after * 100 if after else Decimal(0)
    out.append(heading("一、重估对象"))
    out.append(
        kv(
            [
                ("押品*", f.collateral),
                ("坐落*", f.collateral_location),
                ("权属证书*", f.collateral_cert),
                ("建筑面积", f.collateral_area + "平方米"),
                ("用途", "工业" if f.corporate else "住宅"),
            ]
        )
    )
    out.append(heading("二、重估结果"))
    out.append(
        table_of(
            [
                ["原评估价值（元）", "重估价值（元）", "变动幅度", "贷款余额（元）", "抵押率"],
                [
                    f.appraised_value_num,
                    f.collateral_value_num,
                    f"{change:+.1f}%",
                    f.balance_num,
                    f"{ratio:.1f}%",
                ],
            ],
            [36 * mm, 36 * mm, 26 * mm, 40 * mm, 32 * mm],
            header=True,
            style="cellr",
        )
    )
    out.append(
        para(
            f.t(
                "根据贷后押品价值动态监测要求，采用比较法对估价对象于重估基准日的抵押价值进行"
                "重新测算，重估价值为人民币{collateral_value_upper}（¥{collateral_value_num}）。"
            )
        )
    )
    out.append(heading("三、结论与建议"))
    out += item_paras(
        [
            "重估价值已录入押品台账，原评估价值同时留存备查。",
            "抵押率超过规定上限的，客户经理应督促借款人追加担保或压降贷款余额。",
            "本报告仅用于贷后押品价值管理，不作为处置押品时的定价依据。",
        ]
    )
    out.append(_valuers_signoff(f))
    return out


def _release_certificate(f: Facts) -> Flowables:
    f.prefer("doc_no", f.t("{registration_no}-注"))
    out = doc_title(
        f, "release_certificate", org="不动产登记证明", sub="中华人民共和国自然资源部监制"
    )
    out += doc_header(f, "注销登记时间", [("原证明号*", f.registration_no)])
    out += _registry_certificate(
        f,
        [
            ["证明权利或事项", "抵押权注销登记"],
            ["申请人（原抵押权人）", f.bank + f.branch],
            ["抵押人", f.collateral_owner],
            ["坐落", f.collateral_location],
            ["原不动产登记证明号", f.registration_no],
            ["注销原因", f.t("主债权消灭（借款合同{contract_no}项下借款已全部结清）")],
            ["附记", f.t("抵押物：{collateral}（权证号{collateral_cert}）")],
        ],
        "经审查，申请注销登记的抵押权已因主债权消灭而消灭，准予办理抵押权注销登记，原不动产"
        "登记证明同时收回作废。",
    )
    return out


DOCUMENTS = by_type(
    _valuation_report,
    _registration_certificate,
    _insurance_policy,
    _custody_form,
    _revaluation_report,
    _release_certificate,
)
"""The documents drawn here, by type."""
