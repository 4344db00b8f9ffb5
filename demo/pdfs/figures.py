"""Money, dates and numbers as the documents write them: 大写 amounts, 年月日 dates, rates."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_DIGITS = "零壹贰叁肆伍陆柒捌玖"


_SMALL_UNITS = ("", "拾", "佰", "仟")


_BIG_UNITS = ("", "万", "亿", "万亿")


CENT = Decimal("0.01")


def rmb_upper(value: Decimal) -> str:
    """Amount in capital Chinese numerals as written on financial documents (大写金额)."""
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if value < 0:
        return "负" + rmb_upper(-value)
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


def parse_amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[¥￥,，\s]|人民币|元|整", "", text)
    factor = Decimal(1)
    if cleaned.endswith("万"):
        cleaned, factor = cleaned[:-1], Decimal(10000)
    try:
        value = Decimal(cleaned) * factor
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def money(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def parse_date(text: str) -> date | None:
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, 28)


def parse_rate(text: str) -> float | None:
    m = re.search(r"(\d+(?:\.\d+)?)", text)
    return float(m.group(1)) / 100 if m else None
