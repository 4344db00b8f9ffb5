"""Realistic Chinese loan-dossier documents rendered as PDF (demo data only).

`render_document` draws one document of a dossier -- a loan contract, an inspection report, a
collection notice, a court judgment... -- on A4 pages with ReportLab, using only the built-in CID
font ``STSong-Light`` (nothing embedded, nothing downloaded), so the text is extractable.

The facts come from ``fields``; every fact left out gets a plausible default drawn from ``seed``,
and the same seed gives the same fictitious borrower, bank and people in every document type, so
the documents of one demo dossier agree with each other. Recognised field names:

=========================  ===================================================================
borrower, borrower_id      borrower name (a company or a person) and its licence / ID number
borrower_address, phone    borrower's address and telephone
legal_rep, business        legal representative (companies) and main business or occupation
loan_no, contract_no       drawdown number (借据号) and loan-contract number
amount, balance            loan amount and outstanding principal ("1200000", "1,200,000.00",
                           "120万")
rate, term_months          annual rate ("4.85%") and term in months
start_date, due_date       drawdown and maturity dates (ISO "2024-03-15" or "2024年3月15日")
date                       the document's own date (default: a date fitting its stage)
purpose, repayment_method  purpose of the loan and repayment method
guarantee_method           guarantee method (保证 / 抵押 / 质押 / 信用...)
guarantor, guarantor_id    guarantor and its licence / ID number
collateral, ...            collateral, collateral_owner, collateral_location, collateral_cert,
                           collateral_area, collateral_value, registration_no, registry
pledge_item                pledged property
movement, certificate_no   a certificate movement (入库 / 出库 / 归还...) and the certificate's
                           number; certificate_name, out_purpose (why it is taken out),
                           custodian, custodian_b (the two custodians)
appraised_value            the value a revaluation replaces (collateral_value: the new one)
bank, branch               lender and branch
account_manager, ...       account_manager, account_manager_b, reviewer, approver,
                           risk_manager, branch_head, inspector, archivist, supervisor
rating                     borrower rating (AAA, AA, A, BBB, BB)
grade, previous_grade      five-level classification after and before
reason, findings           free-text reason (classification, restructuring...) and findings
signal, signal_colour      warning signal and its colour (红色 / 橙色 / 黄色)
measures                   measures taken against a warning
overdue_days, ...          overdue_days, overdue_principal, overdue_interest
court, case_no, judge      court, case number and judge
law_firm, lawyer           law firm and lawyer
insurer, policy_no         insurer and policy number
valuation_firm             valuer
new_due_date               new maturity date after an extension or restructuring
handover_from, ...         handover_from, handover_to (account managers changing hands)
person, position           the person concerned by a responsibility finding, appeal or objection
finding, sanction          responsibility finding (主要责任...) and sanction
doc_no                     the document's own number
remarks                    free-text remarks
=========================  ===================================================================

Unknown field names are ignored; empty values count as missing. Output is byte-for-byte
deterministic for the same arguments. All names, numbers, institutions and events are invented.
"""

from __future__ import annotations

import io
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from types import MappingProxyType
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = ["DOCUMENT_TITLES", "render_document", "render_padded"]

DOCUMENT_TITLES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "loan_application": ("借款申请书", "Loan application"),
        "investigation_report": ("贷前调查报告", "Pre-loan investigation report"),
        "review_report": ("审查报告", "Credit review report"),
        "approval": ("审批书", "Credit approval"),
        "rating_form": ("借款人信用等级评定表", "Borrower credit rating form"),
        "loan_contract": ("借款合同", "Loan contract"),
        "drawdown_receipt": ("借据", "Drawdown receipt"),
        "guarantee_contract": ("保证合同", "Guarantee contract"),
        "mortgage_contract": ("抵押合同", "Mortgage contract"),
        "pledge_contract": ("质押合同", "Pledge contract"),
        "valuation_report": ("押品评估报告", "Collateral valuation report"),
        "registration_certificate": ("抵押登记证明", "Mortgage registration certificate"),
        "insurance_policy": ("保险单", "Insurance policy"),
        "custody_form": ("押品权证出入库交接单", "Certificate custody form"),
        "revaluation_report": ("押品重估报告", "Collateral revaluation report"),
        "release_certificate": ("抵押注销登记证明", "Security release certificate"),
        "first_inspection_report": ("首次跟踪检查报告", "First follow-up inspection report"),
        "inspection_report": ("贷后检查报告", "Post-loan inspection report"),
        "site_photo": ("现场检查照片", "On-site inspection photographs"),
        "classification_form": ("五级分类认定表", "Five-level classification form"),
        "warning_form": ("风险预警信号处理表", "Risk-warning signal handling form"),
        "collection_notice": ("逾期催收通知书", "Overdue collection notice"),
        "collection_receipt": ("催收通知书回执", "Collection notice receipt"),
        "lawyers_letter": ("律师函", "Lawyer's letter"),
        "complaint": ("起诉状", "Statement of claim"),
        "judgment": ("民事判决书", "Civil judgment"),
        "enforcement_ruling": ("执行裁定书", "Enforcement ruling"),
        "restructuring_agreement": ("贷款重组协议", "Loan restructuring agreement"),
        "restructuring_approval": ("重组审批书", "Restructuring approval"),
        "extension_agreement": ("展期协议", "Loan extension agreement"),
        "extension_approval": ("展期审批书", "Extension approval"),
        "writeoff_application": ("呆账核销申请书", "Bad-debt write-off application"),
        "writeoff_investigation": ("核销调查报告", "Write-off investigation report"),
        "writeoff_evidence": ("核销证据材料", "Write-off evidence"),
        "responsibility_record": (
            "责任认定及处理记录",
            "Responsibility determination and handling record",
        ),
        "settlement_certificate": ("结清证明", "Settlement certificate"),
        "handover_record": ("客户经理交接清单", "Account-manager handover list"),
        "asset_preservation_transfer": ("资产保全移交书", "Transfer to asset preservation"),
        "responsibility_determination": (
            "不良贷款责任认定书",
            "Non-performing loan responsibility determination",
        ),
        "appeal": ("复议申请书", "Application for reconsideration"),
        "objection": ("书面异议", "Written objection"),
    }
)

_FONT = "STSong-Light"
_PAGE_W, _PAGE_H = A4
_MARGIN = 20 * mm
_WIDTH = _PAGE_W - 2 * _MARGIN  # 170 mm of usable width
_RED = colors.Color(0.80, 0.08, 0.08)
_LABEL_BG = colors.Color(0.93, 0.93, 0.93)
_GREY = colors.Color(0.35, 0.35, 0.35)

Flowables = list[Any]


# --------------------------------------------------------------------------------------------
# Font and styles (registered lazily, once)
# --------------------------------------------------------------------------------------------


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    return _FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = _font()

    def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kw
        )

    return {
        "title": style("title", 19, 25, alignment=TA_CENTER, spaceAfter=1 * mm),
        "org": style("org", 13, 19, alignment=TA_CENTER, spaceAfter=1 * mm),
        "subtitle": style("subtitle", 10, 14, alignment=TA_CENTER, textColor=_GREY),
        "docno": style("docno", 10, 14, alignment=TA_RIGHT, spaceAfter=1.5 * mm),
        "h": style("h", 12, 17, spaceBefore=2.5 * mm, spaceAfter=1.5 * mm),
        "body": style("body", 10.5, 16.5, alignment=TA_JUSTIFY, firstLineIndent=21),
        "plain": style("plain", 10.5, 16.5, alignment=TA_JUSTIFY),
        "item": style("item", 10.5, 16.5, alignment=TA_JUSTIFY, leftIndent=21),
        "right": style("right", 10.5, 17.5, alignment=TA_RIGHT),
        "center": style("center", 10.5, 17.5, alignment=TA_CENTER),
        "cell": style("cell", 9.5, 13.5, alignment=TA_LEFT),
        "cellc": style("cellc", 9.5, 13.5, alignment=TA_CENTER),
        "cellr": style("cellr", 9.5, 13.5, alignment=TA_RIGHT),
        "cellh": style("cellh", 10, 14, alignment=TA_CENTER),
        "small": style("small", 8.5, 12, textColor=_GREY),
    }


def _p(text: str, style: str = "body") -> Any:
    """A paragraph of plain text (escaped; newlines become line breaks)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), _styles()[style])


def _ps(texts: Sequence[str], style: str = "body") -> Flowables:
    return [_p(t, style) for t in texts]


# --------------------------------------------------------------------------------------------
# Money, dates and numbers
# --------------------------------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")
_CENT = Decimal("0.01")


def _rmb_upper(value: Decimal) -> str:
    """Amount in capital Chinese numerals as written on financial documents (大写金额)."""
    value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if value < 0:
        return "负" + _rmb_upper(-value)
    yuan, cents = divmod(int(value * 100), 100)
    jiao, fen = divmod(cents, 10)

    def group(n: int) -> str:
        out, pending_zero = "", False
        for i in range(3, -1, -1):
            d = n // 10**i % 10
            if d == 0:
                pending_zero = pending_zero or bool(out)
            else:
                if pending_zero:
                    out += "零"
                    pending_zero = False
                out += _DIGITS[d] + _SMALL_UNITS[i]
        return out

    groups: list[int] = []
    n = yuan
    while n:
        groups.append(n % 10000)
        n //= 10000
    text, need_zero = "", False
    for idx in range(len(groups) - 1, -1, -1):
        g = groups[idx]
        if g == 0:
            need_zero = need_zero or bool(text)
            continue
        if text and (need_zero or g < 1000):
            text += "零"
        text += group(g) + _BIG_UNITS[idx]
        need_zero = False
    if text:
        text += "元"
    if jiao == 0 and fen == 0:
        return (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return text


def _parse_amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[¥￥,，\s]|人民币|元|整", "", text)
    factor = Decimal(1)
    if cleaned.endswith("万"):
        cleaned, factor = cleaned[:-1], Decimal(10000)
    try:
        value = Decimal(cleaned) * factor
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _money(value: Decimal) -> str:
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


def _parse_date(text: str) -> date | None:
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, 28)


def _parse_rate(text: str) -> float | None:
    m = re.search(r"(\d+(?:\.\d+)?)", text)
    return float(m.group(1)) / 100 if m else None


# --------------------------------------------------------------------------------------------
# Facts: the fields, completed with deterministic defaults
# --------------------------------------------------------------------------------------------

# city, county, region code, lender, lender abbreviation, branches, streets
_REGIONS: tuple[tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "云溪市",
        "青禾县",
        "330523",
        "云溪农村商业银行股份有限公司",
        "云溪农商",
        ("青禾支行", "城东支行", "桥头支行"),
        ("青禾镇工业园区兴业路", "青禾镇人民路", "桥头镇振兴大道"),
    ),
    (
        "澜川市",
        "望山县",
        "431124",
        "望山县农村信用合作联社",
        "望山信用",
        ("营业部", "南关信用社", "白石信用社"),
        ("望山镇建设路", "南关镇滨江路", "白石乡新街"),
    ),
    (
        "松岭市",
        "长宁县",
        "511524",
        "松岭农村商业银行股份有限公司",
        "松岭农商",
        ("长宁支行", "高桥支行", "新城支行"),
        ("长宁镇经济开发区创业大道", "高桥镇解放路", "新城区金穗路"),
    ),
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金石廖贾夏方邹熊秦"
_GIVEN = (
    "建国", "海燕", "志强", "丽华", "伟", "芳", "秀英", "明", "静", "磊", "军", "洋", "勇",
    "艳", "杰", "娟", "涛", "超", "婷", "晓东", "春梅", "国华", "玉兰", "红霞", "文斌", "立新",
    "德明", "雪梅", "振华", "佳怡", "宇航", "浩然", "思远", "晨曦", "美玲", "建军", "桂芳",
    "永强", "丹", "卫东", "慧敏", "俊杰", "海波", "晓燕", "志明", "淑珍", "凯", "琳",
)  # fmt: skip
_BRANDS = ("恒盛", "宏达", "鑫源", "永丰", "瑞康", "华泰", "金穗", "绿野", "众诚", "德润", "兴隆")
# industry, business description, purpose
_INDUSTRIES = (
    ("机械制造", "通用机械零部件加工、销售", "购买钢材等原材料"),
    ("食品", "农副产品收购、加工及销售", "收购原料稻谷及支付加工费"),
    ("纺织", "针纺织品生产、销售", "购买棉纱等原材料"),
    ("建材", "新型墙体材料生产、销售", "购买水泥、砂石等原材料"),
    ("农业开发", "茶叶种植、加工及销售", "支付茶青收购款及流动资金周转"),
    ("包装材料", "纸箱、纸板生产销售", "购买原纸及支付电费"),
    ("竹木制品", "竹木家具制造、销售", "购买竹材、木材等原材料"),
)
# occupation, purpose
_OCCUPATIONS = (
    ("个体工商户（副食品批发）", "经营周转，购进副食品货物"),
    ("种养殖户（生猪养殖）", "购买仔猪及饲料，扩大养殖规模"),
    ("个体工商户（五金建材零售）", "购进五金建材货物"),
    ("种植户（柑橘种植）", "购买化肥、农药及支付雇工工资"),
    ("个体工商户（汽车维修）", "购买维修设备及配件"),
)
_RATES = ("4.35%", "4.85%", "5.22%", "5.65%", "6.09%", "7.20%")
_INSURERS = ("安泰财产保险股份有限公司", "华康财产保险股份有限公司", "永诚信财产保险股份有限公司")
_VALUERS = ("正衡房地产土地估价有限公司", "信达资产评估事务所有限公司", "中和联合资产评估有限公司")
_LAW_FIRMS = ("明律律师事务所", "正源律师事务所", "衡平律师事务所")
_SIGNALS = (
    ("橙色", "Y-07 借款人涉及民间借贷纠纷，被其他债权人起诉"),
    ("黄色", "Y-02 借款人主要产品销售收入较上年同期下降30%以上"),
    ("红色", "R-01 借款人停产或半停产，实际控制人下落不明"),
    ("橙色", "O-05 抵押物价值明显下降，抵押率超过规定上限"),
    ("黄色", "Y-11 借款人在他行出现逾期"),
)
_ORG_WORDS = ("公司", "厂", "合作社", "中心", "商行", "店", "集团", "企业")


def _names(rng: random.Random, count: int) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        if name not in out:
            out.append(name)
    return out


def _masked_id(rng: random.Random, region: str, year: int) -> str:
    return f"{region}{year}{'*' * 8}{rng.randint(0, 999):03d}{rng.choice('0123456789X')}"


def _credit_code(rng: random.Random, region: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "91" + region + "".join(rng.choice(alphabet) for _ in range(10))


def _base_defaults(seed: int) -> dict[str, str]:
    """All raw defaults for one seed; every draw happens in a fixed order."""
    rng = random.Random(seed)
    city, county, region, bank, abbr, branches, streets = rng.choice(_REGIONS)
    branch = rng.choice(branches)
    people = _names(rng, 23)
    industry, business, corp_purpose = rng.choice(_INDUSTRIES)
    occupation, person_purpose = rng.choice(_OCCUPATIONS)
    corporate = rng.random() < 0.6
    company = f"{city[:-1]}{rng.choice(_BRANDS)}{industry}有限公司"
    year = rng.choice((2021, 2022, 2023, 2024))
    start = date(year, rng.randint(1, 12), rng.randint(1, 28))
    seq = rng.randint(1, 9999)
    corp_amount = rng.choice((50, 80, 100, 150, 200, 300, 500, 800, 1000)) * 10000
    person_amount = rng.choice((5, 10, 15, 20, 30, 50)) * 10000
    rate = rng.choice(_RATES)
    corp_term = rng.choice((12, 12, 24, 36))
    person_term = rng.choice((12, 24, 36))
    street = rng.choice(streets)
    house = rng.randint(1, 388)
    area = Decimal(rng.randint(12000, 480000)) / 100
    signal_colour, signal = rng.choice(_SIGNALS)
    overdue_days = rng.randint(31, 75)
    balance_share = rng.choice((100, 100, 90, 80, 75))
    case_seq = rng.randint(100, 4999)
    enf_seq = rng.randint(50, 1999)
    policy = rng.randint(10**11, 10**12 - 1)
    reg_seq = rng.randint(1000, 99999)
    phone = f"1{rng.choice('35789')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"
    birth_year = rng.randint(1962, 1992)
    guarantor_birth = rng.randint(1960, 1990)
    doc_seq = rng.randint(10, 399)
    return {
        "city": city,
        "county": county,
        "region": region,
        "bank": bank,
        "bank_abbr": abbr,
        "branch": branch,
        "street": street,
        "_corporate": "1" if corporate else "",
        "_company": company,
        "_company_id": _credit_code(rng, region),
        "_person": people[0],
        "_person_id": _masked_id(rng, region, birth_year),
        "_business_corp": business,
        "_business_person": occupation,
        "_purpose_corp": corp_purpose,
        "_purpose_person": person_purpose,
        "_amount_corp": str(corp_amount),
        "_amount_person": str(person_amount),
        "_term_corp": str(corp_term),
        "_term_person": str(person_term),
        "legal_rep": people[1],
        "phone": phone,
        "borrower_address": f"{city}{county}{street}{house}号",
        "guarantor": people[2],
        "guarantor_id": _masked_id(rng, region, guarantor_birth),
        "account_manager": people[3],
        "account_manager_b": people[4],
        "reviewer": people[5],
        "approver": people[6],
        "risk_manager": people[7],
        "branch_head": people[8],
        "archivist": people[9],
        "supervisor": people[10],
        "handover_to": people[11],
        "lawyer": people[12],
        "judge": people[13],
        "clerk": people[14],
        "valuer": people[15],
        "valuer_b": people[16],
        "spouse": people[17],
        "seq": f"{seq:04d}",
        "start_date": start.isoformat(),
        "rate": rate,
        "loan_no": f"JJ{start:%Y%m%d}{region[-3:]}{seq:04d}",
        "collateral_location": f"{city}{county}{street}{house}号",
        "collateral_area": f"{area:,.2f}",
        "signal": signal,
        "signal_colour": signal_colour,
        "overdue_days": str(overdue_days),
        "_balance_share": str(balance_share),
        "case_seq": str(case_seq),
        "enf_seq": str(enf_seq),
        "policy_no": f"PQYC{start.year}{region}{policy}",
        "reg_seq": f"{reg_seq:07d}",
        "insurer": rng.choice(_INSURERS),
        "valuation_firm": rng.choice(_VALUERS),
        "law_firm": f"{city[:-1]}{rng.choice(_LAW_FIRMS)}",
        "doc_seq": str(doc_seq),
        "rating": rng.choice(("AA", "A", "A", "BBB", "AAA")),
        "grade": "关注",
        "previous_grade": "正常",
        "judge_b": people[18],
        "judge_c": people[19],
        "registrar": people[20],
        "insurance_agent": people[21],
        "insurance_checker": people[22],
    }


# Default document date, as days after drawdown ("start") or after maturity ("due").
_DATE_OFFSETS: Mapping[str, tuple[str, int]] = MappingProxyType(
    {
        "loan_application": ("start", -24),
        "rating_form": ("start", -19),
        "valuation_report": ("start", -18),
        "investigation_report": ("start", -16),
        "review_report": ("start", -12),
        "objection": ("start", -10),
        "approval": ("start", -8),
        "loan_contract": ("start", -3),
        "guarantee_contract": ("start", -3),
        "mortgage_contract": ("start", -3),
        "pledge_contract": ("start", -3),
        "insurance_policy": ("start", -2),
        "registration_certificate": ("start", -1),
        "drawdown_receipt": ("start", 0),
        "custody_form": ("start", 4),
        "revaluation_report": ("start", 365),
        "release_certificate": ("due", 10),
        "first_inspection_report": ("start", 12),
        "inspection_report": ("start", 95),
        "site_photo": ("start", 95),
        "handover_record": ("start", 150),
        "warning_form": ("due", -40),
        "extension_approval": ("due", -15),
        "extension_agreement": ("due", -10),
        "settlement_certificate": ("due", 0),
        "classification_form": ("due", 35),
        "collection_notice": ("due", 31),
        "collection_receipt": ("due", 33),
        "restructuring_approval": ("due", 45),
        "restructuring_agreement": ("due", 50),
        "lawyers_letter": ("due", 92),
        "asset_preservation_transfer": ("due", 95),
        "complaint": ("due", 120),
        "responsibility_determination": ("due", 150),
        "appeal": ("due", 160),
        "judgment": ("due", 200),
        "enforcement_ruling": ("due", 290),
        "writeoff_evidence": ("due", 700),
        "writeoff_investigation": ("due", 710),
        "writeoff_application": ("due", 720),
        "responsibility_record": ("due", 730),
    }
)


class _Facts:
    """The completed fields; attribute access returns the text, ``t`` fills a template."""

    _values: dict[str, str]
    _given: frozenset[str]

    def __init__(self, values: dict[str, str], given: frozenset[str]) -> None:
        self._values = values
        self._given = given

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def t(self, template: str) -> str:
        return template.format_map(self._values)

    def mapping(self) -> dict[str, str]:
        return dict(self._values)

    def prefer(self, key: str, value: str) -> None:
        """Set a document-specific default unless the caller supplied the field."""
        if key not in self._given:
            self._values[key] = value

    def number(self, name: str) -> Decimal:
        value = _parse_amount(self._values[name])
        return value if value is not None else Decimal(0)

    @property
    def corporate(self) -> bool:
        return self._values["_corporate"] == "1"


_MONEY_FIELDS = (
    "amount",
    "balance",
    "overdue_principal",
    "overdue_interest",
    "collateral_value",
    "writeoff_amount",
    "recovered",
    "insured_value",
    "appraised_value",
)


def _facts(doc_type: str, fields: Mapping[str, str], seed: int) -> _Facts:
    base = _base_defaults(seed)
    given = {k: str(v).strip() for k, v in fields.items() if v is not None and str(v).strip()}
    if "borrower" in given:
        corporate = any(w in given["borrower"] for w in _ORG_WORDS)
    else:
        corporate = base["_corporate"] == "1"
    kind = "corp" if corporate else "person"
    v = dict(base)
    v.update(
        _corporate="1" if corporate else "",
        borrower=base["_company"] if corporate else base["_person"],
        borrower_id=base["_company_id"] if corporate else base["_person_id"],
        business=base["_business_" + kind],
        purpose=base["_purpose_" + kind],
        amount=base["_amount_" + kind],
        term_months=base["_term_" + kind],
    )
    v.update(given)

    # Dates.
    start = _parse_date(v["start_date"]) or date.fromisoformat(base["start_date"])
    digits = re.sub(r"\D", "", v["term_months"])
    term = max(1, min(600, int(digits))) if digits else 12
    due = _parse_date(v.get("due_date", "")) or _add_months(start, term)
    anchor, offset = _DATE_OFFSETS[doc_type]
    doc_date = _parse_date(v.get("date", "")) or (start if anchor == "start" else due) + timedelta(
        days=offset
    )
    new_due = _parse_date(v.get("new_due_date", "")) or _add_months(due, 12)

    # Money.
    amount = _parse_amount(v["amount"]) or Decimal(0)
    balance = _parse_amount(v.get("balance", "")) or (
        amount * Decimal(base["_balance_share"]) / 100
    ).quantize(Decimal(1000))
    rate = _parse_rate(v["rate"]) or 0.0435
    if "overdue_days" in given and given["overdue_days"].isdigit():
        days = int(given["overdue_days"])
    elif doc_date > due:  # a document after maturity: overdue since the due date
        days = (doc_date - due).days
    else:
        days = int(base["overdue_days"])
    overdue_interest = (balance * Decimal(str(rate)) * days / 360).quantize(_CENT)
    collateral_value = (amount * Decimal("1.6")).quantize(Decimal(10000))

    y, seq, abbr = str(start.year), v["seq"], v["bank_abbr"]
    city, county, region = v["city"], v["county"], v["region"]
    derived = {
        "start_date": start.isoformat(),
        "due_date": due.isoformat(),
        "date": doc_date.isoformat(),
        "new_due_date": new_due.isoformat(),
        "term_months": str(term),
        "year": str(doc_date.year),
        "start_year": y,
        "loan_no": f"JJ{start:%Y%m%d}{region[-3:]}{seq}",
        "balance": _money(balance),
        "overdue_days": str(days),
        "overdue_principal": _money(balance),
        "overdue_interest": _money(overdue_interest),
        "collateral_value": _money(collateral_value),
        "insured_value": _money(collateral_value),
        "appraised_value": _money(collateral_value),
        "writeoff_amount": _money(balance),
        "recovered": _money((balance * Decimal("0.12")).quantize(Decimal(100))),
        "contract_no": f"{abbr}借字（{y}）第{seq}号",
        "guarantee_contract_no": f"{abbr}保字（{y}）第{seq}号",
        "mortgage_contract_no": f"{abbr}抵字（{y}）第{seq}号",
        "pledge_contract_no": f"{abbr}质字（{y}）第{seq}号",
        "doc_no": f"{abbr}〔{doc_date.year}〕{v['doc_seq']}号",
        "collateral_owner": v["borrower"],
        "collateral": (
            "工业厂房及其占用范围内的国有建设用地使用权"
            if corporate
            else "住宅房产及其占用范围内的国有建设用地使用权"
        ),
        "collateral_cert": f"{city[0]}（{y}）{county}不动产权第{v['reg_seq']}号",
        "registration_no": f"{city[0]}（{y}）{county}不动产证明第{v['reg_seq'][1:]}号",
        "registry": f"{county}不动产登记中心",
        "pledge_item": f"{v['bank']}单位定期存单一张（户名：{v['borrower']}）",
        "repayment_method": "按月付息，到期一次性还本" if corporate else "等额本息，按月归还",
        "guarantee_method": "抵押+保证",
        "court": f"{county}人民法院",
        "upper_court": f"{city}中级人民法院",
        "case_no": f"（{doc_date.year}）{city[0]}{region[2:]}民初{v['case_seq']}号",
        "enforcement_no": f"（{doc_date.year}）{city[0]}{region[2:]}执{v['enf_seq']}号",
        "inspector": v["account_manager"],
        "handover_from": v["account_manager"],
        "person": v["account_manager"],
        "position": "客户经理",
        "finding": "次要责任",
        "sanction": "通报批评，扣减当年绩效工资5%",
        "remarks": "无",
        "reason": "",
        "findings": "",
        "measures": "",
        "rate": f"{rate * 100:.2f}%",
    }
    v.update({k: val for k, val in derived.items() if k not in given})

    # Display forms computed from the final values.
    for key in _MONEY_FIELDS:
        parsed = _parse_amount(v[key])
        v[key + "_num"] = v[key] if parsed is None else _money(parsed)
        v[key + "_upper"] = v[key] if parsed is None else _rmb_upper(parsed)
    v["amount_text"] = f"人民币{v['amount_upper']}（¥{v['amount_num']}）"
    for key, shown in (
        ("start_date", "start_cn"),
        ("due_date", "due_cn"),
        ("date", "date_cn"),
        ("new_due_date", "new_due_cn"),
    ):
        parsed_date = _parse_date(v[key])
        v[shown] = _cn_date(parsed_date) if parsed_date else v[key]
    v["rate_pct"] = v["rate"]
    v["id_label"] = "统一社会信用代码" if corporate else "身份证号码"
    v["self"] = "本公司" if corporate else "本人"
    return _Facts(v, frozenset(given))


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


def _cell(value: Any, style: str = "cell") -> Any:
    return _p(value, style) if isinstance(value, str) else value


def _table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    header: bool = False,
    labels: Sequence[int] = (),
    extra: Sequence[tuple[Any, ...]] = (),
    style: str = "cell",
    grid: bool = True,
) -> Any:
    """A bordered form table; ``labels`` are label columns (grey), ``header`` shades row 0."""
    data = [
        [_cell(c, "cellh" if header and r == 0 else style) for c in row]
        for r, row in enumerate(rows)
    ]
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if grid:
        commands.append(("GRID", (0, 0), (-1, -1), 0.6, colors.black))
        commands.append(("BOX", (0, 0), (-1, -1), 1.2, colors.black))
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), _LABEL_BG))
    for col in labels:
        commands.append(("BACKGROUND", (col, 0), (col, -1), _LABEL_BG))
    commands.extend(extra)
    return Table(
        data,
        colWidths=list(widths),
        style=TableStyle(commands),
        repeatRows=1 if header else 0,
        hAlign="CENTER",
    )


def _kv(pairs: Sequence[tuple[str, str]], *, label_w: float = 26 * mm) -> Any:
    """Two label/value pairs per row; a pair whose label ends in '*' spans the full row."""
    rows: list[list[Any]] = []
    spans: list[tuple[Any, ...]] = []
    value_w = _WIDTH / 2 - label_w
    pending: list[Any] = []
    for label, value in pairs:
        if label.endswith("*"):
            if pending:
                rows.append([*pending, "", ""])
                spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
                pending = []
            rows.append([label[:-1], value, "", ""])
            spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
            continue
        pending += [label, value]
        if len(pending) == 4:
            rows.append(pending)
            pending = []
    if pending:
        rows.append([*pending, "", ""])
        spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
    spanned = {cmd[1][1] for cmd in spans}
    shading: list[tuple[Any, ...]] = [
        ("BACKGROUND", (2, r), (2, r), _LABEL_BG) for r in range(len(rows)) if r not in spanned
    ]
    return _table(rows, [label_w, value_w, label_w, value_w], labels=(0,), extra=[*spans, *shading])


def _title(
    f: _Facts, doc_type: str, *, org: str | None = None, sub: str | None = None
) -> Flowables:
    cn = DOCUMENT_TITLES[doc_type][0]
    out: Flowables = []
    if org:
        out.append(_p(org, "org"))
    out.append(_p(cn, "title"))
    if sub:
        out.append(_p(sub, "subtitle"))
    out.append(_p(f"编号：{f.doc_no}", "docno"))
    return out


def _header(f: _Facts, date_label: str, extra: Sequence[tuple[str, str]] = ()) -> Flowables:
    pairs = [
        ("借款人*", f.borrower),
        ("借据号", f.loan_no),
        ("合同编号", f.contract_no),
        ("借款金额*", f.amount_text),
        ("借款期限", f.t("{start_cn}至{due_cn}")),
        (date_label, f.date_cn),
        *extra,
    ]
    return [_kv(pairs), Spacer(1, 3 * mm)]


def _h(text: str) -> Any:
    return _p(text, "h")


def _items(texts: Sequence[str]) -> Flowables:
    return [_p(f"{i}. {t}", "item") for i, t in enumerate(texts, 1)]


def _clauses(f: _Facts, clauses: Sequence[tuple[str, str]]) -> Flowables:
    numerals = "一二三四五六七八九十"
    out: Flowables = []
    for i, (title, text) in enumerate(clauses):
        n = numerals[i] if i < 10 else "十" + numerals[i - 10]
        out.append(_p(f"第{n}条　{title}　" + f.t(text), "body"))
    return out


def _seal(org: str, label: str = "", size: float = 36 * mm) -> Any:
    """A round red seal: the organisation's name round the rim, a star, a label beneath."""
    font = _font()
    d = Drawing(size, size)
    c = size / 2
    r = size / 2 - 1.5
    d.add(Circle(c, c, r, strokeColor=_RED, strokeWidth=2.4, fillColor=None))
    star: list[float] = []
    for k in range(10):
        radius = r * (0.24 if k % 2 == 0 else 0.095)
        angle = math.radians(90 + k * 36)
        star += [c + radius * math.cos(angle), c + radius * math.sin(angle)]
    d.add(Polygon(star, fillColor=_RED, strokeColor=None))
    n = max(1, len(org))
    font_size = min(10.5, 2 * math.pi * r * 0.62 / n)
    span = min(250.0, max(150.0, 2.3 * n * font_size))
    ring = r - font_size - 1.2
    for i, ch in enumerate(org):
        deg = 90 + span / 2 - (span * i / (n - 1) if n > 1 else -span / 2)
        angle = math.radians(deg)
        x, y = c + ring * math.cos(angle), c + ring * math.sin(angle)
        rot = math.radians(deg - 90)
        g = Group(
            String(0, 0, ch, fontName=font, fontSize=font_size, fillColor=_RED, textAnchor="middle")
        )
        g.transform = (math.cos(rot), math.sin(rot), -math.sin(rot), math.cos(rot), x, y)
        d.add(g)
    if label:
        d.add(
            String(
                c,
                c - r * 0.62,
                label,
                fontName=font,
                fontSize=min(7.5, 2 * r / len(label)),
                fillColor=_RED,
                textAnchor="middle",
            )
        )
    return d


def _signoff(
    f: _Facts,
    roles: Sequence[tuple[str, str]],
    *,
    seal: tuple[str, str] | None = None,
    date_text: str | None = None,
) -> Any:
    """Bank sign-off block: role, printed name, signature line, date; optional seal."""
    when = date_text or f.date_cn
    rows = [[f"{role}：{name}", "签字：", f"日期：{when}"] for role, name in roles]
    lines = [("LINEBELOW", (1, i), (1, i), 0.6, colors.black) for i in range(len(rows))]
    inner = _table(
        rows,
        [44 * mm, 42 * mm, 46 * mm],
        grid=False,
        extra=[*lines, ("TOPPADDING", (0, 0), (-1, -1), 7)],
    )
    block: Any = inner
    if seal is not None:
        block = Table(
            [[inner, _seal(*seal)]],
            colWidths=[134 * mm, 36 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
        )
    return KeepTogether([Spacer(1, 3 * mm), block])


def _parties_sign(
    left: Sequence[str],
    right: Sequence[str],
    *,
    left_seal: tuple[str, str] | None = None,
    right_seal: tuple[str, str] | None = None,
) -> Any:
    """Signature page of a contract: two parties side by side, each with a seal."""

    def column(lines: Sequence[str], seal: tuple[str, str] | None) -> list[Any]:
        out: list[Any] = [_p(line, "plain") for line in lines]
        if seal is not None:
            out.append(_seal(*seal, size=32 * mm))
        return out

    table = Table(
        [[column(left, left_seal), column(right, right_seal)]],
        colWidths=[_WIDTH / 2, _WIDTH / 2],
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
    )
    return KeepTogether([Spacer(1, 6 * mm), table])


def _opinion(title: str, text: str, signer: str, when: str) -> Any:
    """An opinion box (意见栏): title bar, the opinion, and its signature line in the box."""
    sign = Table(
        [["", _p(f"签字：{signer}", "cell"), _p(f"日期：{when}", "cell")]],
        colWidths=[_WIDTH - 100 * mm, 50 * mm, 46 * mm],
        style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]),
    )
    body = [_p(text, "cell"), Spacer(1, 3 * mm), sign]
    return KeepTogether(
        [
            _table(
                [[title], [body]],
                [_WIDTH],
                extra=[
                    ("BACKGROUND", (0, 0), (0, 0), _LABEL_BG),
                    ("TOPPADDING", (0, 1), (0, 1), 5),
                ],
            ),
            Spacer(1, 2 * mm),
        ]
    )


def _court_sign(f: _Facts, roles: Sequence[tuple[str, str]], *, clerk: str) -> Any:
    lines: Flowables = [_p(f"{role}　　{name}", "right") for role, name in roles]
    lines.append(Spacer(1, 2 * mm))
    lines.append(_p(f.t("{date_cn}"), "right"))
    right = Table(
        [[_seal(f.court, ""), lines]],
        colWidths=[_WIDTH - 70 * mm, 70 * mm],
        style=TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (0, 0), "RIGHT")]
        ),
    )
    return KeepTogether(
        [
            Spacer(1, 5 * mm),
            right,
            _p("本件与原本核对无异", "plain"),
            _p(f"书记员　　{clerk}", "right"),
        ]
    )


def _bank_seal(f: _Facts, label: str = "信贷业务专用章") -> tuple[str, str]:
    return (f.bank, label)


def _box(d: Any, x: float, y: float, w: float, h: float, fill: Any, line: float = 0.5) -> None:
    style: dict[str, Any] = {"fillColor": fill, "strokeColor": _GREY if line else None}
    style["strokeWidth"] = line
    d.add(Rect(x, y, w, h, **style))


def _photo(caption: str, stamp: str, seed: int, *, interior: bool = False) -> Any:
    """A placeholder photograph: a framed sketch (building or workshop) and a date stamp."""
    font = _font()
    rng = random.Random(seed)
    w, h = _WIDTH, 88 * mm
    grey = colors.Color
    d = Drawing(w, h)
    _box(d, 0, 0, w, h, grey(0.86, 0.88, 0.9), 1)
    if interior:
        _box(d, 0, 0, w, h * 0.38, grey(0.62, 0.62, 0.6), 0)  # floor
        for k in range(5):  # ceiling lamps
            x = w * (0.1 + 0.2 * k)
            d.add(Line(x, h, x, h * 0.9, strokeColor=_GREY, strokeWidth=0.6))
            _box(d, x - 12, h * 0.87, 24, 6, grey(0.98, 0.95, 0.8))
        for k in range(3):  # machines
            x = w * (0.08 + 0.3 * k) + rng.uniform(-6, 6)
            mw, mh = w * rng.uniform(0.18, 0.24), h * rng.uniform(0.28, 0.4)
            _box(d, x, h * 0.3, mw, mh, grey(0.35, 0.5, 0.62), 0.8)
            _box(d, x + mw * 0.1, h * 0.3 + mh * 0.55, mw * 0.35, mh * 0.3, grey(0.2, 0.22, 0.25))
            _box(d, x + mw * 0.6, h * 0.3 + mh * 0.6, mw * 0.25, mh * 0.15, grey(0.9, 0.7, 0.2))
        for k in range(6):  # stacked goods
            _box(d, w * 0.8 + (k % 2) * 22, h * 0.12 + (k // 2) * 16, 20, 14, grey(0.75, 0.6, 0.4))
    else:
        _box(d, 0, 0, w, h * 0.32, grey(0.72, 0.74, 0.7), 0)  # ground
        x0, y0 = w * rng.uniform(0.12, 0.3), h * 0.32
        bw, bh = w * 0.45, h * 0.42
        _box(d, x0, y0, bw, bh, grey(0.8, 0.78, 0.74), 0.8)
        for k in range(5):  # saw-tooth roof
            a, b = x0 + bw * k / 5, x0 + bw * (k + 1) / 5
            d.add(
                Polygon(
                    [a, y0 + bh, b, y0 + bh, b, y0 + bh + 10],
                    fillColor=grey(0.6, 0.62, 0.66),
                    strokeColor=_GREY,
                    strokeWidth=0.6,
                )
            )
        for k in range(6):  # windows
            _box(
                d,
                x0 + 8 + k * (bw - 16) / 6,
                y0 + bh * 0.55,
                (bw - 16) / 6 - 6,
                bh * 0.22,
                grey(0.55, 0.65, 0.75),
                0.4,
            )
        _box(d, x0 + bw * 0.4, y0, bw * 0.2, bh * 0.42, grey(0.45, 0.45, 0.48), 0.4)  # gate
        tx = x0 + bw + w * 0.12
        d.add(Line(tx, y0, tx, h * 0.55, strokeColor=grey(0.4, 0.3, 0.2), strokeWidth=3))
        d.add(Circle(tx, h * 0.6, h * 0.09, fillColor=grey(0.45, 0.6, 0.4), strokeColor=None))
    d.add(String(8, h - 14, "［照片］" + caption, fontName=font, fontSize=9, fillColor=_GREY))
    d.add(
        String(
            w - 8,
            8,
            stamp,
            fontName="Helvetica-Bold",
            fontSize=11,
            fillColor=grey(1, 0.55, 0.1),
            textAnchor="end",
        )
    )
    return d


# --------------------------------------------------------------------------------------------
# Document bodies
# --------------------------------------------------------------------------------------------


def _loan_application(f: _Facts) -> Flowables:
    out = _title(f, "loan_application")
    out += _header(f, "申请日期", [("借款用途*", f.purpose)])
    out.append(_p(f.t("{bank}{branch}："), "plain"))
    out += _ps(
        [
            f.t(
                "{self}因{purpose}需要，特向贵行申请借款{amount_text}，借款期限{term_months}"
                "个月，自{start_cn}起至{due_cn}止，年利率按贵行核定的{rate_pct}执行，还款方式为"
                "{repayment_method}，担保方式为{guarantee_method}，由{guarantor}提供连带责任保证，"
                "并以{collateral_owner}名下位于{collateral_location}的{collateral}设定抵押。"
            ),
        ]
    )
    out.append(_h("一、借款人基本情况"))
    out.append(
        _kv(
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
    out.append(_h("二、借款用途及还款来源"))
    out += _ps(
        [
            f.t(
                "本次借款用于{purpose}。还款来源为{self}经营收入，第二还款来源为担保人代偿及"
                "抵押物处置所得。{self}近三年经营正常，销售回款稳定，能够按期足额归还借款本息。"
            )
        ]
    )
    out.append(_h("三、申请人承诺"))
    out += _items(
        [
            "所提供的营业执照、财务报表、产权证明等资料真实、完整、有效，无虚假记载。",
            "借款按约定用途使用，不挪作他用，不用于股本权益性投资、证券、期货及房地产投机。",
            "接受贵行对借款使用情况和经营、财务状况的检查与监督，按期报送财务报表。",
            "发生对外担保、重大诉讼、股权变更等可能影响偿债能力的事项时，及时书面通知贵行。",
        ]
    )
    out.append(Spacer(1, 4 * mm))
    out += _ps(
        [
            f.t("申请人（签章）：{borrower}"),
            f.t(
                "法定代表人或授权代理人（签字）：{legal_rep}" if f.corporate else "申请人（签字）："
            ),
            f.t("{date_cn}"),
        ],
        "right",
    )
    out.append(_h("银行受理情况"))
    out.append(
        _signoff(
            f,
            [
                ("受理人（经办人）", f.account_manager),
                ("复核人", f.account_manager_b),
                ("审批人", f.branch_head),
            ],
        )
    )
    return out


def _investigation_report(f: _Facts) -> Flowables:
    out = _title(f, "investigation_report", sub="（流动资金贷款 · 实地调查）")
    out += _header(
        f,
        "调查日期",
        [("主调查人（A岗）", f.account_manager), ("协调查人（B岗）", f.account_manager_b)],
    )
    out.append(_h("一、借款人基本情况"))
    out.append(
        _p(
            f.t(
                "{borrower}，{id_label}{borrower_id}，住所{borrower_address}，主营{business}。"
                "经查询人民银行征信系统，借款人无不良信用记录，无欠息，对外担保余额在合理范围内。"
                "经实地查看，借款人生产经营场所稳定，设备运转正常，员工在岗情况良好。"
            )
        )
    )
    out.append(_h("二、经营及财务状况"))
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
    out.append(_table(rows, [56 * mm, 38 * mm, 38 * mm, 38 * mm], header=True, style="cellc"))
    out.append(_h("三、借款用途及还款来源分析"))
    out.append(
        _p(
            f.t(
                "借款人申请借款{amount_text}用于{purpose}，与其经营规模和资金周转需求相匹配，"
                "用途合法合规。经核实购销合同及上下游往来凭证，交易背景真实。第一还款来源为"
                "经营收入，按近一年销售回款测算可覆盖借款本息；拟采用受托支付方式发放。"
            )
        )
    )
    out.append(_h("四、担保情况分析"))
    out.append(
        _p(
            f.t(
                "保证人{guarantor}具有代偿能力，已同意提供连带责任保证。抵押物为{collateral_owner}"
                "名下{collateral}，坐落于{collateral_location}，建筑面积{collateral_area}平方米，"
                "权证号{collateral_cert}，经{valuation_firm}评估价值{collateral_value_num}元，"
                "抵押率控制在规定范围内，产权清晰，易于变现。"
            )
        )
    )
    out.append(_h("五、风险分析及防范措施"))
    out += _items(
        [
            "市场风险：原材料价格波动可能压缩利润空间，需关注借款人库存及订单变化。",
            "经营风险：借款人下游客户集中度较高，应按季了解主要客户回款情况。",
            "担保风险：抵押物需办理财产保险并以贷款人为第一受益人，按年重估押品价值。",
        ]
    )
    out.append(_h("六、调查结论"))
    out.append(
        _p(
            f.findings
            or f.t(
                "经调查，借款人主体资格合法，经营正常，信用良好，借款用途真实，还款来源可靠，"
                "担保足值有效。建议给予借款人流动资金贷款{amount_text}，期限{term_months}个月，"
                "年利率{rate_pct}，还款方式为{repayment_method}。"
            )
        )
    )
    out.append(
        _signoff(
            f,
            [
                ("主调查人", f.account_manager),
                ("协调查人", f.account_manager_b),
                ("部门负责人", f.reviewer),
            ],
        )
    )
    return out


def _review_report(f: _Facts) -> Flowables:
    out = _title(f, "review_report", sub="（授信业务审查）")
    out += _header(f, "审查日期", [("审查人", f.reviewer), ("申报经办人", f.account_manager)])
    out.append(_h("一、申报方案"))
    out.append(
        _kv(
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
    out.append(_h("二、合规性审查"))
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
        _table(
            [["审查事项", "审查结果", "说明"], *[list(c) for c in checks]],
            [70 * mm, 30 * mm, 70 * mm],
            header=True,
        )
    )
    out.append(_h("三、风险揭示"))
    out += _ps(
        [
            f.t(
                "借款人所处行业竞争充分，毛利率偏低，对原材料价格较为敏感；应收账款周转天数较"
                "上年有所延长。审查认为上述风险总体可控，但应加强贷后资金流向监控，防止借款"
                "资金被挪用于{purpose}以外的用途。"
            )
        ]
    )
    out.append(_h("四、审查意见"))
    out.append(
        _p(
            f.findings
            or f.t(
                "同意按申报方案提交有权审批人审批：向{borrower}发放流动资金贷款{amount_text}，"
                "期限{term_months}个月。放款前须落实以下条件："
            )
        )
    )
    out += _items(
        [
            "办妥抵押登记并取得抵押登记证明，押品保险以贷款人为第一受益人。",
            "保证人配偶出具同意担保的书面声明。",
            "借款资金采用受托支付方式支付至交易对手账户。",
        ]
    )
    out.append(
        _signoff(
            f,
            [("审查人", f.reviewer), ("复核人", f.risk_manager), ("审查部门负责人", f.approver)],
        )
    )
    return out


def _approval(f: _Facts) -> Flowables:
    out = _title(f, "approval", org=f.bank)
    out += _header(f, "审批日期", [("申报机构", f.branch), ("审批方式", "贷审会审议")])
    out.append(_h("一、批准的授信方案"))
    out.append(
        _table(
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
            [40 * mm, _WIDTH - 40 * mm],
            header=True,
            labels=(0,),
        )
    )
    out.append(_h("二、贷款审查委员会审议情况"))
    out.append(
        _p(
            f.t(
                "{date_cn}，贷款审查委员会召开会议审议本笔业务，应到委员7人，实到7人，符合议事"
                "规则。经无记名投票，同意6票，不同意1票，同意票数超过应到委员的三分之二，"
                "本笔业务审议通过。不同意意见已记录在案。"
            )
        )
    )
    out.append(_h("三、审批意见"))
    out.append(
        _p(
            f.findings
            or "同意。经办机构须在落实全部放款条件后方可放款；本审批书自签发之日起三个月内有效。"
        )
    )
    out.append(_h("四、贷后管理要求"))
    out += _items(
        [
            "放款后15日内完成首次跟踪检查，核实贷款资金使用情况。",
            "按借款人信用等级确定的频率开展常规检查，按季收集财务报表。",
            "出现风险预警信号时，立即启动预警处置程序并报告风险管理部。",
        ]
    )
    out.append(
        _signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)],
            seal=_bank_seal(f, "信贷审批专用章"),
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


def _rating_form(f: _Facts, seed: int) -> Flowables:
    out = _title(f, "rating_form", sub="（适用于小微企业及个体工商户）")
    out += _header(f, "评定日期", [("评定年度", f.start_year), ("拟评等级", f.rating)])
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
        _table(
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
        _p("等级标准：90分及以上AAA；80—89分AA；70—79分A；60—69分BBB；60分以下BB及以下。", "small")
    )
    out.append(Spacer(1, 3 * mm))
    out.append(
        _opinion(
            "客户经理初评意见",
            f"经逐项测评，借款人综合得分{sum(scores)}分，初评信用等级为{f.rating}级。",
            f.account_manager,
            f.date_cn,
        )
    )
    out.append(
        _opinion("部门复评意见", f.t("同意初评结果，评定为{rating}级。"), f.reviewer, f.date_cn)
    )
    out.append(
        _opinion(
            "审批认定意见",
            f.t("认定借款人信用等级为{rating}级，有效期一年。"),
            f.approver,
            f.date_cn,
        )
    )
    out.append(
        _signoff(f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)])
    )
    return out


def _parties(rows: Sequence[tuple[str, str, str, str]]) -> Flowables:
    out: Flowables = []
    for role, name, address, rep in rows:
        out.append(_p(f"{role}：{name}", "plain"))
        out.append(_p(f"住所：{address}", "item"))
        out.append(_p(rep, "item"))
    out.append(Spacer(1, 2 * mm))
    return out


def _bank_party(f: _Facts, role: str) -> tuple[str, str, str, str]:
    return (
        role,
        f.bank + f.branch,
        f.t("{city}{county}{street}88号"),
        f.t("负责人：{branch_head}"),
    )


def _borrower_party(f: _Facts, role: str) -> tuple[str, str, str, str]:
    rep = f.t("法定代表人：{legal_rep}") if f.corporate else f.t("身份证号码：{borrower_id}")
    return (role, f.borrower, f.borrower_address, rep)


def _contract_sign(f: _Facts, bank_role: str, other_role: str, other: str) -> Any:
    org = any(w in other for w in _ORG_WORDS)
    other_id = f.borrower_id if other == f.borrower else f.guarantor_id
    return _parties_sign(
        [
            f"{bank_role}（盖章）：",
            f.bank + f.branch,
            f.t("负责人或授权代理人（签字）：{branch_head}"),
            f.t("签订日期：{date_cn}"),
        ],
        [
            f"{other_role}（签章）：" if org else f"{other_role}（签字并捺印）：",
            other,
            "法定代表人或授权代理人（签字）：" if org else "身份证号码：" + other_id,
            f.t("签订日期：{date_cn}"),
        ],
        left_seal=_bank_seal(f, "合同专用章"),
        right_seal=(other, "") if org else None,
    )


def _loan_contract(f: _Facts) -> Flowables:
    out = _title(f, "loan_contract", sub="（流动资金借款合同）")
    out += _header(f, "签订日期", [("签订地点", f.t("{county}{branch}"))])
    out += _parties([_bank_party(f, "贷款人（甲方）"), _borrower_party(f, "借款人（乙方）")])
    out.append(
        _p("甲乙双方根据《中华人民共和国民法典》等法律法规，经平等协商，订立本合同，共同遵守。")
    )
    out += _clauses(
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
    out.append(_contract_sign(f, "贷款人", "借款人", f.borrower))
    out.append(
        _signoff(f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)])
    )
    return out


def _drawdown_receipt(f: _Facts) -> Flowables:
    out = _title(f, "drawdown_receipt", org=f.bank, sub="（第二联　贷款人留存　会计记账凭证）")
    out += _header(f, "放款日期", [("借款账号", f.t("{region}01{seq}0001{start_year}"))])
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
        _table(
            rows,
            [30 * mm, 55 * mm, 30 * mm, 55 * mm],
            labels=(0, 2),
            extra=[("SPAN", (1, 2), (3, 2)), ("SPAN", (1, 5), (3, 5))],
        )
    )
    out.append(Spacer(1, 3 * mm))
    out.append(
        _p(
            f.t(
                "借款人声明：上述借款已如数收到，{self}将按照借款合同（编号{contract_no}）的约定"
                "按期归还借款本息。本借据为借款合同的组成部分。"
            ),
            "plain",
        )
    )
    out.append(
        _parties_sign(
            ["借款人（签章）：", f.borrower, f.t("{date_cn}")],
            ["贷款人（盖章）：", f.bank + f.branch, f.t("{date_cn}")],
            right_seal=_bank_seal(f, "业务专用章"),
        )
    )
    out.append(
        _signoff(f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)])
    )
    return out


def _guarantee_contract(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.guarantee_contract_no)
    out = _title(f, "guarantee_contract", sub="（最高额以外的一般保证合同 · 连带责任保证）")
    out += _header(f, "签订日期", [("保证人*", f.guarantor)])
    out += _parties(
        [
            _bank_party(f, "债权人（甲方）"),
            (
                "保证人（乙方）",
                f.guarantor,
                f.t("{city}{county}{street}"),
                f.t("身份证号码：{guarantor_id}"),
            ),
        ]
    )
    out.append(
        _p(
            f.t(
                "为确保{borrower}（以下称债务人）与甲方签订的《借款合同》（编号{contract_no}，"
                "以下称主合同）项下债务的履行，乙方自愿提供保证担保。双方经协商订立本合同。"
            )
        )
    )
    out += _clauses(
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
    out.append(_contract_sign(f, "债权人", "保证人", f.guarantor))
    out.append(
        _signoff(
            f,
            [
                ("经办人", f.account_manager),
                ("复核人", f.reviewer),
                ("面签见证人", f.account_manager_b),
            ],
        )
    )
    return out


def _collateral_table(f: _Facts) -> Any:
    ratio = (
        f.number("amount") / f.number("collateral_value") * 100
        if f.number("collateral_value")
        else Decimal(0)
    )
    return _table(
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


def _mortgage_contract(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.mortgage_contract_no)
    out = _title(f, "mortgage_contract")
    out += _header(f, "签订日期", [("抵押人*", f.collateral_owner)])
    out += _parties([_bank_party(f, "抵押权人（甲方）"), _borrower_party(f, "抵押人（乙方）")])
    out.append(
        _p(
            f.t(
                "为担保{borrower}在《借款合同》（编号{contract_no}）项下债务的履行，乙方愿以其"
                "有权处分的财产向甲方提供抵押担保。甲乙双方经协商一致，订立本合同。"
            )
        )
    )
    out += _clauses(
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
    out.append(_h("附：抵押物清单"))
    out.append(_collateral_table(f))
    out.append(_contract_sign(f, "抵押权人", "抵押人", f.collateral_owner))
    out.append(
        _signoff(f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.approver)])
    )
    return out


def _pledge_contract(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.pledge_contract_no)
    out = _title(f, "pledge_contract", sub="（权利质押）")
    out += _header(f, "签订日期", [("出质人*", f.borrower)])
    out += _parties([_bank_party(f, "质权人（甲方）"), _borrower_party(f, "出质人（乙方）")])
    out.append(
        _p(
            f.t(
                "为担保《借款合同》（编号{contract_no}）项下债务的履行，乙方以其合法拥有的权利"
                "出质给甲方。双方经协商一致，订立本合同。"
            )
        )
    )
    out += _clauses(
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
    out.append(_h("附：质押财产清单"))
    out.append(
        _table(
            [
                ["质押财产", "凭证号码", "户名", "金额（元）", "到期日"],
                [f.pledge_item, f.t("DQ{region}{seq}08"), f.borrower, f.amount_num, f.due_cn],
            ],
            [48 * mm, 30 * mm, 40 * mm, 28 * mm, 24 * mm],
            header=True,
        )
    )
    out.append(_contract_sign(f, "质权人", "出质人", f.borrower))
    out.append(
        _signoff(
            f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("押品保管人", f.archivist)]
        )
    )
    return out


def _valuation_report(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.t("{valuation_firm}估字〔{year}〕第{doc_seq}号"))
    out = _title(f, "valuation_report", org=f.valuation_firm, sub="（房地产抵押估价报告）")
    out += _header(
        f, "价值时点", [("委托方", f.bank + f.branch), ("估价对象权利人", f.collateral_owner)]
    )
    out.append(_h("一、估价目的"))
    out.append(_p("为确定房地产抵押贷款额度提供参考依据而评估房地产抵押价值。"))
    out.append(_h("二、估价对象概况"))
    out.append(
        _kv(
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
    out.append(_h("三、估价方法及比较实例"))
    out.append(
        _p(
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
    out.append(_table(comps, [18 * mm, 62 * mm, 28 * mm, 31 * mm, 31 * mm], header=True))
    out.append(_h("四、估价结果"))
    out.append(
        _p(
            f.t(
                "经测算，估价对象于价值时点的抵押价值为人民币{collateral_value_upper}"
                "（¥{collateral_value_num}）。本报告使用期限自出具之日起一年。"
            )
        )
    )
    out.append(_h("五、估价师声明"))
    out += _items(
        [
            "注册房地产估价师已对估价对象进行了实地查勘，查勘日期为价值时点当日。",
            "估价师与估价对象及有关当事人没有利害关系，估价结果不受委托方影响。",
            "本报告仅用于办理抵押贷款，不得用于其他目的。",
        ]
    )
    out.append(
        _signoff(
            f,
            [
                ("注册房地产估价师", f.valuer),
                ("注册房地产估价师", f.valuer_b),
                ("银行经办人", f.account_manager),
            ],
            seal=(f.valuation_firm, "估价报告专用章"),
        )
    )
    return out


def _registration_certificate(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.registration_no)
    out = _title(
        f, "registration_certificate", org="不动产登记证明", sub="中华人民共和国自然资源部监制"
    )
    out += _header(f, "登记时间", [("证明号*", f.registration_no)])
    out.append(
        _table(
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
            [40 * mm, _WIDTH - 40 * mm],
            labels=(0,),
            extra=[("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 7)],
        )
    )
    out.append(Spacer(1, 3 * mm))
    out.append(
        _p(
            "根据《中华人民共和国民法典》等法律法规，为保护申请人合法权益，对申请人申请登记的"
            "本证明所列不动产权利或登记事项，经审查核实，准予登记，颁发此证明。",
            "plain",
        )
    )
    out.append(
        _signoff(
            f,
            [
                ("登记员", f.registrar),
                ("银行经办人", f.account_manager),
                ("押品保管人", f.archivist),
            ],
            seal=(f.registry, "不动产登记专用章"),
        )
    )
    return out


def _insurance_policy(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.policy_no)
    out = _title(f, "insurance_policy", org=f.insurer, sub="财产基本险保险单（正本）")
    out += _header(f, "签单日期", [("保险单号*", f.policy_no)])
    premium = (f.number("insured_value") * Decimal("0.0012")).quantize(_CENT)
    out.append(
        _kv(
            [
                ("投保人", f.collateral_owner),
                ("被保险人", f.collateral_owner),
                ("第一受益人*", f.bank + f.branch),
                ("保险标的*", f.collateral),
                ("标的地址*", f.collateral_location),
                ("保险金额*", f.t("人民币{insured_value_upper}（¥{insured_value_num}）")),
                ("费率", "1.2‰"),
                ("保险费", f"¥{_money(premium)}"),
                ("保险期间*", f.t("自{start_cn}零时起至{due_cn}二十四时止")),
            ]
        )
    )
    out.append(_h("特别约定"))
    out += _items(
        [
            f.t("本保单第一受益人为{bank}{branch}，保险事故发生后，保险赔款优先支付给第一受益人。"),
            "未经第一受益人书面同意，投保人不得退保、减保或变更保单内容。",
            "保险期间内保险标的发生抵押、转让等情况，投保人应及时书面通知保险人。",
            "其他事项以本公司《财产基本险条款》为准。",
        ]
    )
    out.append(
        _p("收到本保险单后请立即核对，如有不符或疏漏，请及时通知保险人并办理变更手续。", "small")
    )
    out.append(
        _signoff(
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


def _custody_form(f: _Facts) -> Flowables:
    pledge = "质押" in f.guarantee_method and "抵押" not in f.guarantee_method
    f.prefer("movement", "入库")
    f.prefer("certificate_no", f.t("DQ{region}{seq}08") if pledge else f.registration_no)
    f.prefer("certificate_name", "定期存单（质押）" if pledge else "不动产登记证明（抵押权）")
    f.prefer("custodian", f.archivist)
    f.prefer("custodian_b", f.supervisor)
    f.prefer("out_purpose", "")
    f.prefer("doc_no", f.t("{bank_abbr}押管〔{year}〕{doc_seq}号"))
    out = _title(f, "custody_form", org=f.bank, sub=f.t("（权证{movement}）"))
    out += _header(
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
        _table(
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
    out.append(_h("交接说明"))
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
    out += _ps(texts)
    out.append(
        _signoff(
            f,
            [
                ("保管人", f.custodian),
                ("保管人", f.custodian_b),
                ("客户经理", f.account_manager),
            ],
            seal=_bank_seal(f, "押品管理专用章"),
        )
    )
    return out


def _revaluation_report(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.t("{valuation_firm}重估字〔{year}〕第{doc_seq}号"))
    out = _title(f, "revaluation_report", org=f.valuation_firm, sub="（押品价值重估）")
    out += _header(
        f, "重估基准日", [("委托方", f.bank + f.branch), ("押品权利人", f.collateral_owner)]
    )
    before, after = f.number("appraised_value"), f.number("collateral_value")
    change = (after - before) / before * 100 if before else Decimal(0)
    ratio = f.number("balance") / after * 100 if after else Decimal(0)
    out.append(_h("一、重估对象"))
    out.append(
        _kv(
            [
                ("押品*", f.collateral),
                ("坐落*", f.collateral_location),
                ("权属证书*", f.collateral_cert),
                ("建筑面积", f.collateral_area + "平方米"),
                ("用途", "工业" if f.corporate else "住宅"),
            ]
        )
    )
    out.append(_h("二、重估结果"))
    out.append(
        _table(
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
        _p(
            f.t(
                "根据贷后押品价值动态监测要求，采用比较法对估价对象于重估基准日的抵押价值进行"
                "重新测算，重估价值为人民币{collateral_value_upper}（¥{collateral_value_num}）。"
            )
        )
    )
    out.append(_h("三、结论与建议"))
    out += _items(
        [
            "重估价值已录入押品台账，原评估价值同时留存备查。",
            "抵押率超过规定上限的，客户经理应督促借款人追加担保或压降贷款余额。",
            "本报告仅用于贷后押品价值管理，不作为处置押品时的定价依据。",
        ]
    )
    out.append(
        _signoff(
            f,
            [
                ("注册房地产估价师", f.valuer),
                ("注册房地产估价师", f.valuer_b),
                ("银行经办人", f.account_manager),
            ],
            seal=(f.valuation_firm, "估价报告专用章"),
        )
    )
    return out


def _release_certificate(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.t("{registration_no}-注"))
    out = _title(f, "release_certificate", org="不动产登记证明", sub="中华人民共和国自然资源部监制")
    out += _header(f, "注销登记时间", [("原证明号*", f.registration_no)])
    out.append(
        _table(
            [
                ["证明权利或事项", "抵押权注销登记"],
                ["申请人（原抵押权人）", f.bank + f.branch],
                ["抵押人", f.collateral_owner],
                ["坐落", f.collateral_location],
                ["原不动产登记证明号", f.registration_no],
                ["注销原因", f.t("主债权消灭（借款合同{contract_no}项下借款已全部结清）")],
                ["附记", f.t("抵押物：{collateral}（权证号{collateral_cert}）")],
            ],
            [40 * mm, _WIDTH - 40 * mm],
            labels=(0,),
            extra=[("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 7)],
        )
    )
    out.append(Spacer(1, 3 * mm))
    out.append(
        _p(
            "经审查，申请注销登记的抵押权已因主债权消灭而消灭，准予办理抵押权注销登记，原不动产"
            "登记证明同时收回作废。",
            "plain",
        )
    )
    out.append(
        _signoff(
            f,
            [
                ("登记员", f.registrar),
                ("银行经办人", f.account_manager),
                ("押品保管人", f.archivist),
            ],
            seal=(f.registry, "不动产登记专用章"),
        )
    )
    return out


def _first_inspection_report(f: _Facts) -> Flowables:
    out = _title(f, "first_inspection_report", sub="（放款后首次跟踪检查）")
    out += _header(f, "检查日期", [("检查人", f.inspector), ("检查方式", "现场检查")])
    out.append(_h("一、贷款资金使用情况"))
    amount = f.number("amount")
    shares = (Decimal("0.45"), Decimal("0.35"), Decimal("0.20"))
    rows: list[list[Any]] = [["支付日期", "收款人", "金额（元）", "用途", "与约定用途是否相符"]]
    suppliers = ("供销有限公司", "贸易有限公司", "物资经营部")
    for i, share in enumerate(shares):
        rows.append(
            [
                f.start_cn,
                f.t("{county}") + ("兴旺", "长丰", "利民")[i] + suppliers[i],
                _money(amount * share),
                f.purpose[:14],
                "相符",
            ]
        )
    out.append(_table(rows, [30 * mm, 46 * mm, 30 * mm, 40 * mm, 24 * mm], header=True))
    out.append(_h("二、检查情况"))
    out.append(
        _p(
            f.findings
            or f.t(
                "检查人于{date_cn}对借款人进行了现场检查。贷款于{start_cn}发放，采用受托支付方式"
                "支付至交易对手账户，已取得购销合同、发票及入库单等凭证，资金用途与借款合同约定"
                "一致，未发现挪用、回流情况。借款人生产经营正常，库存充足，主要管理人员稳定。"
            )
        )
    )
    out.append(_h("三、担保落实情况"))
    out.append(
        _p(
            f.t(
                "抵押登记已办妥（证明号{registration_no}），押品保险单（{policy_no}）已入库保管；"
                "保证人{guarantor}经营及收入情况正常，担保能力未发生不利变化。"
            )
        )
    )
    out.append(_h("四、检查结论"))
    out.append(
        _p(
            "贷款资金按约定用途使用，借款人及担保人情况正常，维持五级分类“正常”，"
            "按规定频率进行后续检查。"
        )
    )
    out.append(
        _signoff(
            f,
            [("检查人", f.inspector), ("复核人", f.reviewer), ("部门负责人", f.branch_head)],
        )
    )
    return out


def _inspection_report(f: _Facts) -> Flowables:
    out = _title(f, "inspection_report", sub="（常规检查）")
    out += _header(
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
    out.append(_h("一、检查事项"))
    out.append(
        _table(
            [["检查项目", "检查情况", "是否异常"], *[list(i) for i in items]],
            [50 * mm, 96 * mm, 24 * mm],
            header=True,
        )
    )
    out.append(_h("二、检查发现及分析"))
    out.append(
        _p(
            f.findings
            or f.t(
                "本次检查对借款人经营场所、存货、账户流水及押品进行了现场核实。借款人本期主营"
                "收入保持稳定，结算账户资金往来正常，贷款资金用途符合约定。押品现状良好，"
                "周边同类房地产价格基本稳定。综合判断借款人具备按期还款能力。"
            )
        )
    )
    out.append(_h("三、风险分类建议及后续措施"))
    out.append(
        _p(
            f.t(
                "建议维持五级分类“{previous_grade}”。后续按月监测账户资金流向，按季收集财务报表，"
                "在贷款到期前两个月提前落实还款资金来源。"
            )
        )
    )
    out.append(
        _signoff(
            f,
            [("检查人", f.inspector), ("复核人", f.reviewer), ("部门负责人", f.branch_head)],
        )
    )
    return out


def _site_photo(f: _Facts, seed: int) -> Flowables:
    out = _title(f, "site_photo", sub="（贷后现场检查影像资料）")
    out += _header(f, "拍摄日期", [("拍摄人", f.inspector), ("见证人", f.reviewer)])
    subjects = (
        f.t("{borrower}经营场所大门及外景"),
        "生产车间内部及设备运转情况",
    )
    for i, subject in enumerate(subjects):
        stamp = f"{f.date}  {9 + i:02d}:{(seed * 7 + 13 * i) % 60:02d}"
        out.append(
            KeepTogether(
                [
                    _photo(subject, stamp, seed * 31 + i, interior=i == 1),
                    _table(
                        [
                            [f"照片编号：{f.loan_no}-P{i + 1:02d}", f"拍摄时间：{stamp}"],
                            [f"拍摄地点：{f.collateral_location}", f"拍摄内容：{subject}"],
                        ],
                        [_WIDTH / 2, _WIDTH / 2],
                    ),
                    Spacer(1, 3 * mm),
                ]
            )
        )
    out.append(_p("说明：照片为现场检查时拍摄，未经任何修改，拍摄人对照片真实性负责。", "small"))
    out.append(
        _signoff(f, [("拍摄人", f.inspector), ("见证人", f.reviewer), ("审核人", f.branch_head)])
    )
    return out


def _classification_form(f: _Facts) -> Flowables:
    out = _title(f, "classification_form", sub="（信贷资产风险分类）")
    out += _header(
        f,
        "认定日期",
        [
            ("贷款余额", f.balance_num + "元"),
            ("逾期天数", f.overdue_days + "天"),
            ("上次分类结果", f.previous_grade),
            ("本次认定结果", f.grade),
        ],
    )
    out.append(_h("一、分类依据"))
    out.append(
        _table(
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
            [36 * mm, _WIDTH - 36 * mm],
            header=True,
            labels=(0,),
        )
    )
    out.append(_h("二、分类理由"))
    out.append(
        _p(
            f.reason
            or f.t(
                "借款人本金逾期{overdue_days}天，依据《商业银行金融资产风险分类办法》，本金、利息"
                "或收益逾期的金融资产至少归为关注类。考虑到抵押担保足值、借款人仍在正常经营，"
                "建议由“{previous_grade}”调整为“{grade}”。"
            )
        )
    )
    out.append(
        _opinion("客户经理初分意见", f.t("初分为“{grade}”类。"), f.account_manager, f.date_cn)
    )
    out.append(
        _opinion(
            "风险管理部门认定意见",
            f.t("经审核分类依据，同意认定为“{grade}”类。"),
            f.risk_manager,
            f.date_cn,
        )
    )
    out.append(
        _opinion(
            "审批意见", f.t("同意认定为“{grade}”类，按要求计提减值准备。"), f.approver, f.date_cn
        )
    )
    out.append(
        _signoff(
            f, [("初分人", f.account_manager), ("认定人", f.risk_manager), ("审批人", f.approver)]
        )
    )
    return out


def _warning_form(f: _Facts) -> Flowables:
    colour = f.signal_colour
    deadline = {"红色": 3, "橙色": 7, "黄色": 15}.get(colour[:2], 7)
    out = _title(f, "warning_form", sub="（风险预警信号发现、处置与解除）")
    out += _header(
        f,
        "发现日期",
        [
            ("预警级别", colour),
            ("处置时限", f"{deadline}日内"),
            ("发现人", f.account_manager),
            ("贷款余额", f.balance_num + "元"),
        ],
    )
    out.append(_h("一、预警信号"))
    out.append(
        _table(
            [
                ["信号编号及内容", "信息来源", "发现方式"],
                [f.signal, "贷后检查、征信查询、司法信息平台", "非现场监测后现场核实"],
            ],
            [90 * mm, 48 * mm, 32 * mm],
            header=True,
        )
    )
    out.append(_h("二、风险分析"))
    out.append(
        _p(
            f.reason
            or f.t(
                "上述信号可能影响借款人按期偿还本行贷款本息。经分析，借款人当前仍有部分经营收入，"
                "抵押物价值可覆盖贷款本息，但须防止借款人转移资产，及时采取风险缓释措施。"
            )
        )
    )
    out.append(_h("三、处置措施"))
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
    out += _items(measures)
    out.append(
        _opinion(
            "风险管理部意见",
            "同意上述处置措施，按时限落实并报送处置结果。",
            f.risk_manager,
            f.date_cn,
        )
    )
    out.append(_opinion("预警解除意见（解除时填写）", "", "", "　　年　　月　　日"))
    out.append(
        _signoff(
            f,
            [
                ("报告人", f.account_manager),
                ("复核人", f.risk_manager),
                ("分管行长", f.branch_head),
            ],
        )
    )
    return out


def _collection_notice(f: _Facts) -> Flowables:
    out = _title(f, "collection_notice", org=f.bank + f.branch)
    out += _header(f, "通知日期", [("逾期天数", f.overdue_days + "天"), ("送达方式", "直接送达")])
    out.append(_p(f.t("{borrower}（借款人）、{guarantor}（保证人）："), "plain"))
    out += _ps(
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
    out.append(_p("（本通知书一式两份，送达后请在回执上签字或盖章；回执由我行留存。）", "small"))
    out.append(
        _signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("负责人", f.branch_head)],
            seal=_bank_seal(f, "业务专用章"),
        )
    )
    return out


def _collection_receipt(f: _Facts) -> Flowables:
    out = _title(f, "collection_receipt", org=f.bank + f.branch)
    out += _header(f, "签收日期", [("送达地点", f.borrower_address), ("送达方式", "直接送达")])
    out.append(_p(f.t("{bank}{branch}："), "plain"))
    out.append(
        _p(
            f.t(
                "{self}已于{date_cn}收到贵行送达的《逾期催收通知书》（编号{doc_no}）。对通知书所列"
                "借款合同（编号{contract_no}）项下尚欠本金{overdue_principal_num}元、利息（含罚息）"
                "{overdue_interest_num}元的事实无异议，{self}将尽快筹集资金归还。"
            )
        )
    )
    out.append(
        _table(
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
    out.append(_p("送达人声明：本通知书由下列送达人当面交付签收人，签收人当场签字确认。", "plain"))
    out.append(
        _signoff(
            f,
            [
                ("送达人", f.account_manager),
                ("送达人", f.account_manager_b),
                ("复核人", f.reviewer),
            ],
        )
    )
    return out


def _lawyers_letter(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.t("（{year}）律函字第{doc_seq}号"))
    out = _title(f, "lawyers_letter", org=f.law_firm)
    out += _header(f, "发函日期", [("委托人", f.bank + f.branch), ("承办律师", f.lawyer)])
    out.append(_p(f.t("致：{borrower}、{guarantor}"), "plain"))
    out += _ps(
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
        _signoff(
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


def _complaint(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.t("{bank_abbr}诉〔{year}〕{doc_seq}号"))
    out = _title(f, "complaint", sub="（金融借款合同纠纷）")
    out += _header(f, "起诉日期", [("受诉法院", f.court), ("委托诉讼代理人", f.lawyer)])
    out.append(_p(f.t("原告：{bank}{branch}，住所{city}{county}{street}88号。"), "plain"))
    out.append(_p(f.t("负责人：{branch_head}，职务：行长。"), "item"))
    out.append(_p(f.t("委托诉讼代理人：{lawyer}，{law_firm}律师。"), "item"))
    rep = f.t("，法定代表人{legal_rep}") if f.corporate else ""
    out.append(
        _p(
            f.t("被告一：{borrower}，{id_label}{borrower_id}，住所{borrower_address}") + rep + "。",
            "plain",
        )
    )
    out.append(_p(f.t("被告二：{guarantor}，身份证号码{guarantor_id}。"), "plain"))
    out.append(_h("诉讼请求"))
    out += _items(
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
    out.append(_h("事实与理由"))
    out += _ps(
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
    out.append(_p("此致", "plain"))
    out.append(_p(f.court, "plain"))
    out.append(_p("附：本诉状副本2份；证据材料目录及复印件1套。", "small"))
    out.append(
        _signoff(
            f,
            [
                ("具状人代表", f.branch_head),
                ("委托诉讼代理人", f.lawyer),
                ("经办人", f.account_manager),
            ],
            seal=_bank_seal(f, ""),
        )
    )
    return out


def _judgment(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.case_no)
    out = _title(f, "judgment", org=f.court)
    out += _header(f, "判决日期", [("案号*", f.case_no)])
    fee = max(Decimal(50), f.number("overdue_principal") * Decimal("0.005")).quantize(_CENT)
    filing = _parse_date(f.date) or date(2000, 1, 1)
    out += _ps(
        [
            f.t("原告：{bank}{branch}，住所{city}{county}{street}88号。"),
            f.t("负责人：{branch_head}。委托诉讼代理人：{lawyer}，{law_firm}律师。"),
            f.t("被告：{borrower}，住所{borrower_address}。"),
            f.t("被告：{guarantor}，身份证号码{guarantor_id}。"),
        ],
        "plain",
    )
    out += _ps(
        [
            f.t("原告{bank}{branch}与被告{borrower}、{guarantor}金融借款合同纠纷一案，本院于")
            + _cn_date(filing - timedelta(days=75))
            + "立案后，依法适用简易程序，于"
            + _cn_date(filing - timedelta(days=30))
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
    out += _items(
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
    out += _ps(
        [
            "如果未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》"
            "第二百六十四条之规定，加倍支付迟延履行期间的债务利息。",
            f"案件受理费{_money(fee)}元，减半收取，由被告负担。",
            f.t(
                "如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状，并按对方当事人"
                "的人数提出副本，上诉于{upper_court}。"
            ),
        ]
    )
    out.append(_court_sign(f, [("审判员", f.judge)], clerk=f.clerk))
    out.append(
        _signoff(
            f, [("收件经办人", f.account_manager), ("复核人", f.reviewer), ("归档人", f.archivist)]
        )
    )
    return out


def _enforcement_ruling(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.enforcement_no)
    out = _title(f, "enforcement_ruling", org=f.court)
    out += _header(f, "裁定日期", [("案号*", f.enforcement_no), ("执行依据", f.case_no)])
    out += _ps(
        [
            f.t("申请执行人：{bank}{branch}，住所{city}{county}{street}88号。"),
            f.t("被执行人：{borrower}，住所{borrower_address}。"),
            f.t("被执行人：{guarantor}，身份证号码{guarantor_id}。"),
        ],
        "plain",
    )
    out += _ps(
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
    out += _items(
        [
            f.t("拍卖被执行人{borrower}名下位于{collateral_location}的{collateral}。"),
            "拍卖所得价款在扣除执行费用后，由申请执行人在生效判决确定的债权范围内优先受偿。",
        ]
    )
    out.append(_p("本裁定送达后立即生效。"))
    out.append(
        _court_sign(
            f, [("审判长", f.judge), ("审判员", f.judge_b), ("审判员", f.judge_c)], clerk=f.clerk
        )
    )
    out.append(
        _signoff(
            f, [("收件经办人", f.account_manager), ("复核人", f.reviewer), ("归档人", f.archivist)]
        )
    )
    return out


def _schedule(
    f: _Facts, months: int, start: date, principal: Decimal, *, bullet: bool = False
) -> list[list[str]]:
    """Repayment schedule rows: period, date, principal, interest, total, principal left.

    Equal instalments (等额本息), or interest monthly and principal at maturity if ``bullet``.
    """
    rate = (_parse_rate(f.rate_pct) or 0.0435) / 12
    r = Decimal(str(rate))
    if months <= 0:
        return []
    if bullet:
        interest = (principal * r).quantize(_CENT)
        return [
            [
                str(k),
                _cn_date(_add_months(start, k)),
                _money(principal if k == months else Decimal(0)),
                _money(interest),
                _money(interest + (principal if k == months else Decimal(0))),
                _money(Decimal(0) if k == months else principal),
            ]
            for k in range(1, months + 1)
        ]
    if r == 0:
        payment = principal / months
    else:
        factor = (1 + r) ** months
        payment = principal * r * factor / (factor - 1)
    rows: list[list[str]] = []
    left = principal
    for k in range(1, months + 1):
        interest = (left * r).quantize(_CENT)
        part = (payment - interest).quantize(_CENT) if k < months else left
        left -= part
        rows.append(
            [
                str(k),
                _cn_date(_add_months(start, k)),
                _money(part),
                _money(interest),
                _money(part + interest),
                _money(left),
            ]
        )
    return rows


def _restructuring_agreement(f: _Facts) -> Flowables:
    out = _title(f, "restructuring_agreement")
    out += _header(
        f, "签订日期", [("重组方式", "调整还款计划、延长期限"), ("重组后到期日", f.new_due_cn)]
    )
    out += _parties(
        [
            _bank_party(f, "贷款人（甲方）"),
            _borrower_party(f, "借款人（乙方）"),
            (
                "保证人（丙方）",
                f.guarantor,
                f.t("{city}{county}"),
                f.t("身份证号码：{guarantor_id}"),
            ),
        ]
    )
    out.append(
        _p(
            f.reason
            or f.t(
                "鉴于乙方因经营困难未能按《借款合同》（编号{contract_no}）约定按期还款，截至本协议"
                "签订日尚欠本金{balance_num}元、利息{overdue_interest_num}元，为帮助乙方恢复还款"
                "能力，三方经协商一致，就上述贷款重组事宜达成如下协议："
            )
        )
    )
    out += _clauses(
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
    out.append(_h("附表：重组后还款计划"))
    start = _parse_date(f.date) or date(2000, 1, 1)
    end = _parse_date(f.new_due_date) or _add_months(start, 12)
    months = max(3, min(36, (end.year - start.year) * 12 + end.month - start.month))
    sched = _schedule(f, months, start, f.number("balance"))
    out.append(
        _table(
            [["期次", "还款日", "应还本金", "应还利息", "本息合计", "剩余本金"], *sched],
            [14 * mm, 34 * mm, 30 * mm, 30 * mm, 31 * mm, 31 * mm],
            header=True,
            style="cellr",
        )
    )
    out.append(_contract_sign(f, "甲方", "乙方", f.borrower))
    out.append(_p(f.t("丙方（签字）：{guarantor}　　　　日期：{date_cn}"), "right"))
    out.append(
        _signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.risk_manager), ("审批人", f.branch_head)],
        )
    )
    return out


def _restructuring_approval(f: _Facts) -> Flowables:
    out = _title(f, "restructuring_approval", org=f.bank)
    out += _header(
        f,
        "审批日期",
        [
            ("重组前分类", f.previous_grade),
            ("重组后分类", f.grade),
            ("申报机构", f.branch),
            ("贷款余额", f.balance_num + "元"),
        ],
    )
    out.append(_h("一、重组原因"))
    out.append(
        _p(
            f.reason
            or f.t(
                "借款人受主要客户回款延迟影响，出现暂时性流动性困难，贷款本金逾期{overdue_days}"
                "天。借款人仍在正常生产，有重组意愿和还款能力，担保足值有效。"
            )
        )
    )
    out.append(_h("二、重组方案"))
    out.append(
        _table(
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
    out.append(_h("三、风险分类及观察期安排"))
    out.append(
        _p(
            "依据《商业银行金融资产风险分类办法》，重组资产分类不得高于关注类；重组前为不良的，"
            "观察期内不得上调分类。观察期自重组后第一个还款日起至少连续两个还款期且不少于一年。"
        )
    )
    out.append(
        _opinion(
            "贷审会审议意见",
            "应到委员7人，实到6人，同意5票，不同意1票。同意重组。",
            f.risk_manager,
            f.date_cn,
        )
    )
    out.append(
        _opinion(
            "有权审批人意见",
            f.findings or "同意按上述方案重组，观察期内按月检查。",
            f.branch_head,
            f.date_cn,
        )
    )
    out.append(
        _signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.risk_manager), ("审批人", f.branch_head)],
            seal=_bank_seal(f, "信贷审批专用章"),
        )
    )
    return out


def _extension_agreement(f: _Facts) -> Flowables:
    out = _title(f, "extension_agreement", sub="（借款展期协议）")
    out += _header(
        f, "签订日期", [("展期金额", f.balance_num + "元"), ("展期到期日", f.new_due_cn)]
    )
    out += _parties(
        [
            _bank_party(f, "贷款人（甲方）"),
            _borrower_party(f, "借款人（乙方）"),
            (
                "保证人（丙方）",
                f.guarantor,
                f.t("{city}{county}"),
                f.t("身份证号码：{guarantor_id}"),
            ),
        ]
    )
    out.append(
        _p(
            f.t(
                "乙方因{purpose}项目回款周期延长，不能按期归还《借款合同》（编号{contract_no}）项下"
                "借款，在到期日前向甲方申请展期。经甲方审查同意，三方协商达成如下协议："
            )
        )
    )
    out += _clauses(
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
    out.append(_contract_sign(f, "甲方", "乙方", f.borrower))
    out.append(_p(f.t("丙方（签字）：{guarantor}　　　　日期：{date_cn}"), "right"))
    out.append(
        _signoff(
            f, [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.branch_head)]
        )
    )
    return out


def _extension_approval(f: _Facts) -> Flowables:
    out = _title(f, "extension_approval", org=f.bank)
    out += _header(
        f,
        "审批日期",
        [
            ("展期金额", f.balance_num + "元"),
            ("展期到期日", f.new_due_cn),
            ("当前分类", f.previous_grade),
            ("申报机构", f.branch),
        ],
    )
    out.append(_h("一、展期申请理由"))
    out.append(
        _p(
            f.reason
            or "借款人主营项目工期延长，销售回款较原计划推迟约六个月，借款人于贷款到期前提出"
            "展期申请，并已按期支付全部利息，无欠息。"
        )
    )
    out.append(_h("二、审查要点"))
    out += _items(
        [
            "借款人在到期日前提出申请，展期期限未超过原贷款期限，符合展期规定。",
            "借款人生产经营正常，展期后还款来源有保障。",
            "保证人已书面同意继续担保，抵押物价值足额覆盖贷款本息。",
            "本笔贷款此前未办理过展期。",
        ]
    )
    out.append(_opinion("审查意见", "同意展期，提交有权审批人审批。", f.reviewer, f.date_cn))
    out.append(
        _opinion(
            "审批意见",
            f.findings or f.t("同意展期至{new_due_cn}，展期期间按月检查。"),
            f.branch_head,
            f.date_cn,
        )
    )
    out.append(
        _signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("审批人", f.branch_head)],
            seal=_bank_seal(f, "信贷审批专用章"),
        )
    )
    return out


def _writeoff_application(f: _Facts) -> Flowables:
    out = _title(f, "writeoff_application", org=f.bank)
    out += _header(
        f,
        "申请日期",
        [
            ("申请核销本金", f.writeoff_amount_num + "元"),
            ("表内应收利息", f.overdue_interest_num + "元"),
            ("五级分类", "损失"),
            ("已计提减值准备", f.writeoff_amount_num + "元"),
        ],
    )
    out.append(_h("一、贷款形成及不良情况"))
    out.append(
        _p(
            f.t(
                "{start_cn}，本行向{borrower}发放贷款{amount_text}，到期日{due_cn}，由{guarantor}"
                "提供连带责任保证并以{collateral}抵押。贷款到期后借款人未能归还，经催收、诉讼及"
                "强制执行，仍有本金{writeoff_amount_num}元未能收回。"
            )
        )
    )
    out.append(_h("二、核销依据"))
    out.append(
        _p(
            f.reason
            or f.t(
                "依据《金融企业呆账核销管理办法》，借款人和担保人经人民法院强制执行后，确无"
                "财产可供执行，法院裁定终结本次执行程序，本行已依法追偿仍不能收回的债权，符合"
                "呆账认定条件。"
            )
        )
    )
    out.append(_h("三、追偿及责任认定情况"))
    out.append(
        _p(
            f.t(
                "本行已通过拍卖抵押物受偿{recovered_num}元；对保证人的财产已穷尽查控措施。"
                "相关人员责任已由不良贷款责任认定委员会认定并处理完毕。"
            )
        )
    )
    out.append(_h("四、申请意见"))
    out.append(
        _p(
            "申请对上述贷款本金予以核销，表内应收利息一并冲销。核销后实行“账销案存”，继续保留"
            "对借款人、保证人的追索权利，定期核查债务人财产状况并持续追偿。"
        )
    )
    out.append(
        _signoff(
            f,
            [
                ("经办人", f.account_manager),
                ("资产保全部负责人", f.risk_manager),
                ("分管行长", f.branch_head),
            ],
            seal=_bank_seal(f, ""),
        )
    )
    return out


def _writeoff_investigation(f: _Facts) -> Flowables:
    out = _title(f, "writeoff_investigation", sub="（呆账核销专项调查）")
    out += _header(
        f,
        "调查日期",
        [
            ("调查组组长", f.risk_manager),
            ("调查组成员", f.t("{supervisor}、{account_manager_b}")),
            ("拟核销本金", f.writeoff_amount_num + "元"),
        ],
    )
    out.append(_h("一、调查方式"))
    out.append(
        _p(
            "调查组采取查阅档案资料、走访借款人住所地及经营场所、向市场监督管理部门、不动产登记"
            "机构、人民法院调取资料等方式，对借款人及担保人的财产状况进行了全面核查。"
        )
    )
    out.append(_h("二、债务人及担保人现状"))
    out.append(
        _p(
            f.findings
            or f.t(
                "{borrower}已于两年前停止经营，经营场所已由他人租用，名下无车辆、无存款、无"
                "其他不动产；保证人{guarantor}名下仅有一处被法院查封的自住房屋，已无其他可供"
                "执行的财产。"
            )
        )
    )
    out.append(_h("三、追偿过程"))
    out.append(
        _table(
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
    out.append(_h("四、调查结论"))
    out.append(
        _p(
            f.t(
                "经调查，该笔贷款形成损失的事实清楚，追偿措施已穷尽，剩余本金{writeoff_amount_num}元"
                "符合呆账核销条件，建议予以核销，核销后继续追索。"
            )
        )
    )
    out.append(
        _signoff(
            f, [("调查人", f.risk_manager), ("调查人", f.supervisor), ("复核人", f.branch_head)]
        )
    )
    return out


def _writeoff_evidence(f: _Facts) -> Flowables:
    out = _title(f, "writeoff_evidence", sub="（证据材料目录）")
    out += _header(f, "整理日期", [("材料整理人", f.account_manager), ("复核人", f.risk_manager)])
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
        _table(
            rows,
            [12 * mm, 52 * mm, 42 * mm, 28 * mm, 12 * mm, 24 * mm],
            header=True,
            extra=[("ALIGN", (0, 0), (0, -1), "CENTER")],
        )
    )
    out.append(Spacer(1, 3 * mm))
    out.append(
        _p(
            f.t(
                "以上材料共计57页，复印件均已与原件核对一致，并加盖“与原件核对无误”章，作为"
                "{borrower}贷款呆账核销的证据材料归档保存。"
            )
        )
    )
    out.append(
        _signoff(
            f,
            [("整理人", f.account_manager), ("复核人", f.risk_manager), ("审批人", f.branch_head)],
            seal=_bank_seal(f, "与原件核对无误"),
        )
    )
    return out


def _responsibility_rows(f: _Facts) -> list[list[str]]:
    return [
        ["环节", "责任人", "岗位", "认定结果", "处理意见"],
        ["贷前调查", f.account_manager, "客户经理（A岗）", f.finding, f.sanction],
        ["贷前调查", f.account_manager_b, "客户经理（B岗）", "次要责任", "批评教育"],
        ["审查", f.reviewer, "审查人", "尽职免责", "—"],
        ["审批", f.approver, "有权审批人", "尽职免责", "—"],
        ["贷后管理", f.handover_to, "客户经理（接管）", "次要责任", "诫勉谈话"],
    ]


def _responsibility_record(f: _Facts) -> Flowables:
    out = _title(f, "responsibility_record", sub="（呆账核销后责任追究）")
    out += _header(
        f, "处理日期", [("核销金额", f.writeoff_amount_num + "元"), ("认定机构", "责任认定委员会")]
    )
    out.append(_h("一、认定及处理情况"))
    out.append(
        _table(_responsibility_rows(f), [24 * mm, 24 * mm, 34 * mm, 26 * mm, 62 * mm], header=True)
    )
    out.append(_h("二、处理执行情况"))
    out.append(
        _p(
            f.t(
                "上述处理意见已书面送达各责任人。{person}于收到认定书后提出复议申请，经委员会复议"
                "维持原认定。经济处罚已从当年绩效工资中扣减，处理结果已记入员工履职档案。"
            )
        )
    )
    out.append(_h("三、整改措施"))
    out += _items(
        [
            "组织信贷条线人员学习本案例，强化贷前调查中对关联企业及民间借贷的核查。",
            "完善押品重估机制，对价值波动较大的押品按季重估。",
        ]
    )
    out.append(
        _signoff(
            f,
            [("记录人", f.supervisor), ("复核人", f.risk_manager), ("委员会主任", f.branch_head)],
            seal=_bank_seal(f, ""),
        )
    )
    return out


def _settlement_certificate(f: _Facts) -> Flowables:
    out = _title(f, "settlement_certificate", org=f.bank + f.branch)
    out += _header(f, "结清日期", [("结清本金", f.amount_num + "元"), ("证件号码", f.borrower_id)])
    out.append(_p(f.t("{borrower}："), "plain"))
    out += _ps(
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
    out.append(_p("（本证明仅证明上述单笔借款已结清，不作为借款人其他债务的证明。）", "small"))
    out.append(
        _signoff(
            f,
            [("经办人", f.account_manager), ("复核人", f.reviewer), ("负责人", f.branch_head)],
            seal=_bank_seal(f, "业务专用章"),
        )
    )
    return out


def _handover_record(f: _Facts) -> Flowables:
    out = _title(f, "handover_record", sub="（客户经理变更）")
    out += _header(
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
        _table(
            rows,
            [12 * mm, 78 * mm, 18 * mm, 20 * mm, 42 * mm],
            header=True,
            extra=[("ALIGN", (0, 0), (0, -1), "CENTER")],
        )
    )
    out.append(_h("交接说明"))
    out += _ps(
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
        _signoff(
            f, [("移交人", f.handover_from), ("接收人", f.handover_to), ("监交人", f.supervisor)]
        )
    )
    return out


def _asset_preservation_transfer(f: _Facts) -> Flowables:
    out = _title(f, "asset_preservation_transfer", org=f.bank)
    out += _header(
        f,
        "移交日期",
        [
            ("移交部门", f.branch),
            ("接收部门", "资产保全部"),
            ("五级分类", "次级"),
            ("逾期天数", f.overdue_days + "天"),
        ],
    )
    out.append(_h("一、移交贷款明细"))
    out.append(
        _table(
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
    out.append(_h("二、移交材料"))
    out += _items(
        [
            "信贷档案全卷（含借款合同、借据、担保合同原件）",
            "抵押登记证明及押品保险单（押品库出库单随附）",
            "贷后检查报告、风险预警处理表、五级分类认定表",
            "逾期催收通知书及回执、律师函",
            "借款人、保证人最新财产线索及联系方式",
        ]
    )
    out.append(_h("三、移交说明"))
    out.append(
        _p(
            f.t(
                "该笔贷款逾期已超过90天，经催收未果，根据不良资产集中管理要求移交资产保全部清收。"
                "移交后原经办客户经理{account_manager}仍负有配合清收的义务，原管理责任不因移交"
                "而免除。"
            )
        )
    )
    out.append(
        _signoff(
            f,
            [("移交人", f.account_manager), ("接收人", f.risk_manager), ("监交人", f.supervisor)],
            seal=_bank_seal(f, ""),
        )
    )
    return out


def _responsibility_determination(f: _Facts) -> Flowables:
    f.prefer("doc_no", f.t("{bank_abbr}责认〔{year}〕第{doc_seq}号"))
    out = _title(f, "responsibility_determination", org=f.bank)
    out += _header(f, "认定日期", [("不良余额", f.balance_num + "元"), ("五级分类", "次级")])
    out.append(_h("一、贷款基本情况"))
    out.append(
        _p(
            f.t(
                "{borrower}于{start_cn}在{branch}取得贷款{amount_text}，到期日{due_cn}。贷款到期后"
                "借款人未能归还，现已逾期{overdue_days}天，划分为不良贷款。"
            )
        )
    )
    out.append(_h("二、责任认定"))
    out.append(
        _p("责任认定委员会根据调查组对各环节履职情况的调查，经集体审议，对相关人员认定如下：")
    )
    out.append(
        _table(_responsibility_rows(f), [24 * mm, 24 * mm, 34 * mm, 26 * mm, 62 * mm], header=True)
    )
    out.append(_h("三、认定理由"))
    out.append(
        _p(
            f.reason
            or f.t(
                "{account_manager}在贷前调查中未核实借款人对外民间借贷情况，调查报告对借款人"
                "负债的反映与实际不符，对贷款形成不良负有责任；审查、审批人员按规定履行了"
                "职责，且无证据表明其明知风险而同意，认定尽职免责。"
            )
        )
    )
    out.append(
        _p(
            "被认定人如对本认定不服，可以在收到本认定书之日起十个工作日内向责任认定委员会书面申请"
            "复议一次；复议期间不停止处理决定的执行。"
        )
    )
    out.append(
        _signoff(
            f,
            [("调查人", f.supervisor), ("复核人", f.risk_manager), ("委员会主任", f.branch_head)],
            seal=_bank_seal(f, ""),
        )
    )
    return out


def _appeal(f: _Facts) -> Flowables:
    out = _title(f, "appeal", sub="（不良贷款责任认定复议）")
    out += _header(
        f, "申请日期", [("申请人*", f.t("{person}（{position}）")), ("原认定结果", f.finding)]
    )
    out.append(_p(f.t("{bank}不良贷款责任认定委员会："), "plain"))
    out.append(_h("复议请求"))
    out.append(
        _p(
            f.t(
                "请求撤销认定书中对申请人“{finding}”的认定，改为“尽职免责”，并撤销“{sanction}”的"
                "处理决定。"
            )
        )
    )
    out.append(_h("事实与理由"))
    out += _ps(
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
    out.append(_p("此致", "plain"))
    out.append(_p("附：贷后检查报告、风险预警信号处理表复印件各一份。", "small"))
    out.append(
        _signoff(f, [("申请人", f.person), ("收件人", f.supervisor), ("登记人", f.archivist)])
    )
    return out


def _objection(f: _Facts) -> Flowables:
    out = _title(f, "objection", sub="（贷款审查委员会委员异议意见）")
    out += _header(
        f, "提出日期", [("异议人*", f.t("{person}（{position}）")), ("审议事项", "授信申请")]
    )
    out.append(_p(f.t("贷款审查委员会："), "plain"))
    out.append(
        _p(
            f.t(
                "对{borrower}申请流动资金贷款{amount_text}一事，本人持不同意见，现书面提出异议"
                "如下："
            )
        )
    )
    out += _items(
        (f.reason.split("；") if f.reason else [])
        or [
            "借款人近两年资产负债率持续上升，对外担保金额较大，存在较高的或有负债风险。",
            "借款人实际控制人涉及民间借贷，调查报告未予充分披露，还款来源存在不确定性。",
            "抵押物为专用工业厂房，变现能力较弱，评估价值偏高，抵押率实际可能超过上限。",
        ]
    )
    out.append(
        _p(
            "本人建议：暂缓审批，补充调查借款人对外负债情况；如坚持发放，应压降金额并追加"
            "足值担保。请将本异议附入审批档案。"
        )
    )
    out.append(
        _opinion(
            "委员会处理情况",
            "经审议，本异议未被采纳，会议按多数意见表决通过。",
            f.approver,
            f.date_cn,
        )
    )
    out.append(
        _signoff(f, [("异议人", f.person), ("会议记录人", f.supervisor), ("主任委员", f.approver)])
    )
    return out


_SIMPLE_BUILDERS: Mapping[str, Callable[[_Facts], Flowables]] = MappingProxyType(
    {
        "loan_application": _loan_application,
        "investigation_report": _investigation_report,
        "review_report": _review_report,
        "approval": _approval,
        "loan_contract": _loan_contract,
        "drawdown_receipt": _drawdown_receipt,
        "guarantee_contract": _guarantee_contract,
        "mortgage_contract": _mortgage_contract,
        "pledge_contract": _pledge_contract,
        "valuation_report": _valuation_report,
        "registration_certificate": _registration_certificate,
        "insurance_policy": _insurance_policy,
        "custody_form": _custody_form,
        "revaluation_report": _revaluation_report,
        "release_certificate": _release_certificate,
        "first_inspection_report": _first_inspection_report,
        "inspection_report": _inspection_report,
        "classification_form": _classification_form,
        "warning_form": _warning_form,
        "collection_notice": _collection_notice,
        "collection_receipt": _collection_receipt,
        "lawyers_letter": _lawyers_letter,
        "complaint": _complaint,
        "judgment": _judgment,
        "enforcement_ruling": _enforcement_ruling,
        "restructuring_agreement": _restructuring_agreement,
        "restructuring_approval": _restructuring_approval,
        "extension_agreement": _extension_agreement,
        "extension_approval": _extension_approval,
        "writeoff_application": _writeoff_application,
        "writeoff_investigation": _writeoff_investigation,
        "writeoff_evidence": _writeoff_evidence,
        "responsibility_record": _responsibility_record,
        "settlement_certificate": _settlement_certificate,
        "handover_record": _handover_record,
        "asset_preservation_transfer": _asset_preservation_transfer,
        "responsibility_determination": _responsibility_determination,
        "appeal": _appeal,
        "objection": _objection,
    }
)
_SEEDED_BUILDERS: Mapping[str, Callable[[_Facts, int], Flowables]] = MappingProxyType(
    {"rating_form": _rating_form, "site_photo": _site_photo}
)

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


# --------------------------------------------------------------------------------------------
# Padding appendices
# --------------------------------------------------------------------------------------------

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


def _ledger_tables(f: _Facts, rows: int, seed: int) -> Flowables:
    rng = random.Random(seed * 104729 + rows)
    day = _parse_date(f.start_date) or date(2000, 1, 1)
    balance = f.number("amount") * Decimal("0.35")
    top = max(2000, int(f.number("amount") / 5))
    out: Flowables = [_h("附件二：借款人结算账户交易流水（摘录）")]
    header = ["交易日期", "摘要", "对方户名", "收入（元）", "支出（元）", "余额（元）"]
    widths = [24 * mm, 26 * mm, 46 * mm, 25 * mm, 25 * mm, 24 * mm]
    chunk: list[list[str]] = [header]
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), _font(), 8),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), _LABEL_BG),
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
                _money(amount) if sign > 0 else "",
                _money(amount) if sign < 0 else "",
                _money(balance),
            ]
        )
        if len(chunk) == 41:
            out.append(Table(chunk, colWidths=widths, style=style, repeatRows=1))
            chunk = [header]
    if len(chunk) > 1:
        out.append(Table(chunk, colWidths=widths, style=style, repeatRows=1))
    return out


def _schedule_appendix(f: _Facts) -> Flowables:
    months = min(int(f.term_months), 60)
    start = _parse_date(f.start_date) or date(2000, 1, 1)
    bullet = "到期" in f.repayment_method or "一次" in f.repayment_method
    sched = _schedule(f, months, start, f.number("amount"), bullet=bullet)
    return [
        CondPageBreak(60 * mm),
        _h("附件一：还款计划表"),
        _table(
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


def _minutes(f: _Facts, paragraphs: int, seed: int) -> Flowables:
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
        _h("附件：会议纪要及调查访谈记录"),
        _p(
            f.t("会议时间：{date_cn}　会议地点：{bank}{branch}三楼会议室　记录人：{supervisor}"),
            "plain",
        ),
    ]
    values = f.mapping()
    for k in range(paragraphs):
        if k % 12 == 0:
            out.append(
                _h(f"第{k // 12 + 1}部分　议题{k // 12 + 1}：{f.borrower}授信及贷后管理情况")
            )
        values.update(
            who=rng.choice(_MINUTE_SPEAKERS),
            name=rng.choice(staff),
            pct=str(rng.randint(18, 65)),
            pct2=str(rng.randint(2, 15)),
            n=str(rng.randint(2, 9)),
        )
        out.append(_p(rng.choice(_MINUTE_TEMPLATES).format_map(values)))
    return out


def _appendix(f: _Facts, doc_type: str, units: int, seed: int) -> Flowables:
    if units <= 0:
        return []
    if doc_type in _MINUTES_TYPES:
        return _minutes(f, units, seed)
    return [*_schedule_appendix(f), *_ledger_tables(f, units * 4, seed)]


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _check_type(doc_type: str) -> None:
    if doc_type not in DOCUMENT_TITLES:
        known = ", ".join(sorted(DOCUMENT_TITLES))
        raise ValueError(f"unknown document type {doc_type!r}; known types: {known}")


def _decorate(f: _Facts, cn_title: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 8)
        canvas.setFillColor(_GREY)
        canvas.setStrokeColor(_GREY)
        canvas.setLineWidth(0.5)
        top = _PAGE_H - 12 * mm
        canvas.drawString(_MARGIN, top, f"{f.bank}　信贷档案　{cn_title}")
        canvas.drawRightString(_PAGE_W - _MARGIN, top, f"借据号：{f.loan_no}")
        canvas.line(_MARGIN, top - 2 * mm, _PAGE_W - _MARGIN, top - 2 * mm)
        canvas.line(_MARGIN, 14 * mm, _PAGE_W - _MARGIN, 14 * mm)
        canvas.drawCentredString(_PAGE_W / 2, 9 * mm, f"第 {doc.page} 页")
        canvas.drawString(_MARGIN, 9 * mm, f"借款人：{f.borrower}")
        canvas.drawRightString(_PAGE_W - _MARGIN, 9 * mm, "演示样本数据")
        canvas.restoreState()

    return draw


def _unwrap(flowable: Any) -> Flowables:
    """The content of a KeepTogether (they must not nest: an inner one forces a page break)."""
    if isinstance(flowable, KeepTogether):
        content: Flowables = flowable._content  # type: ignore[attr-defined]
        return list(content)
    return [flowable]


def _build(
    doc_type: str, fields: Mapping[str, str], seed: int, units: int, compress: bool
) -> bytes:
    _font()
    f = _facts(doc_type, fields, seed)
    if doc_type in _SEEDED_BUILDERS:
        story = _SEEDED_BUILDERS[doc_type](f, seed)
    else:
        story = _SIMPLE_BUILDERS[doc_type](f)
    if len(story) >= 2:  # never leave the sign-off alone on the last page
        story[-2:] = [KeepTogether([*_unwrap(story[-2]), *_unwrap(story[-1])])]
    story += _appendix(f, doc_type, units, seed)
    cn, en = DOCUMENT_TITLES[doc_type]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=f"{cn}（{f.loan_no}）",
        author=f.bank,
        subject=f"{en} — {f.borrower}",
        keywords=[doc_type, f.loan_no],
        creator="Dossier",
        producer="Dossier demo documents",
        invariant=1,
        pageCompression=1 if compress else 0,
        lang="zh-CN",
    )
    decorate = _decorate(f, cn)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()


def render_document(doc_type: str, fields: Mapping[str, str], *, seed: int = 0) -> bytes:
    """Render one document of type ``doc_type`` as PDF bytes.

    ``fields`` supplies the facts (borrower, loan_no, amounts, dates, names, findings...; see the
    module docstring); missing fields get plausible defaults derived deterministically from
    ``seed``. The output is byte-for-byte deterministic for the same arguments.

    Raises ValueError for an unknown ``doc_type``.
    """
    _check_type(doc_type)
    return _build(doc_type, fields, seed, 0, True)


def render_padded(doc_type: str, fields: Mapping[str, str], *, size: int, seed: int = 0) -> bytes:
    """Like `render_document`, padded with realistic appendix pages to at least ``size`` bytes.

    The appendix is a repayment schedule and account statement, or meeting minutes for reports
    and approvals; pages are stored uncompressed. The result is a valid PDF, deterministic for
    the same arguments, and usually within a few kilobytes above ``size``.
    """
    _check_type(doc_type)
    base = _build(doc_type, fields, seed, 0, False)
    if len(base) >= size:
        return base
    slack = max(2048, size // 32)
    lo, hi = 0, 0  # appendix sizes known to be too small / big enough (0: none yet)
    best = b""
    units = 8
    for _ in range(16):
        pdf = _build(doc_type, fields, seed, units, False)
        if len(pdf) >= size:
            hi, best = units, pdf
            if len(pdf) - size <= slack or hi - lo <= 1:
                return pdf
            units = (lo + hi) // 2
        else:
            lo = units
            if hi:
                units = (lo + hi + 1) // 2
            else:
                per_unit = max(1.0, (len(pdf) - len(base)) / units)
                units += max(1, math.ceil((size - len(pdf)) / per_unit))
    while not best:  # pragma: no cover - the search converges long before this
        units *= 2
        pdf = _build(doc_type, fields, seed, units, False)
        best = pdf if len(pdf) >= size else b""
    return best
