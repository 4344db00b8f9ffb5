"""The facts of one document: the fields given, completed with deterministic defaults.

The same seed gives the same fictitious borrower, bank and people in every document type, so the
documents of one demo dossier agree with each other.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from demo.pdfs.figures import (
    CENT,
    add_months,
    cn_date,
    money,
    parse_amount,
    parse_date,
    parse_rate,
    rmb_upper,
)
from demo.pdfs.pools import (
    BRANDS,
    GIVEN,
    INDUSTRIES,
    INSURERS,
    LAW_FIRMS,
    OCCUPATIONS,
    ORG_WORDS,
    RATES,
    REGIONS,
    SIGNALS,
    SURNAMES,
    VALUERS,
)


def _names(rng: random.Random, count: int) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
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
    city, county, region, bank, abbr, branches, streets = rng.choice(REGIONS)
    branch = rng.choice(branches)
    people = _names(rng, 23)
    industry, business, corp_purpose = rng.choice(INDUSTRIES)
    occupation, person_purpose = rng.choice(OCCUPATIONS)
    corporate = rng.random() < 0.6
    company = f"{city[:-1]}{rng.choice(BRANDS)}{industry}有限公司"
    year = rng.choice((2021, 2022, 2023, 2024))
    start = date(year, rng.randint(1, 12), rng.randint(1, 28))
    seq = rng.randint(1, 9999)
    corp_amount = rng.choice((50, 80, 100, 150, 200, 300, 500, 800, 1000)) * 10000
    person_amount = rng.choice((5, 10, 15, 20, 30, 50)) * 10000
    rate = rng.choice(RATES)
    corp_term = rng.choice((12, 12, 24, 36))
    person_term = rng.choice((12, 24, 36))
    street = rng.choice(streets)
    house = rng.randint(1, 388)
    area = Decimal(rng.randint(12000, 480000)) / 100
    signal_colour, signal = rng.choice(SIGNALS)
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
        "insurer": rng.choice(INSURERS),
        "valuation_firm": rng.choice(VALUERS),
        "law_firm": f"{city[:-1]}{rng.choice(LAW_FIRMS)}",
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
        "controller_photo": ("start", 95),
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
        "situation_report": ("due", 6),
        "guarantor_notice": ("due", 32),
        "guarantor_assessment": ("start", 180),
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


class Facts:
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
        value = parse_amount(self._values[name])
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


def facts_for(doc_type: str, fields: Mapping[str, str], seed: int) -> Facts:
    base = _base_defaults(seed)
    given = {k: str(v).strip() for k, v in fields.items() if v is not None and str(v).strip()}
    if "borrower" in given:
        corporate = any(w in given["borrower"] for w in ORG_WORDS)
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
    start = parse_date(v["start_date"]) or date.fromisoformat(base["start_date"])
    digits = re.sub(r"\D", "", v["term_months"])
    term = max(1, min(600, int(digits))) if digits else 12
    due = parse_date(v.get("due_date", "")) or add_months(start, term)
    anchor, offset = _DATE_OFFSETS[doc_type]
    doc_date = parse_date(v.get("date", "")) or (start if anchor == "start" else due) + timedelta(
        days=offset
    )
    new_due = parse_date(v.get("new_due_date", "")) or add_months(due, 12)

    # Money.
    amount = parse_amount(v["amount"]) or Decimal(0)
    balance = parse_amount(v.get("balance", "")) or (
        amount * Decimal(base["_balance_share"]) / 100
    ).quantize(Decimal(1000))
    rate = parse_rate(v["rate"]) or 0.0435
    if "overdue_days" in given and given["overdue_days"].isdigit():
        days = int(given["overdue_days"])
    elif doc_date > due:  # a document after maturity: overdue since the due date
        days = (doc_date - due).days
    else:
        days = int(base["overdue_days"])
    overdue_interest = (balance * Decimal(str(rate)) * days / 360).quantize(CENT)
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
        "balance": money(balance),
        "overdue_days": str(days),
        "overdue_principal": money(balance),
        "overdue_interest": money(overdue_interest),
        "collateral_value": money(collateral_value),
        "insured_value": money(collateral_value),
        "appraised_value": money(collateral_value),
        "writeoff_amount": money(balance),
        "recovered": money((balance * Decimal("0.12")).quantize(Decimal(100))),
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
        parsed = parse_amount(v[key])
        v[key + "_num"] = v[key] if parsed is None else money(parsed)
        v[key + "_upper"] = v[key] if parsed is None else rmb_upper(parsed)
    v["amount_text"] = f"人民币{v['amount_upper']}（¥{v['amount_num']}）"
    for key, shown in (
        ("start_date", "start_cn"),
        ("due_date", "due_cn"),
        ("date", "date_cn"),
        ("new_due_date", "new_due_cn"),
    ):
        parsed_date = parse_date(v[key])
        v[shown] = cn_date(parsed_date) if parsed_date else v[key]
    v["rate_pct"] = v["rate"]
    v["id_label"] = "统一社会信用代码" if corporate else "身份证号码"
    v["self"] = "本公司" if corporate else "本人"
    return Facts(v, frozenset(given))
