"""Borrower information kept up after disbursement (贷款信息维护) and the use of the funds
(贷款用途监控): docs/rules.md INF-50 to INF-58.

What the borrower's record holds (:class:`BorrowerField`), how a new value of each is checked
(:func:`checked_value`), and the sub-records a loan keeps of them. Pure: the standard library
and :mod:`domain.values` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.errors import InvalidInputError
from domain.industry import Industry
from domain.values import LabelledEnum, money, require_text


class BorrowerField(LabelledEnum):
    """One item of the borrower's information that may change after disbursement."""

    ADDRESS = ("address", "住址（经营地址）")
    PHONE = ("phone", "联系电话")
    EMPLOYER = ("employer", "工作单位（职业）")
    INCOME = ("income", "收入（元）")
    MARITAL_STATUS = ("marital_status", "婚姻状况")
    ASSETS = ("assets", "资产状况")
    LITIGATION = ("litigation", "涉诉（纠纷）情况")
    RATING = ("rating", "信用等级")
    REPAYMENT_ACCOUNT = ("repayment_account", "还款账户")
    INDUSTRY = ("industry", "所属行业（GB/T 4754 门类）")


class MaritalStatus(LabelledEnum):
    """A borrower's marital status (婚姻状况)."""

    SINGLE = ("single", "未婚")
    MARRIED = ("married", "已婚")
    DIVORCED = ("divorced", "离异")
    WIDOWED = ("widowed", "丧偶")


class PaymentMethod(LabelledEnum):
    """How the loan's funds were paid out (支付方式)."""

    SELF = ("self", "自主支付")
    ENTRUSTED = ("entrusted", "受托支付")


RATING_DOCUMENT = "rating_form"
"""A change of rating files the new rating form (借款人信用等级评定表): INF-52."""

MISUSE_CODE = "BEH-05"
"""The warning signal a use of funds against the stated purpose raises (贷款资金未按约定用途
使用, orange): INF-56."""

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,30}$")
_RATING = re.compile(r"^(定性)?[A-Z]{1,3}[+\-]?$")
"""A grade, or a qualitative rating (定性评级) named after the grade it compares to: 定性A."""
_ACCOUNT = re.compile(r"^[0-9A-Za-z\-]{6,40}$")


def checked_value(field: BorrowerField, value: str) -> str:
    """The new value of ``field`` as recorded, or a bilingual input error naming it."""
    name = f"changes.{field.value}"
    text = require_text(value, name, max_length=500)
    if field is BorrowerField.INCOME:
        return str(money(text, name))
    if field is BorrowerField.MARITAL_STATUS:
        return str(MaritalStatus.parse(text, name).value)
    if field is BorrowerField.RATING:
        rating = text.upper()
        if not _RATING.match(rating):
            raise InvalidInputError(
                f"信用等级 {text!r} 无效（如 AA、A+、BBB、定性A）",
                f"rating {text!r} is not a rating such as AA, A+, BBB or 定性A",
                field=name,
            )
        return rating
    if field is BorrowerField.INDUSTRY:
        return str(Industry.parse(text.upper(), name).value)
    if field is BorrowerField.PHONE and not _PHONE.match(text):
        raise InvalidInputError(
            f"联系电话 {text!r} 无效", f"phone {text!r} is not a phone number", field=name
        )
    if field is BorrowerField.REPAYMENT_ACCOUNT and not _ACCOUNT.match(text):
        raise InvalidInputError(
            f"还款账户 {text!r} 无效（6-40 位数字或字母）",
            f"repayment_account {text!r} must be 6-40 digits or letters",
            field=name,
        )
    return text


@dataclass(frozen=True)
class InformationChange:
    """One act of information maintenance: the fields changed, old → new, from a date."""

    changed_on: date
    changes: tuple[tuple[str, str | None, str], ...]
    """(field, old value or None when never recorded, new value), in the order given."""
    reason: str
    actor_id: UUID


@dataclass(frozen=True)
class FundsUse:
    """One use of the loan's funds (贷款资金使用记录) checked against the stated purpose."""

    id: UUID
    used_on: date
    amount: Decimal
    payee: str
    use: str
    matches_purpose: bool
    payment_method: PaymentMethod
    signal_id: UUID | None
    """The BEH-05 signal the use raised, or the one already open it fell under."""
    actor_id: UUID
